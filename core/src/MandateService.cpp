#include "MandateService.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>

#include <regex>
#include <set>

#include "DataRequest.h"
#include "Json.h"
#include "Log.h"
#include "RequestAudit.h"

namespace regfed::core {

using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;
using regfed::audit::AuditEvent;
namespace sdk = regfed::sdk;

namespace {

/// Thrown inside the store transaction when the audit event cannot be committed: the change rolls back.
struct AuditDown : std::runtime_error {
  AuditDown() : std::runtime_error("audit unavailable") {}
};

Response auditUnavailable(const std::string& requestId) {
  return {503, errorBody("audit_unavailable",
                         "The audit trail cannot be written right now, so nothing was changed.", requestId)};
}

Response conflictResponse(const StateConflict& c, const std::string& requestId) {
  std::string body = errorBody(c.code, c.what(), requestId);
  if (!c.details.empty()) body = body.substr(0, body.size() - 2) + ",\"details\":" + c.details + "}}";
  return {c.status, body};
}

[[noreturn]] void invalid(const std::string& code, const std::string& message) {
  throw StateConflict(422, code, message);
}

std::vector<std::string> stringList(const Object::Ptr& o, const std::string& key, bool required) {
  std::vector<std::string> out;
  if (!o->has(key)) {
    if (required) invalid("missing_" + key, "'" + key + "' is required.");
    return out;
  }
  Var v = o->get(key);
  if (v.type() != typeid(Array::Ptr)) invalid("invalid_type", "'" + key + "' must be a list of strings.");
  auto a = v.extract<Array::Ptr>();
  for (std::size_t i = 0; i < a->size(); ++i) {
    Var item = a->get(static_cast<unsigned>(i));
    if (!item.isString()) invalid("invalid_type", "'" + key + "' must be a list of strings.");
    if (!contains(out, item.toString())) out.push_back(item.toString());
  }
  return out;
}

std::string text(const Object::Ptr& o, const std::string& key) {
  if (!o->has(key) || o->get(key).isEmpty()) invalid("missing_" + key, "'" + key + "' is required.");
  if (!o->get(key).isString()) invalid("invalid_type", "'" + key + "' must be a string.");
  const std::string value = o->get(key).toString();
  if (!regfed::audit::isStorableText(value))
    invalid("invalid_text", "'" + key + "' must be UTF-8 text without NUL.");
  return value;
}

Object::Ptr parseObject(const std::string& body) {
  try {
    Poco::JSON::Parser parser;
    Var v = parser.parse(body);
    if (v.type() == typeid(Object::Ptr)) return v.extract<Object::Ptr>();
  } catch (const Poco::Exception&) {
  }
  throw StateConflict(400, "malformed_json", "The request body must be a JSON object.");
}

std::string nullable(const std::string& s) {
  if (s.empty()) return "null";
  std::string out;
  regfed::audit::appendJsonString(out, s);
  return out;
}

}  // namespace

std::string mandateJson(const Mandate& m) {
  JsonWriter w;
  w.beginObject();
  w.key("id").value(m.id);
  w.key("status").value(m.status());
  w.key("owner_ags").value(m.ownerAgs);
  w.key("helper_ags").value(m.helperAgs);
  w.key("helpers").strings(m.helpers);
  w.key("registers").strings(m.registers);
  w.key("procedures").strings(m.procedures);
  w.key("operations").strings(m.operations);
  w.key("fields").strings(m.fields);
  w.key("purpose").value(m.purpose);
  w.key("agreement").value(m.agreement);
  w.key("valid_from").value(formatDay(m.validFrom));
  w.key("valid_until").value(formatDay(m.validUntil));
  w.key("support_days").value(m.supportDays());
  w.key("in_force_today").value(m.inForce(berlinToday()));
  w.key("approvals").beginObject();
  w.key("owner").raw(m.ownerApprovedBy.empty() ? "null"
                                               : "{\"by\":" + nullable(m.ownerApprovedBy) +
                                                     ",\"at\":" + nullable(m.ownerApprovedAt) + "}");
  w.key("helper").raw(m.helperApprovedBy.empty() ? "null"
                                                 : "{\"by\":" + nullable(m.helperApprovedBy) +
                                                       ",\"at\":" + nullable(m.helperApprovedAt) + "}");
  w.endObject();
  w.key("created").raw("{\"by\":" + nullable(m.createdBy) + ",\"at\":" + nullable(m.createdAt) + "}");
  w.key("revoked").raw(m.revokedBy.empty()
                           ? "null"
                           : "{\"by\":" + nullable(m.revokedBy) + ",\"at\":" + nullable(m.revokedAt) + "}");
  w.endObject();
  return w.str();
}

MandateService::MandateService(const Config& config, MandateStore& mandates, OversightStore& oversight,
                               regfed::audit::AuditSink& audit)
    : config_(config), mandates_(mandates), oversight_(oversight), audit_(audit) {}

std::int64_t MandateService::limitFor(const std::string& agreement) const {
  for (const auto& a : config_.agreements)
    if (a.id == agreement) return a.supportDaysPerYear;
  return 10;
}

AuditEvent MandateService::event(const Principal& p, const std::string& requestId, const std::string& action,
                                 const Mandate& m, const std::string& reason) const {
  AuditEvent e = newAuditEvent(config_, p, requestId, action);
  e.ownerAgs = m.ownerAgs.empty() ? std::optional<std::string>() : m.ownerAgs;
  if (!m.id.empty()) e.mandate = m.id;
  if (!m.purpose.empty()) e.purpose = m.purpose;
  if (!m.agreement.empty()) e.caseRef = m.agreement;
  if (!m.helperAgs.empty()) {
    JsonWriter w;
    w.beginObject()
        .key("fields")
        .strings(m.fields)
        .key("helper_ags")
        .value(m.helperAgs)
        .key("helpers")
        .strings(m.helpers);
    w.key("operations").strings(m.operations).key("registers").strings(m.registers);
    w.key("support_days").value(m.supportDays()).key("valid_from").value(formatDay(m.validFrom));
    w.key("valid_until").value(formatDay(m.validUntil)).endObject();
    e.criteria = w.str();
  }
  e.decision = "allow";
  e.reason = reason;
  return e;
}

void MandateService::recordOrThrow(AuditEvent e) {
  std::vector<AuditEvent> one = {std::move(e)};
  if (!audit_.record(one)) throw AuditDown();
}

Response MandateService::refused(const Principal& p, const std::string& requestId, const std::string& action,
                                 const std::string& ownerAgs, const std::string& mandateId,
                                 const StateConflict& c) {
  Mandate stub;
  stub.id = mandateId;
  stub.ownerAgs = ownerAgs;
  AuditEvent e = event(p, requestId, action, stub, c.code);
  e.decision = "deny";
  std::vector<AuditEvent> one = {e};
  if (!audit_.record(one)) return auditUnavailable(requestId);
  return conflictResponse(c, requestId);
}

Response MandateService::create(const Principal& p, const std::string& requestId, const std::string& body) {
  Mandate m;
  try {
    Object::Ptr o = parseObject(body);
    std::vector<std::string> names;
    o->getNames(names);
    const std::set<std::string> known = {"owner_ags",  "helper_ags", "helpers",    "registers",
                                         "procedures", "operations", "fields",     "purpose",
                                         "agreement",  "valid_from", "valid_until"};
    for (const auto& n : names)
      if (!known.count(n)) invalid("unknown_parameter", "Unknown mandate parameter '" + n + "'.");
    m.ownerAgs = text(o, "owner_ags");
    if (!p.has("admin") || p.ags != m.ownerAgs)
      throw StateConflict(403, "not_owner_admin",
                          "Only an admin of the owning municipality " + m.ownerAgs +
                              " can create a mandate for its registers.");
    if (config_.municipalityName(m.ownerAgs).empty())
      invalid("unknown_municipality", "Municipality " + m.ownerAgs + " is not hosted by this node.");
    m.helperAgs = text(o, "helper_ags");
    if (!isAgs(m.helperAgs)) invalid("invalid_ags", "'helper_ags' must be an 8-digit AGS.");
    if (m.helperAgs == m.ownerAgs)
      invalid("same_municipality", "A mandate is between two different municipalities.");
    m.helpers = stringList(o, "helpers", true);
    static const std::regex userId(R"([A-Za-z0-9._@-]{1,100})");
    if (m.helpers.empty())
      invalid("missing_helpers", "Name at least one helper (user id of " + m.helperAgs + ").");
    for (const auto& h : m.helpers)
      if (!std::regex_match(h, userId)) invalid("invalid_helper", "'" + h + "' is not a user id.");
    m.registers = stringList(o, "registers", false);
    m.procedures = stringList(o, "procedures", false);
    if (m.registers.empty() && m.procedures.empty())
      invalid("missing_scope", "Name the registers and/or procedures the mandate covers.");
    std::vector<const RegisterConfig*> regs;
    for (const auto& r : m.registers) {
      const RegisterConfig* found = nullptr;
      for (const auto& rc : config_.registers)
        if (rc.ags == m.ownerAgs && rc.name == r) found = &rc;
      if (!found) invalid("unknown_register", "Municipality " + m.ownerAgs + " has no register '" + r + "'.");
      regs.push_back(found);
    }
    for (const auto& proc : m.procedures) {
      bool found = false;
      for (const auto& pc : config_.procedures) found = found || (pc.ags == m.ownerAgs && pc.name == proc);
      if (!found)
        invalid("unknown_procedure", "Municipality " + m.ownerAgs + " has no procedure '" + proc + "'.");
    }
    m.operations = stringList(o, "operations", true);
    if (m.operations.empty())
      invalid("missing_operations", "Name at least one operation: get, search, process.");
    for (const auto& op : m.operations)
      if (op != "get" && op != "search" && op != "process")
        invalid("invalid_operation", "Unknown operation '" + op + "'; use get, search or process.");
    m.fields = stringList(o, "fields", !m.registers.empty());
    for (const auto& f : m.fields)
      for (const auto* reg : regs) {
        const sdk::FieldSpec* spec = nullptr;
        for (const auto& fs : reg->fields)
          if (fs.name == f) spec = &fs;
        if (!spec) invalid("unknown_field", "Register " + reg->name + " has no field '" + f + "'.");
        if (spec->classification == sdk::Classification::StrengVertraulich)
          invalid("field_not_shareable",
                  "Field '" + f + "' is streng vertraulich and never leaves " + m.ownerAgs + ".");
      }
    m.purpose = text(o, "purpose");
    if (utf8Length(m.purpose) < 3 || utf8Length(m.purpose) > 500)
      invalid("invalid_purpose", "The purpose must be 3 to 500 characters long.");
    m.agreement = text(o, "agreement");
    bool knownAgreement = false;
    for (const auto& a : config_.agreements) knownAgreement = knownAgreement || a.id == m.agreement;
    if (!knownAgreement)
      invalid("unknown_agreement", "There is no cooperation agreement '" + m.agreement + "'.");
    auto from = parseDay(text(o, "valid_from")), until = parseDay(text(o, "valid_until"));
    if (!from || !until) invalid("invalid_date", "'valid_from' and 'valid_until' must be dates YYYY-MM-DD.");
    if (*until < *from) invalid("dates_reversed", "'valid_until' is before 'valid_from'.");
    if (*from < berlinToday())
      invalid("date_in_past",
              "A mandate cannot start in the past (today is " + formatDay(berlinToday()) + ").");
    if (*until - *from > 365) invalid("too_long", "A mandate covers at most one year.");
    m.validFrom = *from;
    m.validUntil = *until;
    m.createdBy = p.id;
  } catch (const StateConflict& c) {
    return refused(p, requestId, "mandate_create", m.ownerAgs.empty() ? p.ags : m.ownerAgs, "", c);
  }
  try {
    Mandate stored = mandates_.create(m, [&](const Mandate& created) {
      recordOrThrow(event(p, requestId, "mandate_create", created, "created"));
    });
    log::info("mandate " + stored.id + " created by " + p.id + " for " + stored.helperAgs);
    return {201, mandateJson(stored)};
  } catch (const AuditDown&) {
    return auditUnavailable(requestId);
  } catch (const DatabaseUnavailable& e) {
    log::error(e.what());
    return {503, errorBody("database_unavailable", "Mandates cannot be stored right now; try again shortly.",
                           requestId)};
  }
}

std::optional<Mandate> MandateService::lookup(const std::string& id) {
  auto known = mandates_.find(id);
  if (known) return known;
  // Created through another node since the last refresh? Ask the database once before answering 404.
  try {
    mandates_.refresh();
  } catch (const DatabaseUnavailable& e) {
    log::warn(e.what());
  }
  return mandates_.find(id);
}

template <class Change>
Response MandateService::change(const Principal& p, const std::string& requestId, const std::string& id,
                                const std::string& action, Change apply) {
  auto known = lookup(id);
  const std::string owner = known ? known->ownerAgs : p.ags;
  try {
    if (!known) throw StateConflict(404, "mandate_not_found", "There is no mandate " + id + ".");
    if (!p.has("admin") || (p.ags != known->ownerAgs && p.ags != known->helperAgs))
      throw StateConflict(403, "not_a_party",
                          "Only an admin of " + known->ownerAgs + " or " + known->helperAgs +
                              " can change mandate " + id + ".");
    Mandate stored = apply(*known);
    log::info(action + " " + id + " by " + p.id + " (" + p.ags + "); status " + stored.status());
    return {200, mandateJson(stored)};
  } catch (const StateConflict& c) {
    return refused(p, requestId, action, owner, id, c);
  } catch (const AuditDown&) {
    return auditUnavailable(requestId);
  } catch (const DatabaseUnavailable& e) {
    log::error(e.what());
    return {503, errorBody("database_unavailable", "Mandates cannot be changed right now; try again shortly.",
                           requestId)};
  }
}

Response MandateService::approve(const Principal& p, const std::string& requestId, const std::string& id) {
  return change(p, requestId, id, "mandate_approve", [&](const Mandate& known) {
    const Side side = p.ags == known.ownerAgs ? Side::Owner : Side::Helper;
    const std::int64_t limit = limitFor(known.agreement);
    return mandates_.approve(
        id, side, p.id,
        [&](const Mandate& current, const std::map<int, std::int64_t>& used) {
          if (current.status() == "revoked")
            throw StateConflict(409, "mandate_revoked", "Mandate " + id + " was revoked.");
          if (!(side == Side::Owner ? current.ownerApprovedBy : current.helperApprovedBy).empty())
            throw StateConflict(409, "already_approved",
                                "Your municipality has already approved mandate " + id + ".");
          if (current.validUntil < berlinToday())
            throw StateConflict(409, "mandate_expired",
                                "Mandate " + id + " ended on " + formatDay(current.validUntil) + ".");
          for (int year = yearOf(current.validFrom); year <= yearOf(current.validUntil); ++year) {
            const std::int64_t already = used.count(year) ? used.at(year) : 0;
            const std::int64_t requested = current.supportDaysIn(year);
            if (already + requested <= limit) continue;
            JsonWriter d;
            d.beginObject()
                .key("helper_ags")
                .value(current.helperAgs)
                .key("agreement")
                .value(current.agreement);
            d.key("year").value(year).key("limit_days").value(limit).key("used_days").value(already);
            d.key("requested_days")
                .value(requested)
                .key("remaining_days")
                .value(std::max<std::int64_t>(0, limit - already));
            d.endObject();
            throw StateConflict(409, "quota_exceeded",
                                "Approving would use " + std::to_string(already + requested) +
                                    " support days of " + current.helperAgs + " in " + std::to_string(year) +
                                    "; the limit under " + current.agreement + " is " +
                                    std::to_string(limit) + " (" + std::to_string(already) +
                                    " already used).",
                                d.str());
          }
        },
        [&](const Mandate& updated) {
          const bool complete = updated.status() == "approved";
          recordOrThrow(event(
              p, requestId, "mandate_approve", updated,
              complete ? "approved" : (side == Side::Owner ? "approved_by_owner" : "approved_by_helper")));
        });
  });
}

Response MandateService::revoke(const Principal& p, const std::string& requestId, const std::string& id) {
  return change(p, requestId, id, "mandate_revoke", [&](const Mandate&) {
    return mandates_.revoke(
        id, p.id, berlinToday(),
        [&](const Mandate& current) {
          if (current.status() == "revoked")
            throw StateConflict(409, "already_revoked", "Mandate " + id + " was already revoked.");
        },
        [&](const Mandate& updated) {
          recordOrThrow(event(p, requestId, "mandate_revoke", updated, "revoked"));
        });
  });
}

Response MandateService::list(const Principal& p, const std::string& requestId,
                              const std::map<std::string, std::string>& query) {
  const std::string ags = query.count("ags") ? query.at("ags") : "";
  const std::string status = query.count("status") ? query.at("status") : "";
  if (!status.empty() && status != "pending" && status != "approved" && status != "revoked")
    return {422, errorBody("invalid_status", "status must be pending, approved or revoked.", requestId)};
  const bool official = p.has("admin") || p.has("dpo") || p.has("clerk");
  JsonWriter w;
  w.beginObject().key("mandates").beginArray();
  for (const Mandate& m : mandates_.all()) {
    // Admins, DPOs and clerks see their municipality's mandates; a helper sees the mandates naming them.
    const bool party = official && (m.ownerAgs == p.ags || m.helperAgs == p.ags);
    const bool named = p.has("helper") && m.helperAgs == p.ags && contains(m.helpers, p.id);
    if (!party && !named) continue;
    if (!ags.empty() && m.ownerAgs != ags && m.helperAgs != ags) continue;
    if (!status.empty() && m.status() != status) continue;
    w.raw(mandateJson(m));
  }
  w.endArray().endObject();
  return {200, w.str()};
}

Response MandateService::quota(const Principal&, const std::string& requestId,
                               const std::map<std::string, std::string>& query) {
  int year = yearOf(berlinToday());
  if (query.count("year")) {
    try {
      std::size_t used = 0;
      year = std::stoi(query.at("year"), &used);
      if (used != query.at("year").size() || year < 2000 || year > 2200) throw std::invalid_argument("year");
    } catch (const std::exception&) {
      return {422, errorBody("invalid_year", "year must be a year such as 2026.", requestId)};
    }
  }
  JsonWriter w;
  w.beginObject().key("year").value(year).key("municipalities").beginArray();
  for (const auto& m : config_.municipalities)
    for (const auto& a : config_.agreements) {
      const std::int64_t used = mandates_.usedDays(m.ags, a.id, year);
      w.beginObject();
      w.key("ags").value(m.ags).key("municipality").value(m.name).key("agreement").value(a.id);
      w.key("used_days").value(used).key("limit_days").value(a.supportDaysPerYear);
      w.key("remaining_days").value(std::max<std::int64_t>(0, a.supportDaysPerYear - used));
      w.endObject();
    }
  w.endArray().endObject();
  return {200, w.str()};
}

Response MandateService::reviews(const Principal& p, const std::string& requestId,
                                 const std::map<std::string, std::string>& query) {
  if (!p.has("clerk"))
    return {403, errorBody("not_permitted", "Reviews are processed by clerks of the owning municipality.",
                           requestId)};
  const std::string status = query.count("status") ? query.at("status") : "open";
  if (status != "open" && status != "closed" && status != "all")
    return {422, errorBody("invalid_status", "status must be open, closed or all.", requestId)};
  try {
    JsonWriter w;
    w.beginObject().key("reviews").beginArray();
    for (const Review& r : oversight_.reviews(p.ags, status == "all" ? "" : status)) {
      w.beginObject();
      w.key("id").value(static_cast<std::int64_t>(r.id)).key("created_at").value(r.createdAt);
      w.key("status").value(r.status).key("request_id").value(r.requestId);
      w.key("register").value(r.registerName).key("record_id").value(r.recordId);
      w.key("actor").value(r.actor).key("actor_ags").value(r.actorAgs);
      w.key("purpose").value(r.purpose).key("case_ref").value(r.caseRef).key("mandate").value(r.mandate);
      if (r.status == "closed")
        w.key("closed").raw("{\"by\":" + nullable(r.closedBy) + ",\"at\":" + nullable(r.closedAt) +
                            ",\"outcome\":" + nullable(r.outcome) + "}");
      w.endObject();
    }
    w.endArray().endObject();
    return {200, w.str()};
  } catch (const DatabaseUnavailable& e) {
    log::error(e.what());
    return {503, errorBody("database_unavailable", "Reviews cannot be read right now.", requestId)};
  }
}

Response MandateService::closeReview(const Principal& p, const std::string& requestId, const std::string& id,
                                     const std::string& body) {
  if (!p.has("clerk"))
    return {403, errorBody("not_permitted", "Reviews are processed by clerks of the owning municipality.",
                           requestId)};
  long long reviewId = 0;
  try {
    std::size_t used = 0;
    reviewId = std::stoll(id, &used);
    if (used != id.size()) throw std::invalid_argument(id);
  } catch (const std::exception&) {
    return {404, errorBody("not_found", "There is no review " + id + ".", requestId)};
  }
  try {
    Object::Ptr o = parseObject(body);
    const std::string outcome = text(o, "outcome");
    if (utf8Length(outcome) < 3 || utf8Length(outcome) > 1000)
      invalid("invalid_outcome", "The outcome must be 3 to 1000 characters long.");
    Review r = oversight_.closeReview(reviewId, p.ags, p.id, outcome);
    Mandate stub;
    stub.ownerAgs = p.ags;
    AuditEvent e = event(p, requestId, "review_close", stub, "closed");
    e.registerName = r.registerName;
    e.subjects = {r.recordId};
    JsonWriter criteria;
    criteria.beginObject()
        .key("outcome")
        .value(outcome)
        .key("review")
        .value(static_cast<std::int64_t>(r.id))
        .endObject();
    e.criteria = criteria.str();
    std::vector<AuditEvent> one = {e};
    if (!audit_.record(one)) log::error("review " + id + " closed but its audit event could not be written");
    return {200, "{\"id\":" + std::to_string(r.id) + ",\"status\":\"closed\"}"};
  } catch (const StateConflict& c) {
    return conflictResponse(c, requestId);
  } catch (const DatabaseUnavailable& e) {
    log::error(e.what());
    return {503, errorBody("database_unavailable", "Reviews cannot be changed right now.", requestId)};
  }
}

Response MandateService::alerts(const Principal& p, const std::string& requestId) {
  if (!p.has("dpo"))
    return {403,
            errorBody("not_permitted", "Alerts are for the data protection officer (role dpo).", requestId)};
  try {
    std::vector<Alert> list = oversight_.alerts(p.ags, 500);
    // Reading the audit is itself audited.
    Mandate stub;
    stub.ownerAgs = p.ags;
    AuditEvent e = event(p, requestId, "audit_read", stub, "alerts");
    e.resultCount = static_cast<std::int64_t>(list.size());
    std::vector<AuditEvent> one = {e};
    if (!audit_.record(one)) return auditUnavailable(requestId);
    JsonWriter w;
    w.beginObject().key("alerts").beginArray();
    for (const Alert& a : list) {
      w.beginObject();
      w.key("id").value(static_cast<std::int64_t>(a.id)).key("time").value(a.time).key("kind").value(a.kind);
      w.key("request_id").value(a.requestId).key("actor").value(a.actor).key("actor_ags").value(a.actorAgs);
      w.key("detail").value(a.detail);
      w.endObject();
    }
    w.endArray().endObject();
    return {200, w.str()};
  } catch (const DatabaseUnavailable& e) {
    log::error(e.what());
    return {503, errorBody("database_unavailable", "Alerts cannot be read right now.", requestId)};
  }
}

}  // namespace regfed::core
