#include "RequestTarget.h"

#include <algorithm>


namespace regfed::core {

RequestTarget splitTarget(const std::string& uri) {
  RequestTarget t;
  const std::string target = uri.substr(0, uri.find('#'));
  const std::size_t q = target.find('?');
  t.path = target.substr(0, q);
  if (q != std::string::npos) t.query = target.substr(q + 1);
  for (std::size_t start = 1; start <= t.path.size();) {
    std::size_t slash = t.path.find('/', start);
    if (slash == std::string::npos) slash = t.path.size();
    t.segments.push_back(t.path.substr(start, slash - start));
    start = slash + 1;
  }
  return t;
}

std::optional<std::string> percentDecode(const std::string& text) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    const int high = i + 1 < text.size() ? hex(text[i + 1]) : -1;
    const int low = i + 2 < text.size() ? hex(text[i + 2]) : -1;
    if (high < 0 || low < 0) return std::nullopt;
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return out;
}

std::map<std::string, std::string> rawQueryParameters(const std::string& raw) {
  std::map<std::string, std::string> out;
  std::size_t start = 0;
  while (start < raw.size()) {
    std::size_t end = raw.find('&', start);
    if (end == std::string::npos) end = raw.size();
    const std::string pair = raw.substr(start, end - start);
    const std::size_t eq = pair.find('=');
    std::string value = eq == std::string::npos ? "" : pair.substr(eq + 1);
    std::replace(value.begin(), value.end(), '+', ' ');  // a query string is form-encoded
    out.emplace(pair.substr(0, eq), std::move(value));  // the first of repeated parameters counts
    start = end + 1;
  }
  return out;
}

std::map<std::string, std::string> queryParameters(const std::string& raw) {
  std::map<std::string, std::string> out;
  for (const auto& [key, value] : rawQueryParameters(raw))
    out.emplace(percentDecode(key).value_or(key), percentDecode(value).value_or(value));
  return out;
}

}  // namespace regfed::core
