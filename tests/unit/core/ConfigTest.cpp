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
    "issuers": [{"iss": "idp", "municipalities": ["15088220"], "algorithm": "ES256", "public_key": "idp.pub.pem"}],
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
  for (const char* path :
       {"node.id:", "node.listen:", "node.max_threads:", "municipalities[0].ags:", "municipalities[2].ags:",
        "plugin_dir:", "audit.dsn:", "audit.sign_every_events:", "issuers[0].algorithm:",
        "issuers[0].public_key:", "issuers[0].municipalities[0]:",
        "issuers[1]: give exactly one of public_key (a PEM file) and jwks (a JWKS file)", "registers[0].ags:",
        "registers[0].name:", "registers[0].fields[0].type:", "registers[0].fields[0].classification:",
        "registers[0].fields[1].name:", "registers[0].id_field:", "typo:"})
    BOOST_TEST(hasProblem(load, path), "expected a problem at " << path << describe(load));
  BOOST_TEST(hasProblem(load,
                        "registers[0].fields[0].classification: must be one of intern, vertraulich, "
                        "streng_vertraulich (got \"geheim\")"));
}

BOOST_AUTO_TEST_CASE(unreadable_or_malformed_files_are_reported_not_thrown) {
  regfed::test::TempDir dir;
  BOOST_TEST(hasProblem(loadConfig(dir.path() + "/none.json"), "(file): cannot read"));
  BOOST_TEST(hasProblem(loadConfig(dir.write("x.json", "{ not json")), "(file): not valid JSON"));
  BOOST_TEST(hasProblem(loadConfig(dir.write("y.json", "[1,2]")), "(root): must be a JSON object"));
}

BOOST_AUTO_TEST_SUITE_END()
