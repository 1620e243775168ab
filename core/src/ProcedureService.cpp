#include "ProcedureService.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <algorithm>

#include "CalendarDate.h"
#include "DataRequest.h"
#include "ItemJson.h"
#include "JsonBody.h"
#include "Log.h"
#include "Metrics.h"

namespace regfed::core {

using regfed::audit::AuditEvent;
using namespace regfed::sdk;

namespace {

constexpr std::size_t kMaxNoteCharacters = 2000;

StateConflict backendFailed(const ProcedureEntry& entry, const Status& s, const std::string& consequence) {
  if (s.code == StatusCode::InvalidArgument)
    return StateConflict(Failure::Invalid, "invalid_request",
                         "Procedure " + entry.config().title + " cannot take this request: " + s.message);
  const bool late = s.code == StatusCode::Timeout;
  return StateConflict(Failure::Unavailable, late ? "procedure_timeout" : "procedure_unavailable",
                       "Procedure " + entry.config().title + " of municipality " + entry.config().ags +
                           (late ? " did not answer in time: " : " cannot be reached: ") + s.message + ". " +
                           consequence);
}

std::string idleText(std::int64_t seconds) {
  return seconds % 60 == 0 ? std::to_string(seconds / 60) + " minutes" : std::to_string(seconds) + " seconds";
}

StateConflict notClaimed(const ItemCall& call, const ProcedureEntry& entry) {
  return StateConflict(Failure::Conflict, "not_claimed",
                       "You do not hold item " + call.itemId + " (any more): claim it first; a claim lapses after " +
                           idleText(entry.config().claimIdleSeconds) + " without work on it.");
}

StateConflict itemNotFound(const ItemCall& call) {
  return StateConflict(Failure::NotFound, "item_not_found",
                       "There is no item " + call.itemId + " in procedure " + call.procedure + ".");
}

}  // namespace

std::string holderOf(const Principal& p) { return p.id + "@" + p.ags; }

ProcedureService::ProcedureService(const Config& config, ProcedureHost& host, MandateStore& mandates,
                                   Database& database, regfed::audit::AuditSink& audit, Metrics& metrics,
                                   RemoteProcedures* remote)
    : config_(config),
      host_(host),
      mandates_(mandates),
      database_(database),
      audit_(audit),
      metrics_(metrics),
      remote_(remote) {}

Answer ProcedureService::perform(const std::string& action, const Principal& p, const RequestMeta& meta,
                                 const ItemCall& call) {
  if (action == "list") return list(p, meta, call);
  if (action == "view") return view(p, meta, call);
  if (action == "claim") return claim(p, meta, call);
  if (action == "release") return release(p, meta, call);
  if (action == "complete") return complete(p, meta, call);
  return Answer::refused(RequestError{Failure::Invalid, "unknown_action", "There is no step '" + action + "'.", {}});
}

bool ProcedureService::elsewhere(const ItemCall& call, const RequestMeta& meta) const {
  return !meta.viaPeer && remote_ && config_.municipalityName(call.ags).empty() && !remote_->nodeOf(call.ags).empty();
}

Answer ProcedureService::forward(const std::string& action, const Principal& p, const RequestMeta& meta,
                                 const ItemCall& call) {
  const std::string auditAction = "item_" + action;
  try {
    if (auto e = notHomeNode(config_, p, meta)) throw StateConflict(e->kind, e->code, e->message);
    checkCall(call);
    // Refused here at once what the owner would refuse too: no mandate named for another municipality's items.
    if (!call.mandate)
      throw StateConflict(Failure::Forbidden, "no_mandate",
                          "Items of municipality " + call.ags +
                              " are processed by helpers under a support mandate; name it in the Regfed-Mandate "
                              "header.");
    // Revoked here (perhaps not yet confirmed by the owner): nothing goes out under it any more.
    if (auto copy = mandates_.find(*call.mandate); copy && copy->status() == "revoked") {
      noteHomeClaim(action, p, call, Answer::refused(RequestError{Failure::Forbidden, "mandate_revoked", "", {}}));
      throw StateConflict(Failure::Forbidden, "mandate_revoked",
                          "Mandate " + *call.mandate + " was revoked; you can no longer process items of " +
                              config_.federationMunicipalityName(call.ags) +
                              " under it. Items you held under it go back to their inbox; nothing was decided on "
                              "them.");
    }
  } catch (const StateConflict& c) {
    return refused(p, meta, auditAction, call, c);
  }
  // Nothing changes at the owner that this node could not log too.
  if (!audit_.available()) return auditUnavailable("nothing was sent to the owner's node");
  bool delivered = false;
  const Answer answer = remote_->itemCall(p, meta, action, call, DeadlineClock::now() + std::chrono::seconds(5),
                                          delivered);
  const auto copy = mandates_.find(*call.mandate);
  AuditEvent e = event(p, meta, auditAction, call, Grant{std::nullopt, "forwarded", copy ? copy->purpose : ""});
  e.peer = remote_->nodeOf(call.ags);
  if (answer.error) {
    e.decision = onNodeSide(answer.error->kind) ? "error" : "deny";
    e.reason = answer.error->code;
  } else {
    describeForwarded(e, action, call, answer);
  }
  if (!record(e))
    return auditUnavailable(action == "view" || action == "list" ? "nothing is shown"
                                                                 : "the owner's answer is not shown (ask again)");
  noteHomeClaim(action, p, call, answer);
  metrics_.itemStep(action, answer.error ? answer.error->code : "ok");
  return answer;
}

void ProcedureService::describeForwarded(AuditEvent& e, const std::string& action, const ItemCall& call,
                                         const Answer& answer) const {
  // As the owner logs it: the ids an inbox showed, the decision taken.
  try {
    Poco::JSON::Parser parser;
    if (action == "list") {
      auto items = parser.parse(answer.payload).extract<Poco::JSON::Object::Ptr>()->getArray("items");
      for (std::size_t i = 0; items && i < items->size(); ++i)
        e.subjects.push_back(items->getObject(static_cast<unsigned>(i))->getValue<std::string>("id"));
      e.resultCount = static_cast<std::int64_t>(e.subjects.size());
      e.criteria = "{\"status\":" + jsonStringOrNull(call.status) + "}";
    } else if (action == "complete") {
      auto item = parser.parse(answer.payload).extract<Poco::JSON::Object::Ptr>()->getObject("item");
      e.criteria = "{\"decision\":" + jsonStringOrNull(item->getValue<std::string>("decision")) + "}";
    }
  } catch (const std::exception& ex) {
    log::warn("the answer of node " + e.peer.value_or("?") + " to " + e.requestId + " is not what was expected: " +
              ex.what());
  }
}

void ProcedureService::checkCall(const ItemCall& call) {
  try {
    checkText(call.itemId, "The item id");
    checkMandate(call.mandate);
  } catch (const RequestError& e) {
    throw StateConflict(e.kind, e.code, e.message);
  }
  if (call.itemId.size() > 200 ||
      std::any_of(call.itemId.begin(), call.itemId.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; }))
    throw StateConflict(Failure::Invalid, "invalid_item_id",
                        "An item id is at most 200 characters without control characters.");
  if (call.after.size() > 200) throw StateConflict(Failure::Invalid, "invalid_after", "'after' is an item id.");
}

namespace {

RemoteProcedure localProcedure(const Config& config, const ProcedureEntry& e) {
  const ProcedureDescription d = e.description();
  RemoteProcedure r{config.nodeId, e.config().ags, e.config().name, e.config().title, e.up() ? "ok" : "unavailable",
                    d.kinds, {}};
  for (Decision x : d.capabilities.decisions) r.decisions.push_back(decisionName(x));
  return r;
}

}  // namespace

Answer ProcedureService::catalog(const Principal& p) {
  JsonWriter w;
  w.beginObject().key("procedures").beginArray();
  auto entry = [&](const RemoteProcedure& r, const Mandate* m) {
    w.beginObject().key("ags").value(r.ags).key("municipality").value(config_.federationMunicipalityName(r.ags));
    w.key("procedure").value(r.name).key("title").value(r.title).key("node").value(r.node);
    w.key("status").value(r.status).key("kinds").strings(r.kinds).key("decisions").strings(r.decisions);
    w.key("mandate");
    m ? w.value(m->id) : w.null();
    w.key("valid_until");
    m ? w.value(formatDay(m->validUntil)) : w.null();
    w.endObject();
  };
  if (p.has("clerk"))
    for (const auto& e : host_.procedures())
      if (e->config().ags == p.ags) entry(localProcedure(config_, *e), nullptr);
  if (p.has("helper")) {
    const std::vector<RemoteProcedure> remote = remote_ ? remote_->remoteProcedures() : std::vector<RemoteProcedure>{};
    const Day today = berlinToday();
    for (const Mandate& m : mandates_.all()) {
      if (m.kind != MandateKind::Support || !m.names(p.id, p.ags) || !m.inForce(today) ||
          !contains(m.operations, "process"))
        continue;
      for (const auto& name : m.procedures) {
        if (const ProcedureEntry* e = host_.find(m.ownerAgs, name)) {
          entry(localProcedure(config_, *e), &m);
          continue;
        }
        // At another node: as its catalog shows it, or by name while that node has not been reached.
        RemoteProcedure shown{remote_ ? remote_->nodeOf(m.ownerAgs) : "", m.ownerAgs, name, name, "unavailable", {}, {}};
        for (const auto& r : remote)
          if (r.ags == m.ownerAgs && r.name == name) shown = r;
        entry(shown, &m);
      }
    }
  }
  w.endArray().endObject();
  return Answer::ok(w.str());
}

ProcedureEntry& ProcedureService::entryFor(const ItemCall& call) {
  if (ProcedureEntry* e = host_.find(call.ags, call.procedure)) return *e;
  if (config_.municipalityName(call.ags).empty())
    throw StateConflict(Failure::NotFound, "procedure_not_found",
                        "This node does not serve the procedures of municipality " + call.ags + ".");
  throw StateConflict(Failure::NotFound, "procedure_not_found",
                      config_.municipalityName(call.ags) + " has no procedure '" + call.procedure + "'.");
}

ProcedureService::Grant ProcedureService::authorize(const Principal& p, const ItemCall& call,
                                                    const ProcedureEntry& entry) {
  const std::string title = entry.config().title;
  if (p.ags == call.ags) {
    if (!p.has("clerk"))
      throw StateConflict(Failure::Forbidden, "no_clerk_role",
                          "Items of your own municipality are processed with the clerk role.");
    return Grant{std::nullopt, "own_municipality", "Bearbeitung " + title};
  }
  if (!call.mandate)
    throw StateConflict(Failure::Forbidden, "no_mandate",
                        "Items of " + config_.municipalityName(call.ags) +
                            " are processed by helpers under a support mandate that names procedure '" +
                            call.procedure + "'; name it in the Regfed-Mandate header.");
  auto m = mandates_.find(*call.mandate);
  if (!m || m->ownerNode.size())
    throw StateConflict(Failure::Forbidden, "mandate_not_found", "There is no mandate " + *call.mandate + " here.");
  if (m->kind != MandateKind::Support || !m->names(p.id, p.ags))
    throw StateConflict(Failure::Forbidden, "mandate_not_yours",
                        "Support mandate " + m->id + " does not name you (" + p.id + ", " + p.ags + ").");
  if (!p.has("helper"))
    throw StateConflict(Failure::Forbidden, "no_helper_role",
                        "Working under support mandate " + m->id + " needs the helper role.");
  if (m->ownerAgs != call.ags)
    throw StateConflict(Failure::Forbidden, "mandate_scope",
                        "Mandate " + m->id + " is for municipality " + m->ownerAgs + ", not " + call.ags + ".");
  if (m->status() == "revoked")
    throw mandateEnded(p, *m, "mandate_revoked", "was revoked" + (m->revokedOn ? " on " + formatDay(*m->revokedOn) : ""));
  if (m->status() != "approved")
    throw StateConflict(Failure::Forbidden, "mandate_not_approved",
                        "Mandate " + m->id + " is not yet approved by both municipalities.");
  if (!m->inForce(berlinToday()))
    throw mandateEnded(p, *m, "mandate_not_in_force",
                       "is in force from " + formatDay(m->validFrom) + " to " + formatDay(m->validUntil) + " only");
  if (!contains(m->procedures, call.procedure))
    throw StateConflict(Failure::Forbidden, "mandate_scope",
                        "Mandate " + m->id + " does not cover procedure " + call.procedure + ".");
  if (!contains(m->operations, "process"))
    throw StateConflict(Failure::Forbidden, "mandate_scope",
                        "Mandate " + m->id + " does not allow processing items (operation 'process').");
  return Grant{m, "mandate", m->purpose};
}

StateConflict ProcedureService::mandateEnded(const Principal& p, const Mandate& m, const std::string& code,
                                             const std::string& why) {
  std::vector<std::string> released;
  try {
    auto rows = database_.transaction([&](pqxx::work& tx) {
      return tx.exec_params(
          "SELECT owner_ags, procedure, item_id FROM regfed.claims WHERE side = 'owner' AND mandate = $1 "
          "AND actor = $2 AND actor_ags = $3",
          m.id, p.id, p.ags);
    });
    for (const auto& r : rows) {
      releaseForNode(r[0].c_str(), r[1].c_str(), r[2].c_str(), holderOf(p), p.id, p.ags, m.id, code, true);
      released.push_back(r[2].c_str());
    }
  } catch (const std::exception& e) {
    log::warn("claims under mandate " + m.id + " not released yet (the sweep retries): " + e.what());
  }
  std::string text = "Mandate " + m.id + " " + why + "; you can no longer process items of " +
                     config_.municipalityName(m.ownerAgs) + " under it.";
  if (!released.empty()) {
    text += " Your claim on ";
    for (std::size_t i = 0; i < released.size(); ++i) text += (i ? ", " : "") + released[i];
    text += " was released; nothing was decided on " + std::string(released.size() > 1 ? "them" : "it") + ".";
  } else {
    text += " Items you held under it go back to " + config_.municipalityName(m.ownerAgs) +
            "'s inbox; nothing was decided on them.";
  }
  return StateConflict(Failure::Forbidden, code, text);
}

AuditEvent ProcedureService::event(const Principal& p, const RequestMeta& meta, const std::string& action,
                                   const ItemCall& call, const Grant& grant) const {
  AuditEvent e = newAuditEvent(config_, p, meta, action);
  e.ownerAgs = call.ags;
  e.registerName = call.procedure;
  if (call.mandate) e.mandate = *call.mandate;
  if (!grant.purpose.empty()) e.purpose = grant.purpose;
  if (!call.itemId.empty()) {
    e.caseRef = call.itemId;
    e.subjects = {call.itemId};
  }
  e.decision = "allow";
  e.reason = grant.reason;
  return e;
}

bool ProcedureService::record(AuditEvent e) {
  std::vector<AuditEvent> one = {std::move(e)};
  return audit_.record(one);
}

Answer ProcedureService::refused(const Principal& p, const RequestMeta& meta, const std::string& action,
                                 const ItemCall& call, const StateConflict& c) {
  AuditEvent e = event(p, meta, action, call, Grant{});
  e.decision = onNodeSide(c.kind) ? "error" : "deny";
  e.reason = c.code;
  metrics_.itemStep(action.substr(5), c.code);
  if (!record(e)) return auditUnavailable("nothing was done");
  return Answer::refused(c.error());
}

Answer ProcedureService::list(const Principal& p, const RequestMeta& meta, const ItemCall& call) {
  const std::string action = "item_list";
  if (elsewhere(call, meta)) return forward("list", p, meta, call);
  try {
    if (auto e = notHomeNode(config_, p, meta)) throw StateConflict(e->kind, e->code, e->message);
    checkCall(call);
    ProcedureEntry& entry = entryFor(call);
    const Grant grant = authorize(p, call, entry);
    static const std::vector<std::string> statuses = {"open", "needs_info", "approved", "rejected"};
    if (!contains(statuses, call.status))
      throw StateConflict(Failure::Invalid, "invalid_status", "'status' must be open, needs_info, approved or rejected.");
    if (grant.mandate && call.status != "open")
      throw StateConflict(Failure::Forbidden, "mandate_scope", "Helpers see the open items only.");
    if (call.limit < 1 || call.limit > 200)
      throw StateConflict(Failure::Invalid, "invalid_limit", "'limit' must be between 1 and 200.");
    ListItemsRequest request{call.status, call.limit, call.after, entry.config().timeoutMs};
    ListItemsResult result;
    if (Status s = host_.list(entry, request, result); !s.ok())
      throw backendFailed(entry, s, "Try again in a moment.");
    AuditEvent e = event(p, meta, action, call, grant);
    JsonWriter w;
    w.beginObject().key("request_id").value(meta.id).key("items").beginArray();
    for (const auto& item : result.items) {
      e.subjects.push_back(item.id);
      w.beginObject();
      writeSummary(w, item, holderOf(p), !grant.mandate);
      w.endObject();
    }
    w.endArray().key("next");
    result.more && !result.items.empty() ? w.value(result.items.back().id) : w.null();
    w.endObject();
    e.resultCount = static_cast<std::int64_t>(result.items.size());
    e.criteria = "{\"status\":\"" + call.status + "\"}";
    if (!record(e)) return auditUnavailable("the inbox is not shown");
    metrics_.itemStep("list", "ok");
    return Answer::ok(w.str());
  } catch (const StateConflict& c) {
    return refused(p, meta, action, call, c);
  }
}

Answer ProcedureService::view(const Principal& p, const RequestMeta& meta, const ItemCall& call) {
  const std::string action = "item_view";
  if (elsewhere(call, meta)) return forward("view", p, meta, call);
  try {
    if (auto e = notHomeNode(config_, p, meta)) throw StateConflict(e->kind, e->code, e->message);
    checkCall(call);
    ProcedureEntry& entry = entryFor(call);
    const Grant grant = authorize(p, call, entry);
    std::optional<WorkItem> item;
    if (Status s = host_.get(entry, ItemRequest{call.itemId, entry.config().timeoutMs}, item); !s.ok())
      throw backendFailed(entry, s, "Try again in a moment.");
    if (!item) throw itemNotFound(call);
    // Helpers see the open items only, like in the inbox (and what they decided stays with the owner).
    if (grant.mandate && item->summary.status != "open") throw itemNotFound(call);
    // Working on one's own item keeps it from lapsing.
    if (item->summary.claim && item->summary.claim->holder == holderOf(p)) {
      ClaimResult renewed;
      const ClaimRequest renew{call.itemId, holderOf(p), entry.config().claimIdleSeconds, entry.config().timeoutMs};
      if (host_.claim(entry, renew, renewed).ok() && renewed.outcome == ClaimOutcome::Renewed) {
        item->summary.claim = renewed.claim;
        rememberClaim(p, call, renewed.claim.expires);
      }
    }
    AuditEvent e = event(p, meta, action, call, grant);
    e.resultCount = 1;
    if (!record(e)) return auditUnavailable("the item is not shown");
    metrics_.itemStep("view", "ok");
    return Answer::ok("{\"request_id\":\"" + meta.id + "\",\"item\":" +
                      itemJson(*item, call.ags, call.procedure, holderOf(p), !grant.mandate) + "}");
  } catch (const StateConflict& c) {
    return refused(p, meta, action, call, c);
  }
}

Answer ProcedureService::claim(const Principal& p, const RequestMeta& meta, const ItemCall& call) {
  const std::string action = "item_claim";
  if (elsewhere(call, meta)) return forward("claim", p, meta, call);
  try {
    if (auto e = notHomeNode(config_, p, meta)) throw StateConflict(e->kind, e->code, e->message);
    checkCall(call);
    ProcedureEntry& entry = entryFor(call);
    const Grant grant = authorize(p, call, entry);
    ClaimResult result;
    const ClaimRequest request{call.itemId, holderOf(p), entry.config().claimIdleSeconds, entry.config().timeoutMs};
    if (Status s = host_.claim(entry, request, result); !s.ok()) throw backendFailed(entry, s, "The item was not claimed.");
    switch (result.outcome) {
      case ClaimOutcome::NotFound:
        throw itemNotFound(call);
      case ClaimOutcome::NotOpen:
        // Helpers know open items only (as in the inbox and when opening one).
        if (grant.mandate) throw itemNotFound(call);
        throw StateConflict(Failure::Conflict, "item_not_open", "Item " + call.itemId + " is not open any more.");
      case ClaimOutcome::HeldByOther:
        throw StateConflict(Failure::Conflict, "already_claimed",
                            "Item " + call.itemId + " is being processed by someone else (until " +
                                result.claim.expires + " at the latest).",
                            "{\"expires\":\"" + result.claim.expires + "\"}");
      case ClaimOutcome::Claimed:
      case ClaimOutcome::Renewed:
        break;
    }
    rememberClaim(p, call, result.claim.expires);
    AuditEvent e = event(p, meta, action, call, grant);
    e.criteria = std::string("{\"outcome\":\"") + (result.outcome == ClaimOutcome::Claimed ? "claimed" : "renewed") +
                 "\"}";
    if (!record(e)) {
      // Nobody may hold an item the log does not show them holding.
      ChangeOutcome undone;
      host_.release(entry, ReleaseRequest{call.itemId, holderOf(p), entry.config().timeoutMs}, undone);
      forgetClaim(call);
      return auditUnavailable("the item was not claimed");
    }
    metrics_.itemStep("claim", "ok");
    JsonWriter w;
    w.beginObject().key("request_id").value(meta.id).key("item").beginObject().key("id").value(call.itemId);
    w.key("claim").beginObject().key("mine").value(true).key("holder").value(result.claim.holder);
    w.key("since").value(result.claim.since).key("expires").value(result.claim.expires).endObject();
    w.endObject().endObject();
    return Answer::ok(w.str());
  } catch (const StateConflict& c) {
    return refused(p, meta, action, call, c);
  }
}

Answer ProcedureService::release(const Principal& p, const RequestMeta& meta, const ItemCall& call) {
  const std::string action = "item_release";
  if (elsewhere(call, meta)) return forward("release", p, meta, call);
  try {
    if (auto e = notHomeNode(config_, p, meta)) throw StateConflict(e->kind, e->code, e->message);
    checkCall(call);
    ProcedureEntry& entry = entryFor(call);
    const Grant grant = authorize(p, call, entry);
    std::optional<WorkItem> item;
    if (Status s = host_.get(entry, ItemRequest{call.itemId, entry.config().timeoutMs}, item); !s.ok())
      throw backendFailed(entry, s, "The item stays claimed.");
    if (!item || (grant.mandate && item->summary.status != "open")) throw itemNotFound(call);
    if (!item->summary.claim || item->summary.claim->holder != holderOf(p))
      throw StateConflict(Failure::Conflict, "not_claimed", "You do not hold item " + call.itemId + ".");
    // Logged first: the item is free for others the moment the procedure releases it.
    AuditEvent e = event(p, meta, action, call, grant);
    if (!record(e)) return auditUnavailable("the item stays claimed");
    ChangeOutcome outcome = ChangeOutcome::NotFound;
    if (Status s = host_.release(entry, ReleaseRequest{call.itemId, holderOf(p), entry.config().timeoutMs}, outcome);
        !s.ok())
      throw backendFailed(entry, s, "The item may still be claimed by you.");
    if (outcome == ChangeOutcome::NotFound) throw itemNotFound(call);
    if (outcome != ChangeOutcome::Done)
      throw StateConflict(Failure::Conflict, "not_claimed", "You do not hold item " + call.itemId + ".");
    forgetClaim(call);
    metrics_.itemStep("release", "ok");
    return Answer::ok("{\"request_id\":\"" + meta.id + "\",\"item\":{\"id\":" + jsonStringOrNull(call.itemId) +
                      ",\"claim\":null}}");
  } catch (const StateConflict& c) {
    return refused(p, meta, action, call, c);
  }
}

Answer ProcedureService::complete(const Principal& p, const RequestMeta& meta, const ItemCall& call) {
  const std::string action = "item_complete";
  if (elsewhere(call, meta)) return forward("complete", p, meta, call);
  try {
    if (auto e = notHomeNode(config_, p, meta)) throw StateConflict(e->kind, e->code, e->message);
    checkCall(call);
    ProcedureEntry& entry = entryFor(call);
    const Grant grant = authorize(p, call, entry);
    Poco::JSON::Object::Ptr body = parseObjectBody(call.body);
    std::vector<std::string> names;
    body->getNames(names);
    for (const auto& n : names)
      if (n != "decision" && n != "note")
        throw StateConflict(Failure::Invalid, "unknown_parameter", "Unknown parameter '" + n + "'.");
    const std::string decisionText = bodyText(body, "decision");
    std::optional<Decision> decision;
    for (Decision d : entry.description().capabilities.decisions)
      if (decisionText == decisionName(d)) decision = d;
    if (!decision)
      throw StateConflict(Failure::Invalid, "invalid_decision",
                          "'decision' must be one of the decisions procedure " + call.procedure +
                              " takes (approved, rejected, needs_info).");
    const std::string note = body->has("note") ? bodyText(body, "note") : "";
    if (utf8Length(note) > kMaxNoteCharacters)
      throw StateConflict(Failure::Invalid, "invalid_note", "The note must be at most 2000 characters long.");
    if (*decision != Decision::Approved && note.empty())
      throw StateConflict(Failure::Invalid, "missing_note",
                          "A rejection or a request for information needs a note saying why.");
    // Most refusals are known before anything is logged: the item and who holds it.
    std::optional<WorkItem> item;
    if (Status s = host_.get(entry, ItemRequest{call.itemId, entry.config().timeoutMs}, item); !s.ok())
      throw backendFailed(entry, s, "Nothing was decided.");
    if (!item) throw itemNotFound(call);
    if (item->summary.status != "open") {
      if (grant.mandate) throw itemNotFound(call);
      throw StateConflict(Failure::Conflict, "item_not_open", "Item " + call.itemId + " is not open any more.");
    }
    if (!item->summary.claim || item->summary.claim->holder != holderOf(p)) throw notClaimed(call, entry);
    // A decision cannot be undone: the log has it before the procedure does (a refusal by the procedure after
    // that, e.g. the claim lapsed in between, is a second event of the same request).
    AuditEvent e = event(p, meta, action, call, grant);
    e.criteria = std::string("{\"decision\":\"") + decisionName(*decision) + "\"}";
    if (!record(e)) return auditUnavailable("nothing was decided");
    ChangeOutcome outcome = ChangeOutcome::NotFound;
    const CompleteRequest request{call.itemId, holderOf(p), *decision, note, entry.config().timeoutMs};
    if (Status s = host_.complete(entry, request, outcome); !s.ok())
      throw backendFailed(entry, s, "The decision may not have been recorded; open the item to see.");
    if (outcome == ChangeOutcome::NotFound) throw itemNotFound(call);
    if (outcome == ChangeOutcome::NotOpen)
      throw StateConflict(Failure::Conflict, "item_not_open", "Item " + call.itemId + " is not open any more.");
    if (outcome == ChangeOutcome::NotHeld) throw notClaimed(call, entry);
    forgetClaim(call);
    metrics_.itemStep("complete", "ok");
    return Answer::ok("{\"request_id\":\"" + meta.id + "\",\"item\":{\"id\":" + jsonStringOrNull(call.itemId) +
                      ",\"decision\":\"" + decisionName(*decision) + "\",\"claim\":null}}");
  } catch (const StateConflict& c) {
    return refused(p, meta, action, call, c);
  }
}

}  // namespace regfed::core
