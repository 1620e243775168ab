// The federation's calls that are not data requests: the helper side's mandate decisions and activations, the
// owners' mandate lists, and the exchange of tree heads with the peers as witnesses. Connection handling, the
// circuit breaker and probes are Federation.cpp's.
#include <RegfedNode.h>

#include "Federation.h"
#include "Log.h"
#include "WireMapping.h"

namespace regfed::core {

namespace wire = ::regfed::wire;
using Clock = DeadlineClock;

ForwardedChange Federation::forwardMandate(
    const std::string& id, const char* method, Clock::time_point deadline,
    const std::function<void(wire::RegfedNodeClient&, wire::MandateAnswer&)>& call, bool retryStale) {
  ForwardedChange out;
  out.node = nodeOfMandate(id);
  Peer* p = peer(out.node);
  if (!p) {
    out.refused = RequestError{Failure::NotFound, "mandate_not_found", "No node of the federation holds " + id + ".", {}};
    return out;
  }
  if (contractVersion(*p) == 1) {
    out.refused = RequestError{Failure::Unavailable, "peer_version",
                               "Node " + out.node + " speaks contract version 1, which has no mandate forwarding; "
                               "nothing was changed.", {}};
    return out;
  }
  wire::MandateAnswer answer;
  auto failure =
      invoke(*p, method, deadline, [&](wire::RegfedNodeClient& c) { call(c, answer); }, false, retryStale);
  if (failure) {
    out.delivery = failure->delivered ? ForwardedChange::Delivery::Unknown : ForwardedChange::Delivery::NotSent;
    out.refused = RequestError{Failure::Unavailable, failure->code, failure->message, {}};
    return out;
  }
  out.delivery = ForwardedChange::Delivery::Answered;
  try {
    if (answer.__isset.mandate) {
      out.mandate = fromWire(answer.mandate);
      if (out.mandate->id != id) throw RequestError{Failure::Unavailable, "peer_error",
                                                    "Node " + out.node + " answered for another mandate.", {}};
    }
  } catch (const RequestError& e) {
    out.mandate.reset();
    if (!answer.__isset.refused) {
      // An answer this node cannot read: whether the owner applied the change is not known.
      out.delivery = ForwardedChange::Delivery::Unknown;
      out.refused = e;
      return out;
    }
  }
  if (answer.__isset.refused) {
    RequestError e = fromWire(answer.refused);
    e.code = clipped(e.code, kMaxCodeBytes);
    e.message = clipped(e.message, kMaxMessageBytes);
    if (e.details.size() > kMaxMessageBytes) e.details.clear();
    out.refused = e;
  } else {
    out.payload = clipped(answer.payload, 64 * 1024);
  }
  return out;
}

ForwardedChange Federation::activateMandate(const Principal& principal, const RequestMeta& meta,
                                            const std::string& id, const std::string& reason,
                                            Clock::time_point deadline) {
  wire::MandateChange change;
  change.caller = callerOf(principal, meta, deadline, versionFor(peer(nodeOfMandate(id))));
  change.mandate = id;
  change.action = "activate";
  change.__set_reason(reason);
  return forwardMandate(
      id, "change_mandate", deadline,
      [&](wire::RegfedNodeClient& c, wire::MandateAnswer& a) {
        change.caller.deadline_ms = remainingMs(deadline);
        c.change_mandate(a, change);
      },
      false);
}

ForwardedChange Federation::decideMandate(const std::string& id, const std::string& action, const std::string& by,
                                          const std::string& byAgs, const std::string& requestId,
                                          Clock::time_point deadline) {
  wire::MandateDecision decision;
  decision.contract_version = versionFor(peer(nodeOfMandate(id)));
  decision.mandate = id;
  decision.action = action;
  decision.by = by;
  decision.by_ags = byAgs;
  decision.request_id = requestId;
  return forwardMandate(
      id, "decide_mandate", deadline,
      [&](wire::RegfedNodeClient& c, wire::MandateAnswer& a) {
        decision.deadline_ms = remainingMs(deadline);
        c.decide_mandate(a, decision);
      },
      false);
}

std::optional<std::vector<Mandate>> Federation::mandatesAt(const std::string& node, Clock::time_point deadline) {
  Peer* p = peer(node);
  if (!p) return std::nullopt;
  std::vector<wire::MandateInfo> got;
  if (invoke(*p, "mandates", deadline, [&](wire::RegfedNodeClient& c) {
        c.mandates(got, versionFor(p));
      }))
    return std::nullopt;
  std::vector<Mandate> out;
  for (const auto& w : got) {
    try {
      Mandate m = fromWire(w);
      // A node lists only mandates it owns, for municipalities this node hosts.
      if (nodeOf(m.ownerAgs) != node || config_.municipalityName(m.helperAgs).empty()) {
        log::warn("node " + node + " listed mandate " + m.id + ", which is not its own for this node; ignored");
        continue;
      }
      out.push_back(std::move(m));
    } catch (const RequestError& e) {
      log::warn(e.message + " (ignored)");
    }
  }
  return out;
}

std::optional<CosignOutcome> Federation::cosign(const std::string& node, const CosignInput& input,
                                                Clock::time_point deadline, std::string& why) {
  Peer* p = peer(node);
  if (!p) {
    why = "not a peer";
    return std::nullopt;
  }
  wire::CosignRequest request;
  request.contract_version = versionFor(p);
  request.old_size = input.oldSize;
  for (const auto& h : input.proof) request.consistency_proof.emplace_back(h.begin(), h.end());
  request.size = input.head.size;
  request.root.assign(input.head.root.begin(), input.head.root.end());
  request.head_time = input.head.time;
  request.head_key_id = input.head.keyId;
  request.head_signature = input.head.signature;
  request.head_public_key = input.headPublicKeyPem;
  wire::CosignAnswer answer;
  if (auto failure = invoke(*p, "cosign", deadline, [&](wire::RegfedNodeClient& c) { c.cosign(answer, request); })) {
    why = failure->message;
    return std::nullopt;
  }
  CosignOutcome out;
  out.witnessedSize = answer.__isset.witnessed_size ? answer.witnessed_size : 0;
  try {
    if (answer.__isset.refused) {
      RequestError e = fromWire(answer.refused);
      e.code = clipped(e.code, kMaxCodeBytes);
      e.message = clipped(e.message, kMaxMessageBytes);
      out.refused = e;
    } else if (answer.__isset.cosignature) {
      out.cosignature = fromWire(answer.cosignature);
    }
  } catch (const RequestError& e) {
    why = e.message;
    return std::nullopt;
  }
  return out;
}

std::optional<WitnessedView> Federation::witnessedHead(const std::string& node, Clock::time_point deadline,
                                                       std::string& why) {
  Peer* p = peer(node);
  if (!p) {
    why = "not a peer";
    return std::nullopt;
  }
  wire::WitnessedHeadInfo info;
  if (auto failure = invoke(*p, "witnessed_head", deadline, [&](wire::RegfedNodeClient& c) {
        c.witnessed_head(info, versionFor(p));
      })) {
    why = failure->message;
    return std::nullopt;
  }
  WitnessedView out;
  try {
    out.size = info.size;
    if (info.size > 0) {
      out.root = hashFromWire(info.root);
      if (info.__isset.cosignature) out.cosignature = fromWire(info.cosignature);
    }
  } catch (const RequestError& e) {
    why = e.message;
    return std::nullopt;
  }
  return out;
}

}  // namespace regfed::core
