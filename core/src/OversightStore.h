#pragma once
// What the owner's people act on: requests that hit a blocked record wait for manual processing (reviews),
// DPO alerts (blocked-record hits, emergency access), and the emergency windows of responders.

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

/// Reviews, alerts and emergency windows in PostgreSQL.
class OversightStore {
 public:
  explicit OversightStore(Database& db) : db_(db) {}

  /// Files a review and an alert for each withheld record of a request.
  void reportWithheld(const Review& prototype, const std::vector<std::string>& recordIds);
  /// Raises an alert.
  void addAlert(const Alert& alert);
  /// Reviews of a municipality with a status ("open", "closed", or "" for all), newest first.
  std::vector<Review> reviews(const std::string& ownerAgs, const std::string& status);
  /// Closes an open review of `ownerAgs`; throws StateConflict (404 unknown, 409 already closed).
  Review closeReview(long long id, const std::string& ownerAgs, const std::string& user,
                     const std::string& outcome);
  /// Alerts of a municipality, newest first.
  std::vector<Alert> alerts(const std::string& ownerAgs, int limit);

  /// Opens the emergency window of a sign-in (actor, municipality, token issue time) on first use and returns
  /// the seconds since it was opened.
  long long useEmergencyWindow(const std::string& actor, const std::string& actorAgs, long long tokenIssuedAt,
                               const std::string& reason);

 private:
  Database& db_;
};

}  // namespace regfed::core
