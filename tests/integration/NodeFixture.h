#pragma once
// A real node process for integration tests: fresh database with two small Melderegister tables (Merseburg,
// Leuna) and a jsonl Gewerberegister (Merseburg), issuers for both municipalities (ES256 and RS256).

#include <memory>
#include <string>

#include "Config.h"
#include "TestSupport.h"

namespace regfed::test {

constexpr const char* kMerseburg = "15088220";
constexpr const char* kLeuna = "15088205";

/// Settings that differ between suites.
struct NodeOptions {
  int signEveryEvents = 1000;  ///< audit.sign_every_events
  int signIntervalMs = 10000;  ///< audit.sign_interval_ms
  int smallAgreementDays = 4;  ///< support days per year of agreement "ZV-TEST"
  bool tls = false;  ///< serve HTTPS with a self-signed certificate (cert.pem in the fixture folder)
};

class NodeFixture {
 public:
  explicit NodeFixture(NodeOptions options = {});
  ~NodeFixture();

  /// A token minted by the config's issuers.
  std::string token(const std::string& user, const std::string& ags,
                    const std::vector<std::string>& roles) const;
  /// Authorization header for `token`.
  static std::map<std::string, std::string> bearer(const std::string& token);
  /// POST /v1/query with a token.
  HttpResponse query(const std::string& token, const std::string& body) const;
  /// POST with a token and a JSON body.
  HttpResponse post(const std::string& token, const std::string& path, const std::string& body = "{}") const;
  /// GET with a token and extra headers.
  HttpResponse get(const std::string& token, const std::string& path,
                   std::map<std::string, std::string> headers = {}) const;
  /// Number of audit events stored for this node.
  long long auditCount() const;
  /// Restarts the node process (same config, same database).
  void restartNode();

  TestDatabase db;
  TempDir dir;
  std::string configPath;
  regfed::core::Config config;
  std::unique_ptr<NodeProcess> node;
  std::string merPrivate, merPublic, leuPrivate, leuPublic;
};

}  // namespace regfed::test
