#include "FederationServer.h"

#include <Poco/URI.h>
#include <RegfedNode.h>
#include <thrift/TOutput.h>
#include <thrift/TProcessor.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/server/TThreadedServer.h>

#include <set>
#include <thrift/transport/TBufferTransports.h>
#include <thrift/transport/TSSLServerSocket.h>

#include <algorithm>
#include <future>
#include <regex>

#include "RequestAudit.h"

#include "HttpApi.h"
#include "Json.h"
#include "Lists.h"
#include "Log.h"
#include "PeerTls.h"
#include "WireMapping.h"

namespace regfed::core {

namespace wire = ::regfed::wire;

namespace {

void thriftOutput(const char* message) { log::warn(std::string("federation: ") + message); }

// Frames limited like the peer sockets they run on (TFramedTransportFactory would use Thrift's defaults).
class FramedTransports : public apache::thrift::transport::TTransportFactory {
 public:
  std::shared_ptr<apache::thrift::transport::TTransport> getTransport(
      std::shared_ptr<apache::thrift::transport::TTransport> transport) override {
    return std::make_shared<apache::thrift::transport::TFramedTransport>(transport, transport->getConfiguration());
  }
};

bool isUuid(const std::string& text) {
  static const std::regex uuid("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
  return std::regex_match(text, uuid);
}

std::string encoded(const std::string& text) {
  std::string out;
  Poco::URI::encode(text, "/?#&=,+%", out);
  return out;
}

/// Answers one peer connection; knows the peer by its certificate.
class Handler : public wire::RegfedNodeIf {
 public:
  Handler(const Config& config, Metrics& metrics, TokenVerifier& tokens, QueryService& queries,
          MandateService& mandateService, MandateStore& mandates, Witnessing& witnessing, AdapterHost& host,
          regfed::audit::AuditSink& audit, ProcedureService* procedures, std::shared_ptr<PeerSocket> socket)
      : config_(config),
        metrics_(metrics),
        tokens_(tokens),
        queries_(queries),
        mandateService_(mandateService),
        mandates_(mandates),
        witnessing_(witnessing),
        host_(host),
        audit_(audit),
        procedures_(procedures),
        socket_(std::move(socket)) {}

  void ping(wire::Pong& out, const int32_t) override {
    requirePeer();
    out.node = config_.nodeId;
    out.contract_version = wire::g_regfed_constants.CONTRACT_VERSION;
    out.min_contract_version = wire::g_regfed_constants.MIN_CONTRACT_VERSION;
  }

  void catalog(wire::Catalog& out, const int32_t version) override {
    requirePeer();
    requireVersion(version);
    out.node = config_.nodeId;
    for (const auto& m : config_.municipalities) out.municipalities.push_back(m.ags);
    for (const auto& r : host_.registers()) {
      const auto& c = r->config();
      wire::RegisterInfo info;
      info.ags = c.ags;
      info.municipality = config_.municipalityName(c.ags);
      info.register_name = c.name;
      info.title = c.title;
      info.status = r->up() ? "ok" : "unavailable";
      info.id_field = c.idField;
      for (const auto& field : c.fields) {
        wire::FieldInfo fi;
        fi.name = field.name;
        fi.type = regfed::sdk::fieldTypeName(field.type);
        fi.classification = regfed::sdk::classificationName(field.classification);
        info.fields.push_back(std::move(fi));
      }
      info.operations = {"get", "search"};
      out.registers.push_back(std::move(info));
    }
    if (version >= 3 && procedures_) {
      std::vector<wire::ProcedureInfo> list;
      for (const auto& e : procedures_->host().procedures()) {
        wire::ProcedureInfo info;
        info.ags = e->config().ags;
        info.name = e->config().name;
        info.title = e->config().title;
        info.status = e->up() ? "ok" : "unavailable";
        const auto d = e->description();
        info.kinds = d.kinds;
        for (auto x : d.capabilities.decisions) info.decisions.push_back(regfed::sdk::decisionName(x));
        list.push_back(std::move(info));
      }
      out.__set_procedures(std::move(list));
    }
  }

  void item_call(wire::ItemAnswer& out, const wire::ItemCall& in) override {
    static const std::set<std::string> actions = {"list", "view", "claim", "release", "complete"};
    if (!actions.count(in.action)) refusePeer("unknown_action", "there is no step '" + clipped(in.action, 40) + "'.");
    Principal principal;
    RequestMeta meta;
    if (!admit(in.caller, "item_" + in.action, out, principal, meta)) return;
    ItemCall call;
    call.ags = in.ags;
    call.procedure = in.procedure;
    if (in.__isset.item_id) call.itemId = in.item_id;
    if (in.__isset.mandate) call.mandate = in.mandate;
    if (in.__isset.status) call.status = in.status;
    if (in.__isset.after) call.after = in.after;
    if (in.__isset.limit) call.limit = in.limit;
    if (in.__isset.body) call.body = in.body;
    // A peer asks only for this node's own procedures, on a person's behalf; nothing is forwarded further.
    const Answer answer = procedures_ ? procedures_->perform(in.action, principal, meta, call)
                         : Answer::refused(RequestError{Failure::NotFound, "procedure_not_found",
                                                        "Node " + config_.nodeId + " serves no procedures.", {}});
    if (answer.error)
      out.__set_refused(toWire(*answer.error));
    else
      out.__set_payload(answer.payload);
  }

  void search(wire::SearchResponse& out, const wire::SearchRequest& request) override {
    Principal principal;
    RequestMeta meta;
    if (!admit(request.caller, "search", out, principal, meta)) return;
    QueryRequest parsed;
    try {
      parseQuery(queryBody(request), parsed);
    } catch (const RequestError& e) {
      out.__set_refused(toWire(*queries_.refuse(principal, meta, parsed, e).error));
      return;
    }
    SearchAnswer answer = queries_.search(principal, meta, std::move(parsed));
    if (answer.refused) {
      out.__set_refused(toWire(*answer.refused));
      return;
    }
    for (const auto& r : answer.results) out.results.push_back(toWire(r));
  }

  void get_record(wire::RecordResponse& out, const wire::RecordRequest& request) override {
    Principal principal;
    RequestMeta meta;
    if (!admit(request.caller, "get", out, principal, meta)) return;
    // Read exactly as an HTTP request for the record would be: the same checks, nothing taken on trust.
    std::string query;
    if (request.__isset.fields) query = "fields=" + encoded(joined(request.fields, ","));
    RecordRequest r = readRecordRequest(
        encoded(request.ags), encoded(request.register_name), encoded(request.id), query,
        [&](const std::string& name) -> std::optional<std::string> {
          if (name == "Regfed-Purpose") return encoded(request.purpose);
          if (name == "Regfed-Case-Ref") return request.case_ref;
          if (name == "Regfed-Mandate" && request.__isset.mandate) return request.mandate;
          return std::nullopt;
        });
    const std::int64_t left = request.caller.deadline_ms;
    RecordAnswer answer = queries_.fetch(principal, meta, r, left - std::min<std::int64_t>(kReturnMarginMs, left / 5));
    if (answer.refused) {
      out.__set_refused(toWire(*answer.refused));
      return;
    }
    out.__set_fields(answer.fields);
    std::vector<wire::Value> row;
    for (const auto& v : answer.row) row.push_back(toWire(v));
    out.__set_row(std::move(row));
  }

  void mandates(std::vector<wire::MandateInfo>& out, const int32_t version) override {
    const PeerConfig& peer = requirePeer();
    requireVersion(version);
    for (const Mandate& m : mandates_.all())
      if (m.ownerNode.empty() && hosts(peer, m.helperAgs)) out.push_back(toWire(m));
  }

  void change_mandate(wire::MandateAnswer& out, const wire::MandateChange& change) override {
    Principal principal;
    RequestMeta meta;
    if (!admit(change.caller, "mandate_activate", out, principal, meta)) return;
    const PeerConfig& peer = requirePeer();
    Answer answer;
    if (change.action == "activate") {
      JsonWriter body;
      body.beginObject().key("reason").value(change.__isset.reason ? change.reason : "").endObject();
      answer = mandateService_.activate(principal, meta, change.mandate, body.str());
    } else {
      answer = mandateService_.refuse(principal, meta, "mandate_change",
                                      RequestError{Failure::Invalid, "unknown_action",
                                                   "A node forwards activations only; approvals and revocations of "
                                                   "the helper side are decisions of its node (decide_mandate).",
                                                   {}},
                                      change.mandate);
    }
    mandateAnswer(peer, out, answer, change.mandate);
  }

  void decide_mandate(wire::MandateAnswer& out, const wire::MandateDecision& decision) override {
    const PeerConfig& peer = requirePeer();
    requireVersion(decision.contract_version);
    if (!isUuid(decision.request_id)) refusePeer("invalid_request_id", "the request id must be a UUID.");
    // The helper's node verified its admin's token, checked four eyes and its quota, and logged the decision; it
    // may speak only for the municipalities it hosts, and only for their side of a mandate (checked below).
    if (!hosts(peer, decision.by_ags))
      refusePeer("not_hosted_by_peer", "node " + peer.node + " does not host municipality " + decision.by_ags +
                                           ", so it cannot decide on its behalf.");
    if (decision.by.empty() || decision.by.size() > 200 ||
        std::any_of(decision.by.begin(), decision.by.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; }))
      refusePeer("invalid_user", "the deciding admin's user id is empty, too long or has control characters.");
    Principal principal;
    principal.id = decision.by;
    principal.ags = decision.by_ags;
    principal.roles = {"admin"};
    RequestMeta meta;
    meta.id = decision.request_id;
    meta.viaPeer = peer.node;
    const auto notAfter = DeadlineClock::now() + std::chrono::milliseconds(std::max<std::int64_t>(
                                                     0, decision.deadline_ms - kReturnMarginMs));
    Answer answer;
    if (decision.action == "approve" || decision.action == "revoke")
      answer = mandateService_.decideForHelper(principal, meta, decision.mandate, decision.action, notAfter);
    else
      refusePeer("unknown_action", "a helper side decides approve or revoke.");
    mandateAnswer(peer, out, answer, decision.mandate);
  }

  void cosign(wire::CosignAnswer& out, const wire::CosignRequest& request) override {
    const PeerConfig& peer = requirePeer();
    requireVersion(request.contract_version);
    if (request.consistency_proof.size() > 64 || request.head_public_key.size() > 4096 ||
        request.head_signature.size() > 256 || request.head_time.size() > 64 || request.head_key_id.size() > 64)
      refusePeer("malformed_head", "the tree head or its proof is out of bounds.");
    CosignInput in;
    try {
      in.oldSize = request.old_size;
      for (const auto& h : request.consistency_proof) in.proof.push_back(hashFromWire(h));
      in.head.node = peer.node;  // a node shows its own log only
      in.head.size = request.size;
      in.head.root = hashFromWire(request.root);
    } catch (const RequestError& e) {
      refusePeer("malformed_head", e.message);
    }
    in.head.time = request.head_time;
    in.head.keyId = request.head_key_id;
    in.head.signature = request.head_signature;
    in.headPublicKeyPem = request.head_public_key;
    CosignOutcome outcome = witnessing_.cosign(peer.node, in);
    out.__set_witnessed_size(outcome.witnessedSize);
    if (outcome.refused) out.__set_refused(toWire(*outcome.refused));
    if (outcome.cosignature) out.__set_cosignature(toWire(*outcome.cosignature));
  }

  void witnessed_head(wire::WitnessedHeadInfo& out, const int32_t version) override {
    const PeerConfig& peer = requirePeer();
    requireVersion(version);
    try {
      WitnessedView view = witnessing_.witnessed(peer.node);
      out.size = view.size;
      out.root.assign(view.root.begin(), view.root.end());
      if (view.cosignature) out.__set_cosignature(toWire(*view.cosignature));
    } catch (const std::exception& e) {
      wire::PeerRefused refused;
      refused.code = "database_unavailable";
      refused.message = std::string("the witness state cannot be read: ") + e.what();
      throw refused;
    }
  }

 private:
  static bool hosts(const PeerConfig& peer, const std::string& ags) {
    for (const auto& m : peer.municipalities)
      if (m.ags == ags) return true;
    return false;
  }

  // The answer, and the mandate as it stands now — only to the node hosting its helper municipality.
  void mandateAnswer(const PeerConfig& peer, wire::MandateAnswer& out, const Answer& answer, const std::string& id) {
    if (answer.error)
      out.__set_refused(toWire(*answer.error));
    else
      out.__set_payload(answer.payload);
    if (auto m = mandates_.find(id); m && m->ownerNode.empty() && hosts(peer, m->helperAgs))
      out.__set_mandate(toWire(*m));
  }

  // A data call goes on only from a configured peer, in a contract version this node speaks, for a person whose
  // token this node verified and whom the peer may speak for; otherwise it throws or sets `out.refused`.
  template <class Response>
  bool admit(const wire::Caller& caller, const std::string& action, Response& out, Principal& principal,
             RequestMeta& meta) {
    const PeerConfig& peer = requirePeer();
    requireVersion(caller.contract_version);
    if (auto refused = authenticate(peer, caller, principal, meta, action)) {
      out.__set_refused(*refused);
      return false;
    }
    return true;
  }

  [[noreturn]] void refusePeer(const std::string& code, const std::string& message) {
    metrics_.peerRefused(code);
    log::warn("federation: refused a call from " + socket_->getPeerAddress() + " (node \"" + socket_->peerNode() +
              "\"): " + message);
    wire::PeerRefused e;
    e.code = code;
    e.message = message;
    throw e;
  }

  // A node answers only the peers its config names, by the node id their certificate carries.
  const PeerConfig& requirePeer() {
    for (const auto& p : config_.federation.peers)
      if (p.node == socket_->peerNode()) return p;
    refusePeer("unknown_peer", "node \"" + socket_->peerNode() + "\" is not a peer of node " + config_.nodeId + ".");
  }

  void requireVersion(int32_t version) {
    const auto& k = wire::g_regfed_constants;
    if (version >= k.MIN_CONTRACT_VERSION && version <= k.CONTRACT_VERSION) return;
    metrics_.peerRefused("version_mismatch");
    wire::VersionMismatch e;
    e.min_contract_version = k.MIN_CONTRACT_VERSION;
    e.contract_version = k.CONTRACT_VERSION;
    e.message = "node " + config_.nodeId + " speaks contract versions " + std::to_string(k.MIN_CONTRACT_VERSION) +
                " to " + std::to_string(k.CONTRACT_VERSION) + ", not " + std::to_string(version) + ".";
    throw e;
  }

  // The person's own token, verified here; the peer may speak only for persons of municipalities it hosts.
  std::optional<wire::Problem> authenticate(const PeerConfig& peer, const wire::Caller& caller, Principal& principal,
                                            RequestMeta& meta, const std::string& action) {
    // The home node's request id is logged here too (one id across nodes); it must be one a node makes.
    if (!isUuid(caller.request_id)) refusePeer("invalid_request_id", "the request id must be a UUID.");
    try {
      principal = tokens_.verify(caller.token);
    } catch (const AuthError& e) {
      metrics_.peerRefused(e.code());
      return toWire(RequestError{Failure::Unauthenticated, e.code(), e.what(), {}});
    }
    meta.id = caller.request_id;
    if (caller.__isset.correlation_id) meta.correlationId = acceptableCorrelationId(caller.correlation_id);
    meta.viaPeer = peer.node;
    bool hosted = false;
    for (const auto& m : peer.municipalities) hosted = hosted || m.ags == principal.ags;
    if (!hosted) {
      // A verified person, asked for by a node that may not speak for them: the owner's DPO sees it.
      const std::string message = "node " + peer.node + " does not host municipality " + principal.ags +
                                  ", so it cannot ask on behalf of " + principal.id + ".";
      auditedRefusal(config_, audit_, principal, meta, action, "",
                     RequestError{Failure::Forbidden, "not_hosted_by_peer", message, {}});
      refusePeer("not_hosted_by_peer", message);
    }
    return std::nullopt;
  }

  const Config& config_;
  Metrics& metrics_;
  TokenVerifier& tokens_;
  QueryService& queries_;
  MandateService& mandateService_;
  MandateStore& mandates_;
  Witnessing& witnessing_;
  AdapterHost& host_;
  regfed::audit::AuditSink& audit_;
  ProcedureService* procedures_;
  std::shared_ptr<PeerSocket> socket_;
};

class HandlerFactory : public apache::thrift::TProcessorFactory {
 public:
  explicit HandlerFactory(std::function<std::shared_ptr<Handler>(std::shared_ptr<PeerSocket>)> make)
      : make_(std::move(make)) {}
  std::shared_ptr<apache::thrift::TProcessor> getProcessor(const apache::thrift::TConnectionInfo& info) override {
    return std::make_shared<wire::RegfedNodeProcessor>(make_(std::dynamic_pointer_cast<PeerSocket>(info.transport)));
  }

 private:
  std::function<std::shared_ptr<Handler>(std::shared_ptr<PeerSocket>)> make_;
};

}  // namespace

FederationServer::FederationServer(const Config& config, Metrics& metrics, TokenVerifier& tokens,
                                   QueryService& queries, MandateService& mandateService, MandateStore& mandates,
                                   Witnessing& witnessing, AdapterHost& host, regfed::audit::AuditSink& audit)
    : config_(config),
      metrics_(metrics),
      tokens_(tokens),
      queries_(queries),
      mandateService_(mandateService),
      mandates_(mandates),
      witnessing_(witnessing),
      host_(host),
      audit_(audit) {}

FederationServer::~FederationServer() { stop(); }

void FederationServer::start() {
  using namespace apache::thrift;
  GlobalOutput.setOutputFunction(thriftOutput);
  const FederationConfig& f = config_.federation;
  sockets_ = std::make_shared<PeerSocketFactory>(f, true);
  auto listener = std::make_shared<transport::TSSLServerSocket>(f.listenHost, f.listenPort, sockets_);
  // Idle or stalled peers (and anyone stuck in the TLS handshake) lose their connection after this long.
  listener->setRecvTimeout(static_cast<int>(f.idleTimeoutMs));
  listener->setSendTimeout(10000);
  auto bound = std::make_shared<std::promise<void>>();
  listener->setListenCallback([bound](THRIFT_SOCKET) {
    try {
      bound->set_value();
    } catch (const std::future_error&) {
    }
  });
  server_ = std::make_shared<server::TThreadedServer>(
      std::make_shared<HandlerFactory>([this](std::shared_ptr<PeerSocket> socket) {
        return std::make_shared<Handler>(config_, metrics_, tokens_, queries_, mandateService_, mandates_,
                                         witnessing_, host_, audit_, procedures_, std::move(socket));
      }),
      listener, std::make_shared<FramedTransports>(),
      std::make_shared<protocol::TBinaryProtocolFactory>(kMaxPeerRequestBytes, kMaxPeerContainerItems, false, true));
  server_->setConcurrentClientLimit(f.maxConnections);
  thread_ = std::thread([this, bound] {
    try {
      server_->serve();
    } catch (const std::exception& e) {
      try {
        bound->set_exception(std::current_exception());
      } catch (const std::future_error&) {
        log::error(std::string("federation server stopped: ") + e.what());
      }
    }
  });
  auto ready = bound->get_future();
  if (ready.wait_for(std::chrono::seconds(10)) != std::future_status::ready)
    throw std::runtime_error("federation: could not listen on " + f.listenHost + ":" + std::to_string(f.listenPort));
  try {
    ready.get();
  } catch (const std::exception& e) {
    thread_.join();
    server_.reset();
    throw std::runtime_error("federation: cannot listen on " + f.listenHost + ":" + std::to_string(f.listenPort) +
                             ": " + e.what());
  }
  log::info("node " + config_.nodeId + " answers its " + std::to_string(f.peers.size()) + " peer(s) on " +
            f.listenHost + ":" + std::to_string(f.listenPort) + " (Thrift, mutual TLS)");
}

void FederationServer::stop() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
  server_.reset();
}

}  // namespace regfed::core
