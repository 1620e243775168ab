#pragma once
// The SQL of the antraege adapter, as named prepared statements over one schema. Every claim, release and
// completion is a single statement: the UPDATE that changes the item decides (PostgreSQL re-checks its WHERE
// against the newest row version when a concurrent change commits first), and the history row is written by
// the same statement, so one transaction holds both.

#include <map>
#include <string>

namespace regfed::adapters::antraege {

/// Statement names (prepared on each pooled connection), with their parameters and result columns.
namespace statement {
/// ($1 milliseconds): statement_timeout for the rest of this transaction.
constexpr const char* kTimeout = "antraege_timeout";
/// ($1 ags) -> kind.
constexpr const char* kKinds = "antraege_kinds";
/// ($1 ags, $2 status, $3 after id or '', $4 limit) -> summary columns.
constexpr const char* kList = "antraege_list";
/// ($1 ags, $2 id) -> status.
constexpr const char* kExists = "antraege_exists";
/// ($1 ags, $2 id) -> summary columns.
constexpr const char* kSummary = "antraege_summary";
/// ($1 ags, $2 id) -> name, label, value.
constexpr const char* kApplicant = "antraege_applicant";
/// ($1 ags, $2 id) -> register, id, label.
constexpr const char* kReferences = "antraege_references";
/// ($1 ags, $2 id) -> name, media type, size, sha256.
constexpr const char* kAttachments = "antraege_attachments";
/// ($1 ags, $2 id) -> at, status, actor, note.
constexpr const char* kHistory = "antraege_history";
/// ($1 ags, $2 id, $3 holder, $4 lease seconds) -> is new, holder, since, expires; no row when not taken.
constexpr const char* kClaim = "antraege_claim";
/// ($1 ags, $2 id) -> status, claim is live, holder, since, expires.
constexpr const char* kClaimState = "antraege_claim_state";
/// ($1 ags, $2 id, $3 holder) -> number of items released.
constexpr const char* kRelease = "antraege_release";
/// ($1 ags, $2 id, $3 holder, $4 status, $5 note) -> number of items completed.
constexpr const char* kComplete = "antraege_complete";
}  // namespace statement

/// The summary columns every item query returns first, in this order.
enum SummaryColumn { kId, kKind, kTitle, kReceived, kStatus, kHolder, kSince, kExpires };

/// Statement name -> SQL for the tables in `schema` (a validated plain identifier).
std::map<std::string, std::string> statements(const std::string& schema);

/// A probe that fails unless the schema has the tables and columns the statements use.
std::string schemaProbe(const std::string& schema);

}  // namespace regfed::adapters::antraege
