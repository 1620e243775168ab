#include "Federation.h"

#include <thrift/TApplicationException.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/transport/TBufferTransports.h>
#include <thrift/transport/TTransportException.h>

#include <poll.h>

#include <algorithm>

#include "Log.h"
#include "RequestAudit.h"
#include "WireMapping.h"

namespace regfed::core {

namespace wire = ::regfed::wire;
using Clock = DeadlineClock;
using apache::thrift::TApplicationException;
using apache::thrift::TException;
using apache::thrift::transport::TTransportException;

namespace {

// Consecutive failures that open a peer's circuit, and how long it stays open at most before a call may try.
constexpr int kFailuresToOpen = 3;
constexpr auto kMaxOpen = std::chrono::seconds(30);
// A pooled connection unused this long is closed rather than reused (the peer closes idle ones too).
constexpr auto kMaxIdle = std::chrono::seconds(20);
// A call with less time than this that fails says nothing about the peer: it does not count towards opening
// the circuit (else anyone could cut a peer off with requests of timeout_ms 1).
constexpr auto kMeaningfulBudget = std::chrono::milliseconds(250);
// True when a pooled connection is still quiet: no data and no end-of-file waiting (a connection the peer
// closed, e.g. after a restart, is not reused for a person's request).
bool stillQuiet(apache::thrift::transport::TSocket& socket) {
  pollfd p{static_cast<int>(socket.getSocketFD()), POLLIN, 0};
  return ::poll(&p, 1, 0) == 0;
}

}  // namespace

int Federation::remainingMs(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return static_cast<int>(std::max<std::int64_t>(1, left));
}

struct Federation::Connection {
  std::shared_ptr<PeerSocket> socket;
  std::unique_ptr<wire::RegfedNodeClient> client;
  Clock::time_point lastUsed;
};

struct Federation::Peer {
  PeerConfig config;
  mutable std::mutex mutex;
  std::vector<std::unique_ptr<Connection>> idle;
  int inFlight = 0;
  int failures = 0;              // consecutive
  Clock::time_point openUntil;   // circuit open (calls fail at once) until then
  std::string status = "unknown";
  std::string lastError;
  std::optional<wire::Catalog> catalog;
  int contractVersion = 0;  // as the last probe found it; 0 when never reached
  bool probing = false;  // a probe is queued or running: none is added
};

Federation::Federation(const Config& config, Metrics& metrics) : config_(config), metrics_(metrics) {
  sockets_ = std::make_unique<PeerSocketFactory>(config.federation, false);
  for (const auto& pc : config.federation.peers) {
    auto p = std::make_unique<Peer>();
    p->config = pc;
    for (const auto& m : pc.municipalities) byAgs_[m.ags] = p.get();
    peers_.push_back(std::move(p));
  }
}

Federation::~Federation() { stop(); }

void Federation::start() {
  // Enough workers for every peer's full share of calls, bounded; calls that wait past their deadline end as
  // timeouts without being sent.
  const std::size_t n = std::clamp<std::size_t>(
      peers_.size() * static_cast<std::size_t>(config_.federation.maxCallsPerPeer), 4, 256);
  for (std::size_t i = 0; i < n; ++i) workers_.emplace_back([this] { work(); });
  auto probeAll = [this] {
    for (auto& p : peers_) scheduleProbe(*p);
  };
  probeAll();
  prober_.start(std::chrono::milliseconds(config_.federation.probeIntervalMs), probeAll);
}

void Federation::stop() {
  prober_.stop();
  {
    std::lock_guard<std::mutex> lock(queueMutex_);
    if (stopping_ && workers_.empty()) return;
    stopping_ = true;
  }
  queued_.notify_all();
  for (auto& t : workers_) t.join();
  workers_.clear();
}

void Federation::submit(std::function<void()> task) {
  {
    std::lock_guard<std::mutex> lock(queueMutex_);
    if (stopping_) return;
    queue_.push_back(std::move(task));
  }
  queued_.notify_one();
}

void Federation::work() {
  std::unique_lock<std::mutex> lock(queueMutex_);
  for (;;) {
    queued_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;
    auto task = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    try {
      task();
    } catch (const std::exception& e) {
      log::error(std::string("federation: a call failed unexpectedly: ") + e.what());
    }
    lock.lock();
  }
}

Federation::Peer* Federation::peer(const std::string& node) const {
  for (const auto& p : peers_)
    if (p->config.node == node) return p.get();
  return nullptr;
}

std::string Federation::nodeOf(const std::string& ags) const {
  auto it = byAgs_.find(ags);
  return it == byAgs_.end() ? "" : it->second->config.node;
}

std::vector<std::string> Federation::municipalitiesWith(const std::string& registerName) const {
  std::vector<std::string> out;
  for (const auto& p : peers_) {
    std::lock_guard<std::mutex> lock(p->mutex);
    for (const auto& m : p->config.municipalities) {
      bool holds = !p->catalog;  // never reached: counted, and answered as unavailable
      if (p->catalog)
        for (const auto& r : p->catalog->registers) holds = holds || (r.ags == m.ags && r.register_name == registerName);
      if (holds) out.push_back(m.ags);
    }
  }
  return out;
}

std::vector<PeerView> Federation::peers() const {
  std::vector<PeerView> out;
  for (const auto& p : peers_) {
    std::lock_guard<std::mutex> lock(p->mutex);
    out.push_back(PeerView{p->config.node, p->status, p->lastError, p->catalog});
  }
  return out;
}

std::optional<Federation::CallFailure> Federation::invoke(Peer& peer, const char* method,
                                                          Clock::time_point deadline, const Call& call,
                                                          bool probe, bool retryStale) {
  const std::string& node = peer.config.node;
  std::unique_ptr<Connection> connection;
  {
    std::lock_guard<std::mutex> lock(peer.mutex);
    if (!probe && peer.status == "incompatible")
      return CallFailure{"error", "peer_version", "Node " + node + " speaks another contract version: " + peer.lastError};
    if (!probe && Clock::now() < peer.openUntil)
      return CallFailure{"unavailable", "peer_unreachable",
                         "Node " + node + " is not reachable (" + peer.lastError + "); retrying in the background."};
    if (!probe && peer.inFlight >= config_.federation.maxCallsPerPeer)
      return CallFailure{"unavailable", "peer_busy", "Node " + node + " has too many requests in flight."};
    if (!probe) ++peer.inFlight;  // probes (one per peer at a time) do not take a person's call slot
    while (!peer.idle.empty() && !connection) {
      connection = std::move(peer.idle.back());
      peer.idle.pop_back();
      if (Clock::now() - connection->lastUsed > kMaxIdle || !stillQuiet(*connection->socket)) connection.reset();
    }
  }
  // A call that waited in the queue past its deadline is not sent; the connection goes back untouched.
  const auto budget = deadline - Clock::now();
  std::optional<CallFailure> failure;
  bool sent = false;
  bool delivered = false;  // past connecting: the peer may have read the request
  SocketWatchdog::Ticket ticket = 0;
  const bool reused = connection != nullptr;
  for (int round = 0;; ++round) {
    try {
      if (budget <= std::chrono::milliseconds(0))
        throw TTransportException(TTransportException::TIMED_OUT, "deadline passed before the call");
      const int ms = remainingMs(deadline);
      sent = true;
      if (!connection) {
        connection = std::make_unique<Connection>();
        connection->socket = sockets_->connectTo(peer.config.host, peer.config.port, node);
        connection->socket->setConnTimeout(ms);
        connection->socket->setRecvTimeout(ms);
        connection->socket->setSendTimeout(ms);
        connection->socket->open();
        ticket = watchdog_.watch(static_cast<int>(connection->socket->getSocketFD()), deadline);
        connection->socket->handshake();
        auto framed = std::make_shared<apache::thrift::transport::TFramedTransport>(connection->socket,
                                                                                    sockets_->limits());
        connection->client = std::make_unique<wire::RegfedNodeClient>(std::make_shared<apache::thrift::protocol::TBinaryProtocol>(
            framed, kMaxPeerResponseBytes, kMaxPeerContainerItems, false, true));
      } else {
        ticket = watchdog_.watch(static_cast<int>(connection->socket->getSocketFD()), deadline);
      }
      const int left = remainingMs(deadline);
      connection->socket->setRecvTimeout(left);
      connection->socket->setSendTimeout(left);
      delivered = true;
      call(*connection->client);
    } catch (const wire::VersionMismatch& e) {
      failure = CallFailure{"error", "peer_version", "Node " + node + " refused our contract version: " +
                                                        clipped(e.message, kMaxMessageBytes)};
      // It speaks less than this node took it to (never probed, or downgraded since): the next call speaks its
      // newest version, when this node speaks that too.
      const auto& k = wire::g_regfed_constants;
      if (e.contract_version >= k.MIN_CONTRACT_VERSION && e.contract_version < k.CONTRACT_VERSION) {
        std::lock_guard<std::mutex> lock(peer.mutex);
        peer.contractVersion = e.contract_version;
      }
    } catch (const wire::PeerRefused& e) {
      failure = CallFailure{"error", clipped(e.code, kMaxCodeBytes),
                            "Node " + node + " refused this node: " + clipped(e.message, kMaxMessageBytes)};
    } catch (const TApplicationException& e) {
      failure = CallFailure{"error", "peer_error", "Node " + node + " could not answer: " + std::string(e.what())};
    } catch (const TException& e) {
      const bool late = Clock::now() >= deadline - std::chrono::milliseconds(5);
      failure = late ? CallFailure{"timeout", "peer_timeout", "Node " + node + " did not answer in time."}
                     : CallFailure{"unavailable", "peer_unreachable",
                                   "Node " + node + " is not reachable: " + std::string(e.what())};
    } catch (const std::exception& e) {
      failure = CallFailure{"error", "peer_error", "Node " + node + ": " + std::string(e.what())};
    }
    // A pooled connection the peer closed while it sat idle fails at once: an idempotent call goes out once more
    // on a new connection (as HTTP clients do with a stale keep-alive connection), if its deadline allows.
    if (round == 0 && reused && retryStale && failure && failure->status == "unavailable" &&
        deadline - Clock::now() >= kMeaningfulBudget) {
      if (ticket) watchdog_.release(ticket);
      ticket = 0;
      connection.reset();
      failure.reset();
      delivered = false;
      continue;
    }
    break;
  }
  if (ticket) watchdog_.release(ticket);
  if (failure) failure->delivered = delivered;
  std::lock_guard<std::mutex> lock(peer.mutex);
  if (!probe) --peer.inFlight;
  if (!failure || !sent) {
    // Answered, or never sent: the connection is intact.
    if (connection && connection->client) {
      if (sent) connection->lastUsed = Clock::now();
      // As many kept as calls may be in flight: a busy peer is not handshaken with again and again.
      if (peer.idle.size() < static_cast<std::size_t>(config_.federation.maxCallsPerPeer))
        peer.idle.push_back(std::move(connection));
    }
  }
  if (!failure) {
    if (peer.failures > 0 || peer.status != "ok") log::info("node " + node + " answers again");
    peer.failures = 0;
    peer.openUntil = {};
    if (peer.status != "incompatible") peer.status = "ok";
    // Back, but its catalog is not known yet: fetch it now rather than at the next probe.
    if (!probe && !peer.catalog) scheduleProbeLocked(peer);
  } else if (sent && budget >= kMeaningfulBudget &&
             (failure->status == "unavailable" || failure->status == "timeout")) {
    // The connection may hold half a message: never reused. Repeated failures open the circuit.
    if (peer.status == "ok") log::warn("node " + node + " did not answer: " + failure->message);
    if (peer.status != "incompatible") peer.status = "unreachable";
    if (++peer.failures >= kFailuresToOpen) {
      const auto backoff = std::min<std::chrono::milliseconds>(
          kMaxOpen, std::chrono::milliseconds(500 << std::min(peer.failures - kFailuresToOpen, 6)));
      peer.openUntil = Clock::now() + backoff;
      if (peer.failures == kFailuresToOpen)
        log::warn("node " + node + " failed " + std::to_string(peer.failures) +
                  " times in a row; its municipalities answer 'unavailable' at once until a probe reaches it");
    }
    peer.lastError = failure->message;
  }
  metrics_.peerCall(node, method, failure ? failure->status : "ok");
  return failure;
}

void Federation::scheduleProbe(Peer& peer) {
  std::lock_guard<std::mutex> lock(peer.mutex);
  scheduleProbeLocked(peer);
}

void Federation::scheduleProbeLocked(Peer& peer) {
  if (peer.probing) return;
  peer.probing = true;
  submit([this, p = &peer] { probe(*p); });
}

void Federation::probe(Peer& peer) {
  const auto deadline = Clock::now() + std::chrono::milliseconds(
                                           std::min<std::int64_t>(2000, config_.federation.probeIntervalMs));
  const auto& constants = wire::g_regfed_constants;
  wire::Pong pong;
  wire::Catalog catalog;
  bool compatible = true;
  auto failure = invoke(
      peer, "ping", deadline,
      [&](wire::RegfedNodeClient& client) {
        client.ping(pong, constants.CONTRACT_VERSION);
        compatible = pong.min_contract_version <= constants.CONTRACT_VERSION &&
                     pong.contract_version >= constants.MIN_CONTRACT_VERSION;
        if (compatible) client.catalog(catalog, std::min(constants.CONTRACT_VERSION, pong.contract_version));
      },
      true);
  std::lock_guard<std::mutex> lock(peer.mutex);
  peer.probing = false;
  if (!failure && pong.node != peer.config.node) {
    compatible = false;
    pong.contract_version = -1;
  }
  if (failure) {
    peer.lastError = failure->message;
    if (peer.status != "unreachable") log::warn("probe of node " + peer.config.node + " failed: " + failure->message);
    peer.status = failure->code == "peer_version" ? "incompatible" : "unreachable";
  } else if (!compatible) {
    peer.lastError = "it speaks contract versions " + std::to_string(pong.min_contract_version) + " to " +
                     std::to_string(pong.contract_version) + ", this node " +
                     std::to_string(constants.MIN_CONTRACT_VERSION) + " to " +
                     std::to_string(constants.CONTRACT_VERSION);
    if (peer.status != "incompatible") log::error("node " + peer.config.node + " is incompatible: " + peer.lastError);
    peer.status = "incompatible";
  } else {
    peer.status = "ok";
    peer.contractVersion = pong.contract_version;
    peer.lastError.clear();
    // A peer may report only the municipalities it hosts (its certificate says nothing about others).
    std::vector<wire::RegisterInfo> kept;
    for (auto& r : catalog.registers)
      if (nodeOf(r.ags) == peer.config.node) kept.push_back(std::move(r));
    catalog.registers = std::move(kept);
    peer.catalog = std::move(catalog);
  }
  metrics_.setPeerUp(peer.config.node, peer.status == "ok");
}

namespace {

// A peer's result the home node can pass on: a known status; when ok, no more rows than asked for, each as
// wide as the field list, the id field first and otherwise only fields that were asked for.
bool plausible(const wire::MunicipalityResult& got, std::int64_t limit,
               const std::optional<std::vector<std::string>>& asked) {
  static const std::vector<std::string> known = {"ok", "denied", "unavailable", "timeout", "error"};
  if (std::find(known.begin(), known.end(), got.status) == known.end()) return false;
  if (got.status != "ok") return true;
  if (got.fields.empty() || static_cast<std::int64_t>(got.rows.size()) > limit) return false;
  for (std::size_t i = 1; asked && i < got.fields.size(); ++i)
    if (std::find(asked->begin(), asked->end(), got.fields[i]) == asked->end()) return false;
  for (const auto& row : got.rows)
    if (row.size() != got.fields.size()) return false;
  return true;
}

}  // namespace

wire::Caller Federation::callerOf(const Principal& principal, const RequestMeta& meta, Clock::time_point deadline,
                                  int version) {
  wire::Caller c;
  c.contract_version = version;
  c.token = principal.token;
  c.request_id = meta.id;
  if (meta.correlationId) c.__set_correlation_id(*meta.correlationId);
  c.deadline_ms = remainingMs(deadline);
  return c;
}

std::function<std::vector<TargetResult>()> Federation::search(const Principal& principal,
                                                              const RequestMeta& meta,
                                                              const QueryRequest& request,
                                                              const std::vector<std::string>& municipalities,
                                                              Clock::time_point deadline) {
  // One call per peer, for all the municipalities it hosts.
  std::map<std::string, std::vector<std::string>> byPeer;
  for (const auto& ags : municipalities) byPeer[nodeOf(ags)].push_back(ags);

  struct Shared {
    std::mutex mutex;
    std::condition_variable done;
    std::map<std::string, TargetResult> results;  // by ags
    std::size_t pending = 0;
  };
  auto shared = std::make_shared<Shared>();
  shared->pending = byPeer.size();
  const std::string registerName = request.registerName;
  const std::int64_t limit = request.limit;
  const std::optional<std::vector<std::string>> fields = request.fields;
  for (auto& [node, list] : byPeer) {
    Peer* p = peer(node);
    wire::SearchRequest call = toWire(request, list, callerOf(principal, meta, deadline, versionFor(p)));
    submit([this, p, node = node, list = list, call = std::move(call), shared, deadline, registerName, limit,
            fields] {
      std::vector<TargetResult> out;
      wire::SearchResponse response;
      // A task that waited in the queue past the deadline is not sent at all.
      auto failure = invoke(*p, "search", deadline, [&](wire::RegfedNodeClient& c) {
        wire::SearchRequest sent = call;
        sent.caller.deadline_ms = remainingMs(deadline);
        c.search(response, sent);
      });
      for (const auto& ags : list) {
        TargetResult r;
        r.ags = ags;
        r.registerName = registerName;
        r.node = node;
        if (failure) {
          r.status = failure->status;
          r.code = failure->code;
          r.message = failure->message;
        } else if (response.__isset.refused) {
          // Refused by the owning node as a whole: the same decision as its own audit event (deny, or error on
          // its side).
          const RequestError e = fromWire(response.refused);
          r.status = onNodeSide(e.kind) ? "error" : "denied";
          r.code = clipped(e.code, kMaxCodeBytes);
          r.message = clipped(e.message, kMaxMessageBytes);
        } else {
          r.status = "error";
          r.code = "peer_incomplete";
          r.message = "Node " + node + " did not answer for " + ags + ".";
          for (const auto& got : response.results)
            if (got.ags == ags && got.register_name == registerName) {
              if (plausible(got, limit, fields)) {
                r = fromWire(got, node);
                r.code = clipped(r.code, kMaxCodeBytes);
                r.message = clipped(r.message, kMaxMessageBytes);
              } else {
                r = TargetResult{ags, registerName, "error", "peer_error",
                                 "Node " + node + " answered something this node cannot use.", {}, {}, false, node};
              }
            }
        }
        out.push_back(std::move(r));
      }
      std::lock_guard<std::mutex> lock(shared->mutex);
      for (auto& r : out) shared->results[r.ags] = std::move(r);
      --shared->pending;
      shared->done.notify_all();
    });
  }
  return [shared, municipalities, deadline, registerName, this] {
    std::unique_lock<std::mutex> lock(shared->mutex);
    // A little grace past the deadline for answers already on their way.
    shared->done.wait_until(lock, deadline + std::chrono::milliseconds(20), [&] { return shared->pending == 0; });
    std::vector<TargetResult> out;
    for (const auto& ags : municipalities) {
      auto it = shared->results.find(ags);
      if (it != shared->results.end()) {
        out.push_back(it->second);
        continue;
      }
      TargetResult late;
      late.ags = ags;
      late.registerName = registerName;
      late.node = nodeOf(ags);
      late.status = "timeout";
      late.code = "peer_timeout";
      late.message = "Node " + late.node + " did not answer within the request's deadline.";
      out.push_back(std::move(late));
    }
    return out;
  };
}

RecordAnswer Federation::getRecord(const Principal& principal, const RequestMeta& meta,
                                   const RecordRequest& request, Clock::time_point deadline, std::string& node) {
  node = nodeOf(request.ags);
  Peer* p = peer(node);
  wire::RecordRequest call;
  call.caller = callerOf(principal, meta, deadline, versionFor(p));
  call.ags = request.ags;
  call.register_name = request.registerName;
  call.id = request.id;
  if (request.fields) call.__set_fields(*request.fields);
  call.purpose = request.purpose;
  call.case_ref = request.caseRef;
  if (request.mandate) call.__set_mandate(*request.mandate);
  wire::RecordResponse response;
  auto failure = invoke(*p, "get_record", deadline, [&](wire::RegfedNodeClient& c) { c.get_record(response, call); });
  if (failure)
    return RecordAnswer{RequestError{Failure::Unavailable,
                                     failure->code, failure->message, {}},
                        {}, {}};
  if (response.__isset.refused) {
    RequestError e = fromWire(response.refused);
    e.code = clipped(e.code, kMaxCodeBytes);
    e.message = clipped(e.message, kMaxMessageBytes);
    return RecordAnswer{e, {}, {}};
  }
  if (response.fields.empty() || response.row.size() != response.fields.size())
    return RecordAnswer{RequestError{Failure::Unavailable, "peer_error",
                                     "Node " + node + " answered something this node cannot use.", {}},
                        {}, {}};
  RecordAnswer out;
  out.fields = response.fields;
  for (const auto& v : response.row) out.row.push_back(fromWire(v));
  out.row.resize(out.fields.size());
  return out;
}

std::string Federation::nodeOfMandate(const std::string& id) const { return nodeOf(ownerOfMandateId(id)); }

std::vector<std::string> Federation::mandatePeers() const {
  std::vector<std::string> out;
  for (const auto& p : peers_) {
    std::lock_guard<std::mutex> lock(p->mutex);
    if (p->status == "ok" && p->contractVersion >= 2) out.push_back(p->config.node);
  }
  return out;
}

int Federation::contractVersion(Peer& peer) const {
  std::lock_guard<std::mutex> lock(peer.mutex);
  return peer.contractVersion;
}

int Federation::versionFor(Peer* peer) const {
  const int ours = wire::g_regfed_constants.CONTRACT_VERSION;
  const int theirs = peer ? contractVersion(*peer) : 0;
  return theirs > 0 ? std::min(ours, theirs) : ours;
}

}  // namespace regfed::core
