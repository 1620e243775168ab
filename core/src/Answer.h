#pragma once
// What a service answers, whatever the transport: a JSON payload, or a refusal with a kind, a code and a plain
// message. The HTTP layer (HttpApi) and the node-to-node layer (FederationServer) each map it in one place;
// no service, policy or store knows an HTTP status.

#include <optional>
#include <string>
#include <vector>

namespace regfed::core {

/// What went wrong, as a kind a transport can map (HTTP: 400, 401, 403, 404, 409, 408, 413, 422, 503, 500).
enum class Failure {
  Malformed,        ///< The request cannot be read at all.
  Unauthenticated,  ///< No valid token.
  Forbidden,        ///< The policy refuses it.
  NotFound,         ///< Nothing there (also the neutral answer for withheld records).
  Conflict,         ///< The state does not allow it (already approved, quota exceeded, …).
  Timeout,          ///< The request did not arrive in time.
  TooLarge,         ///< The body is larger than allowed.
  Invalid,          ///< Readable, but not a valid request.
  Unavailable,      ///< A dependency (audit store, database, register, peer) is down.
  Internal,         ///< A bug: logged.
};

/// True for failures on the node's side (audited with decision "error" rather than "deny").
inline bool onNodeSide(Failure kind) { return kind == Failure::Unavailable || kind == Failure::Internal; }

/// The snake_case name of a failure kind (used on the wire between nodes).
const char* failureName(Failure kind);
/// The kind of a name from failureName; Internal for an unknown name.
Failure failureFromName(const std::string& name);

/// A refused request: kind, code, plain message, and what the caller needs to fix it.
struct RequestError {
  Failure kind;                     ///< What went wrong.
  std::string code;                 ///< snake_case, stable for clients.
  std::string message;              ///< Plain sentence.
  std::vector<std::string> fields;  ///< Field names concerned, if any.
  std::string details = {};         ///< A JSON object with figures for the caller, or empty.
};

/// A service's answer: a JSON payload, or a refusal.
struct Answer {
  std::optional<RequestError> error;  ///< Set: refused.
  std::string payload;                ///< JSON object text of a success.
  bool created = false;               ///< The success created a resource.

  static Answer ok(std::string payload) { return Answer{std::nullopt, std::move(payload), false}; }
  static Answer createdWith(std::string payload) { return Answer{std::nullopt, std::move(payload), true}; }
  static Answer refused(RequestError error) { return Answer{std::move(error), "", false}; }
};

}  // namespace regfed::core
