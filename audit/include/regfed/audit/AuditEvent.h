#pragma once
// One audit event: one decision about one request for one owning register (§40 BMG fields, see LEGAL.md).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace regfed::audit {

/// One immutable audit record. The writer assigns seq; everything else is set by the node before submitting.
struct AuditEvent {
  std::int64_t seq = 0;                     ///< Position in the node's log, from 1, assigned by the writer.
  std::string node;                         ///< Node id.
  std::string time;                         ///< UTC, RFC 3339 with microseconds: 2026-11-26T20:31:05.123456Z.
  std::string requestId;                    ///< The node's own id of the request (a UUID it made).
  std::string actor;                        ///< Requesting person (token subject).
  std::string actorAgs;                     ///< Requesting body: the person's home municipality.
  std::vector<std::string> roles;           ///< Roles from the token.
  std::string action;                       ///< "get", "search", or what failed before that ("query").
  std::optional<std::string> ownerAgs;      ///< Municipality owning the data asked for.
  std::optional<std::string> registerName;  ///< Register asked for.
  std::optional<std::string> purpose;       ///< Reason (Anlass).
  std::optional<std::string> caseRef;       ///< Case reference (Aktenzeichen).
  std::optional<std::string> mandate;       ///< Support mandate named by the request.
  std::optional<std::string> criteria;      ///< Search criteria as canonical JSON.
  std::vector<std::string> subjects;        ///< Ids of the records disclosed (or withheld, per reason).
  std::vector<std::string> fields;          ///< Fields disclosed.
  std::int64_t resultCount = 0;             ///< Number of records disclosed.
  std::string decision;                     ///< "allow", "deny" or "error".
  std::string reason;                       ///< Reason code, e.g. "own_municipality", "no_mandate".
  bool emergency = false;                   ///< Emergency access.
  std::vector<std::string> withheld;  ///< Ids of records the request hit but that were withheld (blocks).
  std::optional<std::string> correlationId;  ///< The client's X-Request-Id, kept for correlation only.
  /// The other node of a request that crossed nodes: at the home node the node that answered, at the owning
  /// node the node that asked on the person's behalf; absent for a request made at this node for its own
  /// data.
  std::optional<std::string> peer;
  /// Canonical-form version: 1 without `withheld`, 2 with it, 3 with `correlation_id`, 4 with `peer`, 5 with
  /// the personal part (who asked, why, about whom) hashed on its own, so retention can clear it and the rest
  /// stays bound to the leaf.
  int format = 5;
  /// Format 5: SHA-256 of personalForm() (32 bytes). Empty: computed from the fields; set for an event whose
  /// personal part retention cleared (then the stored digest stands for it).
  std::string personalDigest;
};

/// Format 5: the personal part of an event as canonical JSON (actor, case_ref, correlation_id, criteria,
/// purpose, subjects, withheld) — what retention clears.
std::string personalForm(const AuditEvent& event);
/// personalForm() written into `out` (cleared first): a caller hashing millions of events reuses one buffer.
void personalFormInto(const AuditEvent& event, std::string& out);

/// SHA-256 of personalForm(), or the event's personalDigest when set (32 bytes).
std::string personalDigest(const AuditEvent& event);

/// The exact bytes hashed into the log: a JSON object with sorted keys, no white space, "v" = the event's
/// format.
std::string canonicalForm(const AuditEvent& event);
/// canonicalForm() written into `out` (cleared first): a caller hashing millions of events reuses one buffer.
void canonicalFormInto(const AuditEvent& event, std::string& out);

/// Appends `text` to `out` as a JSON string literal (quotes, backslashes and control characters escaped).
void appendJsonString(std::string& out, const std::string& text);

/// True for text PostgreSQL can store: valid UTF-8 (no overlongs, surrogates or code points past U+10FFFF)
/// and no NUL character.
bool isStorableText(const std::string& text);

/// The text with every NUL and every invalid UTF-8 byte replaced by U+FFFD.
std::string storableText(const std::string& text);

/// True when some text of the event is not storable (see isStorableText).
bool hasUnstorableText(const AuditEvent& event);

/// Makes every text of the event storable, so it can be stored and hashed exactly as it is.
void makeStorable(AuditEvent& event);

/// Current time as UTC RFC 3339 with microseconds.
std::string utcNow();

}  // namespace regfed::audit
