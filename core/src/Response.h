#pragma once
// What a service answers over HTTP: a status and a JSON body.

#include <string>
#include <utility>
#include <vector>

namespace regfed::core {

/// An HTTP answer: status and JSON body.
struct Response {
  int status = 200;  ///< HTTP status.
  std::string body;  ///< JSON text.
  std::vector<std::pair<std::string, std::string>> headers = {};  ///< Extra headers.
  bool sent = false;  ///< Already streamed to the client by the handler (exports): nothing left to write.
};

}  // namespace regfed::core
