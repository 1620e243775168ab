#include "Witnessing.h"

#include "Log.h"

namespace regfed::core {

namespace audit = regfed::audit;

namespace {

constexpr std::chrono::milliseconds kExchangeTimeout{5000};

RequestError refusal(Failure kind, const std::string& code, const std::string& message) {
  return RequestError{kind, code, message, {}};
}

}  // namespace

Witnessing::Witnessing(const Config& config, Metrics& metrics, RemoteWitnesses* peers)
    : config_(config),
      metrics_(metrics),
      peers_(peers),
      key_(audit::WitnessKey::loadOrCreate(config.audit.witnessKey, config.nodeId)),
      ownKeyPem_(audit::TreeHeadSigner::fromPrivateKeyFile(config.audit.signingKey).publicKeyPem()) {}

audit::AuditStore& Witnessing::store() {
  if (!store_ || !store_->isOpen()) store_ = std::make_unique<audit::AuditStore>(config_.audit.dsn);
  return *store_;
}

CosignOutcome Witnessing::cosign(const std::string& log, const CosignInput& in) {
  std::lock_guard<std::mutex> lock(mutex_);
  CosignOutcome out;
  auto refuse = [&](Failure kind, const std::string& code, const std::string& message) {
    out.refused = refusal(kind, code, message);
    metrics_.witnessing(log, "witness", code);
    if (code == "inconsistent_head" || code == "log_key_changed")
      log::error("witness: refused to cosign the audit log of node " + log + ": " + message);
    else
      log::warn("witness: did not cosign the audit log of node " + log + ": " + message);
    return out;
  };
  try {
    std::optional<audit::WitnessedHead> state = store().witnessed(log);
    out.witnessedSize = state ? state->size : 0;
    if (in.head.node != log)
      return refuse(Failure::Invalid, "not_your_log", "node " + log + " showed the head of \"" + in.head.node + "\".");
    if (state && state->logKey != in.headPublicKeyPem)
      return refuse(Failure::Conflict, "log_key_changed",
                    "the tree-head key of node " + log + " is not the one pinned at the first cosignature.");
    std::optional<audit::TreeHeadSigner> verifier;
    try {
      verifier = audit::TreeHeadSigner::fromPublicKeyPem(in.headPublicKeyPem);
    } catch (const audit::KeyError& e) {
      return refuse(Failure::Invalid, "invalid_key", std::string("the head's public key is unusable: ") + e.what());
    }
    if (in.head.size < 1 || !verifier->verify(in.head))
      return refuse(Failure::Invalid, "bad_signature", "the tree head's signature does not hold.");
    if (in.oldSize != out.witnessedSize)
      return refuse(Failure::Conflict, "old_size_mismatch",
                    "this witness cosigned size " + std::to_string(out.witnessedSize) + " last, not " +
                        std::to_string(in.oldSize) + ".");
    if (state) {
      if (in.head.size < state->size)
        return refuse(Failure::Conflict, "inconsistent_head",
                      "size " + std::to_string(in.head.size) + " is smaller than the " + std::to_string(state->size) +
                          " events already cosigned: the log lost events.");
      if (!audit::verifyConsistency(state->size, state->root, in.head.size, in.head.root, in.proof))
        return refuse(Failure::Conflict, "inconsistent_head",
                      "the head of size " + std::to_string(in.head.size) + " is not an append-only extension of "
                      "the head of size " + std::to_string(state->size) + " cosigned before (root " +
                          audit::toHex(state->root) + "): the log was rewritten.");
    }
    audit::Cosignature c = key_.cosign(audit::checkpointBody(log, in.head.size, in.head.root));
    store().setWitnessed(audit::WitnessedHead{log, in.head.size, in.head.root, in.headPublicKeyPem, c});
    out.cosignature = c;
    out.witnessedSize = in.head.size;
    metrics_.witnessing(log, "witness", "cosigned");
    return out;
  } catch (const std::exception& e) {
    store_.reset();
    out.refused = refusal(Failure::Unavailable, "database_unavailable",
                          std::string("the witness state cannot be read or written: ") + e.what());
    metrics_.witnessing(log, "witness", "database_unavailable");
    return out;
  }
}

WitnessedView Witnessing::witnessed(const std::string& log) {
  std::lock_guard<std::mutex> lock(mutex_);
  WitnessedView out;
  try {
    if (auto state = store().witnessed(log)) {
      out.size = state->size;
      out.root = state->root;
      audit::Cosignature c = state->cosignature;
      c.witness = key_.name();
      c.publicKey = key_.publicKey();
      out.cosignature = c;
    }
  } catch (const std::exception&) {
    store_.reset();
    throw;
  }
  return out;
}

void Witnessing::exchange() {
  if (!peers_) return;
  std::vector<std::string> peers = peers_->mandatePeers();
  if (peers.empty()) return;
  audit::TreeHead head;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    try {
      auto heads = store().treeHeads(config_.nodeId);
      if (heads.empty()) return;
      head = heads.back();
    } catch (const std::exception& e) {
      store_.reset();
      log::warn(std::string("witnessing: cannot read the newest tree head: ") + e.what());
      return;
    }
  }
  std::vector<audit::Hash> leaves;  // read once, only when a proof is needed
  for (const auto& peer : peers) {
    if (auto problem = showTo(peer, head, leaves)) {
      log::warn("witnessing: node " + peer + " did not cosign head " + std::to_string(head.size) + ": " + *problem);
      metrics_.witnessing(peer, "log", "not_cosigned");
    }
  }
}

std::optional<std::string> Witnessing::showTo(const std::string& peer, const audit::TreeHead& head,
                                              std::vector<audit::Hash>& leaves) {
  std::int64_t oldSize = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    try {
      oldSize = store().lastCosigned(config_.nodeId, audit::witnessName(peer));
      if (oldSize >= head.size) return std::nullopt;
      if (leaves.empty()) leaves = store().leafHashes(config_.nodeId);
    } catch (const std::exception& e) {
      store_.reset();
      return std::string("audit store: ") + e.what();
    }
  }
  // A witness that lost track (or cosigned elsewhere) names its size; one retry from there.
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (oldSize > head.size || head.size > static_cast<std::int64_t>(leaves.size()))
      return "it cosigned " + std::to_string(oldSize) + " events, more than this log's head has";
    CosignInput in;
    in.oldSize = oldSize;
    in.head = head;
    in.headPublicKeyPem = ownKeyPem_;
    if (oldSize > 0) in.proof = audit::consistencyProof(leaves, oldSize, head.size);
    std::string why;
    auto answer = peers_->cosign(peer, in, DeadlineClock::now() + kExchangeTimeout, why);
    if (!answer) return why;
    if (answer->refused) {
      if (answer->refused->code == "old_size_mismatch" && attempt == 0 && answer->witnessedSize != oldSize) {
        oldSize = answer->witnessedSize;
        continue;
      }
      metrics_.witnessing(peer, "log", answer->refused->code);
      return answer->refused->code + ": " + answer->refused->message;
    }
    if (!answer->cosignature || answer->cosignature->witness != audit::witnessName(peer) ||
        !answer->cosignature->verify(audit::checkpointBody(config_.nodeId, head.size, head.root)))
      return "its cosignature does not verify";
    std::lock_guard<std::mutex> lock(mutex_);
    try {
      store().addCosignature(config_.nodeId, head.size, head.root, *answer->cosignature);
    } catch (const std::exception& e) {
      store_.reset();
      return std::string("cannot store the cosignature: ") + e.what();
    }
    metrics_.witnessing(peer, "log", "cosigned");
    return std::nullopt;
  }
  return "no agreement on the size cosigned before";
}

}  // namespace regfed::core
