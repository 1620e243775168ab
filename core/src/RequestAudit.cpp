#include "RequestAudit.h"

namespace regfed::core {

Answer auditUnavailable(const std::string& consequence) {
  return Answer::refused(RequestError{
      Failure::Unavailable,
      "audit_unavailable",
      "The audit trail cannot be written right now, so " + consequence + ". Try again shortly.",
      {}});
}

Answer auditedRefusal(const Config& config, regfed::audit::AuditSink& audit, const Principal& principal,
                        const RequestMeta& meta, const std::string& action, const std::string& ownerAgs,
                        const RequestError& error) {
  regfed::audit::AuditEvent e = newAuditEvent(config, principal, meta, action);
  if (!ownerAgs.empty()) e.ownerAgs = ownerAgs;
  e.decision = onNodeSide(error.kind) ? "error" : "deny";
  e.reason = error.code;
  std::vector<regfed::audit::AuditEvent> one = {e};
  if (!audit.record(one)) return auditUnavailable("nothing was done");
  return Answer::refused(error);
}

std::optional<RequestError> notHomeNode(const Config& config, const Principal& principal, const RequestMeta& meta) {
  if (meta.viaPeer || !config.federation.enabled() || !config.municipalityName(principal.ags).empty())
    return std::nullopt;
  const PeerConfig* home = config.peerHosting(principal.ags);
  return RequestError{Failure::Forbidden,
                      "not_home_node",
                      "Node " + config.nodeId + " does not host municipality " + principal.ags +
                          "; send your requests to your municipality's node" +
                          (home ? " (" + home->node + ")" : std::string()) + ", which asks the others for you.",
                      {}};
}

}  // namespace regfed::core
