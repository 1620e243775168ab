#pragma once
// What the owner's people act on: requests that hit a blocked record wait for manual processing (reviews), and
// DPO alerts (blocked-record hits, emergency activations and access).

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "Database.h"

namespace regfed::core {

/// A request that hit a blocked record, waiting for an owner's clerk.
struct Review {
  long long id = 0;
  std::string createdAt, requestId, ownerAgs, registerName, recordId, actor, actorAgs, purpose, caseRef,
      mandate;
  std::string status = "open", closedBy, closedAt, outcome;
};

/// A notice for the owning municipality's DPO; open, then acknowledged, then closed with an outcome.
struct Alert {
  long long id = 0;
  std::string time, ownerAgs, kind, requestId, actor, actorAgs, detail;
  std::string status = "open", acknowledgedBy, acknowledgedAt, closedBy, closedAt, outcome;
};

/// A new open alert.
inline Alert newAlert(std::string ownerAgs, std::string kind, std::string requestId, std::string actor,
                      std::string actorAgs, std::string detail) {
  Alert a;
  a.ownerAgs = std::move(ownerAgs);
  a.kind = std::move(kind);
  a.requestId = std::move(requestId);
  a.actor = std::move(actor);
  a.actorAgs = std::move(actorAgs);
  a.detail = std::move(detail);
  return a;
}

/// What the detectors count per person and owning municipality in a window of the audit log.
struct AlertThresholds {
  std::int64_t windowSeconds = 600;
  std::int64_t denials = 20;
  std::int64_t outsideMandate = 5;
  std::int64_t volume = 1000;
};

/// Reviews and alerts in PostgreSQL.
class OversightStore {
 public:
  explicit OversightStore(Database& db) : db_(db) {}

  /// Files a review and an alert for each withheld record of a request.
  void reportWithheld(const Review& prototype, const std::vector<std::string>& recordIds);
  /// Raises an alert.
  void addAlert(const Alert& alert);
  /// Raises an alert inside the caller's transaction (it commits with the change it reports).
  static void addAlert(pqxx::work& tx, const Alert& alert);
  /// Reviews of a municipality with a status ("open", "closed", or "" for all), newest first.
  std::vector<Review> reviews(const std::string& ownerAgs, const std::string& status);
  /// Closes an open review of `ownerAgs`; throws StateConflict (404 unknown, 409 already closed).
  /// `beforeCommit` runs inside the transaction with the closed review (the caller records its audit event
  /// there: a review never closes without one).
  Review closeReview(long long id, const std::string& ownerAgs, const std::string& user,
                     const std::string& outcome, const std::function<void(const Review&)>& beforeCommit);
  /// Alerts of a municipality with a status ("open", "acknowledged", "closed", or "" for all), newest first.
  std::vector<Alert> alerts(const std::string& ownerAgs, const std::string& status, int limit);
  /// Acknowledges (`close` false) or closes an alert of `ownerAgs` not yet closed; throws StateConflict (404
  /// unknown, 409 already closed or already acknowledged). `beforeCommit` runs inside the transaction with the
  /// changed alert (the caller records its audit event there).
  Alert changeAlert(long long id, const std::string& ownerAgs, const std::string& user, bool close,
                    const std::string& outcome, const std::function<void(const Alert&)>& beforeCommit);
  /// Open and acknowledged alerts per municipality and kind.
  std::vector<std::pair<std::pair<std::string, std::string>, std::int64_t>> unclosedAlertCounts();
  /// Looks at the last window of `node`'s audit log and raises one alert per person, owning municipality
  /// (one of `hosted`) and kind whose count reached its threshold and that has no alert of that kind within
  /// the window yet. Returns the alerts raised.
  std::vector<Alert> detect(const std::string& node, const std::vector<std::string>& hosted,
                            const AlertThresholds& thresholds);

 private:
  Database& db_;
};

}  // namespace regfed::core
