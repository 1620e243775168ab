#pragma once
// What a service answers over HTTP: a status and a JSON body.

#include <string>

namespace regfed::core {

/// An HTTP answer: status and JSON body.
struct Response {
  int status = 200;  ///< HTTP status.
  std::string body;  ///< JSON text.
};

}  // namespace regfed::core
