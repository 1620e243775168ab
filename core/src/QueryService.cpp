#include "QueryService.h"

#include <regfed/audit/AccessHistory.h>

#include <algorithm>
#include <chrono>
#include <unordered_set>

#include "Json.h"
#include "Log.h"
#include "RegisterSearch.h"

namespace regfed::core {

using regfed::audit::AuditEvent;
namespace sdk = regfed::sdk;

namespace {

using Clock = std::chrono::steady_clock;
// How long a record lookup waits for the owning node (a record request has no timeout_ms of its own).
constexpr auto kRemoteRecordDeadline = std::chrono::seconds(5);

RequestError databaseError() {
  return RequestError{Failure::Unavailable,
                      "database_unavailable",
                      "The node's database cannot be reached right now, so no data is released. Try again shortly.",
                      {}};
}

// Every event of a request naming an emergency mandate is flagged, refusals included.
bool underEmergencyMandate(const QueryService::Facts& facts) {
  return facts.mandate && facts.mandate->kind == MandateKind::Emergency;
}


std::pair<std::string, std::string> mapAdapterStatus(const sdk::Status& s) {
  switch (s.code) {
    case sdk::StatusCode::Unavailable:
      return {"unavailable", "register_unavailable"};
    case sdk::StatusCode::Timeout:
      return {"timeout", "register_timeout"};
    default:
      return {"error", "register_error"};
  }
}

RegisterRules rulesOf(const RegisterEntry& entry) {
  const RegisterConfig& c = entry.config();
  return RegisterRules{c.fields, c.idField, c.searchCriteria, c.phoneticFields};
}

// The block condition "not blocked" for every block field; pushed down so results look as if blocked records
// did not exist (a record with an empty block field counts as blocked: fail closed).
std::vector<sdk::Condition> unblocked(const RegisterConfig& reg) {
  std::vector<sdk::Condition> out;
  for (const auto& f : reg.blockFields) out.push_back({f, sdk::Operator::Equals, {false}});
  return out;
}

bool isBlocked(const sdk::Row& row, std::size_t firstBlockColumn, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) {
    const sdk::Value& v = row[firstBlockColumn + i];
    if (!std::holds_alternative<bool>(v) || std::get<bool>(v)) return true;
  }
  return false;
}

// Runs an allowed search on one register and fills the result and the audit event. For requests from outside
// the owner, blocked records are filtered inside the register query, and the queries for withheld hits always
// run, hit or not, so neither the answer nor its timing tells whether a blocked record matched.
void executeSearch(AdapterHost& host, RegisterEntry& entry, const std::vector<sdk::Condition>& conditions,
                   const PolicyDecision& decision, std::int64_t limit, std::int64_t budget,
                   TargetResult& result, AuditEvent& event) {
  const RegisterConfig& reg = entry.config();
  result.fields = decision.fields;
  std::vector<sdk::Condition> main = conditions;
  if (decision.withholdBlocked) {
    auto extra = unblocked(reg);
    main.insert(main.end(), extra.begin(), extra.end());
  }
  SearchOutcome found = runSearch(host, entry, main, result.fields, limit, budget);
  if (found.status.ok() && decision.withholdBlocked && !reg.blockFields.empty()) {
    std::vector<std::string> probeFields = {reg.idField};
    probeFields.insert(probeFields.end(), reg.blockFields.begin(), reg.blockFields.end());
    // One probe per block field finds the blocked hits however many matches there are; one probe without a
    // block condition finds the hits whose block field is empty, which the main search also withheld (no
    // condition matches a null), so they are recorded, reviewed and alerted like any other blocked hit.
    std::vector<std::vector<sdk::Condition>> probes;
    for (const auto& blockField : reg.blockFields) {
      probes.push_back(conditions);
      probes.back().push_back({blockField, sdk::Operator::Equals, {true}});
    }
    probes.push_back(conditions);
    std::unordered_set<std::string> seen;
    for (const auto& probe : probes) {
      SearchOutcome hits = runSearch(host, entry, probe, probeFields, 1000, budget);
      if (!hits.status.ok()) {
        found.status = hits.status;
        break;
      }
      for (const auto& row : hits.rows)
        if (isBlocked(row, 1, reg.blockFields.size()) && seen.insert(idText(row[0])).second)
          event.withheld.push_back(idText(row[0]));
    }
  }
  if (!found.status.ok()) {
    std::tie(result.status, result.code) = mapAdapterStatus(found.status);
    result.message = "Register " + entry.id() + " could not answer: " + found.status.message;
    result.fields.clear();
    event.withheld.clear();
    event.decision = "error";
    event.reason = result.code;
    return;
  }
  result.rows = std::move(found.rows);
  result.truncated = found.truncated;
  event.decision = "allow";
  event.fields = result.fields;
  for (const auto& row : result.rows) event.subjects.push_back(idText(row[0]));
  event.resultCount = static_cast<std::int64_t>(result.rows.size());
}

// The §38 criteria sets of a refusal as a `details` object, so a client can show what is missing.
std::string criteriaDetails(const PolicyDecision& d) {
  if (d.criteriaSets.empty()) return "";
  JsonWriter w;
  w.beginObject().key("criteria_sets").beginArray();
  for (const auto& set : d.criteriaSets)
    w.beginObject().key("fields").strings(set.fields).key("missing").strings(set.missing).endObject();
  w.endArray().endObject();
  return w.str();
}

}  // namespace


Failure failureOf(Outcome outcome) {
  switch (outcome) {
    case Outcome::Invalid:
      return Failure::Invalid;
    case Outcome::NotFound:
      return Failure::NotFound;
    case Outcome::Allowed:
    case Outcome::Denied:
    case Outcome::Forbidden:
      break;
  }
  return Failure::Forbidden;
}

// The 200 answer of a query: one entry per target municipality.
std::string resultsJson(const Config& config, const std::string& requestId,
                        const std::vector<TargetResult>& results) {
  JsonWriter w;
  w.beginObject().key("request_id").value(requestId).key("results").beginArray();
  for (const auto& r : results) {
    w.beginObject();
    w.key("ags").value(r.ags);
    w.key("municipality").value(config.federationMunicipalityName(r.ags));
    if (!r.node.empty()) w.key("node").value(r.node);
    w.key("register").value(r.registerName);
    w.key("status").value(r.status);
    if (r.status == "ok") {
      w.key("truncated").value(r.truncated);
      w.key("records").beginArray();
      for (const auto& row : r.rows) {
        w.beginObject();
        for (std::size_t f = 0; f < r.fields.size(); ++f) w.key(r.fields[f]).value(row[f]);
        w.endObject();
      }
      w.endArray();
    } else {
      w.key("error").beginObject().key("code").value(r.code).key("message").value(r.message).endObject();
    }
    w.endObject();
  }
  w.endArray().endObject();
  return w.str();
}



QueryService::QueryService(const Config& config, AdapterHost& host, regfed::audit::AuditSink& audit,
                           MandateStore& mandates, OversightStore& oversight, Database& database,
                           RemoteNodes* remote)
    : config_(config),
      host_(host),
      audit_(audit),
      mandates_(mandates),
      oversight_(oversight),
      database_(database),
      remote_(remote),
      reporter_([this] { fileReports(); }) {}

QueryService::~QueryService() {
  {
    std::lock_guard<std::mutex> lock(reportMutex_);
    stopping_ = true;
  }
  reportQueued_.notify_all();
  reporter_.join();
}

void QueryService::report(const AuditEvent& event) {
  if (event.withheld.empty() && !(event.emergency && event.decision == "allow")) return;
  {
    std::lock_guard<std::mutex> lock(reportMutex_);
    reports_.push_back(event);
  }
  reportQueued_.notify_one();
}

QueryService::Facts QueryService::gather(const Principal& principal,
                                         const std::optional<std::string>& mandate) {
  Facts facts;
  facts.today = berlinToday();
  if (mandate) facts.mandate = mandates_.find(*mandate);
  const Mandate* m = facts.mandate ? &*facts.mandate : nullptr;
  if (m && m->kind == MandateKind::Emergency && m->names(principal.id, principal.ags) &&
      principal.has("responder"))
    facts.emergencyActive = mandates_.emergencyWindowOpen(m->id, principal.id, principal.ags);
  return facts;
}

bool QueryService::disclosedBefore(const Principal& principal, const RecordRequest& request) {
  regfed::audit::DisclosureKey key{config_.nodeId, request.ags,  request.registerName,    request.id,
                                   principal.id,   principal.ags, request.mandate.value_or("")};
  return database_.transaction(
      [&](pqxx::work& tx) { return regfed::audit::disclosedBySearch(tx, key); });
}

void QueryService::fileReports() {
  std::unique_lock<std::mutex> lock(reportMutex_);
  for (;;) {
    reportQueued_.wait(lock, [this] { return stopping_ || !reports_.empty(); });
    if (reports_.empty()) return;  // stopping, and everything filed
    AuditEvent event = std::move(reports_.front());
    reports_.pop_front();
    lock.unlock();
    try {
      if (!event.withheld.empty()) {
        Review prototype;
        prototype.requestId = event.requestId;
        prototype.ownerAgs = event.ownerAgs.value_or("");
        prototype.registerName = event.registerName.value_or("");
        prototype.actor = event.actor;
        prototype.actorAgs = event.actorAgs;
        prototype.purpose = event.purpose.value_or("");
        prototype.caseRef = event.caseRef.value_or("");
        prototype.mandate = event.mandate.value_or("");
        oversight_.reportWithheld(prototype, event.withheld);
      }
      if (event.emergency && event.decision == "allow")
        oversight_.addAlert(newAlert(event.ownerAgs.value_or(""), "emergency_access", event.requestId,
                                  event.actor, event.actorAgs,
                                  "Emergency access by " + event.actor + " (" + event.actorAgs +
                                      ") under mandate " + event.mandate.value_or("") + " to " +
                                      event.registerName.value_or("") + ": " +
                                      std::to_string(event.resultCount) +
                                      " record(s); purpose: " + event.purpose.value_or("")));
    } catch (const std::exception& e) {
      // The audit event already records the hit (withheld ids, emergency flag), so nothing is lost for the
      // DPO.
      log::error("could not file review/alert for request " + event.requestId + ": " + e.what());
    }
    lock.lock();
  }
}

RequestError QueryService::refusal(const Principal& principal, const RequestMeta& meta,
                                   const QueryRequest& request, const RequestError& e) {
  AuditEvent event = newAuditEvent(config_, principal, meta, "search");
  if (!request.registerName.empty()) event.registerName = request.registerName;
  if (request.municipalities.empty())
    event.ownerAgs = principal.ags;  // the default target
  else if (request.municipalities.size() == 1 && request.municipalities[0] != "*")
    event.ownerAgs = request.municipalities[0];
  if (!request.purpose.empty()) event.purpose = request.purpose;
  if (!request.caseRef.empty()) event.caseRef = request.caseRef;
  event.mandate = request.mandate;
  event.criteria = request.criteria;
  if (request.mandate)
    if (auto m = mandates_.find(*request.mandate)) event.emergency = m->kind == MandateKind::Emergency;
  event.decision = onNodeSide(e.kind) ? "error" : "deny";
  event.reason = e.code;
  std::vector<AuditEvent> one = {event};
  if (!audit_.record(one)) return *auditUnavailable("no data is released").error;
  return e;
}

Answer QueryService::refuse(const Principal& principal, const RequestMeta& meta, const QueryRequest& request,
                            const RequestError& e) {
  return Answer::refused(refusal(principal, meta, request, e));
}

Answer QueryService::query(const Principal& principal, const RequestMeta& meta, const std::string& body) {
  QueryRequest request;
  try {
    CaseDefaults defaults;
    if (caseLinks_)
      defaults = [&](const std::optional<std::string>& mandate, const std::vector<std::string>& municipalities) {
        return caseLinks_->caseDefault(principal, mandate,
                                       municipalities.empty() ? std::vector<std::string>{principal.ags} : municipalities);
      };
    parseQuery(body, request, defaults);
  } catch (const RequestError& e) {
    return refuse(principal, meta, request, e);
  }
  SearchAnswer answer = search(principal, meta, std::move(request));
  if (answer.refused) return Answer::refused(*answer.refused);
  return Answer::ok(resultsJson(config_, meta.id, answer.results));
}

SearchAnswer QueryService::search(const Principal& principal, const RequestMeta& meta, QueryRequest request) {
  const auto started = Clock::now();
  const auto deadline = started + std::chrono::milliseconds(request.timeoutMs);
  auto refused = [&](const RequestError& e) { return SearchAnswer{refusal(principal, meta, request, e), {}}; };
  if (auto e = notHomeNode(config_, principal, meta)) return refused(*e);
  // A request from a peer is answered from this node's registers only: nodes never forward on each other's
  // behalf.
  RemoteNodes* remote = meta.viaPeer ? nullptr : remote_;
  Facts facts;
  try {
    facts = gather(principal, request.mandate);
  } catch (const std::exception& e) {
    log::error(std::string("query ") + meta.id + ": " + e.what());
    return refused(databaseError());
  }
  if (auto e = revokedHere(facts.mandate, remote)) return refused(*e);
  // A helper names the mandate and means its owner's register; everyone else means their own.
  if (request.municipalities.empty() && request.mandate && !facts.mandate && remote) {
    // The mandate lives at its owner's node; its id names the owner.
    const std::string owner = ownerOfMandateId(*request.mandate);
    if (!owner.empty()) request.municipalities = {owner};
  }
  if (request.municipalities.empty()) {
    if (request.mandate && !facts.mandate && remote)
      return refused(RequestError{Failure::Invalid,
                                  "municipalities_required",
                                  "Mandate " + *request.mandate +
                                      " is not known here and its id names no municipality; name the "
                                      "municipality in 'municipalities'.",
                                  {"municipalities"}});
    request.municipalities = {facts.mandate ? facts.mandate->ownerAgs : principal.ags};
  }

  // Each target is one of this node's registers, a municipality hosted by a peer, or unknown (nullptr, "").
  std::vector<RegisterEntry*> targets;
  std::vector<std::string> peers;
  std::vector<std::vector<sdk::Condition>> typed;  // the filter typed for each local target's schema
  try {
    const std::vector<RegisterEntry*> named = host_.withName(request.registerName);
    const std::vector<std::string> elsewhere =
        remote ? remote->municipalitiesWith(request.registerName) : std::vector<std::string>{};
    if (named.empty() && elsewhere.empty())
      throw RequestError{Failure::Invalid,
                         "unknown_register",
                         "No register named '" + request.registerName + "' is known in the federation.",
                         {}};
    if (request.municipalities.size() == 1 && request.municipalities[0] == "*") {
      request.municipalities.clear();
      for (auto* t : named) request.municipalities.push_back(t->config().ags);
      for (const auto& ags : elsewhere) request.municipalities.push_back(ags);
    }
    for (const auto& ags : request.municipalities) {
      RegisterEntry* entry = host_.find(ags, request.registerName);
      targets.push_back(entry);
      peers.push_back(!entry && remote ? remote->nodeOf(ags) : "");
    }
    // Names and filters are checked against every local register that will run the request; the owning nodes
    // check their own.
    for (auto* t : targets) {
      typed.emplace_back();
      if (!t) continue;
      if (request.fields) checkFieldNames(*request.fields, t->config().fields);
      typed.back() = typeFilter(request.filter, t->config().fields);
    }
  } catch (const RequestError& e) {
    return refused(e);
  }

  // Decide for every local target first: a request refused as a whole (fields it may not use, too few
  // criteria) must not have searched any register — nor left this node — before the refusal.
  std::vector<PolicyDecision> decisions(targets.size());
  for (std::size_t i = 0; i < targets.size(); ++i) {
    if (!targets[i]) continue;
    AccessRequest access;
    access.operation = Operation::Search;
    access.ownerAgs = request.municipalities[i];
    access.registerName = request.registerName;
    access.fields = request.fields;
    for (const auto& c : typed[i]) access.filter.push_back({c.field, c.op});
    access.mandate = request.mandate;
    PolicyContext context{facts.today, facts.mandate ? &*facts.mandate : nullptr, facts.emergencyActive, false};
    decisions[i] = decide(principal, access, rulesOf(*targets[i]), context);
    const PolicyDecision& d = decisions[i];
    if (d.outcome == Outcome::Forbidden || d.outcome == Outcome::Invalid)
      return refused(RequestError{failureOf(d.outcome), d.reason, d.message,
                                  d.refusedFields.empty() ? d.missingCriteria : d.refusedFields,
                                  criteriaDetails(d)});
  }

  // The owning nodes work in parallel with this one.
  std::vector<std::string> remoteAgs;
  for (std::size_t i = 0; i < targets.size(); ++i)
    if (!peers[i].empty()) remoteAgs.push_back(request.municipalities[i]);
  std::function<std::vector<TargetResult>()> remoteAnswers;
  if (!remoteAgs.empty()) remoteAnswers = remote->search(principal, meta, request, remoteAgs, deadline);

  std::vector<AuditEvent> events;
  std::vector<TargetResult> results(targets.size());
  auto newEvent = [&](const std::string& ags) {
    AuditEvent event = newAuditEvent(config_, principal, meta, "search");
    event.ownerAgs = ags;
    event.registerName = request.registerName;
    event.purpose = request.purpose;
    event.caseRef = request.caseRef;
    event.mandate = request.mandate;
    event.criteria = request.criteria;
    event.emergency = underEmergencyMandate(facts);
    return event;
  };
  for (std::size_t i = 0; i < targets.size(); ++i) {
    if (!peers[i].empty()) continue;
    TargetResult& result = results[i];
    result.ags = request.municipalities[i];
    result.registerName = request.registerName;
    AuditEvent event = newEvent(result.ags);
    RegisterEntry* entry = targets[i];
    const PolicyDecision& decision = decisions[i];
    if (!entry) {
      result.status = "error";
      result.code = "register_not_found";
      result.message = "Municipality " + result.ags + " has no register '" + request.registerName +
                       "' in the federation" + (meta.viaPeer ? " on this node." : ".");
      event.decision = "error";
      event.reason = result.code;
    } else if (!decision.allowed()) {
      result.status = "denied";
      result.code = decision.reason;
      result.message = decision.message;
      event.decision = "deny";
      event.reason = decision.reason;
    } else {
      event.reason = decision.reason;
      const auto remaining =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      executeSearch(host_, *entry, typed[i], decision, request.limit,
                    std::min<std::int64_t>(remaining, entry->config().timeoutMs), result, event);
    }
    events.push_back(std::move(event));
  }

  // What came back from the owning nodes is logged here too: who asked, what, and what each node answered.
  if (remoteAnswers) {
    std::vector<TargetResult> answered = remoteAnswers();
    std::size_t next = 0;
    for (std::size_t i = 0; i < targets.size(); ++i) {
      if (peers[i].empty()) continue;
      TargetResult& result = results[i];
      result = std::move(answered.at(next++));
      AuditEvent event = newEvent(result.ags);
      event.peer = peers[i];
      event.emergency = false;  // the owning node knows the mandate's kind and flags its own events
      if (result.status == "ok") {
        event.decision = "allow";
        event.reason = "answered_by_peer";
        event.fields = result.fields;
        for (const auto& row : result.rows)
          if (!row.empty()) event.subjects.push_back(idText(row[0]));
        event.resultCount = static_cast<std::int64_t>(result.rows.size());
      } else {
        event.decision = result.status == "denied" ? "deny" : "error";
        event.reason = result.code;
      }
      events.push_back(std::move(event));
    }
  }

  if (!audit_.record(events)) return SearchAnswer{*auditUnavailable("no data is released").error, {}};
  for (const auto& e : events) report(e);
  return SearchAnswer{std::nullopt, std::move(results)};
}

Answer QueryService::getRecord(const Principal& principal, const RequestMeta& meta,
                               const RecordRequest& request) {
  RecordAnswer found = fetch(principal, meta, request);
  if (found.refused) return Answer::refused(*found.refused);
  JsonWriter w;
  w.beginObject().key("request_id").value(meta.id).key("record").beginObject();
  for (std::size_t f = 0; f < found.fields.size(); ++f) w.key(found.fields[f]).value(found.row[f]);
  w.endObject().endObject();
  return Answer::ok(w.str());
}

namespace {

// The neutral answer: the same for a record that does not exist, one that is withheld, and one the caller may
// not open without searching first.
RequestError notFound() { return RequestError{Failure::NotFound, "not_found", "No such record.", {}}; }

// What every record request must be, wherever the record is: readable, with purpose, case reference, a
// well-formed mandate id and a sensible record id. Throws RequestError.
void checkRecordRequest(const RecordRequest& request) {
  if (request.problem) throw *request.problem;
  checkPurpose(request.purpose, request.caseRef);
  checkMandate(request.mandate);
  if (request.id.empty() || request.id.size() > 200)
    throw RequestError{Failure::Invalid, "invalid_id", "The record id must be 1 to 200 characters.", {}};
}

AuditEvent recordEvent(const Config& config, const Principal& principal, const RequestMeta& meta,
                       const RecordRequest& request) {
  AuditEvent event = newAuditEvent(config, principal, meta, "get");
  event.ownerAgs = request.ags;
  event.registerName = request.registerName;
  if (!request.purpose.empty()) event.purpose = request.purpose;
  if (!request.caseRef.empty()) event.caseRef = request.caseRef;
  event.mandate = request.mandate;
  std::string criteria = "{\"id\":";
  regfed::audit::appendJsonString(criteria, request.id);
  event.criteria = criteria + "}";
  return event;
}

}  // namespace

RecordAnswer QueryService::fetch(const Principal& principal, const RequestMeta& meta, const RecordRequest& asked,
                                 std::optional<std::int64_t> budgetMs) {
  RecordRequest request = asked;
  if (request.caseRef.empty() && caseLinks_ && !meta.viaPeer)
    if (auto d = caseLinks_->caseDefault(principal, request.mandate, {request.ags})) {
      request.caseRef = d->caseRef;
      if (request.purpose.empty()) request.purpose = d->purpose;
    }
  if (auto refused = notHomeNode(config_, principal, meta)) {
    AuditEvent event = recordEvent(config_, principal, meta, request);
    event.decision = "deny";
    event.reason = refused->code;
    std::vector<AuditEvent> one = {event};
    if (!audit_.record(one)) return RecordAnswer{*auditUnavailable("no data is released").error, {}, {}};
    return RecordAnswer{*refused, {}, {}};
  }
  if (!meta.viaPeer && remote_ && !host_.find(request.ags, request.registerName) &&
      !remote_->nodeOf(request.ags).empty())
    return fetchRemote(principal, meta, request);
  return fetchLocal(principal, meta, request, budgetMs);
}


std::optional<RequestError> QueryService::revokedHere(const std::optional<Mandate>& mandate,
                                                      const RemoteNodes* remote) {
  // This node's copy of a mandate that lives at another node, revoked by this node's admin (perhaps not yet
  // confirmed by the owning node) or known revoked: nothing is forwarded under it any more.
  if (!remote || !mandate || mandate->ownerNode.empty() || mandate->status() != "revoked") return std::nullopt;
  return RequestError{Failure::Forbidden, "mandate_revoked", "Mandate " + mandate->id + " has been revoked.", {}};
}

RecordAnswer QueryService::fetchRemote(const Principal& principal, const RequestMeta& meta,
                                       const RecordRequest& request) {
  AuditEvent event = recordEvent(config_, principal, meta, request);
  auto answer = [&](RecordAnswer out) -> RecordAnswer {
    std::vector<AuditEvent> one = {event};
    if (!audit_.record(one)) return RecordAnswer{*auditUnavailable("no data is released").error, {}, {}};
    return out;
  };
  // What this node can check stays here: a request it refuses never leaves it.
  try {
    checkRecordRequest(request);
    if (request.mandate)
      if (auto e = revokedHere(mandates_.find(*request.mandate), remote_)) throw *e;
  } catch (const RequestError& e) {
    event.decision = onNodeSide(e.kind) ? "error" : "deny";
    event.reason = e.code;
    return answer(RecordAnswer{e, {}, {}});
  }
  std::string node;
  RecordAnswer got = remote_->getRecord(principal, meta, request, Clock::now() + kRemoteRecordDeadline, node);
  event.peer = node;
  if (got.refused) {
    event.decision = onNodeSide(got.refused->kind) ? "error" : "deny";
    event.reason = got.refused->code;
  } else {
    event.decision = "allow";
    event.reason = "answered_by_peer";
    event.subjects = {request.id};
    event.fields = got.fields;
    event.resultCount = 1;
  }
  return answer(std::move(got));
}

RecordAnswer QueryService::fetchLocal(const Principal& principal, const RequestMeta& meta,
                                      const RecordRequest& request, std::optional<std::int64_t> budgetMs) {
  AuditEvent event = recordEvent(config_, principal, meta, request);
  auto answer = [&](RecordAnswer out) -> RecordAnswer {
    std::vector<AuditEvent> one = {event};
    if (!audit_.record(one)) return RecordAnswer{*auditUnavailable("no data is released").error, {}, {}};
    report(event);
    return out;
  };
  auto fail = [&](const RequestError& e) {
    event.decision = onNodeSide(e.kind) ? "error" : "deny";
    event.reason = e.code;
    return answer(RecordAnswer{e, {}, {}});
  };

  RegisterEntry* entry = host_.find(request.ags, request.registerName);
  try {
    checkRecordRequest(request);
    if (!entry)
      throw RequestError{Failure::NotFound,
                         "unknown_register",
                         "No register '" + request.registerName + "' of municipality " + request.ags +
                             " is known in the federation.",
                         {}};
    if (request.fields) checkFieldNames(*request.fields, entry->config().fields);
  } catch (const RequestError& e) {
    return fail(e);
  }

  AccessRequest access;
  access.operation = Operation::Get;
  access.ownerAgs = request.ags;
  access.registerName = request.registerName;
  access.fields = request.fields;
  access.mandate = request.mandate;
  Facts facts;
  PolicyDecision decision;
  bool foundByCase = false;
  try {
    facts = gather(principal, request.mandate);
    PolicyContext context{facts.today, facts.mandate ? &*facts.mandate : nullptr, facts.emergencyActive, false};
    decision = decide(principal, access, rulesOf(*entry), context);
    // Only a request that passes every other rule asks the log whether a search disclosed the record.
    if (decision.outcome == Outcome::NotFound) {
      // A record the work item the person holds refers to was found by the case, as if by a search.
      context.recordDisclosed = disclosedBefore(principal, request);
      foundByCase = !context.recordDisclosed && caseLinks_ &&
                    caseLinks_->foundByCase(principal, request.mandate, request.ags, request.registerName, request.id,
                                            request.caseRef);
      context.recordDisclosed = context.recordDisclosed || foundByCase;
      decision = decide(principal, access, rulesOf(*entry), context);
    }
  } catch (const std::exception& e) {
    // The audit store is written through its own connection and may well still take the event.
    log::error(std::string("record request ") + meta.id + ": " + e.what());
    event.emergency = underEmergencyMandate(facts);
    return fail(databaseError());
  }
  event.emergency = underEmergencyMandate(facts);
  if (decision.outcome == Outcome::NotFound) {
    event.decision = "deny";
    event.reason = decision.reason;
    return answer(RecordAnswer{notFound(), {}, {}});
  }
  if (!decision.allowed())
    return fail(RequestError{failureOf(decision.outcome), decision.reason, decision.message,
                             decision.refusedFields, criteriaDetails(decision)});

  const RegisterConfig& reg = entry->config();
  std::vector<std::string> projection = decision.fields;
  const std::size_t firstBlock = projection.size();
  if (decision.withholdBlocked)
    projection.insert(projection.end(), reg.blockFields.begin(), reg.blockFields.end());
  // A record asked for by a peer is fetched within what is left of the peer's deadline, so nothing is logged
  // as disclosed that the person could no longer receive.
  const std::int64_t budget = budgetMs ? std::min(reg.timeoutMs, *budgetMs) : reg.timeoutMs;
  if (budget <= 0) {
    event.decision = "error";
    event.reason = "register_timeout";
    return answer(RecordAnswer{
        RequestError{Failure::Unavailable, "register_timeout", "The request's deadline passed.", {}}, {}, {}});
  }
  sdk::GetRequest get{request.id, projection, budget};
  sdk::GetResult found;
  sdk::Status status = host_.get(*entry, get, found);
  if (!status.ok()) {
    event.decision = "error";
    event.reason = mapAdapterStatus(status).second;
    return answer(RecordAnswer{RequestError{Failure::Unavailable,
                                            event.reason,
                                            "Register " + entry->id() + " could not answer: " + status.message,
                                            {}},
                               {},
                               {}});
  }
  event.decision = "allow";
  // A DPO sees which records were opened because the held item named them rather than after a search.
  event.reason = foundByCase ? "found_by_case" : decision.reason;
  if (!found.row) return answer(RecordAnswer{notFound(), {}, {}});
  if (decision.withholdBlocked && isBlocked(*found.row, firstBlock, reg.blockFields.size())) {
    event.withheld = {request.id};
    return answer(RecordAnswer{notFound(), {}, {}});
  }
  event.subjects = {request.id};
  event.fields = decision.fields;
  event.resultCount = 1;
  found.row->resize(decision.fields.size());
  return answer(RecordAnswer{std::nullopt, decision.fields, std::move(*found.row)});
}

}  // namespace regfed::core
