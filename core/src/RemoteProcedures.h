#pragma once
// The seam through which the procedures reach work items at other nodes: a helper works at their home node,
// which forwards each step with the helper's own token to the node hosting the procedure.

#include <optional>
#include <string>
#include <vector>

#include "Answer.h"
#include "DataAnswer.h"
#include "Principal.h"

namespace regfed::core {

struct RequestMeta;

/// One call on a procedure's items, as HTTP (or a peer) delivered it.
struct ItemCall {
  std::string ags;                     ///< Owning municipality.
  std::string procedure;               ///< Procedure name.
  std::string itemId;                  ///< Empty for the inbox.
  std::optional<std::string> mandate;  ///< Regfed-Mandate: required for helpers.
  std::string status = "open";         ///< Inbox: the status listed.
  std::string after;                   ///< Inbox: the last id of the previous page.
  std::int64_t limit = 50;             ///< Inbox: 1..200.
  std::string body;                    ///< complete: {"decision": …, "note": …}.
};

/// A procedure another node serves, as its catalog shows it.
struct RemoteProcedure {
  std::string node;
  std::string ags;
  std::string name;
  std::string title;
  std::string status;  ///< ok, unavailable (also when the node is not reachable)
  std::vector<std::string> kinds;
  std::vector<std::string> decisions;
};

/// Work items at the other nodes.
class RemoteProcedures {
 public:
  virtual ~RemoteProcedures() = default;
  /// The peer node hosting municipality `ags`, or "".
  virtual std::string nodeOf(const std::string& ags) const = 0;
  /// Forwards one step ("list", "view", "claim", "release", "complete"); the owning node's answer, or a
  /// refusal saying why there is none (`delivered` tells whether the step may have reached it).
  virtual Answer itemCall(const Principal& principal, const RequestMeta& meta, const std::string& action,
                          const ItemCall& call, DeadlineClock::time_point deadline, bool& delivered) = 0;
  /// The procedures the peers' catalogs show.
  virtual std::vector<RemoteProcedure> remoteProcedures() const = 0;
};

}  // namespace regfed::core
