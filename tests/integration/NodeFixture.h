#pragma once
// A real node process for integration tests: fresh database with two small Melderegister tables (Merseburg,
// Leuna) and a jsonl Gewerberegister (Merseburg), issuers for both municipalities (ES256 and RS256).

#include <functional>
#include <memory>
#include <string>

#include "Config.h"
#include "TestSupport.h"

namespace regfed::test {

constexpr const char* kMerseburg = "15088220";
constexpr const char* kLeuna = "15088205";
/// Open items OA-T-001 … OA-T-012 in Merseburg's procedure "online-antraege" (OA-T-900 is decided).
constexpr int kOpenItems = 12;

/// Settings that differ between suites.
struct NodeOptions {
  int signEveryEvents = 1000;  ///< audit.sign_every_events
  int signIntervalMs = 10000;  ///< audit.sign_interval_ms
  int smallAgreementDays = 4;  ///< support days per year of agreement "ZV-TEST"
  int mainAgreementDays = 10;  ///< support days per year of agreement "ZV-2026-01"
  bool tls = false;  ///< serve HTTPS with a self-signed certificate (cert.pem in the fixture folder)
  int claimIdleSeconds = 1800;  ///< procedures[0].claim_idle_s
  std::string nodeExtra;  ///< JSON members added to the "node" object, e.g. R"(, "limits": {...})"
  std::string rootExtra;  ///< JSON members added to the config's top level, e.g. R"(, "alerts": {...})"
};

/// A file of schemas/demo (the demo's register schemas and criteria), as text.
std::string schemaFile(const std::string& name);

/// Regfed-Purpose and Regfed-Case-Ref headers (and Regfed-Mandate when given) for one record.
std::map<std::string, std::string> purposeHeaders(const std::string& mandate = "");

/// A mandate body from Merseburg (owner) to Leuna (helper) for the melderegister, days relative to today.
std::string mandateBody(const std::string& helpers, const std::string& fields, int from, int until,
                        const std::string& agreement = "ZV-2026-01", const std::string& extra = "");

/// A query of Merseburg's melderegister under `mandate` with `filter` (JSON), plus extra members.
std::string mandateSearch(const std::string& mandate, const std::string& filter, const std::string& extra = "");

/// Asks until the body contains `expected` (reviews and alerts are filed after the answer), up to 10 s.
HttpResponse eventually(const std::function<HttpResponse()>& ask, const std::string& expected);

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
  /// One column (SQL expression) of the audit event of a request, as text; "" when there is no such event.
  std::string auditColumn(const std::string& requestId, const std::string& column) const;
  /// Creates a mandate with `ownerAdmin`'s token and has both sides approve it; returns its id.
  std::string approvedMandate(const std::string& ownerAdmin, const std::string& helperAdmin,
                              const std::string& body) const;
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
