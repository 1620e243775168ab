#include "QueryService.h"

#include <regfed/sdk/Match.h>

#include <algorithm>
#include <chrono>
#include <sstream>

#include "DataRequest.h"
#include "Json.h"
#include "Policy.h"

namespace regfed::core {

using regfed::audit::AuditEvent;
namespace sdk = regfed::sdk;

namespace {

using Clock = std::chrono::steady_clock;

AuditEvent baseEvent(const Config& config, const Principal& p, const std::string& requestId, const std::string& action) {
  AuditEvent e;
  e.node = config.nodeId;
  e.time = regfed::audit::utcNow();
  e.requestId = requestId;
  e.actor = p.id;
  e.actorAgs = p.ags;
  e.roles.assign(p.roles.begin(), p.roles.end());
  e.action = action;
  return e;
}

Response auditUnavailable(const std::string& requestId) {
  return {503, errorBody("audit_unavailable",
                         "The audit trail cannot be written right now, so no data is released. Try again shortly.",
                         requestId)};
}

/// The per-register outcome of a search.
struct TargetResult {
  std::string ags;
  std::string registerName;
  std::string status = "ok";  // ok, denied, unavailable, timeout, error
  std::string code;
  std::string message;
  std::vector<std::string> fields;   // disclosed, in order; the id field first
  std::vector<sdk::Row> rows;
  bool truncated = false;
};

std::pair<std::string, std::string> mapAdapterStatus(const sdk::Status& s) {
  switch (s.code) {
    case sdk::StatusCode::Unavailable: return {"unavailable", "register_unavailable"};
    case sdk::StatusCode::Timeout: return {"timeout", "register_timeout"};
    default: return {"error", "register_error"};
  }
}

// The projection sent to the adapter: disclosed fields plus what residual filtering needs.
std::vector<std::string> adapterProjection(const std::vector<std::string>& disclosed,
                                           const std::vector<sdk::Condition>& residual) {
  std::vector<std::string> out = disclosed;
  for (const auto& c : residual)
    if (std::find(out.begin(), out.end(), c.field) == out.end()) out.push_back(c.field);
  return out;
}

std::string idText(const sdk::Value& id) {
  if (auto* s = std::get_if<std::string>(&id)) return *s;
  if (auto* i = std::get_if<std::int64_t>(&id)) return std::to_string(*i);
  return "";
}

std::vector<std::string> withIdFirst(const std::string& idField, const std::vector<std::string>& fields) {
  std::vector<std::string> out = {idField};
  for (const auto& f : fields)
    if (f != idField) out.push_back(f);
  return out;
}

}  // namespace

QueryService::QueryService(const Config& config, AdapterHost& host, regfed::audit::AuditSink& audit)
    : config_(config), host_(host), audit_(audit) {}

Response QueryService::query(const Principal& principal, const std::string& requestId, const std::string& body) {
  const auto started = Clock::now();
  QueryRequest request;
  std::vector<AuditEvent> events;
  std::vector<TargetResult> results;
  auto refused = [&](const RequestError& e) { return refuse(principal, requestId, request, e); };

  std::vector<RegisterEntry*> targets;
  try {
    parseQuery(body, request);
    if (request.municipalities.empty()) request.municipalities = {principal.ags};
    const std::vector<RegisterEntry*> named = host_.withName(request.registerName);
    if (named.empty())
      throw RequestError{422, "unknown_register", "No register named '" + request.registerName + "' is served here.", {}};
    if (request.municipalities.size() == 1 && request.municipalities[0] == "*") {
      targets = named;
      request.municipalities.clear();
      for (auto* t : targets) request.municipalities.push_back(t->config().ags);
    } else {
      for (const auto& ags : request.municipalities) targets.push_back(host_.find(ags, request.registerName));
    }
    // Names and filters are checked against every register that will run the request.
    for (auto* t : targets) {
      if (!t) continue;
      if (request.fields) checkFieldNames(*request.fields, t->config().fields);
      typeFilter(request.filter, t->config().fields);
    }
  } catch (const RequestError& e) {
    return refused(e);
  }

  for (std::size_t i = 0; i < targets.size(); ++i) {
    TargetResult result;
    result.ags = request.municipalities[i];
    result.registerName = request.registerName;
    AuditEvent event = baseEvent(config_, principal, requestId, "search");
    event.ownerAgs = result.ags;
    event.registerName = request.registerName;
    event.purpose = request.purpose;
    event.caseRef = request.caseRef;
    event.mandate = request.mandate;
    event.criteria = request.criteria;
    RegisterEntry* entry = targets[i];
    if (!entry) {
      result.status = "error";
      result.code = "register_not_found";
      result.message = "Municipality " + result.ags + " has no register '" + request.registerName + "' on this node.";
      event.decision = "error";
      event.reason = result.code;
    } else {
      const auto& schema = entry->config().fields;
      std::vector<sdk::Condition> conditions = typeFilter(request.filter, schema);
      AccessRequest access;
      access.operation = Operation::Search;
      access.ownerAgs = result.ags;
      access.registerName = request.registerName;
      access.fields = request.fields;
      for (const auto& c : conditions) access.filterFields.push_back(c.field);
      access.mandate = request.mandate;
      PolicyDecision decision = decide(principal, access, schema);
      if (!decision.allowed && !decision.refusedFields.empty())
        return refused(RequestError{403, decision.reason, decision.message, decision.refusedFields});
      event.reason = decision.reason;
      if (!decision.allowed) {
        result.status = "denied";
        result.code = decision.reason;
        result.message = decision.message;
        event.decision = "deny";
      } else {
        const std::string& idField = entry->config().idField;
        result.fields = withIdFirst(idField, decision.fields);
        // Push down what the adapter declares; evaluate the rest here with the reference semantics.
        const sdk::Capabilities caps = entry->capabilities();
        std::vector<sdk::Condition> pushed, residual;
        for (auto& c : conditions)
          (std::find(caps.operators.begin(), caps.operators.end(), c.op) != caps.operators.end() ? pushed : residual)
              .push_back(std::move(c));
        sdk::SearchRequest search;
        search.conditions = pushed;
        search.fields = adapterProjection(result.fields, residual);
        search.limit = residual.empty() ? std::min(request.limit, caps.maxLimit) : caps.maxLimit;
        const auto remaining = request.timeoutMs - std::chrono::duration_cast<std::chrono::milliseconds>(
                                                       Clock::now() - started).count();
        search.timeoutMs = std::min<std::int64_t>(remaining, entry->config().timeoutMs);
        sdk::SearchResult found;
        sdk::Status status = search.timeoutMs <= 0
                                 ? sdk::Status::error(sdk::StatusCode::Timeout, "request deadline passed")
                                 : host_.search(*entry, search, found);
        if (!status.ok()) {
          std::tie(result.status, result.code) = mapAdapterStatus(status);
          result.message = "Register " + entry->id() + " could not answer: " + status.message;
          result.fields.clear();
          event.decision = "error";
          event.reason = result.code;
        } else {
          result.truncated = found.truncated;
          std::vector<std::size_t> residualColumn;
          for (const auto& c : residual)
            residualColumn.push_back(static_cast<std::size_t>(
                std::find(search.fields.begin(), search.fields.end(), c.field) - search.fields.begin()));
          for (auto& row : found.rows) {
            bool keep = true;
            for (std::size_t r = 0; r < residual.size() && keep; ++r)
              keep = sdk::matches(residual[r], row[residualColumn[r]]);
            if (!keep) continue;
            if (static_cast<std::int64_t>(result.rows.size()) == request.limit) {
              result.truncated = true;
              break;
            }
            row.resize(result.fields.size());
            result.rows.push_back(std::move(row));
          }
          event.decision = "allow";
          event.fields = result.fields;
          for (const auto& row : result.rows) event.subjects.push_back(idText(row[0]));
          event.resultCount = static_cast<std::int64_t>(result.rows.size());
        }
      }
    }
    events.push_back(std::move(event));
    results.push_back(std::move(result));
  }

  if (!audit_.record(events)) return auditUnavailable(requestId);

  JsonWriter w;
  w.beginObject().key("request_id").value(requestId).key("results").beginArray();
  for (const auto& r : results) {
    w.beginObject();
    w.key("ags").value(r.ags);
    w.key("municipality").value(config_.municipalityName(r.ags));
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
  return {200, w.str()};
}

Response QueryService::refuse(const Principal& principal, const std::string& requestId, const QueryRequest& request,
                              const RequestError& e) {
  AuditEvent event = baseEvent(config_, principal, requestId, "search");
  if (!request.registerName.empty()) event.registerName = request.registerName;
  if (request.municipalities.empty()) event.ownerAgs = principal.ags;  // the default target
  else if (request.municipalities.size() == 1 && request.municipalities[0] != "*") event.ownerAgs = request.municipalities[0];
  if (!request.purpose.empty()) event.purpose = request.purpose;
  if (!request.caseRef.empty()) event.caseRef = request.caseRef;
  event.mandate = request.mandate;
  event.criteria = request.criteria;
  event.decision = "deny";
  event.reason = e.code;
  std::vector<AuditEvent> one = {event};
  if (!audit_.record(one)) return auditUnavailable(requestId);
  return {e.status, errorBody(e.code, e.message, requestId, e.fields)};
}

Response QueryService::getRecord(const Principal& principal, const std::string& requestId, const RecordRequest& request) {
  AuditEvent event = baseEvent(config_, principal, requestId, "get");
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
    if (!audit_.record(one)) return auditUnavailable(requestId);
    return response;
  };
  auto fail = [&](int status, const std::string& code, const std::string& message,
                  const std::vector<std::string>& fields = {}) {
    event.decision = status < 500 ? "deny" : "error";
    event.reason = code;
    return answer({status, errorBody(code, message, requestId, fields)});
  };

  RegisterEntry* entry = host_.find(request.ags, request.registerName);
  std::optional<std::vector<std::string>> fields;
  try {
    checkPurpose(request.purpose, request.caseRef);
    checkMandate(request.mandate);
    if (request.id.empty() || request.id.size() > 200)
      throw RequestError{422, "invalid_id", "The record id must be 1 to 200 characters.", {}};
    if (!entry)
      throw RequestError{404, "unknown_register",
                         "No register '" + request.registerName + "' of municipality " + request.ags + " is served here.", {}};
    if (request.fieldsParam) {
      std::vector<std::string> list;
      std::string item;
      std::stringstream ss(*request.fieldsParam);
      while (std::getline(ss, item, ','))
        if (!item.empty() && std::find(list.begin(), list.end(), item) == list.end()) list.push_back(item);
      if (list.empty()) throw RequestError{422, "invalid_fields", "'fields' must name at least one field.", {}};
      checkFieldNames(list, entry->config().fields);
      fields = list;
    }
  } catch (const RequestError& e) {
    return fail(e.status, e.code, e.message, e.fields);
  }

  AccessRequest access;
  access.operation = Operation::Get;
  access.ownerAgs = request.ags;
  access.registerName = request.registerName;
  access.fields = fields;
  access.mandate = request.mandate;
  PolicyDecision decision = decide(principal, access, entry->config().fields);
  if (!decision.allowed) return fail(403, decision.reason, decision.message, decision.refusedFields);

  const std::vector<std::string> disclosed = withIdFirst(entry->config().idField, decision.fields);
  sdk::GetRequest get{request.id, disclosed, entry->config().timeoutMs};
  sdk::GetResult found;
  sdk::Status status = host_.get(*entry, get, found);
  if (!status.ok()) {
    event.decision = "error";
    event.reason = mapAdapterStatus(status).second;
    return answer({503, errorBody(event.reason, "Register " + entry->id() + " could not answer: " + status.message,
                                  requestId)});
  }
  event.decision = "allow";
  event.reason = decision.reason;
  if (!found.row) return answer({404, errorBody("not_found", "No such record.", requestId)});
  event.subjects = {request.id};
  event.fields = disclosed;
  event.resultCount = 1;
  JsonWriter w;
  w.beginObject().key("request_id").value(requestId).key("record").beginObject();
  for (std::size_t f = 0; f < disclosed.size(); ++f) w.key(disclosed[f]).value((*found.row)[f]);
  w.endObject().endObject();
  return answer({200, w.str()});
}

}  // namespace regfed::core
