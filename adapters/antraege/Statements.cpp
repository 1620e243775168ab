#include "Statements.h"

namespace regfed::adapters::antraege {

namespace {

// RFC 3339 in UTC, to the second, whatever the session's time zone.
std::string rfc3339(const std::string& column) {
  return "to_char(" + column + " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')";
}

// A claim shows only while it has not lapsed; a lapsed one is no claim (ProcedureAdapter.h).
std::string summaryColumns() {
  const std::string live = "CASE WHEN claim_expires >= now() THEN ";
  return "id, kind, title, " + rfc3339("received") + ", status, " + live + "claim_holder END, " + live +
         rfc3339("claim_since") + " END, " + live + rfc3339("claim_expires") + " END";
}

// Replaces every "{s}" in `sql` with the quoted schema name.
std::string inSchema(std::string sql, const std::string& schema) {
  const std::string quoted = "\"" + schema + "\"";
  for (auto at = sql.find("{s}"); at != std::string::npos; at = sql.find("{s}", at + quoted.size()))
    sql.replace(at, 3, quoted);
  return sql;
}

// Claim, or renew one's own live claim. `since` keeps its value on renewal, so `claim_since = now()` in the
// result tells a new claim (which gets a history row) from a renewal.
const char* kClaimSql = R"(
WITH claimed AS (
  UPDATE {s}.items
     SET claim_since = CASE WHEN claim_holder = $3::text AND claim_expires >= now() THEN claim_since ELSE now() END,
         claim_holder = $3::text,
         claim_expires = now() + make_interval(secs => $4::bigint)
   WHERE ags = $1 AND id = $2 AND status = 'open'
     AND (claim_holder IS NULL OR claim_expires < now() OR claim_holder = $3::text)
  RETURNING ags, id, claim_holder, claim_since, claim_expires),
logged AS (
  INSERT INTO {s}.history (ags, item_id, at, status, actor)
  SELECT ags, id, now(), 'claimed', claim_holder FROM claimed WHERE claim_since = now())
SELECT claim_since = now(), claim_holder, )";

// Release by the holder, also after the holder's own claim lapsed (nobody else has taken it then).
const char* kReleaseSql = R"(
WITH released AS (
  UPDATE {s}.items SET claim_holder = NULL, claim_since = NULL, claim_expires = NULL
   WHERE ags = $1 AND id = $2 AND status = 'open' AND claim_holder = $3::text
  RETURNING ags, id),
logged AS (
  INSERT INTO {s}.history (ags, item_id, at, status, actor)
  SELECT ags, id, now(), 'released', $3::text FROM released)
SELECT count(*) FROM released)";

// A decision needs a live claim; it ends the claim and sets the status (needs_info parks the item).
const char* kCompleteSql = R"(
WITH completed AS (
  UPDATE {s}.items
     SET status = $4::text, decision = $4::text, note = $5::text, decided_by = $3::text, decided_at = now(),
         claim_holder = NULL, claim_since = NULL, claim_expires = NULL
   WHERE ags = $1 AND id = $2 AND status = 'open' AND claim_holder = $3::text AND claim_expires >= now()
  RETURNING ags, id, status),
logged AS (
  INSERT INTO {s}.history (ags, item_id, at, status, actor, note)
  SELECT ags, id, now(), status, $3::text, $5::text FROM completed)
SELECT count(*) FROM completed)";

}  // namespace

std::map<std::string, std::string> statements(const std::string& schema) {
  using namespace statement;
  const std::string byItem = " WHERE i.ags = $1 AND i.id = $2";
  std::map<std::string, std::string> sql = {
      {kTimeout, "SELECT set_config('statement_timeout', $1, true)"},
      {kKinds, "SELECT DISTINCT kind FROM {s}.items WHERE ags = $1 ORDER BY kind"},
      {kList, "SELECT " + summaryColumns() +
                  " FROM {s}.items WHERE ags = $1 AND status = $2 AND ($3::text = '' OR (received, id) > "
                  "(SELECT a.received, a.id FROM {s}.items a WHERE a.ags = $1 AND a.id = $3::text)) "
                  "ORDER BY received, id LIMIT $4"},
      {kExists, "SELECT status FROM {s}.items WHERE ags = $1 AND id = $2"},
      {kSummary, "SELECT " + summaryColumns() + " FROM {s}.items WHERE ags = $1 AND id = $2"},
      {kApplicant,
       "SELECT coalesce(e->>'name', ''), coalesce(e->>'label', ''), coalesce(e->>'value', '') FROM {s}.items "
       "i, "
       "jsonb_array_elements(i.applicant) WITH ORDINALITY AS a(e, n)" +
           byItem + " ORDER BY n"},
      {kReferences,
       "SELECT coalesce(e->>'register', ''), coalesce(e->>'id', ''), coalesce(e->>'label', '') FROM "
       "{s}.items i, "
       "jsonb_array_elements(i.refs) WITH ORDINALITY AS r(e, n)" +
           byItem + " ORDER BY n"},
      {kAttachments,
       "SELECT name, media_type, size_bytes, coalesce(sha256, '') FROM {s}.attachments "
       "WHERE ags = $1 AND item_id = $2 ORDER BY name"},
      {kHistory,
       "SELECT " + rfc3339("at") +
           ", status, actor, note FROM {s}.history WHERE ags = $1 AND item_id = $2 ORDER BY at, seq"},
      {kClaim, kClaimSql + rfc3339("claim_since") + ", " + rfc3339("claim_expires") + " FROM claimed"},
      {kClaimState, "SELECT status, coalesce(claim_expires >= now(), false), coalesce(claim_holder, ''), " +
                        rfc3339("claim_since") + ", " + rfc3339("claim_expires") +
                        " FROM {s}.items WHERE ags = $1 AND id = $2"},
      {kRelease, kReleaseSql},
      {kComplete, kCompleteSql},
  };
  for (auto& [name, text] : sql) text = inSchema(text, schema);
  return sql;
}

std::string schemaProbe(const std::string& schema) {
  return inSchema(
      "SELECT i.ags, i.id, i.kind, i.title, i.received, i.status, i.applicant, i.refs, i.claim_holder, "
      "i.claim_since, i.claim_expires, i.decision, i.note, i.decided_by, i.decided_at FROM {s}.items i LIMIT "
      "0; "
      "SELECT ags, item_id, name, media_type, size_bytes, sha256 FROM {s}.attachments LIMIT 0; "
      "SELECT seq, ags, item_id, at, status, actor, note FROM {s}.history LIMIT 0",
      schema);
}

}  // namespace regfed::adapters::antraege
