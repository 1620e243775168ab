#pragma once
// Witnessed audit logs across the federation (C2SP tlog-witness). As a log, a node shows its newest signed tree
// head to every peer at a fixed interval, with the RFC 6962 consistency proof from the head that peer cosigned
// last, and stores the cosignatures it gets. As a witness, a node cosigns a peer's head only when the peer's own
// signature holds (its key pinned at the first cosignature) and the head is an append-only extension of the
// newest head it cosigned for that peer — kept in its database, so also across its own restarts.

#include <regfed/audit/AuditStore.h>
#include <regfed/audit/TreeHeadSigner.h>
#include <regfed/audit/Witness.h>

#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "Answer.h"
#include "Config.h"
#include "DataAnswer.h"
#include "Metrics.h"

namespace regfed::core {

/// A tree head shown to a witness.
struct CosignInput {
  std::int64_t oldSize = 0;  ///< The size the witness cosigned last, as the log believes (0: never).
  std::vector<regfed::audit::Hash> proof;
  regfed::audit::TreeHead head;  ///< node = the log (the calling peer).
  std::string headPublicKeyPem;
};

/// A witness's answer.
struct CosignOutcome {
  std::optional<RequestError> refused;
  std::optional<regfed::audit::Cosignature> cosignature;
  std::int64_t witnessedSize = 0;  ///< The size the witness cosigned last.
};

/// The newest head of a log a witness cosigned (size 0: none).
struct WitnessedView {
  std::int64_t size = 0;
  regfed::audit::Hash root{};
  std::optional<regfed::audit::Cosignature> cosignature;
};

/// The peers, as witnesses of this node's log.
class RemoteWitnesses {
 public:
  virtual ~RemoteWitnesses() = default;
  /// nullopt when the peer could not be asked (then `why` says why).
  virtual std::optional<CosignOutcome> cosign(const std::string& node, const CosignInput& input,
                                              DeadlineClock::time_point deadline, std::string& why) = 0;
  virtual std::optional<WitnessedView> witnessedHead(const std::string& node, DeadlineClock::time_point deadline,
                                                     std::string& why) = 0;
  /// Peers reached at their last probe that speak witnessing.
  virtual std::vector<std::string> mandatePeers() const = 0;
};

/// A node's two witnessing roles.
class Witnessing {
 public:
  /// Loads (or creates) the witness key; throws std::runtime_error.
  Witnessing(const Config& config, Metrics& metrics, RemoteWitnesses* peers);

  /// As a witness: decides on `log`'s head.
  CosignOutcome cosign(const std::string& log, const CosignInput& input);
  /// As a witness: the newest head of `log` cosigned here.
  WitnessedView witnessed(const std::string& log);
  /// As a log: shows the newest signed head to every reachable peer that has not cosigned it yet.
  void exchange();

 private:
  regfed::audit::AuditStore& store();  // mutex_ held; reconnects after a failure
  std::optional<std::string> showTo(const std::string& peer, const regfed::audit::TreeHead& head,
                                    std::vector<regfed::audit::Hash>& leaves);

  const Config& config_;
  Metrics& metrics_;
  RemoteWitnesses* peers_;
  regfed::audit::WitnessKey key_;
  std::string ownKeyPem_;
  std::mutex mutex_;
  std::unique_ptr<regfed::audit::AuditStore> store_;
};

}  // namespace regfed::core
