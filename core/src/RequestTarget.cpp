#include "RequestTarget.h"

#include <algorithm>

#include "DataRequest.h"

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

std::map<std::string, std::string> queryParameters(const std::string& raw) {
  std::map<std::string, std::string> out;
  std::size_t start = 0;
  while (start < raw.size()) {
    std::size_t end = raw.find('&', start);
    if (end == std::string::npos) end = raw.size();
    const std::string pair = raw.substr(start, end - start);
    const std::size_t eq = pair.find('=');
    std::string key = pair.substr(0, eq), value = eq == std::string::npos ? "" : pair.substr(eq + 1);
    std::replace(value.begin(), value.end(), '+', ' ');
    out[percentDecode(key).value_or(key)] = percentDecode(value).value_or(value);
    start = end + 1;
  }
  return out;
}

}  // namespace regfed::core
