#include "RegisterSearch.h"

#include <regfed/sdk/Match.h>

#include <algorithm>
#include <chrono>

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
  // The adapter's call and the filtering here share the budget: the node keeps to the deadline too.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
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
  std::vector<std::string> phoneticCode;  // per residual condition: the query's code, computed once
  for (const auto& c : residual) {
    column.push_back(static_cast<std::size_t>(std::find(search.fields.begin(), search.fields.end(), c.field) -
                                              search.fields.begin()));
    const auto* query = c.values.empty() ? nullptr : std::get_if<std::string>(&c.values[0]);
    phoneticCode.push_back(c.op == sdk::Operator::Phonetic && query ? sdk::colognePhonetic(*query) : "");
  }
  std::size_t seen = 0;
  for (auto& row : found.rows) {
    if (++seen % 256 == 0 && std::chrono::steady_clock::now() > deadline) {
      out.rows.clear();
      out.status = sdk::Status::error(sdk::StatusCode::Timeout, "filtering the candidates took too long");
      return out;
    }
    bool keep = true;
    for (std::size_t r = 0; r < residual.size() && keep; ++r) {
      const sdk::Value& value = row[column[r]];
      if (residual[r].op == sdk::Operator::Phonetic) {
        const auto* text = std::get_if<std::string>(&value);
        keep = text && sdk::matchesPhoneticCode(phoneticCode[r], *text);
      } else {
        keep = sdk::matches(residual[r], value);
      }
    }
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
