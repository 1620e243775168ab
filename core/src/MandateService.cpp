#include "MandateService.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>

#include <regex>
#include <set>

#include "DataRequest.h"
#include "Json.h"
#include "JsonBody.h"
#include "Log.h"

namespace regfed::core {

using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;
using regfed::audit::AuditEvent;
namespace sdk = regfed::sdk;

namespace {


[[noreturn]] void invalid(const std::string& code, const std::string& message, const std::string& details = "") {
  throw StateConflict(Failure::Invalid, code, message, details);
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
  if (a->size() > 1000) invalid("invalid_" + key, "'" + key + "' lists more than 1000 entries.");
  std::set<std::string> seen;
  for (std::size_t i = 0; i < a->size(); ++i) {
    Var item = a->get(static_cast<unsigned>(i));
    if (!item.isString()) invalid("invalid_type", "'" + key + "' must be a list of strings.");
    if (seen.insert(item.toString()).second) out.push_back(item.toString());
  }
  return out;
}

std::string text(const Object::Ptr& o, const std::string& key) { return bodyText(o, key); }

std::string byAt(const std::string& by, const std::string& at) {
  return by.empty() ? "null" : "{\"by\":" + jsonStringOrNull(by) + ",\"at\":" + jsonStringOrNull(at) + "}";
}

std::string activationJson(const Mandate& m, const Activation& a, bool opened) {
  JsonWriter w;
  w.beginObject().key("id").value(m.id).key("kind").value("emergency").key("owner_ags").value(m.ownerAgs);
  w.key("activation").beginObject();
  w.key("by").value(a.actor).key("actor_ags").value(a.actorAgs).key("day").value(a.day);
  w.key("opened_at").value(a.openedAt).key("ends_at").value(a.endsAt).key("reason").value(a.reason);
  w.key("opened_now").value(opened).key("open").value(a.open);
  w.endObject().endObject();
  return w.str();
}

}  // namespace

Answer mandatesUnavailable() {
  return Answer::refused(RequestError{Failure::Unavailable,
                                      "database_unavailable",
                                      "Mandates cannot be changed right now; try again shortly.",
                                      {}});
}

std::string mandateJson(const Mandate& m) {
  JsonWriter w;
  w.beginObject();
  w.key("id").value(m.id);
  w.key("kind").value(mandateKindName(m.kind));
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
  w.key("owner").raw(byAt(m.ownerApprovedBy, m.ownerApprovedAt));
  w.key("helper").raw(byAt(m.helperApprovedBy, m.helperApprovedAt));
  w.endObject();
  w.key("created").raw(byAt(m.createdBy, m.createdAt));
  w.key("revoked").raw(byAt(m.revokedBy, m.revokedAt));
  // A copy of a mandate that lives at another node: where, and what this node has not heard back on yet.
  if (!m.ownerNode.empty()) w.key("owner_node").value(m.ownerNode);
  if (!m.pending.empty()) w.key("pending_at_owner").value(m.pending);
  w.endObject();
  return w.str();
}

MandateService::MandateService(const Config& config, MandateStore& mandates, regfed::audit::AuditSink& audit,
                               RemoteMandates* remote)
    : config_(config), mandates_(mandates), audit_(audit), remote_(remote) {}

std::int64_t MandateService::limitFor(const std::string& agreement) const {
  for (const auto& a : config_.agreements)
    if (a.id == agreement) return a.supportDaysPerYear;
  return 10;
}

AuditEvent MandateService::event(const Principal& p, const RequestMeta& meta, const std::string& action,
                                 const Mandate& m, const std::string& reason) const {
  AuditEvent e = newAuditEvent(config_, p, meta, action);
  e.ownerAgs = m.ownerAgs.empty() ? std::optional<std::string>() : m.ownerAgs;
  if (!m.id.empty()) e.mandate = m.id;
  if (!m.purpose.empty()) e.purpose = m.purpose;
  if (!m.agreement.empty()) e.caseRef = m.agreement;
  e.emergency = m.kind == MandateKind::Emergency;
  if (!m.helperAgs.empty()) {
    JsonWriter w;
    w.beginObject().key("fields").strings(m.fields).key("helper_ags").value(m.helperAgs);
    w.key("helpers").strings(m.helpers).key("kind").value(mandateKindName(m.kind));
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

Answer MandateService::refused(const Principal& p, const RequestMeta& meta, const std::string& action,
                                 const std::string& ownerAgs, const std::string& mandateId,
                                 const StateConflict& c) {
  Mandate stub;
  stub.id = mandateId;
  stub.ownerAgs = ownerAgs;
  if (auto known = mandateId.empty() ? std::nullopt : mandates_.find(mandateId)) stub.kind = known->kind;
  AuditEvent e = event(p, meta, action, stub, c.code);
  e.decision = onNodeSide(c.kind) ? "error" : "deny";
  std::vector<AuditEvent> one = {e};
  if (!audit_.record(one)) return auditUnavailable("nothing was changed");
  return Answer::refused(c.error());
}

Answer MandateService::create(const Principal& p, const RequestMeta& meta, const std::string& body) {
  if (auto e = notHomeNode(config_, p, meta)) return refuse(p, meta, "mandate_create", *e);
  Mandate m;
  try {
    Object::Ptr o = parseObjectBody(body);
    std::vector<std::string> names;
    o->getNames(names);
    const std::set<std::string> known = {"kind",       "owner_ags",  "helper_ags", "helpers",
                                         "registers",  "procedures", "operations", "fields",
                                         "purpose",    "agreement",  "valid_from", "valid_until"};
    for (const auto& n : names)
      if (!known.count(n)) invalid("unknown_parameter", "Unknown mandate parameter '" + n + "'.");
    m.ownerAgs = text(o, "owner_ags");
    if (!p.has("admin") || p.ags != m.ownerAgs)
      throw StateConflict(Failure::Forbidden, "not_owner_admin",
                          "Only an admin of the owning municipality " + m.ownerAgs +
                              " can create a mandate for its registers.");
    if (config_.municipalityName(m.ownerAgs).empty())
      invalid("unknown_municipality", "Municipality " + m.ownerAgs + " is not hosted by this node.");
    if (o->has("kind")) {
      const std::string kind = text(o, "kind");
      if (kind != "support" && kind != "emergency")
        invalid("invalid_kind", "'kind' must be support or emergency.");
      m.kind = kind == "emergency" ? MandateKind::Emergency : MandateKind::Support;
    }
    const bool emergency = m.kind == MandateKind::Emergency;
    m.helperAgs = text(o, "helper_ags");
    if (!isAgs(m.helperAgs)) invalid("invalid_ags", "'helper_ags' must be an 8-digit AGS.");
    if (m.helperAgs == m.ownerAgs)
      invalid("same_municipality", "A mandate is between two different municipalities.");
    m.helpers = stringList(o, "helpers", true);
    static const std::regex userId(R"([A-Za-z0-9._@-]{1,100})");
    if (m.helpers.empty())
      invalid("missing_helpers", std::string("Name at least one ") + (emergency ? "responder" : "helper") +
                                     " (user id of " + m.helperAgs + ").");
    for (const auto& h : m.helpers)
      if (!std::regex_match(h, userId)) invalid("invalid_helper", "'" + h + "' is not a user id.");
    m.registers = stringList(o, "registers", false);
    m.procedures = stringList(o, "procedures", false);
    if (m.registers.empty() && m.procedures.empty())
      invalid("missing_scope", "Name the registers and/or procedures the mandate covers.");
    if (emergency && !m.procedures.empty())
      invalid("invalid_scope", "An emergency mandate covers registers only, not procedures.");
    std::vector<const RegisterConfig*> regs;
    for (const auto& r : m.registers) {
      const RegisterConfig* found = nullptr;
      for (const auto& rc : config_.registers)
        if (rc.ags == m.ownerAgs && rc.name == r) found = &rc;
      if (!found) invalid("unknown_register", "Municipality " + m.ownerAgs + " has no register '" + r + "'.");
      if (found->searchCriteria.empty())
        invalid("register_not_searchable",
                "Register '" + r + "' has no search criteria configured (search_criteria), so nobody outside " +
                    m.ownerAgs + " can search or open it; configure them first.");
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
    for (const auto& op : m.operations) {
      if (op != "get" && op != "search" && op != "process")
        invalid("invalid_operation", "Unknown operation '" + op + "'; use get, search or process.");
      if (emergency && op == "process")
        invalid("invalid_operation", "An emergency mandate allows get and search, not process.");
    }
    // Outside the owner a record opens only after a search found it: get alone would open nothing.
    if (!m.registers.empty() && contains(m.operations, "get") && !contains(m.operations, "search"))
      invalid("get_needs_search",
              "A helper opens a record by id only after a search found it; name 'search' together with 'get'.");
    m.fields = stringList(o, "fields", !m.registers.empty());
    std::vector<std::string> unknown, secret;
    for (const auto& f : m.fields)
      for (const auto* reg : regs) {
        const sdk::FieldSpec* spec = nullptr;
        for (const auto& fs : reg->fields)
          if (fs.name == f) spec = &fs;
        if (!spec && !contains(unknown, f)) unknown.push_back(f);
        if (spec && spec->classification == sdk::Classification::StrengVertraulich && !contains(secret, f))
          secret.push_back(f);
      }
    if (!unknown.empty())
      throw StateConflict(Failure::Invalid, "unknown_field",
                          "These fields do not exist in the mandate's registers: " + joined(unknown) + ".", "",
                          unknown);
    if (!secret.empty())
      throw StateConflict(Failure::Invalid, "field_not_shareable",
                          "These fields are streng vertraulich and never leave " + m.ownerAgs + ": " +
                              joined(secret) + ".",
                          "", secret);
    m.purpose = requiredText(o, "purpose", 500);
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
    // A support mandate that needs more days in a year than its agreement allows could never be approved.
    const std::int64_t limit = limitFor(m.agreement);
    for (int year = yearOf(m.validFrom); year <= yearOf(m.validUntil); ++year) {
      const std::int64_t needed = m.supportDaysIn(year);
      if (needed <= limit) continue;
      JsonWriter d;
      d.beginObject().key("agreement").value(m.agreement).key("year").value(year);
      d.key("limit_days").value(limit).key("requested_days").value(needed).endObject();
      invalid("exceeds_quota",
              "This mandate needs " + std::to_string(needed) + " support days (helpers x days) in " +
                  std::to_string(year) + ", more than the " + std::to_string(limit) + " a year that " +
                  m.agreement + " allows; name fewer helpers or days.",
              d.str());
    }
  } catch (const StateConflict& c) {
    return refused(p, meta, "mandate_create", m.ownerAgs.empty() ? p.ags : m.ownerAgs, "", c);
  }
  try {
    Mandate stored = mandates_.create(m, [&](const Mandate& created) {
      recordOrThrow(event(p, meta, "mandate_create", created, "created"));
    });
    log::info(std::string(mandateKindName(stored.kind)) + " mandate " + stored.id + " created by " + p.id +
              " for " + stored.helperAgs);
    return Answer::createdWith(mandateJson(stored));
  } catch (const AuditDown&) {
    return auditUnavailable("nothing was changed");
  } catch (const DatabaseUnavailable& e) {
    log::error(e.what());
    return mandatesUnavailable();
  }
}

std::optional<Mandate> MandateService::lookup(const std::string& id, bool askOwner, std::string* unreachable) {
  auto known = mandates_.find(id);
  if (known) return known;
  // Created through another node since the last refresh? Ask the database once before answering 404.
  try {
    mandates_.refresh();
  } catch (const DatabaseUnavailable& e) {
    log::warn(e.what());
  }
  if (auto found = mandates_.find(id)) return found;
  // Created at its owner's node since the last sync: ask that node.
  if (askOwner && remote_ && ownerOfMandateId(id).size() &&
      config_.municipalityName(ownerOfMandateId(id)).empty()) {
    const std::string node = remote_->nodeOfMandate(id);
    if (!node.empty() && !syncNode(node) && unreachable) *unreachable = node;
  }
  return mandates_.find(id);
}

template <class Change>
Answer MandateService::change(const Principal& p, const RequestMeta& meta, const std::optional<Mandate>& known,
                              const std::string& id, const std::string& unreachable, const std::string& action,
                              Change apply) {
  const std::string owner = known ? known->ownerAgs : p.ags;
  try {
    if (!known && !unreachable.empty())
      throw StateConflict(Failure::Unavailable, "mandate_held_elsewhere",
                          "Mandate " + id + " is not known here yet and its owner's node " + unreachable +
                              " cannot be reached now; nothing was changed. Try again later.");
    if (!known) throw StateConflict(Failure::NotFound, "mandate_not_found", "There is no mandate " + id + ".");
    if (!known->ownerNode.empty())
      throw StateConflict(Failure::Unavailable, "mandate_held_elsewhere",
                          "Mandate " + id + " lives at node " + known->ownerNode +
                              ", which this node cannot reach for mandates now.");
    if (!p.has("admin") || (p.ags != known->ownerAgs && p.ags != known->helperAgs))
      throw StateConflict(Failure::Forbidden, "not_a_party",
                          "Only an admin of " + known->ownerAgs + " or " + known->helperAgs +
                              " can change mandate " + id + ".");
    Mandate stored = apply(*known);
    log::info(action + " " + id + " by " + p.id + " (" + p.ags + "); status " + stored.status());
    return Answer::ok(mandateJson(stored));
  } catch (const StateConflict& c) {
    return refused(p, meta, action, owner, id, c);
  } catch (const AuditDown&) {
    return auditUnavailable("nothing was changed");
  } catch (const DatabaseUnavailable& e) {
    log::error(e.what());
    return mandatesUnavailable();
  }
}

void MandateService::checkApproval(const Principal& p, Side side, const Mandate& current,
                                   const std::map<int, std::int64_t>& used) const {
  const std::string& id = current.id;
  // Four eyes: nobody approves a mandate that gives them access.
  if (current.names(p.id, p.ags))
    throw StateConflict(Failure::Forbidden, "approver_is_named",
                        "You are named in mandate " + id +
                            "; another admin of your municipality must approve it (four eyes).");
  if (current.status() == "revoked")
    throw StateConflict(Failure::Conflict, "mandate_revoked", "Mandate " + id + " was revoked.");
  if (!(side == Side::Owner ? current.ownerApprovedBy : current.helperApprovedBy).empty())
    throw StateConflict(Failure::Conflict, "already_approved",
                        "Your municipality has already approved mandate " + id + ".");
  if (current.validUntil < berlinToday())
    throw StateConflict(Failure::Conflict, "mandate_expired",
                        "Mandate " + id + " ended on " + formatDay(current.validUntil) + ".");
  // The quota is the helper municipality's and counted at its node: an owner node that does not host the
  // helper municipality leaves it to the helper's node, whose approval reserves the days before it is forwarded.
  if (config_.municipalityName(current.helperAgs).empty()) return;
  const std::int64_t limit = limitFor(current.agreement);
  for (int year = yearOf(current.validFrom); year <= yearOf(current.validUntil); ++year) {
    const std::int64_t already = used.count(year) ? used.at(year) : 0;
    const std::int64_t requested = current.supportDaysIn(year);  // 0 for an emergency mandate
    if (already + requested <= limit) continue;
    JsonWriter d;
    d.beginObject().key("helper_ags").value(current.helperAgs);
    d.key("agreement").value(current.agreement).key("year").value(year);
    d.key("limit_days").value(limit).key("used_days").value(already);
    d.key("requested_days").value(requested);
    d.key("remaining_days").value(std::max<std::int64_t>(0, limit - already)).endObject();
    throw StateConflict(Failure::Conflict, "quota_exceeded",
                        "Approving would use " + std::to_string(already + requested) + " support days of " +
                            current.helperAgs + " in " + std::to_string(year) + "; the limit under " +
                            current.agreement + " is " + std::to_string(limit) + " (" + std::to_string(already) +
                            " already used).",
                        d.str());
  }
}

Answer MandateService::approve(const Principal& p, const RequestMeta& meta, const std::string& id,
                               std::optional<DeadlineClock::time_point> notAfter) {
  if (auto e = notHomeNode(config_, p, meta)) return refuse(p, meta, "mandate_approve", *e, id);
  std::string unreachable;
  const auto found = lookup(id, !meta.viaPeer, &unreachable);
  if (found && !found->ownerNode.empty() && remote_ && !meta.viaPeer) return approveRemote(p, meta, *found);
  return change(p, meta, found, id, unreachable, "mandate_approve", [&](const Mandate& known) {
    const Side side = p.ags == known.ownerAgs ? Side::Owner : Side::Helper;
    return mandates_.approve(
        id, side, p.id,
        [&](const Mandate& current, const std::map<int, std::int64_t>& used) {
          checkApproval(p, side, current, used);
        },
        [&](const Mandate& updated) {
          // A forwarded approval that would land after its caller gave up is not applied: the helper's node
          // then releases its reservation, and both sides agree that nothing happened.
          if (notAfter && DeadlineClock::now() > *notAfter)
            throw StateConflict(Failure::Unavailable, "deadline_passed",
                                "The approval of mandate " + id + " arrived too late to be applied; nothing was "
                                "changed.");
          const bool complete = updated.status() == "approved";
          recordOrThrow(event(
              p, meta, "mandate_approve", updated,
              complete ? "approved" : (side == Side::Owner ? "approved_by_owner" : "approved_by_helper")));
        });
  });
}

Answer MandateService::revoke(const Principal& p, const RequestMeta& meta, const std::string& id) {
  if (auto e = notHomeNode(config_, p, meta)) return refuse(p, meta, "mandate_revoke", *e, id);
  std::string unreachable;
  const auto found = lookup(id, !meta.viaPeer, &unreachable);
  if (found && !found->ownerNode.empty() && remote_ && !meta.viaPeer) return revokeRemote(p, meta, *found);
  return change(p, meta, found, id, unreachable, "mandate_revoke", [&](const Mandate&) {
    return mandates_.revoke(
        id, p.id, berlinToday(),
        [&](const Mandate& current) {
          if (current.status() == "revoked")
            throw StateConflict(Failure::Conflict, "already_revoked", "Mandate " + id + " was already revoked.");
        },
        [&](const Mandate& updated) { recordOrThrow(event(p, meta, "mandate_revoke", updated, "revoked")); });
  });
}

Answer MandateService::decideForHelper(const Principal& p, const RequestMeta& meta, const std::string& id,
                                       const std::string& action, DeadlineClock::time_point notAfter) {
  const std::string auditAction = action == "approve" ? "mandate_approve" : "mandate_revoke";
  const auto known = lookup(id, false);
  // Only the helper side of a mandate held here; anything else looks like a mandate that does not exist, so a
  // peer learns nothing about mandates that are not its municipalities' business.
  if (!known || !known->ownerNode.empty() || known->helperAgs != p.ags)
    return refused(p, meta, auditAction, known ? known->ownerAgs : p.ags, id,
                   StateConflict(Failure::NotFound, "mandate_not_found", "There is no mandate " + id + "."));
  if (action == "approve") return approve(p, meta, id, notAfter);
  return change(p, meta, known, id, "", auditAction, [&](const Mandate&) {
    return mandates_.revoke(
        id, p.id, berlinToday(),
        [&](const Mandate& current) {
          if (current.status() == "revoked")
            throw StateConflict(Failure::Conflict, "already_revoked", "Mandate " + id + " was already revoked.");
        },
        [&](const Mandate& updated) {
          recordOrThrow(event(p, meta, auditAction, updated, "revoked_at_helper_node"));
        });
  });
}

Answer MandateService::activate(const Principal& p, const RequestMeta& meta, const std::string& id,
                                  const std::string& body) {
  if (auto e = notHomeNode(config_, p, meta)) return refuse(p, meta, "mandate_activate", *e, id);
  auto known = lookup(id, !meta.viaPeer);
  if (known && !known->ownerNode.empty() && (!remote_ || meta.viaPeer))
    return refused(p, meta, "mandate_activate", known->ownerAgs, id,
                   StateConflict(Failure::NotFound, "mandate_not_found", "There is no mandate " + id + " here."));
  if (known && !known->ownerNode.empty()) {
    if (!known->names(p.id, p.ags) || !p.has("responder") || known->kind != MandateKind::Emergency)
      return refused(p, meta, "mandate_activate", known->ownerAgs, id,
                     StateConflict(Failure::Forbidden, "mandate_not_yours",
                                   "Emergency mandate " + id + " does not name you as a responder."));
    return activateRemote(p, meta, *known, body);
  }
  const std::string owner = known ? known->ownerAgs : p.ags;
  std::string reason;
  try {
    if (!known) throw StateConflict(Failure::NotFound, "mandate_not_found", "There is no mandate " + id + ".");
    if (known->kind != MandateKind::Emergency)
      throw StateConflict(Failure::Conflict, "not_an_emergency_mandate",
                          "Mandate " + id + " is a support mandate; only emergency mandates are activated.");
    if (!known->names(p.id, p.ags))
      throw StateConflict(Failure::Forbidden, "mandate_not_yours", "Emergency mandate " + id + " does not name you.");
    if (!p.has("responder"))
      throw StateConflict(Failure::Forbidden, "no_responder_role",
                          "Emergency mandates are activated by responders (role responder).");
    reason = requiredText(parseObjectBody(body), "reason", 500);
  } catch (const StateConflict& c) {
    return refused(p, meta, "mandate_activate", owner, id, c);
  }
  const Day today = berlinToday();
  try {
    bool openedNow = false;
    Activation a = mandates_.activate(
        id, p.id, p.ags, today, config_.emergencyWindowMinutes, reason,
        [&](const Mandate& current, const std::optional<Activation>& existing) {
          if (current.status() == "revoked")
            throw StateConflict(Failure::Conflict, "mandate_revoked", "Mandate " + id + " has been revoked.");
          if (current.status() != "approved")
            throw StateConflict(Failure::Conflict, "mandate_not_approved",
                                "Mandate " + id + " is not yet approved by both municipalities.");
          if (!current.inForce(today))
            throw StateConflict(Failure::Conflict, "mandate_not_in_force",
                                "Mandate " + id + " is in force from " + formatDay(current.validFrom) + " to " +
                                    formatDay(current.validUntil) + " only.");
          if (existing && !existing->open)
            throw StateConflict(Failure::Conflict, "emergency_window_used",
                                "Your emergency window under mandate " + id + " today ended at " +
                                    existing->endsAt + "; one window a day is allowed, the next from tomorrow "
                                    "(Europe/Berlin).");
        },
        [&](const Activation& window, bool opened, pqxx::work& tx) {
          openedNow = opened;
          AuditEvent e = event(p, meta, "mandate_activate", *known, opened ? "activated" : "already_active");
          e.purpose = reason;
          JsonWriter c;
          c.beginObject().key("ends_at").value(window.endsAt).key("opened_at").value(window.openedAt);
          c.key("reason").value(window.reason).endObject();
          e.criteria = c.str();
          recordOrThrow(e);
          if (opened)
            OversightStore::addAlert(
                tx, newAlert(known->ownerAgs, "emergency_activation", meta.id, p.id, p.ags,
                          "Emergency mandate " + id + " activated by " + p.id + " (" + p.ags + ") until " +
                              window.endsAt + "; reason: " + reason));
        });
    if (openedNow)
      log::warn("emergency mandate " + id + " activated by " + p.id + " (" + p.ags + ") until " + a.endsAt +
                ": " + reason);
    return Answer::ok(activationJson(*known, a, openedNow));
  } catch (const StateConflict& c) {
    return refused(p, meta, "mandate_activate", owner, id, c);
  } catch (const AuditDown&) {
    return auditUnavailable("nothing was changed");
  } catch (const DatabaseUnavailable& e) {
    log::error(e.what());
    return mandatesUnavailable();
  }
}

Answer MandateService::refuse(const Principal& p, const RequestMeta& meta, const std::string& action,
                                const RequestError& error, const std::string& mandateId) {
  if (mandateId.empty()) return auditedRefusal(config_, audit_, p, meta, action, p.ags, error);
  const auto known = mandates_.find(mandateId);
  return refused(p, meta, action, known ? known->ownerAgs : p.ags, mandateId,
                 StateConflict(error.kind, error.code, error.message, error.details, error.fields));
}

Answer MandateService::list(const Principal& p, const RequestMeta& meta,
                              const std::map<std::string, std::string>& query) {
  if (auto e = notHomeNode(config_, p, meta)) return refuse(p, meta, "mandate_read", *e);
  const std::string ags = query.count("ags") ? query.at("ags") : "";
  const std::string status = query.count("status") ? query.at("status") : "";
  if (!status.empty() && status != "pending" && status != "approved" && status != "revoked")
    return refuse(p, meta, "mandate_read",
                  RequestError{Failure::Invalid, "invalid_status", "status must be pending, approved or revoked.", {}});
  const bool official = p.has("admin") || p.has("dpo") || p.has("clerk");
  JsonWriter w;
  w.beginObject().key("mandates").beginArray();
  for (const Mandate& m : mandates_.all()) {
    // Admins, DPOs and clerks see their municipality's mandates; helpers and responders see those naming them.
    const bool party = official && (m.ownerAgs == p.ags || m.helperAgs == p.ags);
    const bool named = (p.has("helper") || p.has("responder")) && m.names(p.id, p.ags);
    if (!party && !named) continue;
    if (!ags.empty() && m.ownerAgs != ags && m.helperAgs != ags) continue;
    if (!status.empty() && m.status() != status) continue;
    w.raw(mandateJson(m));
  }
  w.endArray().endObject();
  return Answer::ok(w.str());
}

Answer MandateService::quota(const Principal& p, const RequestMeta& meta,
                               const std::map<std::string, std::string>& query) {
  if (auto e = notHomeNode(config_, p, meta)) return refuse(p, meta, "quota_read", *e);
  int year = yearOf(berlinToday());
  if (query.count("year")) {
    try {
      std::size_t used = 0;
      year = std::stoi(query.at("year"), &used);
      if (used != query.at("year").size() || year < 2000 || year > 2200) throw std::invalid_argument("year");
    } catch (const std::exception&) {
      return refuse(p, meta, "quota_read",
                    RequestError{Failure::Invalid, "invalid_year", "year must be a year such as 2026.", {}});
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
  return Answer::ok(w.str());
}

}  // namespace regfed::core
