#pragma once
// The part every audit event of an HTTP request shares: node, time, request id, the client's correlation id,
// and who asked.

#include <regfed/audit/AuditEvent.h>
#include <regfed/audit/AuditSink.h>

#include <optional>
#include <stdexcept>
#include <string>

#include "Config.h"
#include "DataRequest.h"
#include "Principal.h"
#include "Answer.h"

namespace regfed::core {

/// Identifies one request: the id the node made for it, and the id the client sent, if any.
struct RequestMeta {
  std::string id;                            ///< The node's request id (a UUID); always made by the node.
  std::optional<std::string> correlationId;  ///< The client's X-Request-Id, for correlation only.
  /// The peer node that forwarded the request on the person's behalf (then `id` is that node's request id,
  /// so both nodes' logs carry the same one); empty for a request made at this node.
  std::optional<std::string> viaPeer;
};

/// A new audit event for `action` by `principal` in request `meta`; the caller fills in the rest.
inline regfed::audit::AuditEvent newAuditEvent(const Config& config, const Principal& principal,
                                               const RequestMeta& meta, const std::string& action) {
  regfed::audit::AuditEvent e;
  e.node = config.nodeId;
  e.time = regfed::audit::utcNow();
  e.requestId = meta.id;
  e.correlationId = meta.correlationId;
  e.peer = meta.viaPeer;
  e.actor = principal.id;
  e.actorAgs = principal.ags;
  e.roles.assign(principal.roles.begin(), principal.roles.end());
  e.action = action;
  return e;
}

/// In a federation people use their home node, which forwards their token; a node does not serve persons of
/// municipalities it does not host directly (Forbidden `not_home_node`). Otherwise a node that received a
/// person's token on a forwarded request could replay it to a third node's HTTP API, where no peer certificate
/// limits whom it may speak for — and a helper municipality's admin could approve at the owning node past their
/// own node's quota ledger.
std::optional<RequestError> notHomeNode(const Config& config, const Principal& principal, const RequestMeta& meta);

/// Thrown inside a store transaction when the audit event cannot be committed: the change rolls back.
struct AuditDown : std::runtime_error {
  AuditDown() : std::runtime_error("audit unavailable") {}
};

/// Unavailable `audit_unavailable`: the audit trail cannot be written, so `consequence` ("no data is
/// released").
Answer auditUnavailable(const std::string& consequence);

/// Records a request refused before it did anything (decision deny, or error for a failure on the node's side;
/// reason = the error's code) and answers with the error — or audit_unavailable when the event cannot be
/// committed: a refusal is audited too.
Answer auditedRefusal(const Config& config, regfed::audit::AuditSink& audit, const Principal& principal,
                        const RequestMeta& meta, const std::string& action, const std::string& ownerAgs,
                        const RequestError& error);

}  // namespace regfed::core
