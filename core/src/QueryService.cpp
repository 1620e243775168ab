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

RequestError databaseError() {
  return RequestError{503,
                      "database_unavailable",
                      "The node's database cannot be reached right now, so no data is released. Try again shortly.",
                      {}};
}

// Every event of a request naming an emergency mandate is flagged, refusals included.
bool underEmergencyMandate(const QueryService::Facts& facts) {
  return facts.mandate && facts.mandate->kind == MandateKind::Emergency;
}


/// The per-register outcome of a search.
struct TargetResult {
  std::string ags;
  std::string registerName;
  std::string status = "ok";  // ok, denied, unavailable, timeout, error
  std::string code;
  std::string message;
  std::vector<std::string> fields;  // disclosed, id field first
  std::vector<sdk::Row> rows;
  bool truncated = false;
};

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

// The 200 answer of a query: one entry per target municipality.
std::string resultsJson(const Config& config, const std::string& requestId,
                        const std::vector<TargetResult>& results) {
  JsonWriter w;
  w.beginObject().key("request_id").value(requestId).key("results").beginArray();
  for (const auto& r : results) {
    w.beginObject();
    w.key("ags").value(r.ags);
    w.key("municipality").value(config.municipalityName(r.ags));
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

}  // namespace


int refusalStatus(Outcome outcome) {
  switch (outcome) {
    case Outcome::Invalid:
      return 422;
    case Outcome::NotFound:
      return 404;
    case Outcome::Allowed:
      return 200;
    case Outcome::Denied:
    case Outcome::Forbidden:
      break;
  }
  return 403;
}

QueryService::QueryService(const Config& config, AdapterHost& host, regfed::audit::AuditSink& audit,
                           MandateStore& mandates, OversightStore& oversight, Database& database)
    : config_(config),
      host_(host),
      audit_(audit),
      mandates_(mandates),
      oversight_(oversight),
      database_(database),
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
        oversight_.addAlert(Alert{0, "", event.ownerAgs.value_or(""), "emergency_access", event.requestId,
                                  event.actor, event.actorAgs,
                                  "Emergency access by " + event.actor + " (" + event.actorAgs +
                                      ") under mandate " + event.mandate.value_or("") + " to " +
                                      event.registerName.value_or("") + ": " +
                                      std::to_string(event.resultCount) +
                                      " record(s); purpose: " + event.purpose.value_or("")});
    } catch (const std::exception& e) {
      // The audit event already records the hit (withheld ids, emergency flag), so nothing is lost for the
      // DPO.
      log::error("could not file review/alert for request " + event.requestId + ": " + e.what());
    }
    lock.lock();
  }
}

Response QueryService::refuse(const Principal& principal, const RequestMeta& meta,
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
  event.decision = e.status >= 500 ? "error" : "deny";
  event.reason = e.code;
  std::vector<AuditEvent> one = {event};
  if (!audit_.record(one)) return auditUnavailable(meta.id, "no data is released");
  return {e.status, errorBody(e.code, e.message, meta.id, e.fields, e.details)};
}

Response QueryService::query(const Principal& principal, const RequestMeta& meta, const std::string& body) {
  const auto started = Clock::now();
  QueryRequest request;
  auto refused = [&](const RequestError& e) { return refuse(principal, meta, request, e); };
  try {
    parseQuery(body, request);
  } catch (const RequestError& e) {
    return refused(e);
  }
  Facts facts;
  try {
    facts = gather(principal, request.mandate);
  } catch (const std::exception& e) {
    log::error(std::string("query ") + meta.id + ": " + e.what());
    return refused(databaseError());
  }
  // A helper names the mandate and means its owner's register; everyone else means their own.
  if (request.municipalities.empty())
    request.municipalities = {facts.mandate ? facts.mandate->ownerAgs : principal.ags};

  std::vector<RegisterEntry*> targets;
  std::vector<std::vector<sdk::Condition>> typed;  // the filter typed for each target's schema
  try {
    const std::vector<RegisterEntry*> named = host_.withName(request.registerName);
    if (named.empty())
      throw RequestError{
          422, "unknown_register", "No register named '" + request.registerName + "' is served here.", {}};
    if (request.municipalities.size() == 1 && request.municipalities[0] == "*") {
      targets = named;
      request.municipalities.clear();
      for (auto* t : targets) request.municipalities.push_back(t->config().ags);
    } else {
      for (const auto& ags : request.municipalities) targets.push_back(host_.find(ags, request.registerName));
    }
    // Names and filters are checked against every register that will run the request.
    for (auto* t : targets) {
      typed.emplace_back();
      if (!t) continue;
      if (request.fields) checkFieldNames(*request.fields, t->config().fields);
      typed.back() = typeFilter(request.filter, t->config().fields);
    }
  } catch (const RequestError& e) {
    return refused(e);
  }

  // Decide for every target first: a request refused as a whole (fields it may not use, too few criteria) must
  // not have searched any register before the refusal.
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
      return refused(RequestError{refusalStatus(d.outcome), d.reason, d.message,
                                  d.refusedFields.empty() ? d.missingCriteria : d.refusedFields,
                                  criteriaDetails(d)});
  }

  std::vector<AuditEvent> events;
  std::vector<TargetResult> results;
  for (std::size_t i = 0; i < targets.size(); ++i) {
    TargetResult result;
    result.ags = request.municipalities[i];
    result.registerName = request.registerName;
    AuditEvent event = newAuditEvent(config_, principal, meta, "search");
    event.ownerAgs = result.ags;
    event.registerName = request.registerName;
    event.purpose = request.purpose;
    event.caseRef = request.caseRef;
    event.mandate = request.mandate;
    event.criteria = request.criteria;
    event.emergency = underEmergencyMandate(facts);
    RegisterEntry* entry = targets[i];
    const PolicyDecision& decision = decisions[i];
    if (!entry) {
      result.status = "error";
      result.code = "register_not_found";
      result.message =
          "Municipality " + result.ags + " has no register '" + request.registerName + "' on this node.";
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
          request.timeoutMs - std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
      executeSearch(host_, *entry, typed[i], decision, request.limit,
                    std::min<std::int64_t>(remaining, entry->config().timeoutMs), result, event);
    }
    events.push_back(std::move(event));
    results.push_back(std::move(result));
  }

  if (!audit_.record(events)) return auditUnavailable(meta.id, "no data is released");
  for (const auto& e : events) report(e);

  return {200, resultsJson(config_, meta.id, results)};
}

Response QueryService::getRecord(const Principal& principal, const RequestMeta& meta,
                                 const RecordRequest& request) {
  AuditEvent event = newAuditEvent(config_, principal, meta, "get");
  event.ownerAgs = request.ags;
  event.registerName = request.registerName;
  if (!request.purpose.empty()) event.purpose = request.purpose;
  if (!request.caseRef.empty()) event.caseRef = request.caseRef;
  event.mandate = request.mandate;
  {
    std::string criteria = "{\"id\":";
    regfed::audit::appendJsonString(criteria, request.id);
    event.criteria = criteria + "}";
  }
  auto answer = [&](Response response) -> Response {
    std::vector<AuditEvent> one = {event};
    if (!audit_.record(one)) return auditUnavailable(meta.id, "no data is released");
    report(event);
    return response;
  };
  auto fail = [&](const RequestError& e) {
    event.decision = e.status < 500 ? "deny" : "error";
    event.reason = e.code;
    return answer({e.status, errorBody(e.code, e.message, meta.id, e.fields, e.details)});
  };
  // The neutral answer: the same for a record that does not exist, one that is withheld, and one the caller
  // may not open without searching first.
  const Response notFound{404, errorBody("not_found", "No such record.", meta.id)};

  RegisterEntry* entry = host_.find(request.ags, request.registerName);
  try {
    if (request.problem) throw *request.problem;
    checkPurpose(request.purpose, request.caseRef);
    checkMandate(request.mandate);
    if (request.id.empty() || request.id.size() > 200)
      throw RequestError{422, "invalid_id", "The record id must be 1 to 200 characters.", {}};
    if (!entry)
      throw RequestError{
          404,
          "unknown_register",
          "No register '" + request.registerName + "' of municipality " + request.ags + " is served here.",
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
  try {
    facts = gather(principal, request.mandate);
    PolicyContext context{facts.today, facts.mandate ? &*facts.mandate : nullptr, facts.emergencyActive, false};
    decision = decide(principal, access, rulesOf(*entry), context);
    // Only a request that passes every other rule asks the log whether a search disclosed the record.
    if (decision.outcome == Outcome::NotFound) {
      context.recordDisclosed = disclosedBefore(principal, request);
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
    return answer(notFound);
  }
  if (!decision.allowed())
    return fail(RequestError{refusalStatus(decision.outcome), decision.reason, decision.message,
                             decision.refusedFields, criteriaDetails(decision)});

  const RegisterConfig& reg = entry->config();
  std::vector<std::string> projection = decision.fields;
  const std::size_t firstBlock = projection.size();
  if (decision.withholdBlocked)
    projection.insert(projection.end(), reg.blockFields.begin(), reg.blockFields.end());
  sdk::GetRequest get{request.id, projection, reg.timeoutMs};
  sdk::GetResult found;
  sdk::Status status = host_.get(*entry, get, found);
  if (!status.ok()) {
    event.decision = "error";
    event.reason = mapAdapterStatus(status).second;
    return answer(
        {503, errorBody(event.reason, "Register " + entry->id() + " could not answer: " + status.message,
                        meta.id)});
  }
  event.decision = "allow";
  event.reason = decision.reason;
  if (!found.row) return answer(notFound);
  if (decision.withholdBlocked && isBlocked(*found.row, firstBlock, reg.blockFields.size())) {
    event.withheld = {request.id};
    return answer(notFound);
  }
  event.subjects = {request.id};
  event.fields = decision.fields;
  event.resultCount = 1;
  JsonWriter w;
  w.beginObject().key("request_id").value(meta.id).key("record").beginObject();
  for (std::size_t f = 0; f < decision.fields.size(); ++f) w.key(decision.fields[f]).value((*found.row)[f]);
  w.endObject().endObject();
  return answer({200, w.str()});
}

}  // namespace regfed::core
