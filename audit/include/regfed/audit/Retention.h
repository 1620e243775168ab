#pragma once
// Retention of the audit log (`regfed audit prune`): old events lose what names persons and cases, in the one
// UPDATE shape the append-only trigger allows, with the pruning role's column privileges. A pruned event
// keeps its place in the tree (seq, time, leaf hash) and its figures, so the signed heads still verify and
// the yearly report still counts it.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace regfed::audit {

/// Retention periods in months per category of event.
struct RetentionPolicy {
  std::int64_t registerAccessMonths = 12;  ///< "register_access": every action not named below (§40 BMG).
  std::int64_t idnrTransfersMonths = 24;   ///< "idnr_transfers": disclosed an idnrFields field (§9 IDNrG).
  std::vector<std::string> idnrFields = {"idnr"};  ///< Field names (lower case, [a-z0-9_]).
  std::int64_t auditReviewMonths = 24;             ///< "audit_review": audit_read, alert_*, review_*.
  std::int64_t mandatesMonths = 36;                ///< "mandates": mandate_* (mandate_sync included).
};

/// The category names, in the order prune() handles them.
const std::vector<std::string>& retentionCategories();

/// The category of an event: idnr_transfers when `fields` includes an IdNr field, else by action.
std::string retentionCategory(const std::string& action, const std::vector<std::string>& fields,
                              const std::vector<std::string>& idnrFields);

/// What one category's retention found or did.
struct PruneResult {
  std::string category;                           ///< See retentionCategories().
  std::int64_t months = 0;                        ///< Retention period applied.
  std::string cutoff;                             ///< UTC RFC 3339: events stored before it are pruned.
  std::int64_t events = 0;                        ///< Events pruned (or, in a dry run, to prune).
  std::optional<std::int64_t> firstSeq, lastSeq;  ///< Range of their sequence numbers.
};

/// Prunes the events of `node` stored before each category's cutoff, `batchSize` events per transaction, and
/// records one row per category with events in regfed_audit.prunings. `today` ("YYYY-MM-DD", a Europe/Berlin
/// day) sets the cutoffs to that day's start minus the months; empty: now minus the months. `dryRun` only
/// counts. Connects with `dsn` (the pruning role); throws pqxx errors and std::invalid_argument.
std::vector<PruneResult> pruneEvents(const std::string& dsn, const std::string& node,
                                     const RetentionPolicy& policy, const std::string& today, bool dryRun,
                                     std::int64_t batchSize = 5000);

}  // namespace regfed::audit
