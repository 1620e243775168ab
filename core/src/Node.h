#pragma once
// One running regfed node: audit writer, adapters, token verification and the HTTP server, started and
// stopped in the right order.

#include <regfed/audit/AuditWriter.h>

#include <atomic>
#include <memory>
#include <string>

#include "AdapterHost.h"
#include "AuditReviewService.h"
#include "Config.h"
#include "Database.h"
#include "Federation.h"
#include "FederationServer.h"
#include "HttpApi.h"
#include "HttpServer.h"
#include "MandateService.h"
#include "MandateStore.h"
#include "Metrics.h"
#include "OversightService.h"
#include "OversightStore.h"
#include "PeriodicTask.h"
#include "ProcedureHost.h"
#include "ProcedureService.h"
#include "QueryService.h"
#include "TokenVerifier.h"
#include "Witnessing.h"

namespace regfed::core {

/// A node built from a checked configuration.
class Node : public regfed::audit::AuditWriterObserver {
 public:
  explicit Node(Config config);
  ~Node() override;

  /// Migrates, opens the audit log, loads plugins, opens registers, and starts listening. Waits up to
  /// `databaseWait` for PostgreSQL at start. Throws std::runtime_error with a plain message on failure.
  void start(std::chrono::seconds databaseWait = std::chrono::seconds(60));
  /// Stops accepting requests, finishes those in flight, flushes the audit log.
  void stop();
  /// The port actually bound (useful with port 0).
  int port() const;
  /// The base URL clients use: http:// or https://, host and bound port.
  std::string url() const;

 private:
  void batchCommitted(const std::vector<regfed::audit::AuditEvent>& events, double seconds) override;
  void writeFailed(const std::string& message) override;
  void availabilityChanged(bool available) override;
  void treeHeadSigned(std::int64_t size) override;
  // Raises the alerts the last window of the log calls for and refreshes the open-alert gauges.
  void detectAlerts();

  Config config_;
  Metrics metrics_;
  std::unique_ptr<AdapterHost> host_;
  std::unique_ptr<ProcedureHost> procedureHost_;  // after host_: destroyed before the plugins are unloaded
  std::unique_ptr<regfed::audit::AuditWriter> audit_;
  std::unique_ptr<TokenVerifier> tokens_;
  std::unique_ptr<Database> database_;
  std::unique_ptr<MandateStore> mandates_;
  std::unique_ptr<OversightStore> oversight_;
  std::unique_ptr<Federation> federation_;
  std::unique_ptr<QueryService> queries_;
  std::unique_ptr<FederationServer> federationServer_;
  std::unique_ptr<MandateService> mandateService_;
  std::unique_ptr<OversightService> oversightService_;
  std::unique_ptr<AuditReviewService> reviewService_;
  std::unique_ptr<ProcedureService> procedureService_;
  PeriodicTask claimSweep_;
  PeriodicTask alertTask_;
  PeriodicTask refresher_;
  std::unique_ptr<Witnessing> witnessing_;
  PeriodicTask witnessTask_;
  std::unique_ptr<HttpServer> server_;
  std::mutex failureMutex_;
  std::string lastFailure_;
  std::atomic<bool> wasUnavailable_{false};
};

/// The core schema's migrations (core/migrations), in order.
const std::vector<regfed::audit::Migration>& coreMigrations();

/// Migrates the audit schema and the node's own schema with the owner's role and grants the node, auditor and
/// pruner roles what they need (what a node with audit.owner_dsn does at start; also `regfed init`). Returns
/// the versions applied; throws regfed::audit::SchemaVersionError for a schema a newer regfed migrated.
std::vector<int> migrateNodeSchemas(const std::string& ownerDsn, const std::string& nodeRole,
                                    const std::string& auditorRole, const std::string& prunerRole);

/// Loads the node's signing key, creating it (mode 0600) when the file does not exist yet.
regfed::audit::TreeHeadSigner loadOrCreateSigningKey(const std::string& path);

}  // namespace regfed::core
