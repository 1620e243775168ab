// claim_bench: remote processing of online applications. H helpers (default 16) empty one inbox of N items
// (default 10,000): each reads a page of open items, claims one nobody holds (a random one of the page, so
// they do not all fight for the oldest), approves it when the claim succeeded, and goes on until the inbox is
// empty.
//   (a) baseline: the same helpers straight against PostgreSQL, each on one connection of its own, with the
//       antraege adapter's own statements and transactions (DatabaseInbox): no node, no token, no audit;
//   (b) regfed: through a node's HTTP API (NodeInbox), each helper on a keep-alive connection of its own with
//       its own token, under one support mandate: token check, mandate check, an audit event per step (group
//       commit), the node's claims bookkeeping, and the adapter.
// Each phase gets a fresh inbox of N items in a database of its own; afterwards the databases must show every
// item claimed exactly once and approved, and the node's audit log one allowed item_claim event per item.
//
//   claim_bench --admin 'host=127.0.0.1 port=P' [--items 10000] [--helpers 16] [--page 20] [--pool-size 16]
//               [--timeout 120] [--work-dir var/claim-bench] [--regfed build/bin/regfed]
//               [--plugin-dir build/plugins-out]
// The PostgreSQL cluster needs the roles of scripts/db-init.sh; scripts/claim-bench.sh starts one.

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <pqxx/pqxx>
#include <sstream>
#include <thread>

#include "BenchNode.h"
#include "CalendarDate.h"
#include "Config.h"
#include "CpuMeter.h"
#include "DatabaseInbox.h"
#include "HelperRun.h"
#include "NodeInbox.h"
#include "TokenVerifier.h"

namespace bench = regfed::bench;
using Clock = std::chrono::steady_clock;

namespace {

constexpr const char* kOwnerAgs = "15088220";   // Merseburg: owns the procedure
constexpr const char* kHelperAgs = "15088205";  // Leuna: its helpers work under the mandate
constexpr const char* kProcedure = "online-antraege";
constexpr std::int64_t kLeaseSeconds = 1800;  // claim_idle_s of the node, the lease the baseline takes too
constexpr std::int64_t kAdapterTimeoutMs = 3000;  // the node's default procedure timeout_ms

struct Args {
  std::string admin;  // connection parameters without user and dbname
  int items = 10000, helpers = 16, page = 20, poolSize = 16, timeoutSeconds = 120;
  std::string workDir = REGFED_SOURCE_DIR "/var/claim-bench";
  std::string regfed = REGFED_BINARY;
  std::string pluginDir = REGFED_PLUGIN_DIR;
};

std::string dsnFor(const Args& a, const std::string& user, const std::string& db) {
  return a.admin + " user=" + user + " dbname=" + db;
}

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A database of its own with the antraege schema as production has it and `items` open items, oldest first
// (ids OA-B-000001 …), each with its 'open' history row; the adapter's role may read and change them.
void freshInbox(const Args& a, const std::string& db) {
  {
    pqxx::connection c(dsnFor(a, "postgres", "postgres"));
    pqxx::nontransaction tx(c);
    tx.exec("DROP DATABASE IF EXISTS " + db + " WITH (FORCE)");
    tx.exec("CREATE DATABASE " + db + " OWNER regfed_owner");
  }
  pqxx::connection c(dsnFor(a, "postgres", db));
  pqxx::nontransaction tx(c);
  tx.exec(readFile(REGFED_SOURCE_DIR "/schemas/antraege.sql"));
  tx.exec(
      "GRANT USAGE ON SCHEMA antraege TO regfed_reader; "
      "GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA antraege TO regfed_reader");
  tx.exec_params(
      "INSERT INTO antraege.items (ags, id, kind, title, received, applicant, refs) "
      "SELECT $1, 'OA-B-' || lpad(i::text, 6, '0'), 'Wohnsitzanmeldung', "
      "'Wohnsitzanmeldung OA-B-' || lpad(i::text, 6, '0'), now() - make_interval(secs => $2 - i), "
      "'[{\"name\": \"familienname\", \"label\": \"Familienname\", \"value\": \"Müller\"}]', "
      "jsonb_build_array(jsonb_build_object('register', 'melderegister', 'id', "
      "'MER-' || lpad(((i - 1) % 10000 + 1)::text, 6, '0'), 'label', 'Antragsteller/in')) "
      "FROM generate_series(1, $2) AS i",
      kOwnerAgs, a.items);
  tx.exec(
      "INSERT INTO antraege.history (ags, item_id, status, actor) "
      "SELECT ags, id, 'open', 'antragsteller' FROM antraege.items");
  tx.exec("VACUUM ANALYZE antraege.items");
  tx.exec("VACUUM ANALYZE antraege.history");
}

void writeKeyPair(const std::string& privatePath, const std::string& publicPath) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  if (!key) throw std::runtime_error("key generation failed");
  FILE* f = std::fopen(privatePath.c_str(), "w");
  const bool written = f && PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr) == 1;
  if (f) std::fclose(f);
  f = std::fopen(publicPath.c_str(), "w");
  const bool writtenPublic = f && PEM_write_PUBKEY(f, key) == 1;
  if (f) std::fclose(f);
  EVP_PKEY_free(key);
  if (!written || !writtenPublic)
    throw std::runtime_error("cannot write the issuer's keys into " + privatePath);
}

// One node hosting Merseburg (with the procedure) and Leuna (whose helpers claim), one issuer for both.
std::string nodeConfig(const Args& a, const std::string& db) {
  return R"({
  "node": {"id": "claim-bench", "listen": "127.0.0.1:0", "max_threads": 64},
  "municipalities": [{"ags": "15088220", "name": "Stadt Merseburg"}, {"ags": "15088205", "name": "Stadt Leuna"}],
  "plugin_dir": ")" +
         a.pluginDir + R"(",
  "audit": {"dsn": ")" +
         dsnFor(a, "regfed_node", db) + R"(", "owner_dsn": ")" + dsnFor(a, "regfed_owner", db) +
         R"(", "node_role": "regfed_node", "signing_key": "audit-signing.pem"},
  "issuers": [{"iss": "https://idp.claim-bench.test", "municipalities": ["15088220", "15088205"],
               "algorithm": "ES256", "audience": "regfed", "public_key": "idp.pub.pem", "private_key": "idp.pem"}],
  "registers": [],
  "agreements": [{"id": "ZV-BENCH", "title": "Lasttest Online-Anträge", "support_days_per_year": 100}],
  "procedures": [{"ags": "15088220", "name": "online-antraege", "title": "Online-Anträge", "adapter": "antraege",
                  "claim_idle_s": )" +
         std::to_string(kLeaseSeconds) + R"(,
                  "options": {"conninfo": ")" +
         dsnFor(a, "regfed_reader", db) + R"(", "municipality": "15088220",
                              "pool_size": )" +
         std::to_string(a.poolSize) + R"(}}]
})";
}

// One request on a connection of its own (the set-up steps, /metrics).
std::pair<int, std::string> request(int port, const std::string& method, const std::string& path,
                                    const std::string& token = "", const std::string& body = "") {
  Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port));
  Poco::Net::HTTPRequest r(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
  if (!token.empty()) r.set("Authorization", "Bearer " + token);
  if (method == "POST") {
    r.setContentType("application/json");
    r.setContentLength(static_cast<std::streamsize>(body.size()));
  }
  session.sendRequest(r) << body;
  Poco::Net::HTTPResponse response;
  std::string answer;
  Poco::StreamCopier::copyToString(session.receiveResponse(response), answer);
  return {static_cast<int>(response.getStatus()), answer};
}

std::string helperId(int i) { return std::string(i < 9 ? "helper0" : "helper") + std::to_string(i + 1); }

// A support mandate from Merseburg to all helpers of Leuna for the procedure, today and tomorrow, created and
// approved by both municipalities' admins; returns its id.
std::string approvedMandate(const Args& a, int port, const regfed::core::Config& config) {
  std::string helpers;
  for (int i = 0; i < a.helpers; ++i) helpers += (i ? ",\"" : "\"") + helperId(i) + "\"";
  const auto today = regfed::core::berlinToday();
  const std::string body =
      R"({"owner_ags":"15088220","helper_ags":"15088205","helpers":[)" + helpers +
      R"(],"procedures":["online-antraege"],"operations":["get","search","process"],)"
      R"("purpose":"Bearbeitung der Online-Anträge während Personalengpass, Lasttest","agreement":"ZV-BENCH",)"
      R"("valid_from":")" +
      regfed::core::formatDay(today) + R"(","valid_until":")" + regfed::core::formatDay(today + 1) + "\"}";
  const std::string owner = regfed::core::mintToken(config, "mer.admin", kOwnerAgs, {"admin"}, 3600);
  const std::string helperSide = regfed::core::mintToken(config, "leu.admin", kHelperAgs, {"admin"}, 3600);
  auto created = request(port, "POST", "/v1/mandates", owner, body);
  if (created.first != 201) throw std::runtime_error("creating the mandate: " + created.second);
  const auto at = created.second.find("\"id\":\"") + 6;
  const std::string id = created.second.substr(at, created.second.find('"', at) - at);
  for (const auto& token : {owner, helperSide}) {
    auto approved = request(port, "POST", "/v1/mandates/" + id + "/approve", token, "{}");
    if (approved.first != 200) throw std::runtime_error("approving the mandate: " + approved.second);
  }
  return id;
}

// Transactions committed in one database and WAL written by the whole cluster, so far.
struct DatabaseWork {
  double commits = 0, walBytes = 0;
};

DatabaseWork databaseWork(const Args& a, const std::string& db) {
  pqxx::connection c(dsnFor(a, "postgres", "postgres"));
  auto r = pqxx::nontransaction(c).exec_params(
      "SELECT xact_commit, pg_current_wal_lsn() - '0/0'::pg_lsn FROM pg_stat_database WHERE datname = $1",
      db);
  return {r[0][0].as<double>(), r[0][1].as<double>()};
}

// A backend reports its transactions when it ends (or idles): called once the phase's connections are closed.
void printDatabaseWork(const DatabaseWork& before, const DatabaseWork& after, long long won) {
  const double items = static_cast<double>(std::max<long long>(1, won));
  std::printf("  PostgreSQL: %.1f transactions committed and %.1f kB WAL written per claimed item\n",
              (after.commits - before.commits) / items, (after.walBytes - before.walBytes) / items / 1024);
}

// A value of the node's /metrics: the series `key` (name with labels) as written there; 0 when absent.
double metric(const std::string& metrics, const std::string& key) {
  const auto at = metrics.find("\n" + key + " ");
  return at == std::string::npos ? 0 : std::stod(metrics.substr(at + key.size() + 2));
}

void printRun(const char* name, const bench::HelperRun& p, long long items) {
  const bench::HelperTally& t = p.tally;
  std::printf("%s\n", name);
  std::printf("  %lld of %lld items claimed and approved in %.2f s = %.0f claims/s%s\n", t.won, items,
              p.seconds, p.claimsPerSecond(), p.emptied ? "" : "   (INBOX NOT EMPTIED)");
  std::printf(
      "  claim call (200, 409 or 404): p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms over %zu calls\n",
      bench::percentile(t.claimMs, 0.5), bench::percentile(t.claimMs, 0.9),
      bench::percentile(t.claimMs, 0.99), bench::percentile(t.claimMs, 1.0), t.claimMs.size());
  std::printf(
      "  lost races (409, 404): %lld (%lld held by another helper, %lld decided in the meantime) = %.1f %% of "
      "claim calls; pages with nothing free: %lld\n",
      t.lost(), t.heldByOther, t.notOpen,
      100.0 * static_cast<double>(t.lost()) / std::max<double>(1, t.claimMs.size()), t.allTaken);
  std::printf("  page of open items: p50 %.2f ms, p99 %.2f ms; approve: p50 %.2f ms, p99 %.2f ms\n",
              bench::percentile(t.listMs, 0.5), bench::percentile(t.listMs, 0.99),
              bench::percentile(t.approveMs, 0.5), bench::percentile(t.approveMs, 0.99));
  const double perItem = 1000.0 / static_cast<double>(std::max<long long>(1, t.won));
  char node[64] = "", nodePerItem[64] = "";
  if (p.cpu.node > 0) {
    std::snprintf(node, sizeof node, "%.1f s node, ", p.cpu.node);
    std::snprintf(nodePerItem, sizeof nodePerItem, "%.2f ms node, ", p.cpu.node * perItem);
  }
  std::printf("  CPU: %s%.1f s PostgreSQL, %.1f s this program (per claimed item: %s%.2f ms PostgreSQL)\n",
              node, p.cpu.postgres, p.cpu.self, nodePerItem, p.cpu.postgres * perItem);
  if (t.failures) std::printf("  FAILURES: %lld, the first: %s\n", t.failures, t.firstFailure.c_str());
}

// What the node's /metrics say about the run: audit group commits, and the time requests took inside the
// node.
void printNodeMetrics(const std::string& before, const std::string& after) {
  auto delta = [&](const std::string& key) { return metric(after, key) - metric(before, key); };
  const double events = delta("regfed_audit_batch_events_sum"),
               commits = delta("regfed_audit_batch_events_count");
  std::printf("  audit: %.0f events in %.0f group commits (%.1f events per commit, mean commit %.2f ms)\n",
              events, commits, events / std::max(1.0, commits),
              1000 * delta("regfed_audit_commit_seconds_sum") / std::max(1.0, commits));
  std::printf("  inside the node (mean time per request, from its /metrics):");
  for (const char* route : {"items", "items/{id}/claim", "items/{id}/complete"}) {
    const std::string labels = std::string("{route=\"/v1/procedures/{ags}/{procedure}/") + route + "\"}";
    const double sum = delta("regfed_http_request_duration_seconds_sum" + labels),
                 count = delta("regfed_http_request_duration_seconds_count" + labels);
    std::printf(" %s %.2f ms;", route, 1000 * sum / std::max(1.0, count));
  }
  std::printf("\n");
}

bool check(bool ok, const std::string& what) {
  std::printf("  %-4s %s\n", ok ? "ok" : "FAIL", what.c_str());
  return ok;
}

// Every item approved, claimed exactly once (one 'claimed' history row) and decided by the helper who claimed
// it.
bool checkItems(const Args& a, const std::string& db, const char* phase) {
  pqxx::connection c(dsnFor(a, "postgres", db));
  pqxx::nontransaction tx(c);
  auto r = tx.exec(
      "SELECT count(*), "
      "       count(*) FILTER (WHERE i.status = 'approved' AND h.claims = 1 AND i.decided_by = h.actor), "
      "       coalesce(sum(h.claims), 0) "
      "FROM antraege.items i LEFT JOIN LATERAL ("
      "  SELECT count(*) AS claims, min(actor) AS actor FROM antraege.history x "
      "  WHERE x.ags = i.ags AND x.item_id = i.id AND x.status = 'claimed') h ON true")[0];
  const long long items = r[0].as<long long>(), once = r[1].as<long long>(), claimed = r[2].as<long long>();
  return check(
      items == a.items && once == a.items && claimed == a.items,
      std::string(phase) + ": " + std::to_string(once) + " of " + std::to_string(items) +
          " items approved by the helper who claimed them, each with exactly one 'claimed' history row (" +
          std::to_string(claimed) + " in all)");
}

// One allowed item_claim (and item_complete) event per item, one denied item_claim per 409, no claim left
// over.
bool checkAudit(const Args& a, const std::string& db, const bench::HelperTally& t) {
  pqxx::connection c(dsnFor(a, "postgres", db));
  pqxx::nontransaction tx(c);
  auto r = tx.exec(
      "SELECT count(*) FILTER (WHERE action = 'item_claim' AND decision = 'allow'), "
      "count(DISTINCT case_ref) FILTER (WHERE action = 'item_claim' AND decision = 'allow'), "
      "count(*) FILTER (WHERE action = 'item_claim' AND decision = 'deny'), "
      "count(*) FILTER (WHERE action = 'item_complete' AND decision = 'allow') "
      "FROM regfed_audit.events WHERE action IN ('item_claim', 'item_complete')")[0];
  const long long claims = r[0].as<long long>(), distinct = r[1].as<long long>(),
                  denied = r[2].as<long long>(), completes = r[3].as<long long>();
  const long long left = tx.exec("SELECT count(*) FROM regfed.claims")[0][0].as<long long>();
  bool ok = check(claims == a.items && distinct == a.items,
                  "regfed: " + std::to_string(claims) + " allowed item_claim events in the audit log, for " +
                      std::to_string(distinct) + " distinct items");
  ok = check(denied == t.lost(), "regfed: " + std::to_string(denied) + " denied item_claim events = " +
                                     std::to_string(t.lost()) + " answers 409 or 404") &&
       ok;
  ok =
      check(completes == a.items, "regfed: " + std::to_string(completes) + " allowed item_complete events") &&
      ok;
  return check(left == 0, "regfed: " + std::to_string(left) + " claims left in the node's bookkeeping") && ok;
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--admin")
      a.admin = v;
    else if (k == "--items")
      a.items = std::stoi(v);
    else if (k == "--helpers")
      a.helpers = std::stoi(v);
    else if (k == "--page")
      a.page = std::stoi(v);
    else if (k == "--pool-size")
      a.poolSize = std::stoi(v);
    else if (k == "--timeout")
      a.timeoutSeconds = std::stoi(v);
    else if (k == "--work-dir")
      a.workDir = v;
    else if (k == "--regfed")
      a.regfed = v;
    else if (k == "--plugin-dir")
      a.pluginDir = v;
    else {
      std::cerr << "claim_bench: unknown option " << k << "\n";
      return 2;
    }
  }
  if (a.admin.empty() || a.items < 1 || a.helpers < 1 || a.helpers > 99 || a.page < 1 || a.page > 200) {
    std::cerr << "usage: claim_bench --admin 'host=H port=P' [--items 10000] [--helpers 16 (1-99)] "
                 "[--page 20 (1-200)] [--pool-size 16] [--timeout 120]\n";
    return 2;
  }
  const std::string nodeDb = "regfed_claim_bench", baseDb = "regfed_claim_bench_base";
  try {
    const auto setupStarted = Clock::now();
    freshInbox(a, baseDb);
    freshInbox(a, nodeDb);
    std::filesystem::remove_all(a.workDir);
    std::filesystem::create_directories(a.workDir);
    writeKeyPair(a.workDir + "/idp.pem", a.workDir + "/idp.pub.pem");
    const std::string configPath = a.workDir + "/node.json";
    std::ofstream(configPath) << nodeConfig(a, nodeDb);
    auto load = regfed::core::loadConfig(configPath);
    if (!load.problems.empty()) throw std::runtime_error("bench config invalid: " + load.problems[0]);
    const regfed::core::Config& config = load.config;
    bench::BenchNode node(a.regfed, configPath, a.workDir + "/node.log");
    const std::string mandate = approvedMandate(a, node.port(), config);
    std::vector<std::string> tokens;
    for (int i = 0; i < a.helpers; ++i)
      tokens.push_back(regfed::core::mintToken(config, helperId(i), kHelperAgs, {"helper"}, 3600));
    pid_t postmaster = 0;
    {
      pqxx::connection c(dsnFor(a, "postgres", "postgres"));
      postmaster = bench::CpuMeter::parentOf(
          static_cast<pid_t>(pqxx::nontransaction(c).exec("SELECT pg_backend_pid()")[0][0].as<long>()));
    }
    auto checkpoint = [&] {
      pqxx::connection c(dsnFor(a, "postgres", "postgres"));
      pqxx::nontransaction(c).exec("CHECKPOINT");
    };

    std::printf(
        "claim_bench: %d helpers, one inbox of %d items, pages of %d, adapter pool %d; node, PostgreSQL "
        "(fsync on) and this program on one machine with %u cores (set-up %.1f s)\n\n",
        a.helpers, a.items, a.page, a.poolSize, std::thread::hardware_concurrency(),
        std::chrono::duration<double>(Clock::now() - setupStarted).count());
    std::fflush(stdout);

    const bench::HelperRunOptions options{a.helpers, a.page, a.timeoutSeconds};
    checkpoint();
    const DatabaseWork baseBefore = databaseWork(a, baseDb);
    bench::CpuMeter baseMeter(0, postmaster);
    const bench::HelperRun base = bench::runHelpers(
        options,
        [&](int t) {
          return std::make_unique<bench::DatabaseInbox>(dsnFor(a, "regfed_reader", baseDb), kOwnerAgs,
                                                        helperId(t) + "@" + kHelperAgs, kLeaseSeconds,
                                                        kAdapterTimeoutMs);
        },
        baseMeter);
    printRun("baseline: the adapter's SQL over libpqxx, one connection per helper (no node, no audit)", base,
             a.items);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the helpers' backends report as they end
    printDatabaseWork(baseBefore, databaseWork(a, baseDb), base.tally.won);
    std::fflush(stdout);

    checkpoint();
    const std::string itemsPath = std::string("/v1/procedures/") + kOwnerAgs + "/" + kProcedure + "/items";
    const std::string before = request(node.port(), "GET", "/metrics").second;
    const DatabaseWork nodeBefore = databaseWork(a, nodeDb);
    bench::CpuMeter nodeMeter(node.pid(), postmaster);
    const bench::HelperRun http = bench::runHelpers(
        options,
        [&](int t) {
          return std::make_unique<bench::NodeInbox>("127.0.0.1", node.port(), itemsPath,
                                                    tokens[static_cast<std::size_t>(t)], mandate);
        },
        nodeMeter);
    const std::string after = request(node.port(), "GET", "/metrics").second;
    printRun("\nregfed: the node's HTTP API, a keep-alive connection and a token per helper, one mandate",
             http, a.items);
    printNodeMetrics(before, after);
    const int stopped = node.stop();
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    printDatabaseWork(nodeBefore, databaseWork(a, nodeDb), http.tally.won);

    std::printf("\nchecks\n");
    bool ok = check(base.emptied && http.emptied && !base.tally.failures && !http.tally.failures,
                    "both inboxes emptied without failures");
    ok = check(base.tally.won == a.items && http.tally.won == a.items,
               "helpers won " + std::to_string(base.tally.won) + " (baseline) and " +
                   std::to_string(http.tally.won) + " (regfed) claims") &&
         ok;
    ok = checkItems(a, baseDb, "baseline") && ok;
    ok = checkItems(a, nodeDb, "regfed") && ok;
    ok = checkAudit(a, nodeDb, http.tally) && ok;
    ok = check(stopped == 0, "the node stopped cleanly (log: " + a.workDir + "/node.log)") && ok;

    std::printf(
        "\n%d helpers claiming from one inbox of %d items, pages of %d (`scripts/claim-bench.sh --items %d "
        "--helpers %d --page %d`):\n\n",
        a.helpers, a.items, a.page, a.items, a.helpers, a.page);
    std::printf(
        "| | claims/s | claim p50 | claim p99 | lost races | wall time |\n|---|---|---|---|---|---|\n");
    for (const auto& [name, p] :
         {std::pair<const char*, const bench::HelperRun&>{"baseline: adapter SQL, libpqxx", base},
          std::pair<const char*, const bench::HelperRun&>{"regfed: HTTP API, audited", http}})
      std::printf("| %s | %.0f | %.2f ms | %.2f ms | %lld | %.1f s |\n", name, p.claimsPerSecond(),
                  bench::percentile(p.tally.claimMs, 0.5), bench::percentile(p.tally.claimMs, 0.99),
                  p.tally.lost(), p.seconds);
    std::printf("\nratio regfed / baseline: throughput %.2f, claim p99 %.1fx\n",
                http.claimsPerSecond() / std::max(1e-9, base.claimsPerSecond()),
                bench::percentile(http.tally.claimMs, 0.99) /
                    std::max(1e-9, bench::percentile(base.tally.claimMs, 0.99)));
    return ok ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "claim_bench: " << e.what() << "\n";
    return 1;
  }
}
