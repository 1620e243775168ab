#pragma once
// Small helpers for lists of names (fields, roles, helpers), used by the policy and the services.

#include <algorithm>
#include <string>
#include <vector>

namespace regfed::core {

/// True when `list` contains `value`.
inline bool contains(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

/// The names separated by `separator` ("a, b, c").
inline std::string joined(const std::vector<std::string>& names, const std::string& separator = ", ") {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : separator) + n;
  return out;
}

}  // namespace regfed::core
