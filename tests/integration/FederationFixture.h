#pragma once
// A federation of real node processes on loopback, each with its own database, registers and audit log, the
// federation's CA and node certificates: "merseburg" (Merseburg), "leuna" (Leuna) and "sued" (Zeitz and
// Weißenfels, a host keeping its neighbour's hardware).

#include <memory>
#include <string>
#include <vector>

#include "Config.h"
#include "Pki.h"
#include "TestSupport.h"

namespace regfed::test {

constexpr const char* kZeitz = "15084590";
constexpr const char* kWeissenfels = "15084550";

/// One node of the test federation.
struct FederatedNode {
  std::string id;
  std::vector<std::pair<std::string, std::string>> municipalities;  ///< ags, name
  int federationPort = 0;
  std::unique_ptr<TestDatabase> db;
  std::string configPath;
  std::unique_ptr<NodeProcess> process;
};

class FederationFixture {
 public:
  FederationFixture();
  ~FederationFixture();

  /// The node with this id.
  FederatedNode& node(const std::string& id);
  /// Starts a node and waits until it and every other running node reach each other.
  void start(const std::string& id);
  void stop(const std::string& id);

  /// A token from the home issuer of `ags`.
  std::string token(const std::string& user, const std::string& ags, const std::vector<std::string>& roles) const;
  /// POST with a token to a node.
  HttpResponse post(const std::string& node, const std::string& token, const std::string& path,
                    const std::string& body = "{}");
  /// GET with a token (and extra headers) from a node.
  HttpResponse get(const std::string& node, const std::string& token, const std::string& path,
                   std::map<std::string, std::string> headers = {});
  /// One column (SQL expression) of the audit events of a request at a node, joined by '|' in seq order.
  std::string audit(const std::string& node, const std::string& requestId, const std::string& column);
  /// A mandate at `owner`'s node from municipality `ownerAgs` to Leuna's lena.wagner for the melderegister on
  /// days today+from .. today+until, approved by the owner only.
  std::string ownerApprovedMandate(const std::string& owner, const std::string& ownerAgs, int from, int until);
  /// The same for today, approved by both (Leuna's admin at Leuna's node).
  std::string approvedMandate(const std::string& owner, const std::string& ownerAgs);
  /// A config's federation section for `id` with another certificate, e.g. one that expired.
  std::string federationSection(const std::string& id, const std::string& cert, const std::string& key) const;

  TempDir dir;
  std::unique_ptr<TestCa> ca;
  std::vector<FederatedNode> nodes;
  regfed::core::Config tokenConfig;  ///< has every issuer's private key

 private:
  void awaitConnected();
  std::string configFor(const FederatedNode& n) const;
  std::string issuers() const;
};

/// A free TCP port on 127.0.0.1 (bound and released).
int freePort();

}  // namespace regfed::test
