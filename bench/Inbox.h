#pragma once
// What a helper does with an inbox of work items: read a page of open items, claim one, complete it.
// claim_bench drives the node's HTTP API (NodeInbox) and the antraege adapter's SQL (DatabaseInbox) through
// this interface, so both run the very same helper loop.

#include <cstddef>
#include <string>
#include <vector>

namespace regfed::bench {

/// A page of open items as a helper sees it.
struct InboxPage {
  std::vector<std::string> unclaimed;  ///< Ids of the items on the page that nobody holds, oldest first.
  std::size_t shown = 0;               ///< Items on the page, claimed or not; 0 when the inbox is empty.
};

/// How a claim ended.
enum class ClaimAnswer {
  Won,          ///< The item is now the helper's.
  HeldByOther,  ///< Someone else holds it (HTTP 409 already_claimed).
  NotOpen,      ///< It was decided in the meantime (HTTP 404 item_not_found for a helper).
  Failed,       ///< Anything else; error() says what.
};

/// One helper's way into one inbox; used by one thread.
class Inbox {
 public:
  virtual ~Inbox() = default;
  /// The first `limit` open items, oldest first; false when the call failed.
  virtual bool page(int limit, InboxPage& out) = 0;
  /// Tries to claim `id`.
  virtual ClaimAnswer claim(const std::string& id) = 0;
  /// Completes an item the helper holds with the decision "approved"; false when that failed.
  virtual bool approve(const std::string& id) = 0;
  /// What the last failed call said.
  virtual const std::string& error() const = 0;
};

}  // namespace regfed::bench
