#include "OversightService.h"

#include "Json.h"
#include "JsonBody.h"
#include "Lists.h"
#include "Log.h"

namespace regfed::core {

using regfed::audit::AuditEvent;

namespace {

RequestError notPermitted(const std::string& message) { return RequestError{Failure::Forbidden, "not_permitted", message, {}}; }

}  // namespace

OversightService::OversightService(const Config& config, OversightStore& oversight,
                                   regfed::audit::AuditSink& audit)
    : config_(config), oversight_(oversight), audit_(audit) {}

Answer OversightService::refuse(const Principal& p, const RequestMeta& meta, const std::string& action,
                                  const RequestError& error) {
  return auditedRefusal(config_, audit_, p, meta, action, p.ags, error);
}

Answer OversightService::reviews(const Principal& p, const RequestMeta& meta,
                                   const std::map<std::string, std::string>& query) {
  if (!p.has("clerk"))
    return refuse(p, meta, "review_read", notPermitted("Reviews are processed by clerks of the owning municipality."));
  const std::string status = query.count("status") ? query.at("status") : "open";
  if (status != "open" && status != "closed" && status != "all")
    return refuse(p, meta, "review_read",
                  RequestError{Failure::Invalid, "invalid_status", "status must be open, closed or all.", {}});
  try {
    const std::vector<Review> list = oversight_.reviews(p.ags, status == "all" ? "" : status);
    // The list names persons with an Auskunftssperre and who asked for them: reading it is audited.
    AuditEvent e = newAuditEvent(config_, p, meta, "review_read");
    e.ownerAgs = p.ags;
    e.decision = "allow";
    e.reason = "reviews";
    for (const Review& r : list)
      if (!contains(e.subjects, r.recordId)) e.subjects.push_back(r.recordId);
    e.resultCount = static_cast<std::int64_t>(list.size());
    std::vector<AuditEvent> one = {e};
    if (!audit_.record(one)) return auditUnavailable("nothing is shown");
    JsonWriter w;
    w.beginObject().key("reviews").beginArray();
    for (const Review& r : list) {
      w.beginObject();
      w.key("id").value(static_cast<std::int64_t>(r.id)).key("created_at").value(r.createdAt);
      w.key("status").value(r.status).key("request_id").value(r.requestId);
      w.key("register").value(r.registerName).key("record_id").value(r.recordId);
      w.key("actor").value(r.actor).key("actor_ags").value(r.actorAgs);
      w.key("purpose").value(r.purpose).key("case_ref").value(r.caseRef).key("mandate").value(r.mandate);
      if (r.status == "closed")
        w.key("closed").raw("{\"by\":" + jsonStringOrNull(r.closedBy) + ",\"at\":" + jsonStringOrNull(r.closedAt) +
                            ",\"outcome\":" + jsonStringOrNull(r.outcome) + "}");
      w.endObject();
    }
    w.endArray().endObject();
    return Answer::ok(w.str());
  } catch (const DatabaseUnavailable& e) {
    log::error(e.what());
    return refuse(p, meta, "review_read",
                  RequestError{Failure::Unavailable, "database_unavailable", "Reviews cannot be read right now.", {}});
  }
}

Answer OversightService::closeReview(const Principal& p, const RequestMeta& meta, const std::string& id,
                                       const std::string& body) {
  if (!p.has("clerk"))
    return refuse(p, meta, "review_close", notPermitted("Reviews are processed by clerks of the owning municipality."));
  long long reviewId = 0;
  try {
    std::size_t used = 0;
    reviewId = std::stoll(id, &used);
    if (used != id.size()) throw std::invalid_argument(id);
  } catch (const std::exception&) {
    return refuse(p, meta, "review_close", RequestError{Failure::NotFound, "not_found", "There is no review " + id + ".", {}});
  }
  try {
    const std::string outcome = requiredText(parseObjectBody(body), "outcome", 1000);
    oversight_.closeReview(reviewId, p.ags, p.id, outcome, [&](const Review& r) {
      // Inside the transaction: without its committed audit event the review stays open.
      AuditEvent e = newAuditEvent(config_, p, meta, "review_close");
      e.ownerAgs = p.ags;
      e.registerName = r.registerName;
      e.subjects = {r.recordId};
      e.caseRef = r.caseRef;
      JsonWriter criteria;
      criteria.beginObject().key("outcome").value(outcome).key("review").value(static_cast<std::int64_t>(r.id));
      criteria.key("review_request_id").value(r.requestId).endObject();
      e.criteria = criteria.str();
      e.decision = "allow";
      e.reason = "closed";
      std::vector<AuditEvent> one = {e};
      if (!audit_.record(one)) throw AuditDown();
    });
    return Answer::ok("{\"id\":" + std::to_string(reviewId) + ",\"status\":\"closed\"}");
  } catch (const StateConflict& c) {
    return refuse(p, meta, "review_close", c.error());
  } catch (const AuditDown&) {
    return auditUnavailable("the review stays open");
  } catch (const DatabaseUnavailable& e) {
    log::error(e.what());
    return refuse(p, meta, "review_close",
                  RequestError{Failure::Unavailable, "database_unavailable", "Reviews cannot be changed right now.", {}});
  }
}

namespace {

void writeAlert(JsonWriter& w, const Alert& a) {
  w.beginObject();
  w.key("id").value(static_cast<std::int64_t>(a.id)).key("time").value(a.time).key("kind").value(a.kind);
  w.key("status").value(a.status).key("owner_ags").value(a.ownerAgs);
  w.key("request_id").raw(jsonStringOrNull(a.requestId)).key("actor").raw(jsonStringOrNull(a.actor));
  w.key("actor_ags").raw(jsonStringOrNull(a.actorAgs)).key("detail").value(a.detail);
  w.key("acknowledged");
  if (a.acknowledgedAt.empty())
    w.null();
  else
    w.beginObject().key("by").value(a.acknowledgedBy).key("at").value(a.acknowledgedAt).endObject();
  w.key("closed");
  if (a.closedAt.empty())
    w.null();
  else
    w.beginObject().key("by").value(a.closedBy).key("at").value(a.closedAt).key("outcome").value(a.outcome).endObject();
  w.endObject();
}

RequestError notDpo() { return notPermitted("Alerts are for the data protection officer (role dpo)."); }

}  // namespace

Answer OversightService::alerts(const Principal& p, const RequestMeta& meta,
                                const std::map<std::string, std::string>& query) {
  if (!p.has("dpo")) return refuse(p, meta, "audit_read", notDpo());
  if (auto refused = notHomeNode(config_, p, meta)) return refuse(p, meta, "audit_read", *refused);
  const std::string status = query.count("status") ? query.at("status") : "open";
  if (status != "open" && status != "acknowledged" && status != "closed" && status != "all")
    return refuse(p, meta, "audit_read",
                  RequestError{Failure::Invalid, "invalid_status",
                               "status must be open, acknowledged, closed or all.", {"status"}});
  try {
    std::vector<Alert> list = oversight_.alerts(p.ags, status == "all" ? "" : status, 500);
    std::int64_t unclosed = 0;
    for (const auto& [key, count] : oversight_.unclosedAlertCounts())
      if (key.first == p.ags) unclosed += count;
    // Reading the audit is itself audited.
    AuditEvent e = newAuditEvent(config_, p, meta, "audit_read");
    e.ownerAgs = p.ags;
    e.decision = "allow";
    e.reason = "alerts";
    e.criteria = "{\"status\":\"" + status + "\"}";
    e.resultCount = static_cast<std::int64_t>(list.size());
    std::vector<AuditEvent> one = {e};
    if (!audit_.record(one)) return auditUnavailable("nothing is shown");
    JsonWriter w;
    w.beginObject().key("alerts").beginArray();
    for (const Alert& a : list) writeAlert(w, a);
    w.endArray().key("open").value(unclosed).key("request_id").value(meta.id).endObject();
    return Answer::ok(w.str());
  } catch (const DatabaseUnavailable& e) {
    log::error(e.what());
    return refuse(p, meta, "audit_read",
                  RequestError{Failure::Unavailable, "database_unavailable", "Alerts cannot be read right now.", {}});
  }
}

Answer OversightService::changeAlert(const Principal& p, const RequestMeta& meta, const std::string& id, bool close,
                                     const std::string& body) {
  const std::string action = close ? "alert_close" : "alert_acknowledge";
  if (!p.has("dpo")) return refuse(p, meta, action, notDpo());
  if (auto refused = notHomeNode(config_, p, meta)) return refuse(p, meta, action, *refused);
  long long alertId = 0;
  try {
    std::size_t used = 0;
    alertId = std::stoll(id, &used);
    if (used != id.size()) throw std::invalid_argument(id);
  } catch (const std::exception&) {
    return refuse(p, meta, action, RequestError{Failure::NotFound, "not_found", "There is no alert " + id + ".", {}});
  }
  try {
    std::string outcome;
    if (close) outcome = requiredText(parseObjectBody(body), "outcome", 1000);
    const Alert changed = oversight_.changeAlert(alertId, p.ags, p.id, close, outcome, [&](const Alert& a) {
      // Inside the transaction: without its committed audit event the alert stays as it was.
      AuditEvent e = newAuditEvent(config_, p, meta, action);
      e.ownerAgs = p.ags;
      JsonWriter criteria;
      criteria.beginObject().key("alert").value(static_cast<std::int64_t>(a.id)).key("kind").value(a.kind);
      if (close) criteria.key("outcome").value(outcome);
      criteria.endObject();
      e.criteria = criteria.str();
      e.decision = "allow";
      e.reason = close ? "closed" : "acknowledged";
      std::vector<AuditEvent> one = {e};
      if (!audit_.record(one)) throw AuditDown();
    });
    JsonWriter w;
    w.beginObject().key("alert");
    writeAlert(w, changed);
    w.key("request_id").value(meta.id).endObject();
    return Answer::ok(w.str());
  } catch (const StateConflict& c) {
    return refuse(p, meta, action, c.error());
  } catch (const AuditDown&) {
    return auditUnavailable("the alert is unchanged");
  } catch (const DatabaseUnavailable& e) {
    log::error(e.what());
    return refuse(p, meta, action,
                  RequestError{Failure::Unavailable, "database_unavailable", "Alerts cannot be changed right now.", {}});
  }
}

}  // namespace regfed::core
