// Fail closed: with PostgreSQL stopped mid-run no data leaves the node (503 audit_unavailable); once it is
// back, the node recovers by itself. Stops the shared test cluster, so ctest runs it serially.
#define BOOST_TEST_MODULE fail_closed_tests
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <thread>

#include "NodeFixture.h"

using namespace regfed::test;

namespace {

void cluster(const std::string& action) {
  std::string out;
  const int rc = run({sourceDir() + "/scripts/pg.sh", action, TestDatabase::clusterDir()}, out);
  BOOST_REQUIRE_MESSAGE(rc == 0, "pg.sh " << action << " failed: " << out);
}

const char* kGewerbe = R"({"register":"gewerberegister","filter":{"betriebsname":{"prefix":"Bäckerei"}},
  "purpose":"Prüfung Gewerbeanmeldung","case_ref":"GEW-2026-1"})";

}  // namespace

BOOST_AUTO_TEST_SUITE(fail_closed)

BOOST_AUTO_TEST_CASE(no_data_without_audit_and_recovery_without_restart) {
  NodeFixture fx;
  const std::string token = fx.token("anna.schulz", kMerseburg, {"clerk"});
  auto before = fx.query(token, kGewerbe);
  BOOST_REQUIRE_MESSAGE(before.status == 200, before.body);
  BOOST_TEST(before.body.find("Bäckerei Krause") != std::string::npos);

  cluster("stop");
  for (int i = 0; i < 3; ++i) {
    auto during = fx.query(token, kGewerbe);
    BOOST_TEST(during.status == 503, during.body);
    BOOST_TEST(during.errorCode() == "audit_unavailable");
    BOOST_TEST(during.body.find("Bäckerei") == std::string::npos, "no record data in a fail-closed answer");
  }
  auto health = http(fx.node->port(), "GET", "/v1/health");
  BOOST_TEST(health.status == 503);
  BOOST_TEST(health.json()->getValue<std::string>("status") == "degraded");
  BOOST_TEST(health.json()->getValue<std::string>("audit") == "unavailable");
  BOOST_TEST(http(fx.node->port(), "GET", "/metrics").body.find("regfed_audit_up 0") != std::string::npos);

  cluster("start");
  bool healthy = false;
  for (int i = 0; i < 120 && !healthy; ++i) {
    healthy = http(fx.node->port(), "GET", "/v1/health").status == 200;
    if (!healthy) std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  BOOST_REQUIRE_MESSAGE(healthy, "node did not recover:\n" << fx.node->log());
  auto after = fx.query(token, kGewerbe);
  BOOST_TEST(after.status == 200, after.body);
  BOOST_TEST(after.body.find("Bäckerei Krause") != std::string::npos);
  // The sql register recovers too (its pool reconnects).
  auto melde = fx.query(token, R"({"register":"melderegister","filter":{"familienname":"Meier"},
                                  "purpose":"Prüfung Antrag","case_ref":"ANT-9"})");
  BOOST_TEST(melde.status == 200, melde.body);
  BOOST_TEST(melde.body.find("MER-000002") != std::string::npos, melde.body);
  BOOST_TEST(fx.db.scalar("SELECT count(*) = max(seq) FROM regfed_audit.events") == "t");
  BOOST_TEST(fx.node->log().find("audit store unreachable") != std::string::npos);
  BOOST_TEST(fx.node->log().find("audit store reachable again") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
