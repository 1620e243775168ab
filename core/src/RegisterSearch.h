#pragma once
// Runs a search on one register: pushes down what the adapter declares, evaluates the rest here with the
// SDK's reference semantics, and cuts to the limit with exact truncation.

#include <regfed/sdk/Types.h>

#include <string>
#include <vector>

#include "AdapterHost.h"

namespace regfed::core {

/// Rows aligned with the requested fields.
struct SearchOutcome {
  regfed::sdk::Status status;          ///< Adapter outcome.
  std::vector<regfed::sdk::Row> rows;  ///< At most `limit`.
  bool truncated = false;              ///< More matched than returned (or may have).
};

/// Searches `entry` for `conditions` (AND), returning `fields` of at most `limit` rows within `timeoutMs`.
SearchOutcome runSearch(AdapterHost& host, RegisterEntry& entry,
                        std::vector<regfed::sdk::Condition> conditions,
                        const std::vector<std::string>& fields, std::int64_t limit, std::int64_t timeoutMs);

/// Text of an id value.
std::string idText(const regfed::sdk::Value& id);

}  // namespace regfed::core
