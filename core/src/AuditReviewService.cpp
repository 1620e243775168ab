#include "AuditReviewService.h"

#include <Poco/JSON/Parser.h>
#include <regfed/audit/AuditReview.h>
#include <regfed/audit/LogVerifier.h>
#include <regfed/audit/Witness.h>

#include <algorithm>
#include <chrono>
#include <limits>
#include <set>

#include "AuditExport.h"
#include "CalendarDate.h"
#include "Json.h"
#include "Log.h"

namespace regfed::core {

namespace audit = regfed::audit;
using audit::AuditEvent;
using audit::StoredEvent;

namespace {

const std::set<std::string> kFilterKeys = {"from",    "to",       "actor",    "actor_ags", "owner_ags",
                                           "register", "subject", "mandate",  "case_ref",  "decision",
                                           "reason",  "emergency", "action"};

RequestError invalid(const std::string& code, const std::string& message, const std::string& field) {
  return RequestError{Failure::Invalid, code, message, {field}};
}

// A whole number in [low, high], or nullopt.
std::optional<std::int64_t> wholeNumber(const std::string& text, std::int64_t low, std::int64_t high) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  for (char c : text)
    if (c < '0' || c > '9') return std::nullopt;
  const std::int64_t n = std::stoll(text);
  if (n < low || n > high) return std::nullopt;
  return n;
}

// The review filter of a query, for the DPO's municipality; `extra` are the other parameters the endpoint
// takes. Throws RequestError (422) for unknown parameters and malformed values.
audit::EventFilter readFilter(const Config& config, const Principal& p, const std::map<std::string, std::string>& query,
                              const std::set<std::string>& extra) {
  audit::EventFilter f;
  f.node = config.nodeId;
  f.visibleTo = {p.ags};
  for (const auto& [key, value] : query) {
    if (!kFilterKeys.count(key) && !extra.count(key))
      throw invalid("unknown_parameter", "Unknown parameter '" + key + "'.", key);
    if (value.size() > 200) throw invalid("invalid_filter", key + " is longer than 200 characters.", key);
    if (!audit::isStorableText(value)) throw invalid("invalid_filter", key + " is not valid UTF-8 text.", key);
  }
  auto text = [&](const char* key) -> std::optional<std::string> {
    auto it = query.find(key);
    if (it == query.end() || it->second.empty()) return std::nullopt;
    return it->second;
  };
  for (const char* key : {"from", "to"})
    if (auto v = text(key)) {
      audit::TimeBound bound;
      if (!audit::parseTimeBound(*v, bound) || !parseDay(v->substr(0, 10)))
        throw invalid("invalid_filter",
                      std::string(key) + " must be a date (2026-11-28) or an RFC 3339 time (2026-11-28T10:00:00Z).",
                      key);
      (std::string(key) == "from" ? f.from : f.to) = bound;
    }
  f.actor = text("actor");
  f.actorAgs = text("actor_ags");
  f.ownerAgs = text("owner_ags");
  for (const auto* ags : {&f.actorAgs, &f.ownerAgs})
    if (*ags && !isAgs(**ags))
      throw invalid("invalid_filter", "An AGS has 8 digits.", ags == &f.actorAgs ? "actor_ags" : "owner_ags");
  f.registerName = text("register");
  f.subject = text("subject");
  f.mandate = text("mandate");
  f.caseRef = text("case_ref");
  f.reason = text("reason");
  f.action = text("action");
  f.decision = text("decision");
  if (f.decision && *f.decision != "allow" && *f.decision != "deny" && *f.decision != "error")
    throw invalid("invalid_filter", "decision must be allow, deny or error.", "decision");
  if (auto v = text("emergency")) {
    if (*v != "true" && *v != "false") throw invalid("invalid_filter", "emergency must be true or false.", "emergency");
    f.emergency = *v == "true";
  }
  return f;
}

void writeHead(JsonWriter& w, const audit::TreeHead& h) {
  w.beginObject().key("node").value(h.node).key("size").value(h.size).key("root").value(audit::toHex(h.root));
  w.key("time").value(h.time).key("key_id").value(h.keyId).key("signature").value(audit::bytesToHex(h.signature));
  w.endObject();
}

std::string utcOfTimestamp(std::int64_t seconds) {
  const Day day = static_cast<Day>(seconds / 86400);
  const std::int64_t s = seconds % 86400;
  char clock[16];
  std::snprintf(clock, sizeof clock, "T%02d:%02d:%02dZ", static_cast<int>(s / 3600), static_cast<int>(s / 60 % 60),
                static_cast<int>(s % 60));
  return formatDay(day) + clock;
}

std::string queryJson(const std::map<std::string, std::string>& query) {
  JsonWriter w;
  w.beginObject();
  for (const auto& [k, v] : query) w.key(k).value(v);  // a std::map: keys already sorted
  w.endObject();
  return w.str();
}

}  // namespace

AuditReviewService::AuditReviewService(const Config& config, Database& database, audit::AuditSink& audit,
                                       audit::TreeHeadSigner logKey)
    : config_(config), database_(database), audit_(audit), logKey_(std::move(logKey)) {}

Answer AuditReviewService::refuse(const Principal& p, const RequestMeta& meta, const RequestError& error) {
  return auditedRefusal(config_, audit_, p, meta, "audit_read", p.ags, error);
}

bool AuditReviewService::recordRead(const Principal& p, const RequestMeta& meta, const std::string& reason,
                                    const std::map<std::string, std::string>& query, std::int64_t results,
                                    const std::string& registerName, const std::string& subject) {
  AuditEvent e = newAuditEvent(config_, p, meta, "audit_read");
  e.ownerAgs = p.ags;
  if (!registerName.empty()) e.registerName = registerName;
  if (!subject.empty()) e.subjects = {subject};
  e.criteria = queryJson(query);
  e.decision = "allow";
  e.reason = reason;
  e.resultCount = results;
  std::vector<AuditEvent> one = {e};
  return audit_.record(one);
}

namespace {

// Who may read the audit of a municipality here: its DPO, at their home node.
std::optional<RequestError> notDpoHere(const Config& config, const Principal& p, const RequestMeta& meta) {
  if (!p.has("dpo"))
    return RequestError{Failure::Forbidden, "not_permitted",
                        "The audit trail is read by data protection officers (role dpo).", {}};
  return notHomeNode(config, p, meta);
}

RequestError databaseDown() {
  return RequestError{Failure::Unavailable, "database_unavailable", "The audit log cannot be read right now.", {}};
}

}  // namespace

Answer AuditReviewService::events(const Principal& p, const RequestMeta& meta,
                                  const std::map<std::string, std::string>& query) {
  if (auto refused = notDpoHere(config_, p, meta)) return refuse(p, meta, *refused);
  try {
    audit::EventFilter f = readFilter(config_, p, query, {"after", "limit"});
    if (query.count("limit")) {
      auto limit = wholeNumber(query.at("limit"), 1, 1000);
      if (!limit) throw invalid("invalid_limit", "limit must be a whole number from 1 to 1000.", "limit");
      f.limit = *limit;
    }
    if (query.count("after") && !query.at("after").empty()) {
      auto cursor = wholeNumber(query.at("after"), 1, std::numeric_limits<std::int64_t>::max());
      if (!cursor) throw invalid("invalid_cursor", "after must be the 'next' value of a previous page.", "after");
      f.beforeSeq = *cursor;
    }
    const std::vector<StoredEvent> found =
        database_.transaction([&](pqxx::work& tx) { return audit::findEvents(tx, f); });
    if (!recordRead(p, meta, "events", query, static_cast<std::int64_t>(found.size())))
      return auditUnavailable("nothing is shown");
    JsonWriter w;
    w.beginObject().key("events").beginArray();
    for (const auto& s : found) writeEvent(w, s);
    w.endArray().key("next");
    if (static_cast<std::int64_t>(found.size()) == f.limit)
      w.value(std::to_string(found.back().event.seq));
    else
      w.null();
    w.key("request_id").value(meta.id).endObject();
    return Answer::ok(w.str());
  } catch (const RequestError& e) {
    return refuse(p, meta, e);
  } catch (const pqxx::data_exception&) {
    return refuse(p, meta, invalid("invalid_filter", "from or to is not a valid date or time.", "from"));
  } catch (const DatabaseUnavailable& e) {
    log::error(e.what());
    return refuse(p, meta, databaseDown());
  }
}

Answer AuditReviewService::subject(const Principal& p, const RequestMeta& meta, const std::string& ags,
                                   const std::string& registerName, const std::string& id) {
  if (auto refused = notDpoHere(config_, p, meta)) return refuse(p, meta, *refused);
  if (ags != p.ags)
    return refuse(p, meta,
                  RequestError{Failure::Forbidden, "not_your_municipality",
                               "A person's report is made by the DPO of the municipality that holds the record.",
                               {}});
  if (id.empty() || id.size() > 200 || !audit::isStorableText(id) || registerName.size() > 100 ||
      !audit::isStorableText(registerName))
    return refuse(p, meta, invalid("invalid_subject", "The record id or register name is not valid.", "id"));
  try {
    audit::EventFilter f;
    f.node = config_.nodeId;
    f.visibleTo = {p.ags};
    f.ownerAgs = ags;
    f.registerName = registerName;
    f.subject = id;
    std::vector<StoredEvent> found;
    database_.transaction([&](pqxx::work& tx) {
      audit::streamEvents(tx, f, [&](const StoredEvent& s) {
        // The report is about accesses to the person's data; DPOs' earlier reports are in the event list.
        if (s.event.action != "audit_read") found.push_back(s);
        return found.size() < 100000;
      });
    });
    const std::map<std::string, std::string> query = {{"ags", ags}, {"register", registerName}, {"id", id}};
    if (!recordRead(p, meta, "subject_report", query, static_cast<std::int64_t>(found.size()), registerName, id))
      return auditUnavailable("nothing is shown");
    JsonWriter w;
    w.beginObject().key("subject").beginObject().key("ags").value(ags).key("register").value(registerName);
    w.key("id").value(id).key("municipality").value(config_.federationMunicipalityName(ags)).endObject();
    w.key("node").value(config_.nodeId);
    w.key("accesses").beginArray();
    for (const auto& s : found) {
      const AuditEvent& e = s.event;
      w.beginObject();
      w.key("seq").value(e.seq).key("time").value(e.time).key("node").value(e.node);
      w.key("request_id").value(e.requestId);
      // A request that came through another node carries that node's request id: the requester side's log
      // has the same id, so both halves of the request can be put together.
      w.key("requested_via").raw(jsonStringOrNull(e.peer.value_or("")));
      w.key("correlation_id").raw(jsonStringOrNull(e.correlationId.value_or("")));
      w.key("actor").value(e.actor).key("actor_ags").value(e.actorAgs);
      w.key("actor_municipality").value(config_.federationMunicipalityName(e.actorAgs));
      w.key("roles").strings(e.roles).key("action").value(e.action);
      w.key("purpose").raw(jsonStringOrNull(e.purpose.value_or("")));
      w.key("case_ref").raw(jsonStringOrNull(e.caseRef.value_or("")));
      w.key("mandate").raw(jsonStringOrNull(e.mandate.value_or("")));
      w.key("emergency").value(e.emergency).key("decision").value(e.decision).key("reason").value(e.reason);
      const bool disclosed = std::find(e.subjects.begin(), e.subjects.end(), id) != e.subjects.end();
      const bool withheld = std::find(e.withheld.begin(), e.withheld.end(), id) != e.withheld.end();
      w.key("disclosed").value(disclosed && e.decision == "allow" && e.action != "audit_read");
      w.key("withheld").value(withheld);
      w.key("fields").strings(disclosed ? e.fields : std::vector<std::string>{});
      w.endObject();
    }
    w.endArray().key("request_id").value(meta.id).endObject();
    return Answer::ok(w.str());
  } catch (const DatabaseUnavailable& e) {
    log::error(e.what());
    return refuse(p, meta, databaseDown());
  }
}

Answer AuditReviewService::verify(const Principal& p, const RequestMeta& meta) {
  if (auto refused = notDpoHere(config_, p, meta)) return refuse(p, meta, *refused);
  std::unique_lock<std::timed_mutex> one(verifying_, std::defer_lock);
  if (!one.try_lock_for(std::chrono::seconds(5)))
    return refuse(p, meta, RequestError{Failure::Unavailable, "verification_busy",
                                        "Another verification is running; try again in a minute.", {}});
  try {
    audit::AuditStore store(config_.audit.dsn);
    const audit::VerifyResult r = audit::verifyLog(store, config_.nodeId, logKey_);
    std::map<std::int64_t, audit::Hash> signedRoots;
    for (const auto& h : store.treeHeads(config_.nodeId)) signedRoots[h.size] = h.root;
    // The newest cosignature of each witness, checked against the signed head of that size.
    std::map<std::string, audit::StoredCosignature> newest;
    for (const auto& c : store.cosignatures(config_.nodeId)) newest[c.cosignature.witness] = c;
    if (!recordRead(p, meta, "verify", {}, r.size)) return auditUnavailable("nothing is shown");
    JsonWriter w;
    w.beginObject().key("ok").value(r.ok).key("node").value(config_.nodeId).key("size").value(r.size);
    w.key("root").value(audit::toHex(r.root)).key("heads_checked").value(r.headsChecked);
    w.key("unsigned_events").value(r.unsignedEvents).key("pruned_events").value(r.prunedEvents);
    w.key("key_id").value(logKey_.keyId());
    w.key("tree_head");
    if (r.latestHead)
      writeHead(w, *r.latestHead);
    else
      w.null();
    if (!r.ok) w.key("first_bad_seq").value(r.firstBadSeq.value_or(0)).key("problem").value(r.problem);
    w.key("cosignatures").beginArray();
    for (const auto& [witness, c] : newest) {
      auto head = signedRoots.find(c.size);
      const bool valid = head != signedRoots.end() && head->second == c.root &&
                         c.cosignature.verify(audit::checkpointBody(config_.nodeId, c.size, c.root));
      w.beginObject().key("witness").value(witness).key("size").value(c.size);
      w.key("time").value(utcOfTimestamp(c.cosignature.timestamp)).key("valid").value(valid).endObject();
    }
    w.endArray().key("request_id").value(meta.id).endObject();
    return Answer::ok(w.str());
  } catch (const std::exception& e) {
    log::error(std::string("audit verification over the API failed: ") + e.what());
    return refuse(p, meta, databaseDown());
  }
}

Answer AuditReviewService::key(const Principal& p, const RequestMeta& meta) {
  if (auto refused = notDpoHere(config_, p, meta)) return refuse(p, meta, *refused);
  try {
    audit::AuditStore store(config_.audit.dsn);
    const std::vector<audit::SigningKey> keys = store.signingKeys(config_.nodeId);
    if (!recordRead(p, meta, "key", {}, static_cast<std::int64_t>(keys.size())))
      return auditUnavailable("nothing is shown");
    JsonWriter w;
    w.beginObject().key("node").value(config_.nodeId).key("key_id").value(logKey_.keyId());
    w.key("algorithm").value("ECDSA P-256 SHA-256").key("public_key").value(logKey_.publicKeyPem());
    w.key("checkpoint_origin").value(audit::checkpointOrigin(config_.nodeId));
    w.key("keys").beginArray();
    for (const auto& k : keys)
      w.beginObject().key("key_id").value(k.keyId).key("public_key").value(k.publicKey).key("first_used").value(
          k.firstUsed).endObject();
    w.endArray().key("request_id").value(meta.id).endObject();
    return Answer::ok(w.str());
  } catch (const std::exception& e) {
    log::error(std::string("reading the audit key history failed: ") + e.what());
    return refuse(p, meta, databaseDown());
  }
}

Answer AuditReviewService::proof(const Principal& p, const RequestMeta& meta, const std::string& kind,
                                 const std::map<std::string, std::string>& query) {
  if (auto refused = notDpoHere(config_, p, meta)) return refuse(p, meta, *refused);
  const bool inclusion = kind == "inclusion";
  const std::set<std::string> allowed = inclusion ? std::set<std::string>{"seq", "size"}
                                                  : std::set<std::string>{"from", "to"};
  std::unique_lock<std::timed_mutex> one(proving_, std::defer_lock);
  if (!one.try_lock_for(std::chrono::seconds(5)))
    return refuse(p, meta, RequestError{Failure::Unavailable, "proof_busy",
                                        "Another proof is being computed; try again in a moment.", {}});
  try {
    for (const auto& [key, value] : query)
      if (!allowed.count(key)) throw invalid("unknown_parameter", "Unknown parameter '" + key + "'.", key);
    audit::AuditStore store(config_.audit.dsn);
    const std::vector<audit::TreeHead> heads = store.treeHeads(config_.nodeId);
    const std::int64_t logSize = store.maxSeq(config_.nodeId);
    const std::int64_t newestSigned = heads.empty() ? 0 : heads.back().size;
    auto number = [&](const char* key, std::optional<std::int64_t> fallback) -> std::int64_t {
      auto it = query.find(key);
      if (it == query.end() || it->second.empty()) {
        if (fallback && *fallback > 0) return *fallback;
        throw invalid("invalid_proof_request", std::string(key) + " is required.", key);
      }
      auto n = wholeNumber(it->second, 1, logSize);
      if (!n)
        throw invalid("invalid_proof_request",
                      std::string(key) + " must be a whole number from 1 to the log's size (" +
                          std::to_string(logSize) + ").",
                      key);
      return *n;
    };
    auto headAt = [&](std::int64_t size) -> const audit::TreeHead* {
      for (const auto& h : heads)
        if (h.size == size) return &h;
      return nullptr;
    };
    const std::vector<audit::Hash> leaves = store.leafHashes(config_.nodeId);
    JsonWriter w;
    w.beginObject().key("node").value(config_.nodeId);
    if (inclusion) {
      const std::int64_t seq = number("seq", std::nullopt);
      const std::int64_t size = number("size", newestSigned);
      if (seq > size) throw invalid("invalid_proof_request", "seq must not be larger than size.", "seq");
      const std::vector<StoredEvent> event = store.events(config_.nodeId, seq - 1, 1);
      if (event.empty()) throw invalid("invalid_proof_request", "There is no event " + std::to_string(seq) + ".", "seq");
      const AuditEvent& e = event[0].event;
      const bool visible = e.ownerAgs.value_or("") == p.ags || e.actorAgs == p.ags;
      if (!visible)
        throw RequestError{Failure::NotFound, "not_found",
                           "Event " + std::to_string(seq) + " is not about your municipality's data or staff.", {}};
      const auto path = audit::inclusionProof(leaves, seq - 1, size);
      w.key("seq").value(seq).key("size").value(size).key("leaf_index").value(seq - 1);
      w.key("leaf_hash").value(audit::toHex(leaves[static_cast<std::size_t>(seq - 1)]));
      // The exact bytes hashed into the leaf (SHA-256 of 0x00 and these), so the proof starts from the event;
      // null once retention removed the event's payload.
      std::string leafText = "null";
      if (!event[0].prunedAt) {
        leafText.clear();
        audit::appendJsonString(leafText, audit::canonicalForm(e));
      }
      w.key("leaf").raw(leafText);
      // Format 5 puts only the digest of the personal part into the leaf: here are its bytes, so the auditor can
      // check SHA-256(personal) against the leaf's "personal".
      std::string personalText = "null";
      if (!event[0].prunedAt && e.format >= 5) {
        personalText.clear();
        audit::appendJsonString(personalText, audit::personalForm(e));
      }
      w.key("personal").raw(personalText);
      w.key("audit_path").beginArray();
      for (const auto& h : path) w.value(audit::toHex(h));
      w.endArray();
      w.key("root").value(audit::toHex(audit::rootOf(leaves, size)));
      w.key("tree_head");
      if (auto h = headAt(size))
        writeHead(w, *h);
      else
        w.null();
    } else {
      const std::int64_t from = number("from", std::nullopt);
      const std::int64_t to = number("to", newestSigned);
      if (from > to) throw invalid("invalid_proof_request", "from must not be larger than to.", "from");
      const auto path = audit::consistencyProof(leaves, from, to);
      w.key("from").value(from).key("to").value(to);
      w.key("from_root").value(audit::toHex(audit::rootOf(leaves, from)));
      w.key("to_root").value(audit::toHex(audit::rootOf(leaves, to)));
      w.key("proof").beginArray();
      for (const auto& h : path) w.value(audit::toHex(h));
      w.endArray();
      w.key("from_head");
      if (auto h = headAt(from))
        writeHead(w, *h);
      else
        w.null();
      w.key("to_head");
      if (auto h = headAt(to))
        writeHead(w, *h);
      else
        w.null();
    }
    if (!recordRead(p, meta, "proof_" + kind, query, 1)) return auditUnavailable("nothing is shown");
    w.key("request_id").value(meta.id).endObject();
    return Answer::ok(w.str());
  } catch (const RequestError& e) {
    return refuse(p, meta, e);
  } catch (const audit::IntegrityError& e) {
    return refuse(p, meta, RequestError{Failure::Conflict, "log_inconsistent", e.what(), {}});
  } catch (const std::exception& e) {
    log::error(std::string("audit proof failed: ") + e.what());
    return refuse(p, meta, databaseDown());
  }
}

Answer AuditReviewService::exportEvents(const Principal& p, const RequestMeta& meta,
                                        const std::map<std::string, std::string>& query, ExportSink& sink) {
  if (auto refused = notDpoHere(config_, p, meta)) return refuse(p, meta, *refused);
  const std::string format = query.count("format") ? query.at("format") : "csv";
  try {
    if (format != "csv" && format != "jsonl")
      throw invalid("invalid_format", "format must be csv or jsonl.", "format");
    const audit::EventFilter f = readFilter(config_, p, query, {"format"});
    // Each export holds a database connection for as long as it streams: one per municipality at a time, so
    // one municipality's DPO cannot keep the others' out, and four in all.
    struct Slot {
      AuditReviewService& service;
      std::string ags;
      bool taken = false;
      ~Slot() {
        if (!taken) return;
        std::lock_guard<std::mutex> lock(service.exportsMutex_);
        if (--service.exports_[ags] == 0) service.exports_.erase(ags);
      }
    } slot{*this, p.ags};
    {
      std::lock_guard<std::mutex> lock(exportsMutex_);
      int all = 0;
      for (const auto& [ags, n] : exports_) all += n;
      if (exports_[p.ags] >= 1 || all >= 4) {
        if (exports_[p.ags] == 0) exports_.erase(p.ags);
        throw RequestError{Failure::Unavailable, "export_busy",
                           "An export of your municipality is still running (or four in all); try again when it "
                           "has finished.",
                           {}};
      }
      ++exports_[p.ags];
      slot.taken = true;
    }
    pqxx::connection connection(config_.audit.dsn);
    pqxx::work tx(connection);
    // Fail closed: the export is in the audit trail before its first row leaves.
    if (!recordRead(p, meta, "export", query, 0)) return auditUnavailable("nothing is exported");
    const std::string date = formatDay(berlinToday());
    std::ostream& out = sink.begin(format == "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8",
                                   "regfed-audit-" + config_.nodeId + "-" + date + "." + format);
    if (format == "csv") out << csvHeader();
    std::int64_t rows = 0;
    bool complete = true;
    try {
      audit::streamEvents(tx, f, [&](const StoredEvent& s) {
        out << (format == "csv" ? csvLine(s) : jsonLine(s));
        if (++rows % 1000 == 0) out.flush();
        return static_cast<bool>(out);
      });
    } catch (const std::exception& e) {
      // The answer has started: say in the file itself that it is incomplete.
      complete = false;
      log::error("export " + meta.id + " broke off after " + std::to_string(rows) + " events: " + e.what());
      out << (format == "csv" ? "EXPORT UNVOLLSTÄNDIG – abgebrochen nach " + std::to_string(rows) + " Ereignissen\r\n"
                              : "{\"error\":{\"code\":\"export_incomplete\",\"request_id\":\"" + meta.id + "\"}}\n");
    }
    out.flush();
    // What left, and whether all of it did, goes on the record too (the export's first event was committed
    // before the first row).
    AuditEvent end = newAuditEvent(config_, p, meta, "audit_read");
    end.ownerAgs = p.ags;
    end.criteria = "{\"complete\":" + std::string(complete && out ? "true" : "false") + "}";
    end.decision = "allow";
    end.reason = "export_end";
    end.resultCount = rows;
    std::vector<AuditEvent> one = {end};
    if (!audit_.record(one)) log::error("export " + meta.id + ": its closing audit event could not be written");
    return Answer::ok("");
  } catch (const RequestError& e) {
    return refuse(p, meta, e);
  } catch (const pqxx::broken_connection& e) {
    log::error(std::string("export: ") + e.what());
    return refuse(p, meta, databaseDown());
  }
}

}  // namespace regfed::core
