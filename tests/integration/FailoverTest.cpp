// Failover of the audit database: a primary with a synchronous streaming standby on loopback
// (tests/ops/pg-ha.sh). Clients query a node without pause while the primary is cut off as by a power failure
// and the standby is promoted. The node's audit writer treats that like a restart of PostgreSQL: it fails
// closed meanwhile (503 audit_unavailable, no data), reconnects to the new primary by itself through its
// multi-host connection string (target_session_attrs=read-write), and every request answered with data has
// its audit event on the new primary: answers given <= events present.
#define BOOST_TEST_MODULE failover_tests
#include <boost/test/unit_test.hpp>

#include <Poco/JSON/Object.h>

#include <atomic>
#include <map>
#include <memory>
#include <chrono>
#include <mutex>
#include <pqxx/pqxx>
#include <set>
#include <thread>

#include "TestSupport.h"

using namespace regfed::test;
using Clock = std::chrono::steady_clock;

namespace {

// The primary and its synchronous standby; stopped and deleted at the end.
class ServerPair {
 public:
  ServerPair() {
    // (pg-ha.sh cleans up after a failed start itself; the destructor does not run when this throws.)
    ha("start");
    std::string env;
    BOOST_REQUIRE(run({"/bin/cat", dir.path() + "/env"}, env) == 0);
    primaryPort = value(env, "PRIMARY_PORT");
    standbyPort = value(env, "STANDBY_PORT");
  }
  ~ServerPair() {
    std::string out;
    run({script(), "stop", dir.path()}, out);
  }
  void ha(const std::string& action) {
    std::string out;
    const int rc = run({script(), action, dir.path()}, out);
    BOOST_REQUIRE_MESSAGE(rc == 0, "pg-ha.sh " << action << " failed: " << out);
  }
  /// libpq's connection string over both servers, writable one only.
  std::string dsn(const std::string& user) const {
    return "host=127.0.0.1,127.0.0.1 port=" + primaryPort + "," + standbyPort + " dbname=regfed user=" + user +
           " target_session_attrs=read-write connect_timeout=2";
  }
  /// One server, as superuser.
  std::string superuserDsn(const std::string& port) const {
    return "host=127.0.0.1 port=" + port + " dbname=regfed user=postgres";
  }

  TempDir dir;
  std::string primaryPort, standbyPort;

 private:
  static std::string script() { return sourceDir() + "/tests/ops/pg-ha.sh"; }
  static std::string value(const std::string& env, const std::string& key) {
    const auto at = env.find(key + "=");
    BOOST_REQUIRE(at != std::string::npos);
    const auto start = at + key.size() + 1;
    return env.substr(start, env.find('\n', start) - start);
  }
};

const char* kSearch = R"({"register":"gewerberegister","filter":{"betriebsname":{"prefix":"Bäckerei"}},
  "purpose":"Prüfung Gewerbeanmeldung","case_ref":"GEW-2026-7"})";

// A node whose audit store is the pair, and a clerk's token.
struct HaNode {
  HaNode() {
    dir.write("gewerbe.jsonl",
              "{\"id\":\"GEW-MER-00001\",\"betriebsname\":\"Bäckerei Krause\",\"inhaber\":\"Krause, Peter\"}\n");
    const auto [privateKey, publicKey] = writeKeyPair(dir.path(), "idp");
    config = dir.write("node.json", R"({
  "node": {"id": "ha-node", "listen": "127.0.0.1:0", "max_threads": 32},
  "municipalities": [{"ags": "15088220", "name": "Stadt Merseburg"}],
  "plugin_dir": ")" + pluginDir() + R"(",
  "audit": {"dsn": ")" + pg.dsn("regfed_node") + R"(", "owner_dsn": ")" + pg.dsn("regfed_owner") + R"(",
            "node_role": "regfed_node", "signing_key": "audit-signing.pem", "head_log": "heads.jsonl",
            "sign_every_events": 100, "sign_interval_ms": 500, "commit_timeout_ms": 2000},
  "issuers": [{"iss": "https://idp.merseburg.test", "municipalities": ["15088220"], "algorithm": "ES256",
               "audience": "regfed", "public_key": "idp.pub.pem", "private_key": "idp.pem"}],
  "registers": [{"ags": "15088220", "name": "gewerberegister", "title": "Gewerberegister", "adapter": "jsonl",
                 "options": {"path": "gewerbe.jsonl"}, "search_criteria": [["betriebsname"]],
                 "fields": [{"name": "id", "type": "string", "classification": "intern"},
                            {"name": "betriebsname", "type": "string", "classification": "intern"},
                            {"name": "inhaber", "type": "string", "classification": "vertraulich"}]}]
})");
    node = std::make_unique<NodeProcess>(config, dir.path());
    token = signToken(privateKey, publicKey, "ES256", "https://idp.merseburg.test", "anna.schulz", "15088220",
                      {"clerk"}, 3600);
  }
  ~HaNode() {
    if (node) node->stop();
  }
  // Request ids of the node's events on the server at `port`.
  std::set<std::string> logged(const std::string& port) const {
    std::set<std::string> ids;
    pqxx::connection c(pg.superuserDsn(port));
    pqxx::nontransaction tx(c);
    for (const auto& row : tx.exec("SELECT request_id FROM regfed_audit.events WHERE node = 'ha-node'"))
      ids.insert(row[0].as<std::string>());
    return ids;
  }
  long long metric(const std::string& name) const {
    const std::string text = http(node->port(), "GET", "/metrics").body;
    const auto at = text.find("\n" + name + " ");
    if (at == std::string::npos) return -1;
    return std::stoll(text.substr(at + name.size() + 2));
  }

  ServerPair pg;
  TempDir dir;
  std::string config, token;
  std::unique_ptr<NodeProcess> node;
};

// Clients querying without pause, counting what they were told; `phase` labels the answers.
class Load {
 public:
  Load(const HaNode& ha, int clients) {
    for (int i = 0; i < clients; ++i)
      threads_.emplace_back([this, &ha] {
        while (!stop_) {
          const int phase = phase_;
          HttpResponse r = http(ha.node->port(), "POST", "/v1/query", kSearch,
                                {{"Authorization", "Bearer " + ha.token}}, "", 15);
          std::lock_guard<std::mutex> lock(mutex_);
          if (r.status == 200 && r.body.find("Bäckerei Krause") != std::string::npos) {
            answered.insert(r.headers["Regfed-Request-Id"]);
            ++answeredIn[phase];
            if (phase_ == phase) ++answeredWithin[phase];
          } else if (r.status == 503 && r.errorCode() == "audit_unavailable" &&
                     r.body.find("Bäckerei") == std::string::npos) {
            ++refusedIn[phase];
          } else {
            unexpected.push_back(std::to_string(r.status) + " " + r.body);
          }
        }
      });
  }
  ~Load() { finish(); }
  void finish() {
    stop_ = true;
    for (auto& t : threads_)
      if (t.joinable()) t.join();
  }
  void enter(int phase) { phase_ = phase; }
  int answers(int phase) {
    std::lock_guard<std::mutex> lock(mutex_);
    return answeredIn[phase];
  }
  int refusals(int phase) {
    std::lock_guard<std::mutex> lock(mutex_);
    return refusedIn[phase];
  }
  // Waits up to `seconds` for `n` answers in `phase`.
  bool awaitAnswers(int phase, int n, int seconds) {
    const auto deadline = Clock::now() + std::chrono::seconds(seconds);
    while (answers(phase) < n && Clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    return answers(phase) >= n;
  }

  std::set<std::string> answered;  // request ids of 200 answers with data
  std::map<int, int> answeredIn, refusedIn;  // by the phase a request began in
  std::map<int, int> answeredWithin;          // begun and answered in the same phase
  std::vector<std::string> unexpected;

 private:
  std::mutex mutex_;
  std::atomic<bool> stop_{false};
  std::atomic<int> phase_{0};
  std::vector<std::thread> threads_;
};

// Every answered request has its event in `logged`; answers <= events.
void everyAnswerLogged(const Load& load, const std::set<std::string>& logged) {
  BOOST_TEST(load.answered.size() <= logged.size());
  std::size_t missing = 0;
  for (const auto& id : load.answered) missing += logged.count(id) == 0;
  BOOST_TEST(missing == 0u, missing << " of " << load.answered.size() << " answered requests have no audit event");
}

// `regfed audit verify` with the node's config: the log matches every head the node signed, the copies in its head
// file included (a lost acknowledged batch would show as a head the log no longer reaches).
void verifyLog(HaNode& ha) {
  BOOST_TEST(ha.node->stop() == 0);
  std::string out;
  const int rc = run({regfedBinary(), "audit", "verify", "--config", ha.config}, out);
  BOOST_TEST(rc == 0, out);
}

// Cancels the node's commit that waits for the standby (pg_cancel_backend on the primary).
void cancelHeldCommit(HaNode& ha) {
  std::string cancelled;
  for (int i = 0; i < 20 && (cancelled.empty() || cancelled == "0"); ++i) {
    pqxx::connection c(ha.pg.superuserDsn(ha.pg.primaryPort));
    pqxx::nontransaction tx(c);
    cancelled = tx.exec("SELECT count(*) FILTER (WHERE pg_cancel_backend(pid)) FROM pg_stat_activity "
                        "WHERE usename = 'regfed_node' AND wait_event = 'SyncRep'")[0][0].as<std::string>();
    if (cancelled == "0") std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  BOOST_TEST(cancelled != "0", "no commit waited for the standby");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(failover)

BOOST_AUTO_TEST_CASE(a_promoted_synchronous_standby_has_every_event_the_node_answered_for) {
  HaNode ha;
  Load load(ha, 4);
  BOOST_REQUIRE(load.awaitAnswers(0, 100, 20));
  ha.pg.ha("crash-primary");
  load.enter(1);
  // No primary: libpq finds only a read-only standby, which the writer does not take. The node must refuse.
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  load.enter(2);
  ha.pg.ha("promote");
  const bool reconnected = load.awaitAnswers(2, 100, 30);
  load.finish();
  BOOST_TEST_MESSAGE("answered " << load.answered.size() << " (" << load.answeredIn[0] << " before the crash, "
                                 << load.answeredIn[2] << " after the promotion), refused "
                                 << load.refusedIn[1] + load.refusedIn[2]);
  BOOST_REQUIRE_MESSAGE(reconnected, "the node did not reconnect to the promoted standby:\n" << ha.node->log());
  BOOST_TEST(load.refusedIn[1] > 0, "the node failed closed while there was no primary");
  BOOST_TEST(load.answeredWithin[1] == 0, "answers without a primary");
  BOOST_TEST(load.unexpected.empty(), "other answers: " << (load.unexpected.empty() ? "" : load.unexpected[0]));

  everyAnswerLogged(load, ha.logged(ha.pg.standbyPort));
  // The node stayed up and says so; the failures are counted.
  auto health = http(ha.node->port(), "GET", "/v1/health");
  BOOST_TEST(health.status == 200, health.body);
  BOOST_TEST(ha.metric("regfed_audit_up") == 1);
  BOOST_TEST(ha.metric("regfed_audit_write_failures_total") >= 1);
  verifyLog(ha);
}

BOOST_AUTO_TEST_CASE(without_its_synchronous_standby_the_node_fails_closed_at_once_and_resumes_with_it) {
  HaNode ha;
  Load load(ha, 4);
  BOOST_REQUIRE(load.awaitAnswers(0, 50, 20));
  // The primary now holds every commit until the standby confirms it: the writer's commit waits.
  ha.pg.ha("stop-standby");
  load.enter(1);
  // Someone cancels the held commit (pg_cancel_backend, as a tidy-minded DBA might). PostgreSQL then returns
  // COMMIT with a warning, and the events exist on the primary only: the requests waiting for them must not be
  // answered (the node takes the outcome as unknown, refuses them and reloads the log).
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  cancelHeldCommit(ha);
  std::this_thread::sleep_for(std::chrono::milliseconds(3500));
  // Past the commit timeout the node says so and refuses at once, instead of making every request wait.
  auto health = http(ha.node->port(), "GET", "/v1/health");
  BOOST_TEST(health.status == 503, health.body);
  BOOST_TEST(ha.metric("regfed_audit_up") == 0);
  const auto asked = Clock::now();
  auto refused = http(ha.node->port(), "POST", "/v1/query", kSearch, {{"Authorization", "Bearer " + ha.token}});
  BOOST_TEST(refused.status == 503, refused.body);
  BOOST_TEST(refused.errorCode() == "audit_unavailable");
  BOOST_TEST(std::chrono::duration<double>(Clock::now() - asked).count() < 1.0, "refused without waiting");
  const std::string during = ha.node->log();
  BOOST_TEST(during.find("may exist on this server only") != std::string::npos, during);
  BOOST_TEST(during.find("synchronous standby") != std::string::npos, during);

  load.enter(2);
  ha.pg.ha("start-standby");
  const bool resumed = load.awaitAnswers(2, 50, 30);
  load.finish();
  BOOST_REQUIRE_MESSAGE(resumed, "the node did not resume with its standby:\n" << ha.node->log());
  // (A request begun in the first seconds of the stall waits for its batch, and is answered if the standby
  // returns in time: its event was confirmed first. None is answered while the standby is away.)
  BOOST_TEST(load.answeredWithin[1] == 0, "answers while no commit could be confirmed");
  BOOST_TEST(load.refusedIn[1] > 0);
  BOOST_TEST(load.unexpected.empty(), "other answers: " << (load.unexpected.empty() ? "" : load.unexpected[0]));
  BOOST_TEST(http(ha.node->port(), "GET", "/v1/health").status == 200);
  BOOST_TEST(ha.node->log().find("the stalled audit commit completed") != std::string::npos, ha.node->log());
  everyAnswerLogged(load, ha.logged(ha.pg.primaryPort));
  verifyLog(ha);
}

BOOST_AUTO_TEST_CASE(a_commit_whose_wait_for_the_standby_was_cancelled_is_not_answered_and_a_failover_loses_nothing) {
  // The worst case for the cancelled wait: its events exist on the primary only, and then the primary is lost. The
  // standby, promoted, never had them: no request may have been answered for them.
  HaNode ha;
  Load load(ha, 4);
  BOOST_REQUIRE(load.awaitAnswers(0, 50, 20));
  ha.pg.ha("stop-standby");
  load.enter(1);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  cancelHeldCommit(ha);
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  ha.pg.ha("crash-primary");
  load.enter(2);
  ha.pg.ha("promote");
  const bool resumed = load.awaitAnswers(2, 50, 30);
  load.finish();
  BOOST_REQUIRE_MESSAGE(resumed, "the node did not resume on the promoted standby:\n" << ha.node->log());
  BOOST_TEST(load.answeredWithin[1] == 0);
  BOOST_TEST(load.unexpected.empty(), "other answers: " << (load.unexpected.empty() ? "" : load.unexpected[0]));
  everyAnswerLogged(load, ha.logged(ha.pg.standbyPort));
  verifyLog(ha);
}

BOOST_AUTO_TEST_SUITE_END()
