#pragma once
// The owning node's side of the federation: serves the node-to-node contract to configured peers over Thrift on
// mutually authenticated TLS. A peer is known by its certificate and may speak only for the municipalities the
// config says it hosts; the person's own token is verified here against this node's trust list, and this node's
// own policy, mandates and audit decide and record everything, exactly as for its own clients.

#include <memory>
#include <thread>

#include <regfed/audit/AuditSink.h>

#include "AdapterHost.h"
#include "Config.h"
#include "MandateService.h"
#include "ProcedureService.h"
#include "MandateStore.h"
#include "Metrics.h"
#include "PeerTls.h"
#include "QueryService.h"
#include "TokenVerifier.h"
#include "Witnessing.h"

namespace apache::thrift::server {
class TThreadedServer;
}

namespace regfed::core {

/// The Thrift server of a node.
class FederationServer {
 public:
  FederationServer(const Config& config, Metrics& metrics, TokenVerifier& tokens, QueryService& queries,
                   MandateService& mandateService, MandateStore& mandates, Witnessing& witnessing,
                   AdapterHost& host, regfed::audit::AuditSink& audit);
  ~FederationServer();

  /// Serves the steps of helpers of other municipalities on this node's procedures (set before start()).
  void serveProcedures(ProcedureService& procedures) { procedures_ = &procedures; }

  /// Binds the federation port and serves on a thread of its own; throws std::runtime_error on failure.
  void start();
  /// Stops accepting and ends the connections.
  void stop();

 private:
  const Config& config_;
  Metrics& metrics_;
  TokenVerifier& tokens_;
  QueryService& queries_;
  MandateService& mandateService_;
  MandateStore& mandates_;
  Witnessing& witnessing_;
  AdapterHost& host_;
  regfed::audit::AuditSink& audit_;
  ProcedureService* procedures_ = nullptr;
  std::shared_ptr<PeerSocketFactory> sockets_;  // outlives every socket it made (they use its watchdog)
  std::shared_ptr<apache::thrift::server::TThreadedServer> server_;
  std::thread thread_;
};

}  // namespace regfed::core
