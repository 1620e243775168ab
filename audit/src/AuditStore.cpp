#include <regfed/audit/AuditStore.h>

#include <pqxx/pqxx>

#include "EventRows.h"

namespace regfed::audit {

namespace {

constexpr const char* kInsertEvents = R"sql(
INSERT INTO regfed_audit.events (node, seq, time, request_id, actor, actor_ags, roles, action, owner_ags, register,
  purpose, case_ref, mandate, criteria, subjects, fields, result_count, decision, reason, emergency, leaf_hash, format,
  withheld, correlation_id, peer, personal_hash)
SELECT node, seq, time, request_id, actor, actor_ags, roles, action, owner_ags, register, purpose, case_ref, mandate,
  criteria, subjects, fields, result_count, decision, reason, emergency, decode(leaf_hash, 'hex'), format, withheld,
  correlation_id, peer, decode(personal_hash, 'hex')
FROM jsonb_to_recordset($1::jsonb) AS x(node text, seq bigint, time timestamptz, request_id text, actor text,
  actor_ags text, roles text[], action text, owner_ags text, register text, purpose text, case_ref text,
  mandate text, criteria text, subjects text[], fields text[], result_count integer, decision text, reason text,
  emergency boolean, leaf_hash text, format smallint, withheld text[], correlation_id text, peer text,
  personal_hash text))sql";

constexpr const char* kInsertHead =
    "INSERT INTO regfed_audit.tree_heads (node, size, root, time, key_id, signature, frontier) "
    "VALUES ($1, $2, decode($3, 'hex'), $4::timestamptz, $5, decode($6, 'hex'), decode(nullif($7, ''), 'hex'))";

void appendList(std::string& out, const std::vector<std::string>& values) {
  out += '[';
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) out += ',';
    appendJsonString(out, values[i]);
  }
  out += ']';
}

void appendOptional(std::string& out, const std::optional<std::string>& value) {
  if (value)
    appendJsonString(out, *value);
  else
    out += "null";
}

using rows::readHash;
using rows::timeText;

}  // namespace

std::string grantIfRoleExists(pqxx::connection& c, const std::string& role, const std::vector<std::string>& grants) {
  std::string body;
  for (const auto& g : grants) body += g + "; ";
  return "DO " + c.quote("BEGIN IF EXISTS (SELECT FROM pg_roles WHERE rolname = " + c.quote(role) + ") THEN " +
                         body + "END IF; END");
}

std::vector<int> AuditStore::migrate(const std::string& ownerDsn, const std::string& nodeRole,
                                     const DatabaseRoles& roles) {
  pqxx::connection c(ownerDsn);
  const std::string node = c.quote_name(nodeRole);
  std::vector<std::string> grants = {
      "GRANT USAGE ON SCHEMA regfed_audit TO " + node,
      "GRANT SELECT, INSERT ON regfed_audit.events, regfed_audit.tree_heads, regfed_audit.cosignatures, "
      "regfed_audit.signing_keys TO " + node,
      "GRANT SELECT ON regfed_audit.prunings TO " + node,
      "GRANT SELECT, INSERT, UPDATE ON regfed_audit.witnessed TO " + node,
      "GRANT SELECT ON regfed_audit.schema_migrations TO " + node};
  if (!roles.auditor.empty()) {
    const std::string auditor = c.quote_name(roles.auditor);
    grants.push_back(grantIfRoleExists(c, roles.auditor,
                                       {"GRANT USAGE ON SCHEMA regfed_audit TO " + auditor,
                                        "GRANT SELECT ON ALL TABLES IN SCHEMA regfed_audit TO " + auditor}));
  }
  if (!roles.pruner.empty()) {
    const std::string pruner = c.quote_name(roles.pruner);
    grants.push_back(grantIfRoleExists(
        c, roles.pruner,
        {"GRANT USAGE ON SCHEMA regfed_audit TO " + pruner,
         "GRANT SELECT ON regfed_audit.events, regfed_audit.tree_heads, regfed_audit.prunings TO " + pruner,
         "GRANT UPDATE (actor, purpose, case_ref, criteria, subjects, withheld, correlation_id, pruned_at) ON "
         "regfed_audit.events TO " + pruner,
         "REVOKE INSERT ON regfed_audit.prunings FROM " + pruner,
         "GRANT INSERT (node, category, cutoff, events, first_seq, last_seq) ON regfed_audit.prunings TO " + pruner,
         "GRANT USAGE ON SEQUENCE regfed_audit.prunings_id_seq TO " + pruner}));
  }
  return applyMigrations(ownerDsn, "regfed_audit", migrations(), grants);
}

struct AuditStore::Connection : pqxx::connection {
  using pqxx::connection::connection;
};

AuditStore::AuditStore(const std::string& dsn) : connection_(std::make_unique<Connection>(dsn)), dsn_(dsn) {
  connection_->prepare("insert_events", kInsertEvents);
  connection_->prepare("insert_head", kInsertHead);
}

AuditStore::~AuditStore() = default;

bool AuditStore::isOpen() const { return connection_ && connection_->is_open(); }

void AuditStore::requireAppendOnlyRole() {
  pqxx::nontransaction tx(*connection_);
  auto r = tx.exec(
      "SELECT current_user, bool_or(has_table_privilege(current_user, t, p)) FROM "
      "unnest(ARRAY['regfed_audit.events', 'regfed_audit.tree_heads']) t, "
      "unnest(ARRAY['UPDATE', 'DELETE', 'TRUNCATE']) p GROUP BY 1 UNION ALL "
      "SELECT current_user, has_any_column_privilege(current_user, 'regfed_audit.events', 'UPDATE')");
  for (const auto& row : r)
    if (row[1].as<bool>())
      throw IntegrityError("database role '" + row[0].as<std::string>() +
                         "' may change or delete audit rows; the node must connect with a role that may only "
                         "INSERT and SELECT them (see audit.node_role)");
}

void AuditStore::append(const std::vector<AuditEvent>& events, const std::vector<Hash>& leaves,
                        const TreeHead* head, const std::string& frontier) {
  std::string json = "[";
  json.reserve(events.size() * 600);
  for (std::size_t i = 0; i < events.size(); ++i) {
    const AuditEvent& e = events[i];
    if (i) json += ',';
    json += "{\"node\":";
    appendJsonString(json, e.node);
    json += ",\"seq\":" + std::to_string(e.seq) + ",\"time\":";
    appendJsonString(json, e.time);
    json += ",\"request_id\":";
    appendJsonString(json, e.requestId);
    json += ",\"actor\":";
    appendJsonString(json, e.actor);
    json += ",\"actor_ags\":";
    appendJsonString(json, e.actorAgs);
    json += ",\"roles\":";
    appendList(json, e.roles);
    json += ",\"action\":";
    appendJsonString(json, e.action);
    json += ",\"owner_ags\":";
    appendOptional(json, e.ownerAgs);
    json += ",\"register\":";
    appendOptional(json, e.registerName);
    json += ",\"purpose\":";
    appendOptional(json, e.purpose);
    json += ",\"case_ref\":";
    appendOptional(json, e.caseRef);
    json += ",\"mandate\":";
    appendOptional(json, e.mandate);
    json += ",\"criteria\":";
    appendOptional(json, e.criteria);
    json += ",\"subjects\":";
    appendList(json, e.subjects);
    json += ",\"fields\":";
    appendList(json, e.fields);
    json += ",\"result_count\":" + std::to_string(e.resultCount) + ",\"decision\":";
    appendJsonString(json, e.decision);
    json += ",\"reason\":";
    appendJsonString(json, e.reason);
    json += std::string(",\"emergency\":") + (e.emergency ? "true" : "false") + ",\"leaf_hash\":\"" +
            toHex(leaves[i]) + "\",\"format\":" + std::to_string(e.format) + ",\"withheld\":";
    appendList(json, e.withheld);
    json += ",\"correlation_id\":";
    appendOptional(json, e.correlationId);
    json += ",\"peer\":";
    appendOptional(json, e.peer);
    json += ",\"personal_hash\":";
    if (e.format >= 5)
      json += "\"" + bytesToHex(personalDigest(e)) + "\"";
    else
      json += "null";
    json += "}";
  }
  json += ']';
  pqxx::work tx(*connection_);
  if (!events.empty()) tx.exec_prepared("insert_events", json);
  if (head)
    tx.exec_prepared("insert_head", head->node, head->size, toHex(head->root), head->time, head->keyId,
                     bytesToHex(head->signature), bytesToHex(frontier));
  // A COMMIT is silent. One that comes back with a message may not be on the synchronous standby: PostgreSQL
  // warns "canceling wait for synchronous replication ... the transaction has already committed locally, but might
  // not have been replicated" when someone cancels the wait (the text depends on the server's language). Its
  // outcome counts as unknown, like a broken connection's: the requests are refused and the writer reloads.
  struct Notices : pqxx::errorhandler {
    using pqxx::errorhandler::errorhandler;
    bool operator()(const char message[]) noexcept override {
      try {
        text += message;
      } catch (...) {
      }
      return true;
    }
    std::string text;
  } notices(*connection_);
  tx.commit();
  if (!notices.text.empty())
    throw std::runtime_error("the audit commit came back with a message, so it may exist on this server only: " +
                             notices.text);
}

std::vector<Hash> AuditStore::leafHashes(const std::string& node) {
  pqxx::work tx(*connection_);
  std::vector<Hash> out;
  std::int64_t expected = 1;
  // A server-side cursor would be kinder for huge logs; 32 bytes per event keeps this acceptable for now.
  for (const auto& row :
       tx.exec_params("SELECT seq, leaf_hash FROM regfed_audit.events WHERE node = $1 ORDER BY seq", node)) {
    const auto seq = row[0].as<std::int64_t>();
    if (seq != expected)
      throw IntegrityError("audit log of node " + node + " has a gap: event " + std::to_string(expected) +
                           " is missing");
    out.push_back(readHash(row[1]));
    ++expected;
  }
  return out;
}

std::vector<Hash> AuditStore::leafHashesAfter(const std::string& node, std::int64_t afterSeq) {
  pqxx::work tx(*connection_);
  std::vector<Hash> out;
  std::int64_t expected = afterSeq + 1;
  for (const auto& row : tx.exec_params(
           "SELECT seq, leaf_hash FROM regfed_audit.events WHERE node = $1 AND seq > $2 ORDER BY seq", node,
           afterSeq)) {
    if (row[0].as<std::int64_t>() != expected)
      throw IntegrityError("audit log of node " + node + " has a gap: event " + std::to_string(expected) +
                           " is missing");
    out.push_back(readHash(row[1]));
    ++expected;
  }
  return out;
}

std::optional<std::pair<std::int64_t, std::string>> AuditStore::newestFrontier(const std::string& node) {
  pqxx::nontransaction tx(*connection_);
  auto rows = tx.exec_params(
      "SELECT size, frontier FROM regfed_audit.tree_heads WHERE node = $1 ORDER BY size DESC LIMIT 1", node);
  if (rows.empty() || rows[0][1].is_null()) return std::nullopt;
  return std::make_pair(rows[0][0].as<std::int64_t>(), pqxx::binarystring(rows[0][1]).str());
}

std::int64_t AuditStore::maxSeq(const std::string& node) {
  pqxx::nontransaction tx(*connection_);
  return tx.exec_params("SELECT coalesce(max(seq), 0) FROM regfed_audit.events WHERE node = $1", node)[0][0]
      .as<std::int64_t>();
}

std::vector<TreeHead> AuditStore::treeHeads(const std::string& node) {
  pqxx::nontransaction tx(*connection_);
  std::vector<TreeHead> out;
  for (const auto& row :
       tx.exec_params("SELECT node, size, root, " + timeText("time") +
                          ", key_id, signature FROM regfed_audit.tree_heads WHERE node = $1 "
                          "ORDER BY size",
                      node)) {
    TreeHead h;
    h.node = row[0].as<std::string>();
    h.size = row[1].as<std::int64_t>();
    h.root = readHash(row[2]);
    h.time = row[3].as<std::string>();
    h.keyId = row[4].as<std::string>();
    pqxx::binarystring sig(row[5]);
    h.signature = sig.str();
    out.push_back(std::move(h));
  }
  return out;
}

std::vector<StoredEvent> AuditStore::events(const std::string& node, std::int64_t afterSeq,
                                            std::int64_t limit) {
  pqxx::nontransaction tx(*connection_);
  std::vector<StoredEvent> out;
  for (const auto& row : tx.exec_params("SELECT " + rows::eventColumns() +
                                            " FROM regfed_audit.events WHERE node = $1 AND seq > $2 "
                                            "ORDER BY seq LIMIT $3",
                                        node, afterSeq, limit))
    out.push_back(rows::eventFrom(row));
  return out;
}

namespace {

std::string hexOf(const std::string& bytes) { return bytesToHex(bytes); }
std::string hexOf(const Hash& h) { return toHex(h); }

Cosignature cosignatureFrom(const std::string& witness, const pqxx::field& key, std::int64_t timestamp,
                            const pqxx::field& signature) {
  Cosignature c;
  c.witness = witness;
  c.publicKey = pqxx::binarystring(key).str();
  c.timestamp = timestamp;
  c.signature = pqxx::binarystring(signature).str();
  return c;
}

}  // namespace

void AuditStore::recordSigningKey(const std::string& node, const std::string& keyId,
                                  const std::string& publicKeyPem) {
  pqxx::work tx(*connection_);
  tx.exec_params("INSERT INTO regfed_audit.signing_keys (node, key_id, public_key) VALUES ($1, $2, $3) "
                 "ON CONFLICT DO NOTHING",
                 node, keyId, publicKeyPem);
  tx.commit();
}

std::vector<SigningKey> AuditStore::signingKeys(const std::string& node) {
  pqxx::nontransaction tx(*connection_);
  std::vector<SigningKey> out;
  for (const auto& r : tx.exec_params("SELECT key_id, public_key, " + timeText("first_used") +
                                          " FROM regfed_audit.signing_keys WHERE node = $1 ORDER BY first_used",
                                      node))
    out.push_back(SigningKey{r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<std::string>()});
  return out;
}

void AuditStore::addCosignature(const std::string& node, std::int64_t size, const Hash& root, const Cosignature& c) {
  pqxx::work tx(*connection_);
  tx.exec_params(
      "INSERT INTO regfed_audit.cosignatures (node, size, root, witness, witness_key, timestamp, signature) "
      "VALUES ($1, $2, decode($3, 'hex'), $4, decode($5, 'hex'), $6, decode($7, 'hex')) ON CONFLICT DO NOTHING",
      node, size, hexOf(root), c.witness, hexOf(c.publicKey), c.timestamp, hexOf(c.signature));
  tx.commit();
}

std::vector<StoredCosignature> AuditStore::cosignatures(const std::string& node) {
  pqxx::nontransaction tx(*connection_);
  std::vector<StoredCosignature> out;
  for (const auto& r : tx.exec_params("SELECT size, root, witness, witness_key, timestamp, signature FROM "
                                      "regfed_audit.cosignatures WHERE node = $1 ORDER BY size, witness",
                                      node))
    out.push_back(StoredCosignature{r[0].as<std::int64_t>(), readHash(r[1]),
                                    cosignatureFrom(r[2].as<std::string>(), r[3], r[4].as<std::int64_t>(), r[5])});
  return out;
}

std::int64_t AuditStore::lastCosigned(const std::string& node, const std::string& witness) {
  pqxx::nontransaction tx(*connection_);
  return tx.exec_params("SELECT coalesce(max(size), 0) FROM regfed_audit.cosignatures WHERE node = $1 AND "
                        "witness = $2",
                        node, witness)[0][0]
      .as<std::int64_t>();
}

std::optional<WitnessedHead> AuditStore::witnessed(const std::string& log) {
  pqxx::nontransaction tx(*connection_);
  auto rows = tx.exec_params(
      "SELECT size, root, log_key, timestamp, signature FROM regfed_audit.witnessed WHERE log = $1", log);
  if (rows.empty()) return std::nullopt;
  WitnessedHead w;
  w.log = log;
  w.size = rows[0][0].as<std::int64_t>();
  w.root = readHash(rows[0][1]);
  w.logKey = rows[0][2].as<std::string>();
  w.cosignature = cosignatureFrom("", rows[0][4], rows[0][3].as<std::int64_t>(), rows[0][4]);
  w.cosignature.publicKey.clear();
  return w;
}

void AuditStore::setWitnessed(const WitnessedHead& w) {
  pqxx::work tx(*connection_);
  tx.exec_params(
      "INSERT INTO regfed_audit.witnessed (log, size, root, log_key, timestamp, signature) "
      "VALUES ($1, $2, decode($3, 'hex'), $4, $5, decode($6, 'hex')) ON CONFLICT (log) DO UPDATE SET "
      "size = EXCLUDED.size, root = EXCLUDED.root, log_key = EXCLUDED.log_key, timestamp = EXCLUDED.timestamp, "
      "signature = EXCLUDED.signature, updated_at = now()",
      w.log, w.size, hexOf(w.root), w.logKey, w.cosignature.timestamp, hexOf(w.cosignature.signature));
  tx.commit();
}

}  // namespace regfed::audit
