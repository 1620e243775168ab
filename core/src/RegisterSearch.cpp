#include "RegisterSearch.h"

#include <regfed/sdk/Match.h>

#include <algorithm>

namespace regfed::core {

namespace sdk = regfed::sdk;

std::string idText(const sdk::Value& id) {
  if (auto* s = std::get_if<std::string>(&id)) return *s;
  if (auto* i = std::get_if<std::int64_t>(&id)) return std::to_string(*i);
  return "";
}

SearchOutcome runSearch(AdapterHost& host, RegisterEntry& entry, std::vector<sdk::Condition> conditions,
                        const std::vector<std::string>& fields, std::int64_t limit, std::int64_t timeoutMs) {
  SearchOutcome out;
  if (timeoutMs <= 0) {
    out.status = sdk::Status::error(sdk::StatusCode::Timeout, "request deadline passed");
    return out;
  }
  const sdk::Capabilities caps = entry.capabilities();
  std::vector<sdk::Condition> pushed, residual;
  for (auto& c : conditions)
    (std::find(caps.operators.begin(), caps.operators.end(), c.op) != caps.operators.end() ? pushed
                                                                                           : residual)
        .push_back(std::move(c));
  sdk::SearchRequest search;
  search.conditions = std::move(pushed);
  search.fields = fields;
  for (const auto& c : residual)
    if (std::find(search.fields.begin(), search.fields.end(), c.field) == search.fields.end())
      search.fields.push_back(c.field);
  // With residual conditions the adapter returns candidates up to its maximum; the rest is filtered here.
  search.limit = residual.empty() ? std::min(limit, caps.maxLimit) : caps.maxLimit;
  search.timeoutMs = timeoutMs;
  sdk::SearchResult found;
  out.status = host.search(entry, search, found);
  if (!out.status.ok()) return out;
  out.truncated = found.truncated;
  std::vector<std::size_t> column;
  for (const auto& c : residual)
    column.push_back(static_cast<std::size_t>(std::find(search.fields.begin(), search.fields.end(), c.field) -
                                              search.fields.begin()));
  for (auto& row : found.rows) {
    bool keep = true;
    for (std::size_t r = 0; r < residual.size() && keep; ++r)
      keep = sdk::matches(residual[r], row[column[r]]);
    if (!keep) continue;
    if (static_cast<std::int64_t>(out.rows.size()) == limit) {
      out.truncated = true;
      break;
    }
    row.resize(fields.size());
    out.rows.push_back(std::move(row));
  }
  return out;
}

}  // namespace regfed::core
