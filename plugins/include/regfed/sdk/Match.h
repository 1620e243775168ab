#pragma once
// Reference semantics of the filter operators, header-only so in-memory adapters and the host's own residual
// filtering agree exactly. Values are already of the field's type (the host converts and checks them).

#include <regfed/sdk/Phonetic.h>
#include <regfed/sdk/Types.h>

namespace regfed::sdk {

/// Orders two values of the same type: negative, zero, positive. Null sorts first.
inline int compareValues(const Value& a, const Value& b) {
  if (a.index() != b.index()) return a.index() < b.index() ? -1 : 1;
  if (std::holds_alternative<std::monostate>(a)) return 0;
  if (auto* x = std::get_if<bool>(&a)) return *x == std::get<bool>(b) ? 0 : (*x ? 1 : -1);
  if (auto* x = std::get_if<std::int64_t>(&a)) {
    const auto y = std::get<std::int64_t>(b);
    return *x < y ? -1 : (*x > y ? 1 : 0);
  }
  return std::get<std::string>(a).compare(std::get<std::string>(b));
}

/// True when any word of `text` (split at spaces and hyphens, e.g. "Anna Maria") has the Kölner Phonetik code
/// `code` of the query (computed once per query with colognePhonetic).
inline bool matchesPhoneticCode(const std::string& code, const std::string& text) {
  if (code.empty()) return false;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find_first_of(" -", start);
    if (end == std::string::npos) end = text.size();
    if (end > start && colognePhonetic(text.substr(start, end - start)) == code) return true;
    start = end + 1;
  }
  return false;
}

/// True when a field value satisfies a condition. A null field value satisfies no condition.
inline bool matches(const Condition& condition, const Value& value) {
  if (std::holds_alternative<std::monostate>(value)) return false;
  switch (condition.op) {
    case Operator::Equals:
      return !condition.values.empty() && compareValues(value, condition.values[0]) == 0;
    case Operator::Prefix: {
      auto* text = std::get_if<std::string>(&value);
      auto* prefix = condition.values.empty() ? nullptr : std::get_if<std::string>(&condition.values[0]);
      return text && prefix && text->compare(0, prefix->size(), *prefix) == 0;
    }
    case Operator::Range: {
      const Value& from = condition.values.size() > 0 ? condition.values[0] : Value{};
      const Value& to = condition.values.size() > 1 ? condition.values[1] : Value{};
      if (!std::holds_alternative<std::monostate>(from) && compareValues(value, from) < 0) return false;
      if (!std::holds_alternative<std::monostate>(to) && compareValues(value, to) > 0) return false;
      return true;
    }
    case Operator::In:
      for (const auto& v : condition.values)
        if (compareValues(value, v) == 0) return true;
      return false;
    case Operator::Phonetic: {
      auto* text = std::get_if<std::string>(&value);
      auto* query = condition.values.empty() ? nullptr : std::get_if<std::string>(&condition.values[0]);
      if (!text || !query) return false;
      return matchesPhoneticCode(colognePhonetic(*query), *text);
    }
  }
  return false;
}

}  // namespace regfed::sdk
