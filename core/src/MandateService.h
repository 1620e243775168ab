#pragma once
// The mandate workflow over HTTP (API.md "Mandates"), the yearly quota, and the owner's oversight lists:
// reviews of blocked-record hits for clerks, alerts for DPOs. Every mandate change is an audit event
// committed in the same transaction as the change; refusals are audited too.

#include <Poco/JSON/Object.h>
#include <regfed/audit/AuditSink.h>

#include <map>
#include <string>

#include "Config.h"
#include "MandateStore.h"
#include "OversightStore.h"
#include "Principal.h"
#include "QueryService.h"

namespace regfed::core {

/// Handlers for /v1/mandates, /v1/quota, /v1/reviews and /v1/audit/alerts.
class MandateService {
 public:
  MandateService(const Config& config, MandateStore& mandates, OversightStore& oversight,
                 regfed::audit::AuditSink& audit);

  /// POST /v1/mandates.
  Response create(const Principal& p, const std::string& requestId, const std::string& body);
  /// POST /v1/mandates/{id}/approve.
  Response approve(const Principal& p, const std::string& requestId, const std::string& id);
  /// POST /v1/mandates/{id}/revoke.
  Response revoke(const Principal& p, const std::string& requestId, const std::string& id);
  /// GET /v1/mandates?ags=&status=.
  Response list(const Principal& p, const std::string& requestId,
                const std::map<std::string, std::string>& query);
  /// GET /v1/quota?year=.
  Response quota(const Principal& p, const std::string& requestId,
                 const std::map<std::string, std::string>& query);
  /// GET /v1/reviews?status=.
  Response reviews(const Principal& p, const std::string& requestId,
                   const std::map<std::string, std::string>& query);
  /// POST /v1/reviews/{id}/close.
  Response closeReview(const Principal& p, const std::string& requestId, const std::string& id,
                       const std::string& body);
  /// GET /v1/audit/alerts.
  Response alerts(const Principal& p, const std::string& requestId);

 private:
  std::int64_t limitFor(const std::string& agreement) const;
  std::optional<Mandate> lookup(const std::string& id);
  /// Looks the mandate up, checks the caller is an admin of a party, applies the change, maps refusals.
  template <class Change>
  Response change(const Principal& p, const std::string& requestId, const std::string& id,
                  const std::string& action, Change apply);
  Response refused(const Principal& p, const std::string& requestId, const std::string& action,
                   const std::string& ownerAgs, const std::string& mandateId, const StateConflict& c);
  regfed::audit::AuditEvent event(const Principal& p, const std::string& requestId, const std::string& action,
                                  const Mandate& m, const std::string& reason) const;
  void recordOrThrow(regfed::audit::AuditEvent e);

  const Config& config_;
  MandateStore& mandates_;
  OversightStore& oversight_;
  regfed::audit::AuditSink& audit_;
};

/// The JSON of a mandate as the API shows it.
std::string mandateJson(const Mandate& m);

}  // namespace regfed::core
