#include "RequestAudit.h"

#include "Json.h"

namespace regfed::core {

Response auditUnavailable(const std::string& requestId, const std::string& consequence) {
  return {503, errorBody("audit_unavailable",
                         "The audit trail cannot be written right now, so " + consequence + ". Try again shortly.",
                         requestId)};
}

Response auditedRefusal(const Config& config, regfed::audit::AuditSink& audit, const Principal& principal,
                        const RequestMeta& meta, const std::string& action, const std::string& ownerAgs,
                        const RequestError& error) {
  regfed::audit::AuditEvent e = newAuditEvent(config, principal, meta, action);
  if (!ownerAgs.empty()) e.ownerAgs = ownerAgs;
  e.decision = error.status >= 500 ? "error" : "deny";
  e.reason = error.code;
  std::vector<regfed::audit::AuditEvent> one = {e};
  if (!audit.record(one)) return auditUnavailable(meta.id, "nothing was done");
  return {error.status, errorBody(error.code, error.message, meta.id, error.fields, error.details)};
}

}  // namespace regfed::core
