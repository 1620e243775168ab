#pragma once
// The DPO's questions to a node's audit log: events by filter (newest first, keyset pagination), every access
// to one record (GDPR Art. 15), and a streamed read of everything a filter matches (exports). Nothing here
// writes; the node's role and the read-only auditor role may run all of it.

#include <regfed/audit/AuditStore.h>

#include <functional>
#include <optional>
#include <pqxx/transaction_base>
#include <string>
#include <vector>

namespace regfed::audit {

/// A time bound of a filter: a Berlin calendar day (`YYYY-MM-DD`, the whole day) or an instant (RFC 3339).
struct TimeBound {
  std::string text;     ///< As given.
  bool isDate = false;  ///< A day, not an instant.
};

/// What a review query matches. Unset members do not filter.
struct EventFilter {
  std::string node;                    ///< Whose log.
  std::vector<std::string> visibleTo;  ///< Events whose owner or actor municipality is one of these; empty: all.
  std::optional<TimeBound> from;       ///< From this instant, or from the start of this day.
  std::optional<TimeBound> to;         ///< Up to this instant, or to the end of this day.
  std::optional<std::string> actor, actorAgs, ownerAgs, registerName, mandate, caseRef, decision, reason, action;
  std::optional<std::string> subject;  ///< A record id disclosed or withheld by the event.
  std::optional<bool> emergency;
  std::optional<std::int64_t> beforeSeq;  ///< Keyset cursor: only events with a smaller seq.
  std::int64_t limit = 100;               ///< At most this many (findEvents only).
};

/// Up to `filter.limit` matching events, newest first.
std::vector<StoredEvent> findEvents(pqxx::transaction_base& tx, const EventFilter& filter);

/// Every matching event, newest first, read through a server-side cursor a page at a time (memory stays
/// constant however many match). `each` returns false to stop. Needs a transaction (pqxx::work).
void streamEvents(pqxx::transaction_base& tx, const EventFilter& filter,
                  const std::function<bool(const StoredEvent&)>& each);

/// True for a time bound PostgreSQL will read as intended: `YYYY-MM-DD`, or RFC 3339 with a time zone
/// (`2026-11-28T10:00:00Z`, `2026-11-28T11:00:00.5+01:00`).
bool parseTimeBound(const std::string& text, TimeBound& out);

}  // namespace regfed::audit
