// libFuzzer target: a GET of one record as it arrives — request target (first line) and headers (further
// lines, "Name: value") — split, routed and read the way the HTTP layer does.
#include <cstddef>
#include <cstdint>
#include <map>
#include <sstream>
#include <string>

#include "DataRequest.h"
#include "HttpApi.h"
#include "RequestTarget.h"

using namespace regfed::core;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  std::string uri, line;
  std::getline(in, uri);
  std::map<std::string, std::string> headers;
  while (std::getline(in, line)) {
    const auto colon = line.find(':');
    if (colon != std::string::npos) headers[line.substr(0, colon)] = line.substr(colon + 1);
  }
  const RequestTarget target = splitTarget(uri);
  queryParameters(target.query);
  acceptableCorrelationId(headers.count("X-Request-Id") ? headers["X-Request-Id"] : "");
  const auto& s = target.segments;
  if (s.size() == 6) {
    RecordRequest r = readRecordRequest(s[2], s[3], s[5], target.query,
                                        [&](const std::string& name) -> std::optional<std::string> {
                                          auto it = headers.find(name);
                                          if (it == headers.end()) return std::nullopt;
                                          return it->second;
                                        });
    try {
      if (!r.problem) checkPurpose(r.purpose, r.caseRef);
      checkMandate(r.mandate);
    } catch (const RequestError&) {
    }
  }
  return 0;
}
