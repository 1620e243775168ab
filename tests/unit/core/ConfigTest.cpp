// `regfed config check`: every problem, each with its key path.
#include <algorithm>
#include <boost/test/unit_test.hpp>

#include "Config.h"
#include "TestSupport.h"

using namespace regfed::core;

namespace {

bool hasProblem(const ConfigLoad& load, const std::string& prefix) {
  return std::any_of(load.problems.begin(), load.problems.end(),
                     [&](const std::string& p) { return p.rfind(prefix, 0) == 0; });
}

std::string describe(const ConfigLoad& load) {
  std::string out;
  for (const auto& p : load.problems) out += "\n  " + p;
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(config)

BOOST_AUTO_TEST_CASE(a_valid_config_loads_with_resolved_paths) {
  regfed::test::TempDir dir;
  auto keys = regfed::test::writeKeyPair(dir.path(), "idp");
  const std::string file = dir.write("node.json", R"({
    "node": {"id": "n1", "listen": "127.0.0.1:0"},
    "municipalities": [{"ags": "15088220", "name": "Stadt Merseburg"}],
    "plugin_dir": ".",
    "audit": {"dsn": "dbname=x", "signing_key": "keys/audit.pem"},
    "issuers": [{"iss": "idp", "municipalities": ["15088220"], "algorithm": "ES256", "public_key": "idp.pub.pem",
                 "audience": "regfed"}],
    "registers": [{"ags": "15088220", "name": "melderegister", "adapter": "sql",
                   "options": {"table": "melde.m", "pool_size": 4},
                   "fields": [{"name": "id", "type": "string", "classification": "intern"},
                              {"name": "geburtsdatum", "type": "date", "classification": "vertraulich", "source": "gebdat"}]}]
  })");
  ConfigLoad load = loadConfig(file);
  BOOST_TEST(load.problems.empty(), describe(load));
  BOOST_TEST(load.config.nodeId == "n1");
  BOOST_TEST(load.config.listenPort == 0);
  BOOST_TEST(load.config.audit.signingKey == dir.path() + "/keys/audit.pem");
  BOOST_TEST(load.config.issuers.at(0).publicKey == keys.second);
  BOOST_TEST(load.config.registers.at(0).title == "melderegister");
  BOOST_TEST(load.config.registers.at(0).fields.at(1).source == "gebdat");
  BOOST_TEST(load.config.registers.at(0).options.size() == 2u);
}

BOOST_AUTO_TEST_CASE(comments_explain_a_config_and_strings_keep_their_slashes) {
  BOOST_TEST(withoutComments("{\"a\": 1} // one\n") == "{\"a\": 1}       \n");
  BOOST_TEST(withoutComments(R"({"url": "https://idp.example//x", "q": "say \"//\" here"})") ==
             R"({"url": "https://idp.example//x", "q": "say \"//\" here"})");
  BOOST_TEST(withoutComments("// only a comment") == std::string(17, ' '));
  BOOST_TEST(withoutComments(R"({"a": "\\"} // after an escaped backslash)").rfind(R"({"a": "\\"} )", 0) ==
             0);
  regfed::test::TempDir dir;
  regfed::test::writeKeyPair(dir.path(), "idp");
  const std::string file = dir.write("node.json", R"(// A node of the federation.
{
  // who we are
  "node": {"id": "n1", "listen": "127.0.0.1:0"},  // loopback only
  "municipalities": [{"ags": "15088220", "name": "Stadt Merseburg"}],
  "plugin_dir": ".",
  "audit": {"dsn": "dbname=x", "signing_key": "keys/audit.pem"},
  "issuers": [{"iss": "https://idp.example//merseburg", "municipalities": ["15088220"], "algorithm": "ES256",
               "public_key": "idp.pub.pem", "audience": "regfed"}],
  "registers": [{"ags": "15088220", "name": "melderegister", "adapter": "sql",  // the Melderegister
                 "options": {"table": "melde.m"},
                 "fields": [{"name": "id", "type": "string", "classification": "intern"}]}]
})");
  ConfigLoad load = loadConfig(file);
  BOOST_TEST(load.problems.empty(), describe(load));
  BOOST_TEST(load.config.issuers.at(0).iss == "https://idp.example//merseburg");
  // A comment does not hide a mistake in the same line.
  const std::string broken =
      dir.write("broken.json", "{\"node\": {\"id\": \"n1\" \"listen\": 1} // no comma\n}");
  BOOST_TEST(hasProblem(loadConfig(broken), "(file): not valid JSON"), describe(loadConfig(broken)));
}

BOOST_AUTO_TEST_CASE(reports_every_problem_with_its_key_path) {
  regfed::test::TempDir dir;
  const std::string file = dir.write("bad.json", R"({
    "node": {"id": "bad id!", "listen": "nowhere", "max_threads": 0},
    "municipalities": [{"ags": "1508822", "name": "Kurz"}, {"ags": "15088220", "name": "A"}, {"ags": "15088220", "name": "B"}],
    "plugin_dir": "does-not-exist",
    "audit": {"signing_key": "k.pem", "sign_every_events": "often"},
    "issuers": [{"iss": "idp", "municipalities": ["x"], "algorithm": "HS256", "public_key": "missing.pem"},
                {"iss": "idp2", "municipalities": ["15088220"]}],
    "registers": [{"ags": "99999999", "name": "Melde Register", "adapter": "sql", "id_field": "nr",
                   "fields": [{"name": "id", "type": "text", "classification": "geheim"},
                              {"name": "id", "type": "string", "classification": "intern"}]}],
    "typo": true
  })");
  ConfigLoad load = loadConfig(file);
  for (const char* path : {"node.id:",
                           "node.listen:",
                           "node.max_threads:",
                           "municipalities[0].ags:",
                           "municipalities[2].ags:",
                           "plugin_dir:",
                           "audit.dsn:",
                           "audit.sign_every_events:",
                           "issuers[0].algorithm:",
                           "issuers[0].public_key:",
                           "issuers[0].municipalities[0]:",
                           "issuers[1]: give exactly one of public_key (a PEM file) and jwks (a JWKS file)",
                           "issuers[0].audience: is required",
                           "issuers[1].audience: is required",
                           "registers[0].ags:",
                           "registers[0].name:",
                           "registers[0].fields[0].type:",
                           "registers[0].fields[0].classification:",
                           "registers[0].fields[1].name:",
                           "registers[0].id_field:",
                           "typo:"})
    BOOST_TEST(hasProblem(load, path), "expected a problem at " << path << describe(load));
  BOOST_TEST(hasProblem(load,
                        "registers[0].fields[0].classification: must be one of intern, vertraulich, "
                        "streng_vertraulich (got \"geheim\")"));
}

// A config that is valid but for what `edit` puts into it (JSON members spliced in as text).
ConfigLoad withNode(const std::string& node, const std::string& auditDsn = "dbname=x",
                    const std::string& extra = "", const std::string& registerOptions = "") {
  static regfed::test::TempDir dir;
  static const auto keys = regfed::test::writeKeyPair(dir.path(), "idp");
  return loadConfigText(R"({
    "node": {"id": "n1", )" +
                            node + R"(},
    "municipalities": [{"ags": "15088220", "name": "Stadt Merseburg"}],
    "plugin_dir": ".",
    "audit": {"dsn": ")" + auditDsn +
                            R"(", "signing_key": "keys/audit.pem"},
    "issuers": [{"iss": "idp", "municipalities": ["15088220"], "algorithm": "ES256", "public_key": "idp.pub.pem",
                 "audience": "regfed"}],
    "registers": [{"ags": "15088220", "name": "melderegister", "adapter": "sql",
                   "options": {"table": "melde.m")" +
                            registerOptions + R"(},
                   "fields": [{"name": "id", "type": "string", "classification": "intern"}]}])" +
                            extra + "}",
                        dir.path() + "/node.json");
}

BOOST_AUTO_TEST_CASE(plain_http_beyond_loopback_needs_a_named_tls_proxy) {
  BOOST_TEST(withNode(R"("listen": "127.0.0.1:8080")").problems.empty());
  BOOST_TEST(withNode(R"("listen": "localhost:8080")").problems.empty());
  for (const char* listen : {"0.0.0.0:8080", "10.1.2.3:8080", "regfed.merseburg.de:8080"}) {
    ConfigLoad load = withNode(std::string(R"("listen": ")") + listen + "\"");
    BOOST_TEST(hasProblem(load, "node.listen: serves plain HTTP on"), listen << describe(load));
  }
  ConfigLoad proxied =
      withNode(R"x("listen": "0.0.0.0:8080", "tls_terminated_by": "nginx on this host (TLS 1.3, HSTS)")x");
  BOOST_TEST(proxied.problems.empty(), describe(proxied));
  BOOST_TEST(proxied.config.tlsTerminatedBy == "nginx on this host (TLS 1.3, HSTS)");
}

BOOST_AUTO_TEST_CASE(database_connections_beyond_the_host_need_verified_tls) {
  const std::string node = R"("listen": "127.0.0.1:8080")";
  for (const char* local : {"dbname=x", "host=/var/run/postgresql dbname=x", "host=127.0.0.1 dbname=x",
                            "host=localhost port=5433", "postgresql://localhost/regfed",
                            "host=db.merseburg.de sslmode=verify-full", "host=10.0.0.7 sslmode=verify-ca"})
    BOOST_TEST(withNode(node, local).problems.empty(), local << describe(withNode(node, local)));
  for (const char* remote : {"host=db.merseburg.de dbname=x", "host=10.0.0.7 sslmode=require",
                             "postgresql://db.merseburg.de/regfed", "host=localhost,10.0.0.8 dbname=x",
                             "host=localhost hostaddr=10.0.0.9"}) {
    ConfigLoad load = withNode(node, remote);
    BOOST_TEST(hasProblem(load, "audit.dsn: reaches database host"), remote << describe(load));
  }
  // Register connection strings too, and an explicit exemption with its reason.
  ConfigLoad reg = withNode(node, "dbname=x", "", R"(, "conninfo": "host=10.0.0.7 dbname=melde")");
  BOOST_TEST(hasProblem(reg, "registers[0].options.conninfo: reaches database host 10.0.0.7"), describe(reg));
  ConfigLoad exempt =
      withNode(node, "host=10.0.0.7 dbname=x",
               R"(, "database_hosts_without_tls": {"10.0.0.7": "IPsec tunnel to the DB server"})",
               R"(, "conninfo": "host=10.0.0.7 dbname=melde")");
  BOOST_TEST(exempt.problems.empty(), describe(exempt));
  ConfigLoad service = withNode(node, "service=regfed");
  BOOST_TEST(hasProblem(service, "audit.dsn: names a service"), describe(service));
  ::setenv("PGHOST", "db.merseburg.de", 1);
  ConfigLoad fromEnvironment = withNode(node, "dbname=regfed");
  ::unsetenv("PGHOST");
  BOOST_TEST(hasProblem(fromEnvironment, "audit.dsn: reaches database host db.merseburg.de"),
             describe(fromEnvironment));
  ConfigLoad unexplained =
      withNode(node, "host=10.0.0.7 dbname=x", R"(, "database_hosts_without_tls": {"10.0.0.7": "ok"})");
  BOOST_TEST(hasProblem(unexplained, "database_hosts_without_tls.10.0.0.7: say why"), describe(unexplained));
}

BOOST_AUTO_TEST_CASE(connection_limits_and_metrics_clients_are_checked) {
  ConfigLoad defaults = withNode(R"("listen": "127.0.0.1:8080", "max_threads": 40)");
  BOOST_TEST(defaults.config.limits.connectionsPerClient == 20, "half the workers by default");
  BOOST_TEST(defaults.config.metricsClients.size() == 2u, "loopback only by default");
  ConfigLoad bad = withNode(
      R"("listen": "127.0.0.1:8080", "max_threads": 40, "limits": {"connections_per_client": 41,
         "header_timeout_ms": 1}, "metrics_clients": ["10.0.0.0/33", "monitoring"])");
  for (const char* path : {"node.limits.connections_per_client:", "node.limits.header_timeout_ms:",
                           "node.metrics_clients[0]:", "node.metrics_clients[1]:"})
    BOOST_TEST(hasProblem(bad, path), path << describe(bad));
  auto range = parseNetworkRange("10.0.0.0/8");
  BOOST_REQUIRE(range.has_value());
  BOOST_TEST(range->contains(Poco::Net::IPAddress("10.200.3.4")));
  BOOST_TEST(!range->contains(Poco::Net::IPAddress("11.0.0.1")));
  BOOST_TEST(parseNetworkRange("127.0.0.0/8")->contains(Poco::Net::IPAddress("::ffff:127.0.0.1")));
}

BOOST_AUTO_TEST_CASE(the_federation_section_is_checked) {
  const std::string node = R"("listen": "127.0.0.1:8080")";
  regfed::test::TempDir dir;
  const std::string pem = dir.write("x.pem", "-");
  const std::string files =
      R"("ca": ")" + pem + R"(", "certificate": ")" + pem + R"(", "private_key": ")" + pem + "\"";
  ConfigLoad good = withNode(node, "dbname=x", R"(, "federation": {"listen": "0.0.0.0:7443", )" + files + R"(,
      "peers": [{"node": "leuna", "address": "10.1.0.2:7443", "municipalities": [{"ags": "15088205", "name": "Stadt Leuna"}]}]})");
  BOOST_TEST(good.problems.empty(), describe(good));
  BOOST_REQUIRE_EQUAL(good.config.federation.peers.size(), 1u);
  BOOST_TEST(good.config.peerHosting("15088205")->node == "leuna");
  BOOST_TEST(good.config.peerHosting("15088220") == nullptr);
  BOOST_TEST(good.config.federationMunicipalityName("15088205") == "Stadt Leuna");
  ConfigLoad bad = withNode(node, "dbname=x",
                            R"(, "federation": {"listen": "7443", "ca": "missing.pem",
      "certificate": ")" + pem + R"(", "private_key": ")" +
                                pem + R"(", "peers": [
        {"node": "n1", "address": "10.1.0.2", "municipalities": [{"ags": "15088220", "name": "Stadt Merseburg"}]},
        {"node": "leuna", "address": "10.1.0.3:7443", "municipalities": []}]})");
  for (const char* path : {"federation.listen: must be host:port", "federation.ca: file not found",
                           "federation.peers[0].node: node \"n1\" appears twice",
                           "federation.peers[0].address: must be host:port",
                           "federation.peers[0].municipalities[0].ags: municipality 15088220 is hosted twice",
                           "federation.peers[1].municipalities: must list at least one"})
    BOOST_TEST(hasProblem(bad, path), path << describe(bad));
}

BOOST_AUTO_TEST_CASE(unreadable_or_malformed_files_are_reported_not_thrown) {
  regfed::test::TempDir dir;
  BOOST_TEST(hasProblem(loadConfig(dir.path() + "/none.json"), "(file): cannot read"));
  BOOST_TEST(hasProblem(loadConfig(dir.write("x.json", "{ not json")), "(file): not valid JSON"));
  BOOST_TEST(hasProblem(loadConfig(dir.write("y.json", "[1,2]")), "(root): must be a JSON object"));
}

BOOST_AUTO_TEST_SUITE_END()
