#pragma once
// The home node's side of the federation: asks the nodes that own other municipalities' data, in parallel and
// within each request's deadline, over reused TLS connections. A peer that fails repeatedly is cut off (circuit
// breaker) and answers `unavailable` at once until a probe finds it back; a peer that hangs holds at most
// max_calls_per_peer calls, each only until its deadline. Probes also fetch each peer's catalog and contract
// version.

#include <RegfedNode.h>

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "Config.h"
#include "DataAnswer.h"
#include "Metrics.h"
#include "PeerTls.h"
#include "PeriodicTask.h"
#include "RemoteMandates.h"
#include "RemoteProcedures.h"
#include "Witnessing.h"

namespace regfed::core {

/// What this node knows of a peer (for the catalog and /v1/health).
struct PeerView {
  std::string node;
  std::string status;  ///< unknown, ok, unreachable, incompatible.
  std::string lastError;
  std::optional<regfed::wire::Catalog> catalog;  ///< As last fetched.
};

/// Calls to peer nodes.
class Federation : public RemoteNodes, public RemoteMandates, public RemoteWitnesses, public RemoteProcedures {
 public:
  Federation(const Config& config, Metrics& metrics);
  ~Federation() override;

  /// Starts the call workers and the probe loop (first probe at once).
  void start();
  /// Stops probing and waits for calls in flight (each ends by its deadline).
  void stop();

  std::string nodeOf(const std::string& ags) const override;
  std::vector<std::string> municipalitiesWith(const std::string& registerName) const override;
  std::function<std::vector<TargetResult>()> search(const Principal& principal, const RequestMeta& meta,
                                                    const QueryRequest& request,
                                                    const std::vector<std::string>& municipalities,
                                                    DeadlineClock::time_point deadline) override;
  RecordAnswer getRecord(const Principal& principal, const RequestMeta& meta, const RecordRequest& request,
                         DeadlineClock::time_point deadline, std::string& node) override;

  std::string nodeOfMandate(const std::string& id) const override;
  ForwardedChange activateMandate(const Principal& principal, const RequestMeta& meta, const std::string& id,
                                  const std::string& reason, DeadlineClock::time_point deadline) override;
  ForwardedChange decideMandate(const std::string& id, const std::string& action, const std::string& by,
                                const std::string& byAgs, const std::string& requestId,
                                DeadlineClock::time_point deadline) override;
  std::optional<std::vector<Mandate>> mandatesAt(const std::string& node,
                                                 DeadlineClock::time_point deadline) override;
  std::vector<std::string> mandatePeers() const override;
  std::optional<CosignOutcome> cosign(const std::string& node, const CosignInput& input,
                                      DeadlineClock::time_point deadline, std::string& why) override;
  std::optional<WitnessedView> witnessedHead(const std::string& node, DeadlineClock::time_point deadline,
                                             std::string& why) override;

  Answer itemCall(const Principal& principal, const RequestMeta& meta, const std::string& action,
                  const ItemCall& call, DeadlineClock::time_point deadline, bool& delivered) override;
  std::vector<RemoteProcedure> remoteProcedures() const override;

  /// Every peer as last seen.
  std::vector<PeerView> peers() const;

 private:
  struct Peer;
  struct Connection;
  /// Why a call did not get an answer: status (unavailable, timeout, error), code and message.
  struct CallFailure {
    std::string status;
    std::string code;
    std::string message;
    bool delivered = false;  ///< The request may have reached the peer (it failed after the connection stood).
  };
  using Call = std::function<void(regfed::wire::RegfedNodeClient&)>;

  /// What the home node keeps of a peer's reason code and message.
  static constexpr std::size_t kMaxCodeBytes = 100, kMaxMessageBytes = 1000;
  /// Milliseconds left until `deadline` (at least 1: Thrift takes 0 as "no timeout").
  static int remainingMs(DeadlineClock::time_point deadline);
  /// The caller block of a call on a person's behalf: their token, the request ids, the time left, and the
  /// contract version spoken (versionFor the peer).
  static regfed::wire::Caller callerOf(const Principal& principal, const RequestMeta& meta,
                                       DeadlineClock::time_point deadline, int version);

  Peer* peer(const std::string& node) const;
  /// The peer's contract version as its last probe found it (0 when never reached).
  int contractVersion(Peer& peer) const;
  /// The contract version every call to `peer` carries: the newest both nodes speak, so that a node one version
  /// ahead (an upgrade, one node at a time) still talks to the others. This node's own while the peer was never
  /// reached (or for no peer): a peer that speaks less refuses with its range, and the next probe learns it.
  int versionFor(Peer* peer) const;
  /// Runs `call` on a connection to `peer` within `deadline`; nullopt on success. `probe` bypasses the circuit
  /// breaker and the call cap. `retryStale`: the call may be sent again on a new connection when a pooled one
  /// turns out closed (false for calls that must not be applied twice).
  std::optional<CallFailure> invoke(Peer& peer, const char* method, DeadlineClock::time_point deadline,
                                    const Call& call, bool probe = false, bool retryStale = true);
  void probe(Peer& peer);
  /// Sends a mandate call to the node holding mandate `id`, when it speaks mandate forwarding.
  ForwardedChange forwardMandate(const std::string& id, const char* method, DeadlineClock::time_point deadline,
                                 const std::function<void(regfed::wire::RegfedNodeClient&,
                                                          regfed::wire::MandateAnswer&)>& call,
                                 bool retryStale = true);
  void scheduleProbe(Peer& peer);
  void scheduleProbeLocked(Peer& peer);  // peer.mutex held
  void submit(std::function<void()> task);
  void work();

  const Config& config_;
  Metrics& metrics_;
  std::unique_ptr<PeerSocketFactory> sockets_;
  SocketWatchdog watchdog_;
  std::vector<std::unique_ptr<Peer>> peers_;
  std::map<std::string, Peer*> byAgs_;

  std::mutex queueMutex_;
  std::condition_variable queued_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
  PeriodicTask prober_;
};

}  // namespace regfed::core
