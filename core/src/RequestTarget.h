#pragma once
// The request target (the path and query of an HTTP request line) taken apart without trusting it: segments
// stay percent-encoded until a route decides what they are, so an encoded '/' cannot change the route.

#include <map>
#include <optional>
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

/// Decodes %XX escapes; nullopt when an escape is malformed. '+' stays '+' (headers and paths are not forms).
std::optional<std::string> percentDecode(const std::string& text);

/// The query's parameters with '+' as a space but %XX escapes still in place (the first of repeated names
/// counts). Never throws.
std::map<std::string, std::string> rawQueryParameters(const std::string& rawQuery);

/// The query's parameters, decoded; a malformed escape keeps its raw text (handlers check every value they use
/// strictly). Never throws.
std::map<std::string, std::string> queryParameters(const std::string& rawQuery);

}  // namespace regfed::core
