#pragma once
// The procedure adapter contract (since SDK 1.1): a Fachverfahren that holds work items, e.g. the online
// applications (Online-Anträge) a municipality receives. The node lists a procedure's items, shows one, and lets
// a helper claim it, release it and complete it with a decision. The backend is the authority on an item's state:
// claim, release and complete are atomic there, so two helpers claiming one item at the same moment get one
// `Claimed` and one `HeldByOther`, whichever node or thread they come through.
//
// Like RegisterAdapter, required calls are pure virtual; calls added in a later minor version get a default and
// go at the end, and the host calls them only on modules that state that minor version or newer.

#include <regfed/sdk/Types.h>

#include <optional>
#include <string>
#include <vector>

namespace regfed::sdk {

/// What a helper decides about an item.
enum class Decision { Approved, Rejected, NeedsInfo };

/// One line of the applicant's data as the application states it (not register data): a field name, its German
/// label for display, and the value as text.
struct ItemField {
  std::string name;   ///< e.g. "familienname".
  std::string label;  ///< e.g. "Familienname".
  std::string value;  ///< As entered by the applicant; dates "YYYY-MM-DD".
};

/// A register record the application refers to (e.g. the applicant's entry in the Melderegister). A helper who
/// holds the item may open these records without searching first: they were found by the case.
struct ItemReference {
  std::string registerName;  ///< A register of the same municipality, e.g. "melderegister".
  std::string recordId;      ///< The record's id in that register.
  std::string label;         ///< Why it is referred to, e.g. "Antragsteller/in".
};

/// Metadata of an attachment; the content stays in the procedure.
struct Attachment {
  std::string name;       ///< File name as uploaded.
  std::string mediaType;  ///< e.g. "application/pdf".
  std::int64_t sizeBytes = 0;
  std::string sha256;  ///< Hex digest of the content, when the procedure knows it.
};

/// One change of an item's state.
struct HistoryEntry {
  std::string at;      ///< RFC 3339 (UTC).
  std::string status;  ///< Status after the change (see WorkItemSummary::status), or "claimed"/"released".
  std::string by;      ///< Who: a holder string (see ClaimRequest::holder), or "antragsteller" / "system".
  std::string note;    ///< Free text, may be empty.
};

/// Who holds an item and until when.
struct Claim {
  std::string holder;   ///< As given to claim().
  std::string since;    ///< RFC 3339 (UTC): when the claim was taken.
  std::string expires;  ///< RFC 3339 (UTC): when it lapses unless renewed.
};

/// An item as listed.
struct WorkItemSummary {
  std::string id;        ///< Unique within the procedure, e.g. "OA-2026-000042".
  std::string kind;      ///< e.g. "Wohnsitzanmeldung".
  std::string title;     ///< One line for the inbox, e.g. "Wohnsitzanmeldung Müller, Anna".
  std::string received;  ///< RFC 3339 (UTC).
  /// "open" (waiting to be processed), "needs_info" (waiting for the applicant), "approved", "rejected".
  std::string status;
  std::optional<Claim> claim;  ///< Present while someone holds the item (and the claim has not lapsed).
};

/// An item with everything a helper needs to process it.
struct WorkItem {
  WorkItemSummary summary;
  std::vector<ItemField> applicant;
  std::vector<ItemReference> references;
  std::vector<Attachment> attachments;
  std::vector<HistoryEntry> history;  ///< Oldest first.
};

/// List items in a status, oldest received first, paged by `after` (the last id of the previous page).
struct ListItemsRequest {
  std::string status = "open";
  std::int64_t limit = 100;  ///< 1..500.
  std::string after;         ///< Empty: from the start.
  std::int64_t timeoutMs = 0;
};

/// A page of items.
struct ListItemsResult {
  std::vector<WorkItemSummary> items;
  bool more = false;  ///< True when items follow the last one returned.
};

/// Fetch, release or otherwise address one item.
struct ItemRequest {
  std::string id;
  std::int64_t timeoutMs = 0;
};

/// Take an item, or renew one's own claim on it.
struct ClaimRequest {
  std::string id;
  /// Who claims: "user@ags" (the person's id and home municipality), compared as an opaque string.
  std::string holder;
  /// The claim lapses this long after it was taken or last renewed; a lapsed claim counts as no claim.
  std::int64_t leaseSeconds = 1800;
  std::int64_t timeoutMs = 0;
};

/// How a claim ended.
enum class ClaimOutcome {
  Claimed,      ///< The item was free (or its claim had lapsed) and is now the holder's.
  Renewed,      ///< The holder already held it; the lease starts again.
  HeldByOther,  ///< Someone else holds it; `claim` says who and until when.
  NotOpen,      ///< The item is not in status "open" (completed, or waiting for the applicant).
  NotFound,     ///< No such item.
};

/// Result of claim().
struct ClaimResult {
  ClaimOutcome outcome = ClaimOutcome::NotFound;
  Claim claim;  ///< The claim now in force (the holder's, or the other one's for HeldByOther).
};

/// Give an item back, or finish it.
struct ReleaseRequest {
  std::string id;
  std::string holder;  ///< Only the holder releases (a lapsed claim is released by anyone with the same holder).
  std::int64_t timeoutMs = 0;
};

/// Record a decision on a claimed item; the claim ends with it.
struct CompleteRequest {
  std::string id;
  std::string holder;  ///< Must hold a claim that has not lapsed.
  Decision decision = Decision::Approved;
  std::string note;  ///< The helper's note for the file (at most 2000 characters).
  std::int64_t timeoutMs = 0;
};

/// How a release or completion ended.
enum class ChangeOutcome {
  Done,      ///< Released, or completed with the decision.
  NotHeld,   ///< The caller does not hold the item (never did, someone else does, or the claim lapsed).
  NotOpen,   ///< The item is not open any more.
  NotFound,  ///< No such item.
};

/// What a procedure adapter can do, reported before open() too.
struct ProcedureCapabilities {
  bool claim = true;     ///< claim/release/complete are supported (a read-only inbox when false).
  bool attachments = false;  ///< Items carry attachment metadata.
  std::vector<Decision> decisions = {Decision::Approved, Decision::Rejected, Decision::NeedsInfo};
};

/// The adapter's description of the procedure it serves.
struct ProcedureDescription {
  std::vector<std::string> kinds;  ///< Kinds of items, e.g. {"Wohnsitzanmeldung", "Gewerbeanmeldung"}.
  ProcedureCapabilities capabilities;
};

/// One adapter instance serves one configured procedure. open() once, then the rest from many threads at once.
class ProcedureAdapter {
 public:
  virtual ~ProcedureAdapter() = default;

  /// Connects to the backend and checks its schema. `request.fields` and `request.idField` are empty.
  virtual Status open(const OpenRequest& request) = 0;

  /// Kinds and capabilities (capabilities must be reported before open() too).
  virtual ProcedureDescription describe() const = 0;

  /// Items in one status.
  virtual Status list(const ListItemsRequest& request, ListItemsResult& result) = 0;

  /// One item with its applicant data, references, attachments' metadata and history; `item` stays empty when
  /// the id is unknown.
  virtual Status get(const ItemRequest& request, std::optional<WorkItem>& item) = 0;

  /// Takes or renews a claim, atomically.
  virtual Status claim(const ClaimRequest& request, ClaimResult& result) = 0;

  /// Releases the holder's claim; the item is open for others again.
  virtual Status release(const ReleaseRequest& request, ChangeOutcome& outcome) = 0;

  /// Records the decision and the note, ends the claim; approved/rejected end the item, needs_info parks it.
  virtual Status complete(const CompleteRequest& request, ChangeOutcome& outcome) = 0;

  /// Reports whether the backend can serve right now.
  virtual Health health() = 0;

  /// Checks the options without connecting, for `regfed config check`: appends one plain sentence per problem
  /// (naming the option) to `problems`. The default accepts everything.
  virtual void validateOptions(const std::vector<Option>& options, std::vector<std::string>& problems) const {
    (void)options;
    (void)problems;
  }
};

/// Text name of a decision as used in the HTTP API and the audit log.
inline const char* decisionName(Decision d) {
  switch (d) {
    case Decision::Approved:
      return "approved";
    case Decision::Rejected:
      return "rejected";
    case Decision::NeedsInfo:
      return "needs_info";
  }
  return "unknown";
}

}  // namespace regfed::sdk
