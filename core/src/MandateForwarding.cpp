// The helper municipality's node's side of mandates that live at other nodes: its admins' approvals (the quota
// reserved here first) and revocations (in force here at once) passed on to the owning node as decisions of
// this node, its responders' activations forwarded with their token, and its copies kept up to date from the
// owners' lists.
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/UUIDGenerator.h>

#include "JsonBody.h"
#include "Log.h"
#include "MandateService.h"

namespace regfed::core {

using Poco::JSON::Object;
using regfed::audit::AuditEvent;

namespace {

/// True when the owner's view of a mandate says nothing this node's copy does not already hold (the helper
/// side's approval is this node's own and not compared).
bool ownerSideUnchanged(const Mandate& copy, const Mandate& owners) {
  return copy.kind == owners.kind && copy.ownerAgs == owners.ownerAgs && copy.helperAgs == owners.helperAgs &&
         copy.helpers == owners.helpers && copy.registers == owners.registers &&
         copy.procedures == owners.procedures && copy.operations == owners.operations &&
         copy.fields == owners.fields && copy.purpose == owners.purpose && copy.agreement == owners.agreement &&
         copy.validFrom == owners.validFrom && copy.validUntil == owners.validUntil &&
         copy.ownerApprovedBy == owners.ownerApprovedBy && copy.ownerApprovedAt == owners.ownerApprovedAt &&
         copy.revokedBy == owners.revokedBy && copy.revokedAt == owners.revokedAt &&
         copy.revokedOn == owners.revokedOn;
}

/// How long a forwarded change may take, and how long after that a reservation waits for the owner's list.
constexpr std::chrono::milliseconds kForwardTimeout{5000}, kSettleMargin{5000};

}  // namespace

Answer MandateService::approveRemote(const Principal& p, const RequestMeta& meta, const Mandate& known) {
  const std::string& id = known.id;
  const auto deadline = DeadlineClock::now() + kForwardTimeout;
  // Reserve first: the helper municipality's days count from this commit, so two approvals forwarded to two
  // owner nodes at the same moment cannot both pass the limit.
  try {
    if (!p.has("admin") || p.ags != known.helperAgs)
      throw StateConflict(Failure::Forbidden, "not_a_party",
                          "Only an admin of " + known.ownerAgs + " or " + known.helperAgs +
                              " can change mandate " + id + ".");
    mandates_.approve(
        id, Side::Helper, p.id,
        [&](const Mandate& current, const std::map<int, std::int64_t>& used) {
          if (current.pending == "revoke")
            throw StateConflict(Failure::Conflict, "mandate_revoked", "Mandate " + id + " was revoked.");
          checkApproval(p, Side::Helper, current, used);
        },
        [](const Mandate&) {}, (kForwardTimeout + kSettleMargin).count());
  } catch (const StateConflict& c) {
    return refused(p, meta, "mandate_approve", known.ownerAgs, id, c);
  } catch (const DatabaseUnavailable& e) {
    log::error(e.what());
    return mandatesUnavailable();
  }
  ForwardedChange f = remote_->decideMandate(id, "approve", p.id, p.ags, meta.id, deadline);
  AuditEvent e = event(p, meta, "mandate_approve", known, "");
  e.peer = f.node;
  std::optional<Answer> answer;
  try {
    if (f.delivery == ForwardedChange::Delivery::Answered && !f.refused && f.mandate) {
      Mandate now = mandates_.settle(*f.mandate, f.node, true);
      e.reason = now.status() == "approved" ? "approved" : "approved_by_helper";
      answer = Answer::ok(mandateJson(now));
    } else if (f.delivery == ForwardedChange::Delivery::Answered && f.refused) {
      // The owner refused: the reservation goes; its view of the mandate (another admin may have approved
      // already) becomes this node's.
      if (f.mandate)
        mandates_.settle(*f.mandate, f.node, true);
      else
        mandates_.release(id);
      e.decision = onNodeSide(f.refused->kind) ? "error" : "deny";
      e.reason = f.refused->code;
      answer = Answer::refused(*f.refused);
    } else if (f.delivery == ForwardedChange::Delivery::NotSent) {
      mandates_.release(id);
      e.decision = "error";
      e.reason = f.refused ? f.refused->code : "peer_error";
      answer = Answer::refused(RequestError{Failure::Unavailable, e.reason,
                                            (f.refused ? f.refused->message + " " : std::string()) +
                                                "Nothing was approved; try again later.",
                                            {}});
    } else {
      // Sent, no usable answer: the days stay reserved until the owner's list shows what happened.
      e.decision = "error";
      e.reason = "approval_unconfirmed";
      answer = Answer::refused(RequestError{
          Failure::Unavailable, "approval_unconfirmed",
          "Node " + f.node + " did not confirm the approval of " + id +
              ". Its support days stay reserved here until this node learns the owner's answer (within a "
              "minute); GET /v1/mandates then shows whether it was approved.",
          {}});
    }
  } catch (const std::exception& ex) {
    // The reservation stays pending and is settled from the owner's list.
    log::error(std::string("mandate ") + id + ": the owner's answer could not be taken over: " + ex.what());
    e.decision = "error";
    e.reason = "database_unavailable";
    answer = mandatesUnavailable();
  }
  std::vector<AuditEvent> one = {e};
  if (!audit_.record(one)) return auditUnavailable("the outcome at node " + f.node + " stands");
  log::info("mandate_approve " + id + " by " + p.id + " (" + p.ags + ") forwarded to node " + f.node + ": " +
            e.reason);
  return *answer;
}

Answer MandateService::revokeRemote(const Principal& p, const RequestMeta& meta, const Mandate& known) {
  const std::string& id = known.id;
  Mandate stored;
  try {
    if (!p.has("admin") || p.ags != known.helperAgs)
      throw StateConflict(Failure::Forbidden, "not_a_party",
                          "Only an admin of " + known.ownerAgs + " or " + known.helperAgs +
                              " can change mandate " + id + ".");
    // Revoked here first: from this commit on, nothing is forwarded under it, whether or not the owner hears.
    stored = mandates_.revoke(
        id, p.id, berlinToday(),
        [&](const Mandate& current) {
          if (current.status() == "revoked")
            throw StateConflict(Failure::Conflict, "already_revoked", "Mandate " + id + " was already revoked.");
        },
        [&](const Mandate& updated) {
          AuditEvent e = event(p, meta, "mandate_revoke", updated, "revoked");
          e.peer = remote_->nodeOfMandate(id);
          recordOrThrow(e);
        },
        true);
  } catch (const StateConflict& c) {
    return refused(p, meta, "mandate_revoke", known.ownerAgs, id, c);
  } catch (const AuditDown&) {
    return auditUnavailable("nothing was changed");
  } catch (const DatabaseUnavailable& e) {
    log::error(e.what());
    return mandatesUnavailable();
  }
  ForwardedChange f =
      remote_->decideMandate(id, "revoke", p.id, p.ags, meta.id, DeadlineClock::now() + kForwardTimeout);
  try {
    if (f.delivery == ForwardedChange::Delivery::Answered && f.mandate && !f.mandate->revokedBy.empty())
      stored = mandates_.settle(*f.mandate, f.node, true);
    else if (f.delivery == ForwardedChange::Delivery::Answered && f.refused && !onNodeSide(f.refused->kind))
      giveUpRevocation(stored, f);
    if (auto now = mandates_.find(id)) stored = *now;
  } catch (const std::exception& e) {
    log::warn(std::string("revocation of ") + id + ": " + e.what());
  }
  if (!stored.pending.empty())
    log::warn("revocation of mandate " + id + " not yet confirmed by node " + f.node + " (" +
              (f.refused ? f.refused->message : std::string("no answer")) + "); delivering it again later");
  log::info("mandate_revoke " + id + " by " + p.id + " (" + p.ags + ")");
  return Answer::ok(mandateJson(stored));
}

Answer MandateService::activateRemote(const Principal& p, const RequestMeta& meta, const Mandate& known,
                                      const std::string& body) {
  const std::string& id = known.id;
  std::string reason;
  try {
    reason = requiredText(parseObjectBody(body), "reason", 500);
  } catch (const StateConflict& c) {
    return refused(p, meta, "mandate_activate", known.ownerAgs, id, c);
  }
  // The owning node opens the window, alerts its DPO and decides every request under it.
  ForwardedChange f = remote_->activateMandate(p, meta, id, reason, DeadlineClock::now() + kForwardTimeout);
  AuditEvent e = event(p, meta, "mandate_activate", known, "activated");
  e.peer = f.node;
  e.purpose = reason;
  std::optional<Answer> answer;
  if (f.delivery == ForwardedChange::Delivery::Answered && !f.refused) {
    try {
      Poco::JSON::Parser().parse(f.payload).extract<Object::Ptr>();
      answer = Answer::ok(f.payload);
    } catch (const std::exception&) {
      f.refused = RequestError{Failure::Unavailable, "peer_error",
                               "Node " + f.node + " answered something this node cannot use.", {}};
    }
  }
  if (!answer) {
    const RequestError error = f.refused ? *f.refused
                                         : RequestError{Failure::Unavailable, "peer_error", "No answer.", {}};
    e.decision = onNodeSide(error.kind) ? "error" : "deny";
    e.reason = error.code;
    answer = Answer::refused(error);
  }
  std::vector<AuditEvent> one = {e};
  if (!audit_.record(one)) return auditUnavailable("the outcome at node " + f.node + " stands");
  return *answer;
}

void MandateService::sync() {
  if (!remote_) return;
  for (const auto& node : remote_->mandatePeers()) syncNode(node);
}

bool MandateService::syncNode(const std::string& node) {
  auto listed = remote_->mandatesAt(node, DeadlineClock::now() + kForwardTimeout);
  if (!listed) return false;
  bool complete = true;
  for (const Mandate& m : *listed) {
    try {
      const auto before = mandates_.find(m.id);
      // Nothing pending here and nothing new from the owner: no write (the lists come every 5 s).
      if (before && before->pending.empty() && ownerSideUnchanged(*before, m)) continue;
      const Mandate now = mandates_.settle(m, node, false);
      if (!before || before->status() != now.status() || before->pending != now.pending ||
          before->helperApprovedBy != now.helperApprovedBy)
        auditSync(before.value_or(Mandate{}), now, node);
    } catch (const std::exception& e) {
      complete = false;
      log::warn("mandate " + m.id + " of node " + node + " not taken over: " + e.what());
    }
  }
  // Revocations made here that the owner has not confirmed: delivered again until it does (or refuses for good).
  for (const Mandate& m : mandates_.all()) {
    if (m.ownerNode != node || m.pending != "revoke") continue;
    try {
      const std::string requestId = Poco::UUIDGenerator::defaultGenerator().createRandom().toString();
      ForwardedChange f = remote_->decideMandate(m.id, "revoke", m.revokedBy, m.helperAgs, requestId,
                                                 DeadlineClock::now() + kForwardTimeout);
      if (f.delivery != ForwardedChange::Delivery::Answered) continue;
      if (f.mandate && !f.mandate->revokedBy.empty()) {
        auditSync(m, mandates_.settle(*f.mandate, node, true), node);
        log::info("revocation of mandate " + m.id + " confirmed by node " + node);
      } else if (f.refused && !onNodeSide(f.refused->kind)) {
        giveUpRevocation(m, f);
      }
    } catch (const std::exception& e) {
      complete = false;
      log::warn("revocation of mandate " + m.id + " not delivered to node " + node + ": " + e.what());
    }
  }
  return complete;
}

void MandateService::giveUpRevocation(const Mandate& copy, const ForwardedChange& f) {
  mandates_.settlePendingRevocation(copy.id);
  log::error("node " + f.node + " refused the revocation of mandate " + copy.id + " (" + f.refused->code + ": " +
             f.refused->message + "); it stays revoked here and nothing is forwarded under it, but an admin of " +
             copy.ownerAgs + " should revoke it at " + f.node + " too");
  recordSync(copy, f.node, "revocation_refused_by_owner", "error");
}

void MandateService::auditSync(const Mandate& before, const Mandate& after, const std::string& node) {
  std::string reason;
  if (before.id.empty())
    reason = "copy_taken";
  else if (before.pending == "approve" && after.pending.empty())
    reason = after.helperApprovedBy.empty() ? "reservation_released" : "approval_confirmed";
  else if (before.pending == "revoke" && after.pending.empty())
    reason = "revocation_confirmed";
  else if (before.status() != after.status())
    reason = "owner_" + after.status();  // owner_approved, owner_revoked
  else
    reason = "copy_updated";
  recordSync(after, node, reason, "allow");
}

void MandateService::recordSync(const Mandate& m, const std::string& node, const std::string& reason,
                                const std::string& decision) {
  // The node itself acts: no person asked. One request id per change, the peer named.
  AuditEvent e = event(Principal{"regfed:" + config_.nodeId, m.helperAgs, {}, "", "", 0, 0, ""},
                       RequestMeta{Poco::UUIDGenerator::defaultGenerator().createRandom().toString(), {}, node},
                       "mandate_sync", m, reason);
  e.decision = decision;
  std::vector<AuditEvent> one = {e};
  if (!audit_.record(one)) log::warn("mandate " + m.id + ": the audit event of its update (" + reason + ") failed");
}

}  // namespace regfed::core
