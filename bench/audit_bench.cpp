// audit_bench: the DPO's side of a node's audit log at scale, each figure beside a baseline from the same
// run.
//
//   audit_bench --admin-dsn "host=… port=… user=postgres dbname=postgres" [--events 1000000]
//
// Builds a fresh database with a log of N synthetic events written by the node's own writer (signed heads,
// frontiers), then measures:
//   - opening the log: from the newest head's frontier vs. reading every leaf (the old start-up);
//   - `regfed audit verify`'s recomputation vs. only reading the same rows;
//   - a person's report (GDPR Art. 15) vs. fetching one event by its key;
//   - a CSV export of every event: rate and how much the process grew while streaming.
#include <regfed/audit/AuditReview.h>
#include <regfed/audit/AuditWriter.h>
#include <regfed/audit/EventCopy.h>
#include <regfed/audit/LogVerifier.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <pqxx/pqxx>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "AuditExport.h"
#include "Node.h"

namespace audit = regfed::audit;
using Clock = std::chrono::steady_clock;

namespace {

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// Resident memory now (the high-water mark of getrusage would still hold earlier stages' peaks).
long rssKiB() {
  long pages = 0, resident = 0;
  if (FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(f);
  }
  return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

const char* const kAgs[] = {"15084130", "15088205", "15088150", "15088220",
                            "15084355", "15088330", "15084550", "15084590"};

audit::AuditEvent synthetic(std::mt19937_64& rng, std::int64_t i) {
  audit::AuditEvent e;
  e.time = audit::utcNow();
  e.requestId = "bench-" + std::to_string(i);
  const auto actor = rng() % 400;
  e.actorAgs = kAgs[actor % 8];
  e.actor = "person." + std::to_string(actor);
  e.roles = {actor % 5 == 0 ? "helper" : "clerk"};
  e.action = rng() % 3 == 0 ? "get" : "search";
  e.ownerAgs = std::string(kAgs[rng() % 8]);
  e.registerName = "melderegister";
  e.purpose = "Bearbeitung Online-Antrag Wohnsitzanmeldung";
  e.caseRef = "ANT-2026-" + std::to_string(rng() % 100000);
  if (*e.ownerAgs != e.actorAgs) e.mandate = "M-" + *e.ownerAgs + "-2026-" + std::to_string(rng() % 40);
  e.criteria = R"({"familienname":"Müller","vornamen":"Anna"})";
  // 100,000 persons per register; a search discloses a few.
  const int hits = e.action == "get" ? 1 : static_cast<int>(rng() % 4);
  for (int h = 0; h < hits; ++h) e.subjects.push_back("P-" + std::to_string(rng() % 100000));
  e.fields = {"familienname", "vornamen", "geburtsdatum", "anschrift"};
  e.resultCount = static_cast<std::int64_t>(e.subjects.size());
  e.decision = rng() % 20 == 0 ? "deny" : "allow";
  e.reason = e.decision == "deny" ? "mandate_not_in_force" : "own_municipality";
  return e;
}

std::string dsnFor(const std::string& admin, const std::string& user, const std::string& db) {
  return admin + " user=" + user + " dbname=" + db;
}

// Reads every row of the log in `streams` parallel stretches of its pages, as verifyLog does, parsing each
// row and nothing more. Returns the number of rows.
std::int64_t readInStretches(const std::string& dsn, std::int64_t streams) {
  pqxx::connection c(dsn);
  const auto pages =
      pqxx::nontransaction(c)
          .exec1("SELECT pg_relation_size('regfed_audit.events') / current_setting('block_size')::int + 1")[0]
          .as<std::int64_t>();
  std::atomic<std::int64_t> rows{0};
  std::vector<std::thread> threads;
  for (std::int64_t w = 0; w < streams; ++w)
    threads.emplace_back([&, w] {
      audit::copyEvents(dsn, "bench", {"", pages * w / streams, pages * (w + 1) / streams},
                        [&](const audit::StoredEvent&) { ++rows; });
    });
  for (auto& t : threads) t.join();
  return rows.load();
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

}  // namespace

int main(int argc, char** argv) {
  std::string admin;  // connection parameters without user and dbname
  std::int64_t total = 1000000;
  bool reuse = false;       // --reuse: the log of the previous run, measured again without writing it anew
  bool verifyOnly = false;  // --verify-only: verification and its baselines, nothing else (for profiling)
  int rounds = 3;           // --rounds: verifications (and parallel reads) measured, the median reported
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    if (k == "--reuse") reuse = true;
    if (k == "--verify-only") verifyOnly = true;
    if (k == "--rounds" && i + 1 < argc) rounds = std::max(1, std::stoi(argv[++i]));
    if (k == "--admin" && i + 1 < argc) admin = argv[++i];
    if (k == "--events" && i + 1 < argc) total = std::stoll(argv[++i]);
  }
  if (admin.empty()) {
    std::cerr
        << "usage: audit_bench --admin 'host=H port=P' [--events N] [--reuse] [--verify-only] [--rounds R]\n";
    return 2;
  }
  const std::string db = "regfed_audit_bench";
  if (!reuse) {
    pqxx::connection c(dsnFor(admin, "postgres", "postgres"));
    pqxx::nontransaction tx(c);
    tx.exec("DROP DATABASE IF EXISTS " + db + " WITH (FORCE)");
    tx.exec("CREATE DATABASE " + db + " OWNER regfed_owner");
  }
  audit::AuditStore::migrate(dsnFor(admin, "regfed_owner", db), "regfed_node",
                             {"regfed_auditor", "regfed_pruner"});
  const std::string nodeDsn = dsnFor(admin, "regfed_node", db);
  const std::string keyFile = "/tmp/regfed-audit-bench.pem";
  if (!reuse) {
    std::remove(keyFile.c_str());
    audit::TreeHeadSigner::generatePrivateKeyFile(keyFile);
  }
  audit::AuditWriterOptions o;
  o.dsn = nodeDsn;
  o.node = "bench";
  o.maxBatchEvents = 8192;
  o.signEveryEvents = 10000;
  o.commitTimeout = std::chrono::milliseconds(60000);

  // The log, written the way the node writes it: concurrent requests, group commit, signed heads.
  auto started = Clock::now();
  if (reuse) {
    total = audit::AuditStore(nodeDsn).maxSeq("bench");
  } else {
    audit::AuditWriter writer(o, audit::TreeHeadSigner::fromPrivateKeyFile(keyFile), nullptr);
    writer.start();
    std::vector<std::thread> clients;
    const int threads = 4;
    for (int t = 0; t < threads; ++t)
      clients.emplace_back([&, t] {
        std::mt19937_64 rng(static_cast<unsigned>(t) + 1);
        for (std::int64_t i = t; i < total; i += threads * 500) {
          std::vector<audit::AuditEvent> batch;
          for (std::int64_t j = i; j < std::min(total, i + threads * 500); j += threads)
            batch.push_back(synthetic(rng, j));
          if (!writer.record(batch)) {
            std::cerr << "audit_bench: writing failed\n";
            std::exit(1);
          }
        }
      });
    for (auto& c : clients) c.join();
  }
  if (!reuse)
    std::printf("log of %lld events written in %.1f s (%.0f events/s, group commit)\n\n",
                static_cast<long long>(total), since(started), static_cast<double>(total) / since(started));
  {
    pqxx::connection c(dsnFor(admin, "postgres", db));
    pqxx::nontransaction(c).exec("VACUUM ANALYZE regfed_audit.events");
  }

  // Opening the log.
  for (bool frontier : {true, false}) {
    if (verifyOnly) break;
    o.resumeFromFrontier = frontier;
    audit::AuditWriter w(o, audit::TreeHeadSigner::fromPrivateKeyFile(keyFile), nullptr);
    const auto t = Clock::now();
    w.start();
    const double opened = since(t);
    const bool whole = w.awaitWholeLogCheck();
    std::printf("open the log %-28s %8.3f s   (background check of every leaf: %s, %.2f s after start)\n",
                frontier ? "from the newest frontier:" : "reading every leaf:", opened,
                whole ? "passed" : "FAILED", since(t));
    w.stop();
  }

  // Verification vs. reading the rows.
  audit::AuditStore store(nodeDsn);
  const auto key = audit::TreeHeadSigner::fromPrivateKeyFile(keyFile);
  auto t = Clock::now();
  std::int64_t read = 0;
  std::vector<audit::StoredEvent> sample;
  audit::copyEvents(nodeDsn, "bench", {"", 0, std::int64_t{1} << 31}, [&](const audit::StoredEvent& s) {
    if (++read <= 100000) sample.push_back(s);
  });
  const double readSeconds = since(t);
  // Verification against reading the same rows in the same parallel stretches without hashing anything
  // (PostgreSQL's side of it), alternating, `rounds` times each: this machine's speed varies from run to run.
  const auto streams = static_cast<std::int64_t>(std::max(1u, std::thread::hardware_concurrency()));
  std::vector<double> verifyRates, readRates;
  audit::VerifyResult v;
  for (int r = 0; r < rounds; ++r) {
    t = Clock::now();
    v = audit::verifyLog(store, "bench", key);
    verifyRates.push_back(static_cast<double>(v.size) / since(t));
    t = Clock::now();
    readRates.push_back(static_cast<double>(readInStretches(nodeDsn, streams)) / since(t));
  }
  std::printf(
      "\nverify (recompute every leaf, check %lld signed heads), %lld events, %d rounds: median %.0f "
      "events/s "
      "(%.0f to %.0f) (%s)\n",
      static_cast<long long>(v.headsChecked), static_cast<long long>(v.size), rounds,
      percentile(verifyRates, 0.5), percentile(verifyRates, 0.0), percentile(verifyRates, 1.0),
      v.ok ? "ok" : v.problem.c_str());
  std::printf(
      "baseline, read the same rows only, %lld streams:   median %.0f events/s (%.0f to %.0f); verify is "
      "%.2f of it\n",
      static_cast<long long>(streams), percentile(readRates, 0.5), percentile(readRates, 0.0),
      percentile(readRates, 1.0), percentile(verifyRates, 0.5) / percentile(readRates, 0.5));
  std::printf("baseline, read the same rows only, one stream:     %lld events in %.2f s = %.0f events/s\n",
              static_cast<long long>(read), readSeconds, static_cast<double>(read) / readSeconds);
  t = Clock::now();
  for (const auto& s : sample) audit::leafHash(audit::canonicalForm(s.event));
  std::printf("baseline, hash %zu events in memory (one core):  %.0f events/s\n", sample.size(),
              static_cast<double>(sample.size()) / since(t));

  if (verifyOnly) return v.ok ? 0 : 1;

  // A person's report vs. one event by key.
  pqxx::connection c(nodeDsn);
  std::mt19937_64 rng(99);
  std::vector<double> report, byKey;
  std::size_t accesses = 0;
  for (int i = 0; i < 300; ++i) {
    audit::EventFilter f;
    f.node = "bench";
    f.ownerAgs = std::string(kAgs[i % 8]);
    f.visibleTo = {*f.ownerAgs};
    f.registerName = "melderegister";
    f.subject = "P-" + std::to_string(rng() % 100000);
    f.limit = 100000;
    pqxx::work tx(c);
    auto a = Clock::now();
    accesses += audit::findEvents(tx, f).size();
    report.push_back(since(a) * 1000);
    a = Clock::now();
    tx.exec_params(
        "SELECT " + std::string("leaf_hash") + " FROM regfed_audit.events WHERE node = 'bench' AND seq = $1",
        static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(total)) + 1);
    byKey.push_back(since(a) * 1000);
  }
  std::printf("\nperson's report (Art. 15), 300 persons, %.1f accesses each: p50 %.2f ms, p99 %.2f ms\n",
              static_cast<double>(accesses) / 300.0, percentile(report, 0.5), percentile(report, 0.99));
  std::printf("baseline, one event by its key:                    p50 %.2f ms, p99 %.2f ms\n",
              percentile(byKey, 0.5), percentile(byKey, 0.99));

  // Export: everything, as CSV, into a sink that only counts.
  for (std::int64_t limit : {total / 10, total}) {
    const long before = rssKiB();
    long peak = before;
    t = Clock::now();
    std::size_t bytes = 0, rows = 0;
    pqxx::work tx(c);
    audit::EventFilter f;
    f.node = "bench";
    bytes += regfed::core::csvHeader().size();
    audit::streamEvents(tx, f, [&](const audit::StoredEvent& s) {
      bytes += regfed::core::csvLine(s).size();
      if (rows % 10000 == 0) peak = std::max(peak, rssKiB());
      return static_cast<std::int64_t>(++rows) < limit;
    });
    std::printf(
        "\nCSV export of %zu events: %.1f MB in %.2f s = %.0f events/s; resident memory while streaming: "
        "+%ld KiB\n",
        rows, static_cast<double>(bytes) / 1e6, since(t), static_cast<double>(rows) / since(t),
        peak - before);
  }
  return v.ok ? 0 : 1;
}
