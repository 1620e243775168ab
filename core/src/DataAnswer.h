#pragma once
// What a data request answers, whatever the transport: per-municipality results of a search, or one record —
// and the seam through which a node asks the nodes that own other municipalities' data.

#include <regfed/sdk/Types.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "Answer.h"
#include "DataRequest.h"
#include "Principal.h"

namespace regfed::core {

struct RequestMeta;

/// One municipality's part of a search.
struct TargetResult {
  std::string ags;
  std::string registerName;
  std::string status = "ok";  ///< ok, denied, unavailable, timeout, error.
  std::string code;           ///< Why, when not ok.
  std::string message;
  std::vector<std::string> fields;  ///< Disclosed fields, the id field first.
  std::vector<regfed::sdk::Row> rows;
  bool truncated = false;
  std::string node;  ///< The peer node that answered; empty when this node did.
};

/// A search: refused as a whole, or one result per municipality asked.
struct SearchAnswer {
  std::optional<RequestError> refused;
  std::vector<TargetResult> results;
};

/// One record: refused (not_found is also the neutral answer for a withheld record), or its fields.
struct RecordAnswer {
  std::optional<RequestError> refused;
  std::vector<std::string> fields;
  regfed::sdk::Row row;
};

using DeadlineClock = std::chrono::steady_clock;

/// The other nodes of the federation, as the query service sees them.
class RemoteNodes {
 public:
  virtual ~RemoteNodes() = default;
  /// The peer node hosting `ags`, or "" when no peer does.
  virtual std::string nodeOf(const std::string& ags) const = 0;
  /// Municipalities hosted by peers that hold `registerName` (as far as their catalogs are known: a peer
  /// never reached counts with all its municipalities, which then answer `unavailable`).
  virtual std::vector<std::string> municipalitiesWith(const std::string& registerName) const = 0;
  /// Starts asking the owning nodes of `municipalities` (all hosted by peers) in parallel; the function
  /// returned waits for the answers until `deadline` and gives one result per municipality, in order.
  virtual std::function<std::vector<TargetResult>()> search(const Principal& principal, const RequestMeta& meta,
                                                            const QueryRequest& request,
                                                            const std::vector<std::string>& municipalities,
                                                            DeadlineClock::time_point deadline) = 0;
  /// Asks the owning node for one record; `node` is set to the node asked.
  virtual RecordAnswer getRecord(const Principal& principal, const RequestMeta& meta,
                                 const RecordRequest& request, DeadlineClock::time_point deadline,
                                 std::string& node) = 0;
};

}  // namespace regfed::core
