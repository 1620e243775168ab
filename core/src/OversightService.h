#pragma once
// The owner's oversight: reviews of blocked-record hits for its clerks, alerts for its DPO. Closing a
// review and reading alerts are audit events; a review never closes without its committed event.

#include <regfed/audit/AuditSink.h>

#include <map>
#include <string>

#include "Config.h"
#include "OversightStore.h"
#include "Principal.h"
#include "RequestAudit.h"
#include "Answer.h"

namespace regfed::core {

/// Handlers for /v1/reviews and /v1/audit/alerts.
class OversightService {
 public:
  OversightService(const Config& config, OversightStore& oversight, regfed::audit::AuditSink& audit);

  /// GET /v1/reviews?status=.
  Answer reviews(const Principal& p, const RequestMeta& meta, const std::map<std::string, std::string>& query);
  /// POST /v1/reviews/{id}/close.
  Answer closeReview(const Principal& p, const RequestMeta& meta, const std::string& id,
                       const std::string& body);
  /// GET /v1/audit/alerts?status=open|acknowledged|closed|all.
  Answer alerts(const Principal& p, const RequestMeta& meta, const std::map<std::string, std::string>& query);
  /// POST /v1/audit/alerts/{id}/acknowledge (`close` false) and POST /v1/audit/alerts/{id}/close with
  /// {"outcome": …}.
  Answer changeAlert(const Principal& p, const RequestMeta& meta, const std::string& id, bool close,
                     const std::string& body);
  /// Audits and answers a review request refused before it was read (body too large or too slow).
  Answer refuse(const Principal& p, const RequestMeta& meta, const std::string& action,
                  const RequestError& error);

 private:
  const Config& config_;
  OversightStore& oversight_;
  regfed::audit::AuditSink& audit_;
};

}  // namespace regfed::core
