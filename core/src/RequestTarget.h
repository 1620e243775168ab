#pragma once
// The request target (the path and query of an HTTP request line) taken apart without trusting it: segments
// stay percent-encoded until a route decides what they are, so an encoded '/' cannot change the route.

#include <map>
#include <string>
#include <vector>

namespace regfed::core {

/// A request target split as it arrived.
struct RequestTarget {
  std::string path;                   ///< Up to '?' or '#'.
  std::vector<std::string> segments;  ///< Path segments between '/', still percent-encoded.
  std::string query;                  ///< After '?', still encoded.
};

/// Splits `uri` (origin form, "/v1/..."); never throws.
RequestTarget splitTarget(const std::string& uri);

/// The query's parameters, decoded ('+' is a space); a malformed escape keeps its raw text (handlers check
/// every value they use strictly). Never throws.
std::map<std::string, std::string> queryParameters(const std::string& rawQuery);

}  // namespace regfed::core
