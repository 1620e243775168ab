#pragma once
// Node configuration: loaded from JSON, checked completely (every problem with its key path), paths resolved
// against the config file's folder.

#include <Poco/Net/IPAddress.h>
#include <regfed/sdk/Types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace regfed::core {

/// A municipality hosted by this node.
struct MunicipalityConfig {
  std::string ags;   ///< 8-digit Amtlicher Gemeindeschlüssel.
  std::string name;  ///< e.g. "Stadt Merseburg".
};

/// A trusted token issuer.
struct IssuerConfig {
  std::string iss;                          ///< `iss` claim value.
  std::vector<std::string> municipalities;  ///< AGS this issuer may speak for.
  std::string algorithm;                    ///< "ES256" or "RS256" (with publicKey).
  std::string publicKey;                    ///< PEM file (absolute path); or:
  std::string jwks;                         ///< JWKS file with the issuer's keys (absolute path).
  std::string privateKey;                   ///< PEM file for `regfed token`; empty in production.
  std::string audience;  ///< The `aud` value tokens for regfed carry (identity providers serve many apps).
  std::string
      tokenType;  ///< When set: the token's `typ` (claim, else JOSE header) must equal it, e.g. Bearer.
  std::vector<std::string> authorizedParties;  ///< When set: the token's `azp` must be one of them.
};

/// An address range, e.g. 10.0.0.0/8 or ::1.
struct NetworkRange {
  Poco::Net::IPAddress address;  ///< Network address.
  unsigned prefix = 0;           ///< Prefix length in bits.
  /// True when `host` lies in the range.
  bool contains(const Poco::Net::IPAddress& host) const;
};

/// Parses "address" or "address/prefix"; nullopt when it is neither.
std::optional<NetworkRange> parseNetworkRange(const std::string& text);

/// What the HTTP server allows one client, bounded so that nobody can starve the node.
struct HttpLimits {
  int connectionsPerClient = 32;  ///< Open connections per client address (default: half of max_threads).
  int maxQueued = 64;             ///< Accepted connections waiting for a worker thread; more are closed.
  std::int64_t headerTimeoutMs = 5000;  ///< From connect (or the previous response) to a complete header.
  std::int64_t bodyTimeoutMs = 10000;   ///< To read a whole request body.
  std::int64_t idleTimeoutMs = 5000;  ///< Keep-alive: how long an idle connection waits for the next request.
};

/// One register served by an adapter.
struct RegisterConfig {
  std::string ags;                             ///< Owning municipality.
  std::string name;                            ///< e.g. "melderegister".
  std::string title;                           ///< e.g. "Melderegister".
  std::string adapter;                         ///< Adapter kind, e.g. "sql".
  std::string idField;                         ///< Field identifying a record.
  std::vector<regfed::sdk::FieldSpec> fields;  ///< Schema with classifications.
  std::vector<regfed::sdk::Option> options;    ///< Adapter options.
  std::int64_t timeoutMs = 3000;               ///< Default time budget per call.
  std::vector<std::string>
      blockFields;  ///< Boolean fields that block disclosure outside the owner (§51/§52 BMG).
  std::vector<std::vector<std::string>>
      searchCriteria;                       ///< Acceptable criteria sets for outside searches (§38 BMG).
  std::vector<std::string> phoneticFields;  ///< Name fields where a phonetic condition counts as a criterion.
};

/// A cooperation agreement (Zweckvereinbarung) that mandates rest on.
struct AgreementConfig {
  std::string id;                        ///< e.g. "ZV-2026-01".
  std::string title;                     ///< Plain name.
  std::int64_t supportDaysPerYear = 10;  ///< Yearly support days per providing municipality.
};

/// A procedure (Fachverfahren with work items, e.g. online applications) a mandate may name, served by a
/// procedure adapter.
struct ProcedureConfig {
  std::string ags;                           ///< Owning municipality.
  std::string name;                          ///< e.g. "online-antraege".
  std::string title;                         ///< Plain name.
  std::string adapter;                       ///< Procedure adapter kind, e.g. "antraege".
  std::vector<regfed::sdk::Option> options;  ///< Adapter options.
  std::int64_t timeoutMs = 3000;             ///< Time budget per adapter call.
  std::int64_t claimIdleSeconds = 1800;      ///< A claim nobody worked under for this long lapses.
};

/// Audit trail settings.
struct AuditConfig {
  std::string dsn;         ///< Node role: INSERT and SELECT on audit rows only.
  std::string ownerDsn;    ///< Schema owner, for migrations; empty: migrations are run elsewhere.
  std::string nodeRole;    ///< Role granted INSERT and SELECT by the migrations.
  std::string signingKey;  ///< PEM EC P-256 private key (absolute path), outside the database.
  std::string verifyKey;   ///< PEM public key for `audit verify` without the private key (optional).
  std::string headLog;     ///< File with a copy of every signed tree head (default: signing key + ".heads").
  /// Ed25519 key this node cosigns its peers' tree heads with (default: signing key + ".witness"; created
  /// when missing).
  std::string witnessKey;
  std::int64_t batchMaxEvents = 1024;
  std::int64_t signEveryEvents = 1000;
  std::int64_t signIntervalMs = 10000;
  std::int64_t commitTimeoutMs = 5000;
  std::string auditorRole = "regfed_auditor";  ///< Read-only role the migrations grant SELECT (if it exists).
  std::string prunerRole = "regfed_pruner";  ///< Retention role the migrations grant pruning (if it exists).
};

/// When the node raises alerts for its DPOs from its own audit log: thresholds per person and window.
struct AlertConfig {
  std::int64_t windowSeconds = 600;  ///< The sliding window counted.
  std::int64_t denials = 20;         ///< Denied requests of one person on one municipality's data.
  std::int64_t outsideMandate = 5;   ///< Attempts outside a mandate (days, fields, registers, unknown ids).
  std::int64_t volume = 1000;        ///< Allowed data requests of one person on one municipality's data.
  std::int64_t sweepIntervalMs = 30000;  ///< How often the log is looked at.
};

/// How long the audit log keeps events' payload and the node keeps closed oversight records, in months per
/// category (`regfed audit prune`). The law's minimums are checked when the config is loaded.
struct RetentionConfig {
  std::int64_t registerAccessMonths = 12;  ///< Register retrievals, §40 BMG: at least 12 months.
  std::int64_t idnrTransfersMonths = 24;   ///< Transfers using the federal ID number, §9 IDNrG: 2 years.
  std::vector<std::string> idnrFields = {
      "idnr"};                               ///< Fields whose disclosure makes an event an IdNr transfer.
  std::int64_t auditReviewMonths = 24;       ///< DPO reads, alert and review changes.
  std::int64_t mandatesMonths = 36;          ///< Mandate changes and sync (the yearly report needs them).
  std::int64_t alertsMonths = 24;            ///< Closed alerts (regfed.alerts).
  std::int64_t reviewsMonths = 24;           ///< Closed manual-processing reviews (regfed.reviews).
  std::int64_t emergencyWindowsMonths = 24;  ///< Emergency activations (regfed.emergency_activations).
};

/// Another node of the federation and the municipalities it hosts (it may speak only for these).
struct PeerConfig {
  std::string node;  ///< Node id: the common name (CN) of the peer's certificate.
  std::string host;  ///< Federation address of the peer.
  int port = 0;
  std::vector<MunicipalityConfig> municipalities;
};

/// Node-to-node calls: Thrift over TLS 1.2+ with mutual authentication against the federation's CA.
struct FederationConfig {
  std::string listenHost;  ///< Empty: this node takes part in no federation.
  int listenPort = 0;
  std::string ca;           ///< PEM file of the federation's CA (absolute path).
  std::string certificate;  ///< This node's certificate (CN = node id), PEM.
  std::string privateKey;   ///< Its private key, PEM.
  std::vector<PeerConfig> peers;
  int maxConnections = 64;                 ///< Peer connections served at once.
  int maxCallsPerPeer = 16;                ///< Calls in flight to one peer; more get `unavailable` at once.
  std::int64_t probeIntervalMs = 5000;     ///< How often peers are pinged and their catalogs fetched.
  std::int64_t idleTimeoutMs = 60000;      ///< A served connection idle this long is closed.
  std::int64_t witnessIntervalMs = 60000;  ///< How often the newest signed tree head is shown to the peers.

  bool enabled() const { return !listenHost.empty(); }
};

/// The whole configuration of a node.
struct Config {
  std::string file;  ///< Absolute path of the config file.
  std::string nodeId;
  std::string listenHost = "127.0.0.1";
  int listenPort = 8080;
  int maxThreads = 64;
  std::string tlsCertificate;   ///< PEM certificate (chain) for HTTPS; empty: plain HTTP.
  std::string tlsPrivateKey;    ///< PEM private key of the certificate.
  std::string tlsTerminatedBy;  ///< Plain HTTP beyond loopback: the TLS-terminating proxy in front (logged).
  HttpLimits limits;            ///< Connection and read limits.
  std::vector<NetworkRange> metricsClients;  ///< Who may read /metrics (default: loopback only).
  std::map<std::string, std::string>
      databaseHostsWithoutTls;  ///< Database hosts reached without TLS on purpose, with the reason (logged).
  std::vector<MunicipalityConfig> municipalities;
  std::string pluginDir;  ///< Absolute path.
  /// The web pages' folder (web/: dpo/, helfer/), served under /dpo/ and /helfer/; default: the source
  /// tree's.
  std::string webDir = REGFED_DEFAULT_WEB_DIR;
  AuditConfig audit;
  std::vector<IssuerConfig> issuers;
  std::vector<RegisterConfig> registers;
  std::vector<AgreementConfig> agreements;
  std::vector<ProcedureConfig> procedures;
  std::int64_t emergencyWindowMinutes = 240;  ///< How long emergency access lasts from first use.
  FederationConfig federation;
  AlertConfig alerts;
  RetentionConfig retention;

  /// The peer hosting `ags`, or nullptr (hosted here, or unknown).
  const PeerConfig* peerHosting(const std::string& ags) const;

  /// Name of a hosted municipality, or empty.
  std::string municipalityName(const std::string& ags) const;
  /// Name of a municipality hosted here or by a peer, or empty.
  std::string federationMunicipalityName(const std::string& ags) const;
};

/// Result of loading: a config and every problem found ("key.path: sentence").
struct ConfigLoad {
  Config config;                      ///< Valid only when problems is empty.
  std::vector<std::string> problems;  ///< Empty when the config is usable.
};

/// Reads and checks a config file. Does not load plugins or touch the database.
ConfigLoad loadConfig(const std::string& path);

/// The config text with every `//` comment (outside strings, to the end of its line) blanked out: config
/// files may explain themselves, as the sample in /etc/regfed does.
std::string withoutComments(const std::string& text);

/// Checks config text as if read from `path` (relative paths resolve against its folder). Lines may end in
/// `//` comments.
ConfigLoad loadConfigText(const std::string& text, const std::string& path);

/// Database hosts of a libpq connection string that are reached over the network without a verified TLS
/// connection (sslmode verify-ca or verify-full), with what the string leaves open taken from PGHOST,
/// PGHOSTADDR and PGSSLMODE as libpq would. Unix sockets and loopback are local. Empty when all is well;
/// {"(unparsable)"} when libpq cannot parse it, {"(service)"} when it names a pg_service.conf service.
std::vector<std::string> unprotectedDatabaseHosts(const std::string& dsn);

/// True for an 8-digit AGS.
bool isAgs(const std::string& text);

}  // namespace regfed::core
