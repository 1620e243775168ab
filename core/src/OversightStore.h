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

/// A notice for the owning municipality's DPO.
struct Alert {
  long long id = 0;
  std::string time, ownerAgs, kind, requestId, actor, actorAgs, detail;
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
  /// Alerts of a municipality, newest first.
  std::vector<Alert> alerts(const std::string& ownerAgs, int limit);

 private:
  Database& db_;
};

}  // namespace regfed::core
