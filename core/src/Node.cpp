#include "Node.h"

#include <Poco/File.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Path.h>
#include <regfed/audit/Migrations.h>

#include <pqxx/pqxx>
#include <thread>

#include "Log.h"

namespace regfed::core {

namespace {

// Retries `attempt` while it throws a connection error, up to `wait`; integrity errors end it at once.
template <class Attempt>
void retryDatabase(const std::string& what, std::chrono::seconds wait, Attempt attempt) {
  const auto deadline = std::chrono::steady_clock::now() + wait;
  for (int tries = 1;; ++tries) {
    try {
      attempt();
      return;
    } catch (const regfed::audit::IntegrityError&) {
      throw;
    } catch (const regfed::audit::SchemaVersionError&) {
      throw;
    } catch (const std::exception& e) {
      if (std::chrono::steady_clock::now() >= deadline)
        throw std::runtime_error(what + " failed: " + std::string(e.what()));
      if (tries == 1)
        log::warn(what + ": database not reachable yet (" + std::string(e.what()) + "); retrying");
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
  }
}

}  // namespace

regfed::audit::TreeHeadSigner loadOrCreateSigningKey(const std::string& path) {
  if (!Poco::File(path).exists()) {
    Poco::File(Poco::Path(path).parent()).createDirectories();
    regfed::audit::TreeHeadSigner::generatePrivateKeyFile(path);
    log::warn("created a new audit signing key " + path +
              "; back it up and give its public key to your data protection officer");
  }
  return regfed::audit::TreeHeadSigner::fromPrivateKeyFile(path);
}

std::vector<int> migrateNodeSchemas(const std::string& ownerDsn, const std::string& nodeRole,
                                    const std::string& auditorRole, const std::string& prunerRole) {
  std::vector<int> applied =
      regfed::audit::AuditStore::migrate(ownerDsn, nodeRole, {auditorRole, prunerRole});
  pqxx::connection owner(ownerDsn);
  const std::string role = owner.quote_name(nodeRole);
  std::vector<std::string> grants = {"GRANT USAGE ON SCHEMA regfed TO " + role,
                                     "GRANT SELECT, INSERT, UPDATE ON regfed.mandates, regfed.mandate_ids, "
                                     "regfed.reviews, regfed.alerts TO " +
                                         role,
                                     "GRANT SELECT, INSERT ON regfed.emergency_activations TO " + role,
                                     "GRANT SELECT, INSERT, UPDATE, DELETE ON regfed.claims TO " + role,
                                     "GRANT USAGE ON ALL SEQUENCES IN SCHEMA regfed TO " + role,
                                     "GRANT SELECT ON regfed.schema_migrations TO " + role};
  // The yearly report reads mandates, alerts and reviews as the auditor; retention deletes old ones.
  if (!auditorRole.empty())
    grants.push_back(regfed::audit::grantIfRoleExists(
        owner, auditorRole,
        {"GRANT USAGE ON SCHEMA regfed TO " + owner.quote_name(auditorRole),
         "GRANT SELECT ON ALL TABLES IN SCHEMA regfed TO " + owner.quote_name(auditorRole)}));
  if (!prunerRole.empty())
    grants.push_back(regfed::audit::grantIfRoleExists(
        owner, prunerRole,
        {"GRANT USAGE ON SCHEMA regfed TO " + owner.quote_name(prunerRole),
         "GRANT SELECT, DELETE ON regfed.alerts, regfed.reviews, regfed.emergency_activations TO " +
             owner.quote_name(prunerRole)}));
  for (int v : regfed::audit::applyMigrations(ownerDsn, "regfed", coreMigrations(), grants))
    applied.push_back(v);
  return applied;
}

Node::Node(Config config) : config_(std::move(config)) {}

Node::~Node() { stop(); }

void Node::start(std::chrono::seconds databaseWait) {
  const AuditConfig& a = config_.audit;
  if (!a.ownerDsn.empty())
    retryDatabase("schema migration", databaseWait, [&] {
      for (int v : migrateNodeSchemas(a.ownerDsn, a.nodeRole, a.auditorRole, a.prunerRole))
        log::info("applied migration " + std::to_string(v));
    });

  // A node never runs on a schema a newer regfed migrated (nor on one missing migrations): it refuses to
  // start.
  retryDatabase("checking the schema versions", databaseWait, [&] {
    for (const auto& [schema, migrations] :
         {std::pair<const char*, const std::vector<regfed::audit::Migration>*>{"regfed_audit",
                                                                               &regfed::audit::migrations()},
          {"regfed", &coreMigrations()}})
      if (!regfed::audit::requireKnownSchema(a.dsn, schema, *migrations))
        log::warn(
            std::string("the node's role may not read ") + schema +
            ".schema_migrations: its schema version is not checked (run the node once with audit.owner_dsn, "
            "which grants it)");
  });

  regfed::audit::AuditWriterOptions options;
  options.dsn = a.dsn;
  options.node = config_.nodeId;
  options.maxBatchEvents = static_cast<std::size_t>(a.batchMaxEvents);
  options.signEveryEvents = a.signEveryEvents;
  options.signInterval = std::chrono::milliseconds(a.signIntervalMs);
  options.commitTimeout = std::chrono::milliseconds(a.commitTimeoutMs);
  options.headLog = a.headLog;
  audit_ = std::make_unique<regfed::audit::AuditWriter>(options, loadOrCreateSigningKey(a.signingKey), this);
  retryDatabase("opening the audit log", databaseWait, [&] { audit_->start(); });
  metrics_.setAuditUp(true);
  metrics_.setSignedSize(audit_->signedSize());
  log::info("audit log of node " + config_.nodeId + " open at " + std::to_string(audit_->size()) + " events");

  host_ = std::make_unique<AdapterHost>(config_, &metrics_);
  std::vector<std::string> problems = host_->start();
  if (!problems.empty()) {
    std::string text;
    for (const auto& p : problems) text += "\n  " + p;
    throw std::runtime_error("cannot load the register adapters:" + text);
  }
  host_->startMonitor(std::chrono::seconds(5));
  procedureHost_ = std::make_unique<ProcedureHost>(config_, host_->loader(), &metrics_);
  problems = procedureHost_->start();
  if (!problems.empty()) {
    std::string text;
    for (const auto& p : problems) text += "\n  " + p;
    throw std::runtime_error("cannot load the procedure adapters:" + text);
  }
  procedureHost_->startMonitor(std::chrono::seconds(5));

  tokens_ = std::make_unique<TokenVerifier>(config_.issuers, &metrics_);
  // Mandate changes, oversight and search-before-get checks; the hot path of the owner's clerks uses none.
  database_ = std::make_unique<Database>(a.dsn, 8);
  mandates_ = std::make_unique<MandateStore>(*database_);
  oversight_ = std::make_unique<OversightStore>(*database_);
  retryDatabase("loading mandates", databaseWait, [&] { mandates_->refresh(); });
  log::info(std::to_string(mandates_->all().size()) + " support mandates loaded");
  if (config_.federation.enabled()) {
    // OpenSSL is shared with POCO and libpq: Thrift must not clean it up when its last socket factory goes.
    apache::thrift::transport::TSSLSocketFactory::setManualOpenSSLInitialization(true);
    federation_ = std::make_unique<Federation>(config_, metrics_);
    federation_->start();
  }
  queries_ = std::make_unique<QueryService>(config_, *host_, *audit_, *mandates_, *oversight_, *database_,
                                            federation_.get());
  mandateService_ = std::make_unique<MandateService>(config_, *mandates_, *audit_, federation_.get());
  oversightService_ = std::make_unique<OversightService>(config_, *oversight_, *audit_);
  reviewService_ = std::make_unique<AuditReviewService>(
      config_, *database_, *audit_,
      regfed::audit::TreeHeadSigner::fromPublicKeyPem(
          regfed::audit::TreeHeadSigner::fromPrivateKeyFile(a.signingKey).publicKeyPem()));
  procedureService_ = std::make_unique<ProcedureService>(config_, *procedureHost_, *mandates_, *database_,
                                                         *audit_, metrics_, federation_.get());
  queries_->setCaseLinks(procedureService_.get());
  // Items held under a revoked or ended mandate go back to the inbox; lapsed claims are forgotten.
  claimSweep_.start(std::chrono::seconds(5), [this] { procedureService_->sweep(); });
  // The DPOs' alerts that the log itself shows (bursts of denials, probing outside a mandate, unusual
  // volume).
  alertTask_.start(std::chrono::milliseconds(config_.alerts.sweepIntervalMs), [this] { detectAlerts(); });
  // Mandates changed through another node sharing the database reach this one within seconds; so do the
  // owning nodes' changes to mandates of this node's municipalities, and revocations they have not confirmed
  // are delivered again.
  refresher_.start(std::chrono::seconds(5), [this] {
    try {
      mandates_->refresh();
    } catch (const std::exception& e) {
      log::warn(std::string("mandate refresh failed (keeping the last known state): ") + e.what());
    }
    mandateService_->sync();
  });
  if (federation_) {
    witnessing_ = std::make_unique<Witnessing>(config_, metrics_, federation_.get());
    federationServer_ = std::make_unique<FederationServer>(
        config_, metrics_, *tokens_, *queries_, *mandateService_, *mandates_, *witnessing_, *host_, *audit_);
    federationServer_->serveProcedures(*procedureService_);
    federationServer_->start();
    // This node's newest signed head goes to its peers for cosigning at a fixed interval.
    witnessTask_.start(std::chrono::milliseconds(config_.federation.witnessIntervalMs),
                       [this] { witnessing_->exchange(); });
  }
  for (const auto& [host, reason] : config_.databaseHostsWithoutTls)
    log::warn("database host " + host + " is reached without TLS as the configuration says: " + reason);

  const Poco::Net::SocketAddress address(config_.listenHost, static_cast<Poco::UInt16>(config_.listenPort));
  Poco::Net::ServerSocket socket;
  if (!config_.tlsCertificate.empty()) {
    Poco::Net::Context::Params tls;
    tls.certificateFile = config_.tlsCertificate;
    tls.privateKeyFile = config_.tlsPrivateKey;
    tls.verificationMode = Poco::Net::Context::VERIFY_NONE;  // clients authenticate with bearer tokens
    tls.cipherList = "HIGH:!aNULL:!eNULL:!MD5:!RC4:!3DES:@STRENGTH";
    Poco::Net::Context::Ptr context = new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, tls);
    context->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
    socket = Poco::Net::SecureServerSocket(address, 256, context);
  } else {
    socket = Poco::Net::ServerSocket(address, 256);
    if (!address.host().isLoopback())
      log::warn("serving plain HTTP on " + address.toString() +
                "; node.tls_terminated_by says TLS is terminated in front of the node by: " +
                config_.tlsTerminatedBy);
  }
  server_ = std::make_unique<HttpServer>(
      config_, metrics_,
      new HttpApi(ApiContext{config_, metrics_, *tokens_, *queries_, *mandateService_, *oversightService_,
                             *reviewService_, *procedureService_, *host_, *audit_, federation_.get()}),
      socket);
  server_->start();
  log::info("node " + config_.nodeId + " listening on " + url());
}

void Node::stop() {
  if (server_) {
    // Requests in flight finish (they wait for their audit batch) before the writer stops.
    server_->stop();
    server_.reset();
  }
  // The periodic tasks call peers: they end before the federation does.
  refresher_.stop();
  claimSweep_.stop();
  witnessTask_.stop();
  alertTask_.stop();
  if (federationServer_) federationServer_->stop();
  if (federation_) federation_->stop();
  if (procedureHost_) procedureHost_->stop();
  if (host_) host_->stop();
  if (audit_) {
    audit_->stop();
    log::info("audit log closed at " + std::to_string(audit_->size()) + " events");
    audit_.reset();
  }
}

int Node::port() const { return server_ ? server_->port() : 0; }

std::string Node::url() const {
  return std::string(config_.tlsCertificate.empty() ? "http" : "https") + "://" + config_.listenHost + ":" +
         std::to_string(port());
}

void Node::batchCommitted(const std::vector<regfed::audit::AuditEvent>& events, double seconds) {
  metrics_.auditBatch(events.size(), seconds);
  // Hits withheld for an Auskunftssperre get their own reason here, so monitoring sees them (the answer and
  // the audit event's reason code stay those of an ordinary lookup; /metrics is for operators only).
  for (const auto& e : events)
    metrics_.auditEvent(e.action, e.decision, e.withheld.empty() ? e.reason : "blocked_record_withheld");
}

void Node::writeFailed(const std::string& message) {
  metrics_.auditFailure();
  // Log a repeated reconnect failure once, not twice a second (the background log check reports from its
  // own thread).
  std::lock_guard<std::mutex> lock(failureMutex_);
  if (message != lastFailure_) log::error(message);
  lastFailure_ = message;
}

void Node::availabilityChanged(bool available) {
  metrics_.setAuditUp(available);
  if (available) {
    std::lock_guard<std::mutex> lock(failureMutex_);
    lastFailure_.clear();
    if (wasUnavailable_) log::info("audit store reachable again; serving data requests");
  } else {
    wasUnavailable_ = true;
    log::error("audit store unreachable: data requests get 503 audit_unavailable until it is back");
  }
}

void Node::detectAlerts() {
  try {
    std::vector<std::string> hosted;
    for (const auto& m : config_.municipalities) hosted.push_back(m.ags);
    const AlertConfig& c = config_.alerts;
    for (const Alert& a : oversight_->detect(config_.nodeId, hosted,
                                             {c.windowSeconds, c.denials, c.outsideMandate, c.volume})) {
      metrics_.alertRaised(a.kind);
      log::warn("alert " + std::to_string(a.id) + " (" + a.kind + ") for the DPO of " + a.ownerAgs + ": " +
                a.detail);
    }
    metrics_.setUnclosedAlerts(oversight_->unclosedAlertCounts());
  } catch (const std::exception& e) {
    log::warn(std::string("alert detection failed (tried again at the next sweep): ") + e.what());
  }
}

void Node::treeHeadSigned(std::int64_t size) { metrics_.setSignedSize(size); }

}  // namespace regfed::core
