// Lookup benchmark: N concurrent clients fetch Melderegister records by id
//   (a) through regfed over HTTP: token check, policy, sql adapter, audit event committed before the answer;
//   (b) straight from PostgreSQL with libpqxx: the same prepared SELECT, no HTTP, no audit (the baseline).
// Both run in the same process, alternating in rounds, with the same ids, against the same database.
// In a federation (the config has peers) it also measures the fan-out: the same person search (POST /v1/query)
//   (c) of the node's own municipality only,
//   (d) of it and one municipality on one other node,
//   (e) of every municipality of the federation ("*"), one call per other node, in parallel.
// The clerk has no mandate elsewhere, so the other municipalities answer `denied`: each owning node verifies the
// token, runs its policy and commits its audit event, but queries no register.
//
//   lookup_bench --config var/demo/merseburg.json --url http://127.0.0.1:8480 [--clients 16] [--seconds 15]
//                [--rounds 2] [--ags 15088220]

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <pqxx/pqxx>
#include <random>
#include <thread>

#include "Config.h"
#include "TokenVerifier.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Args {
  std::string config, url, ags = "15088220";
  int clients = 16, seconds = 15, rounds = 2, persons = 10000;
};

struct Phase {
  std::vector<double> latenciesMs;
  long long ok = 0, errors = 0;
  double seconds = 0;
  double throughput() const { return ok / seconds; }
  double percentile(double p) const {
    if (latenciesMs.empty()) return 0;
    std::vector<double> sorted = latenciesMs;
    std::size_t k = static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1));
    std::nth_element(sorted.begin(), sorted.begin() + static_cast<long>(k), sorted.end());
    return sorted[k];
  }
  void add(const Phase& other) {
    latenciesMs.insert(latenciesMs.end(), other.latenciesMs.begin(), other.latenciesMs.end());
    ok += other.ok;
    errors += other.errors;
    seconds += other.seconds;
  }
};

std::string personId(const std::string& prefix, std::mt19937& rng, int persons) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%s-%06d", prefix.c_str(),
                1 + static_cast<int>(rng() % static_cast<unsigned>(persons)));
  return buf;
}

// Runs `clients` threads for `seconds`; each calls `once(thread, rng)` in a loop and reports success.
template <class Setup>
Phase runPhase(int clients, int seconds, Setup setup) {
  std::vector<Phase> perThread(static_cast<std::size_t>(clients));
  std::atomic<bool> go{false}, stop{false};
  std::atomic<int> readyCount{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < clients; ++t)
    threads.emplace_back([&, t] {
      auto once = setup(t);
      std::mt19937 rng(static_cast<unsigned>(1000 + t));
      ++readyCount;
      while (!go.load()) std::this_thread::yield();
      Phase& p = perThread[static_cast<std::size_t>(t)];
      while (!stop.load()) {
        const auto start = Clock::now();
        const bool ok = once(rng);
        const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
        if (ok) {
          ++p.ok;
          p.latenciesMs.push_back(ms);
        } else {
          ++p.errors;
        }
      }
    });
  while (readyCount.load() < clients) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const auto started = Clock::now();
  go = true;
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  stop = true;
  for (auto& th : threads) th.join();
  Phase total;
  for (auto& p : perThread) total.add(p);
  total.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  return total;
}

// Reads a metric's value from the node's /metrics (0 when absent).
double metric(const Poco::URI& uri, const std::string& name) {
  Poco::Net::HTTPClientSession session(uri.getHost(), uri.getPort());
  Poco::Net::HTTPRequest request("GET", "/metrics", Poco::Net::HTTPMessage::HTTP_1_1);
  session.sendRequest(request);
  Poco::Net::HTTPResponse response;
  std::string text;
  Poco::StreamCopier::copyToString(session.receiveResponse(response), text);
  auto pos = text.find("\n" + name + " ");
  return pos == std::string::npos ? 0 : std::stod(text.substr(pos + name.size() + 2));
}

void print(const char* name, const Phase& p) {
  std::printf("%-34s %9.0f /s   p50 %6.2f ms   p90 %6.2f ms   p99 %6.2f ms   max %7.2f ms   errors %lld\n",
              name, p.throughput(), p.percentile(0.50), p.percentile(0.90), p.percentile(0.99),
              p.percentile(1.0), p.errors);
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--config")
      a.config = v;
    else if (k == "--url")
      a.url = v;
    else if (k == "--ags")
      a.ags = v;
    else if (k == "--clients")
      a.clients = std::stoi(v);
    else if (k == "--seconds")
      a.seconds = std::stoi(v);
    else if (k == "--rounds")
      a.rounds = std::stoi(v);
    else if (k == "--persons")
      a.persons = std::stoi(v);
    else {
      std::cerr << "unknown option " << k << "\n";
      return 2;
    }
  }
  if (a.config.empty() || a.url.empty()) {
    std::cerr << "usage: lookup_bench --config FILE --url URL [--clients 16] [--seconds 15] [--rounds 2]\n";
    return 2;
  }
  auto load = regfed::core::loadConfig(a.config);
  if (!load.problems.empty()) {
    std::cerr << load.problems[0] << "\n";
    return 1;
  }
  const auto& config = load.config;
  const regfed::core::RegisterConfig* reg = nullptr;
  for (const auto& r : config.registers)
    if (r.ags == a.ags && r.name == "melderegister") reg = &r;
  if (!reg) {
    std::cerr << "no melderegister for " << a.ags << " in the config\n";
    return 1;
  }
  std::string conninfo, table;
  for (const auto& o : reg->options) {
    if (o.key == "conninfo") conninfo = o.value;
    if (o.key == "table") table = o.value;
  }
  std::string prefix;
  {
    pqxx::connection c(conninfo);
    pqxx::nontransaction tx(c);
    prefix = tx.exec("SELECT split_part(min(id), '-', 1) FROM " + table)[0][0].as<std::string>();
  }
  const std::string token = regfed::core::mintToken(config, "bench.clerk", a.ags, {"clerk"}, 3600);
  const Poco::URI uri(a.url);
  const std::string fields = "familienname,vornamen,geburtsdatum,anschrift";

  auto httpSetup = [&](int) {
    auto session = std::make_shared<Poco::Net::HTTPClientSession>(uri.getHost(), uri.getPort());
    session->setKeepAlive(true);
    return [&, session](std::mt19937& rng) {
      const std::string id = personId(prefix, rng, a.persons);
      Poco::Net::HTTPRequest request(
          "GET", "/v1/registers/" + a.ags + "/melderegister/records/" + id + "?fields=" + fields,
          Poco::Net::HTTPMessage::HTTP_1_1);
      request.setKeepAlive(true);
      request.set("Authorization", "Bearer " + token);
      request.set("Regfed-Purpose", "Lasttest%20Abruf");
      request.set("Regfed-Case-Ref", "BENCH-1");
      try {
        session->sendRequest(request);
        Poco::Net::HTTPResponse response;
        std::istream& in = session->receiveResponse(response);
        std::string body;
        Poco::StreamCopier::copyToString(in, body);
        return response.getStatus() == Poco::Net::HTTPResponse::HTTP_OK && body.find(id) != std::string::npos;
      } catch (const std::exception&) {
        session->reset();
        return false;
      }
    };
  };
  auto sqlSetup = [&](int) {
    auto conn = std::make_shared<pqxx::connection>(conninfo);
    conn->prepare("lookup", "SELECT id, familienname, vornamen, geburtsdatum, anschrift FROM " + table +
                                " WHERE id = $1");
    return [&, conn](std::mt19937& rng) {
      const std::string id = personId(prefix, rng, a.persons);
      pqxx::nontransaction tx(*conn);
      auto r = tx.exec_prepared("lookup", id);
      return r.size() == 1;
    };
  };

  // The fan-out: one search of own, own + one other node's, and all municipalities.
  std::string otherAgs;
  if (!config.federation.peers.empty()) otherAgs = config.federation.peers[0].municipalities[0].ags;
  std::size_t everyone = config.municipalities.size();
  for (const auto& p : config.federation.peers) everyone += p.municipalities.size();
  static const char* kSurnames[] = {"Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner",
                                    "Becker", "Schulz", "Hoffmann"};
  auto querySetup = [&](const std::string& municipalities, std::size_t expected) {
    return [&, municipalities, expected](int) {
      auto session = std::make_shared<Poco::Net::HTTPClientSession>(uri.getHost(), uri.getPort());
      session->setKeepAlive(true);
      return [&, session, municipalities, expected](std::mt19937& rng) {
        const std::string body = std::string(R"({"register":"melderegister","municipalities":)") + municipalities +
                                 R"(,"filter":{"familienname":")" + kSurnames[rng() % 10] +
                                 R"(","vornamen":{"prefix":"A"}},"fields":["familienname","vornamen"],"limit":10,)"
                                 R"("purpose":"Lasttest Suche","case_ref":"BENCH-2"})";
        Poco::Net::HTTPRequest request("POST", "/v1/query", Poco::Net::HTTPMessage::HTTP_1_1);
        request.setKeepAlive(true);
        request.set("Authorization", "Bearer " + token);
        request.setContentType("application/json");
        request.setContentLength(static_cast<std::streamsize>(body.size()));
        try {
          session->sendRequest(request) << body;
          Poco::Net::HTTPResponse response;
          std::string text;
          Poco::StreamCopier::copyToString(session->receiveResponse(response), text);
          std::size_t answered = 0;
          for (auto pos = text.find("\"status\":\"ok\""); pos != std::string::npos; pos = text.find("\"status\":\"ok\"", pos + 1))
            ++answered;
          for (auto pos = text.find("\"status\":\"denied\""); pos != std::string::npos;
               pos = text.find("\"status\":\"denied\"", pos + 1))
            ++answered;
          return response.getStatus() == Poco::Net::HTTPResponse::HTTP_OK && answered == expected;
        } catch (const std::exception&) {
          session->reset();
          return false;
        }
      };
    };
  };

  std::printf("lookup_bench: %d clients, %d s per phase, %d rounds, %s, register %s/melderegister (%s)\n",
              a.clients, a.seconds, a.rounds, a.url.c_str(), a.ags.c_str(), table.c_str());
  std::printf("machine: %u cores; node, PostgreSQL and this client share it\n\n",
              std::thread::hardware_concurrency());
  runPhase(a.clients, 2, httpSetup);  // warm-up: connections, prepared statements, token cache
  runPhase(a.clients, 2, sqlSetup);
  Phase http, sql;
  double events = 0, batches = 0, commitSeconds = 0;
  for (int round = 1; round <= a.rounds; ++round) {
    Phase s = runPhase(a.clients, a.seconds, sqlSetup);
    const double e0 = metric(uri, "regfed_audit_batch_events_sum"),
                 b0 = metric(uri, "regfed_audit_batch_events_count"),
                 c0 = metric(uri, "regfed_audit_commit_seconds_sum");
    Phase h = runPhase(a.clients, a.seconds, httpSetup);
    events += metric(uri, "regfed_audit_batch_events_sum") - e0;
    batches += metric(uri, "regfed_audit_batch_events_count") - b0;
    commitSeconds += metric(uri, "regfed_audit_commit_seconds_sum") - c0;
    std::printf("round %d\n", round);
    print("  baseline: libpqxx SELECT by id", s);
    print("  regfed: audited GET over HTTP", h);
    sql.add(s);
    http.add(h);
  }
  std::printf("\nall rounds\n");
  print("  baseline: libpqxx SELECT by id", sql);
  print("  regfed: audited GET over HTTP", http);
  std::printf("  ratio regfed / baseline throughput: %.2f   p99 latency: %.2fx\n",
              http.throughput() / sql.throughput(),
              http.percentile(0.99) / std::max(0.001, sql.percentile(0.99)));
  std::printf(
      "  audit during the regfed phases: %.0f events in %.0f group commits (%.1f events per commit, "
      "mean commit %.2f ms)\n",
      events, batches, events / std::max(1.0, batches), 1000 * commitSeconds / std::max(1.0, batches));
  std::printf(
      "  target: >= 5000 audited lookups/s and p99 <= 20 ms -> %s\n",
      http.throughput() >= 5000 && http.percentile(0.99) <= 20 && http.errors == 0 ? "met" : "NOT met");
  if (otherAgs.empty()) return 0;

  std::printf("\nfan-out: the same person search of 1, 2 (one other node) and all %zu municipalities (%zu nodes)\n",
              everyone, config.federation.peers.size() + 1);
  const std::string own = "[\"" + a.ags + "\"]", two = "[\"" + a.ags + "\",\"" + otherAgs + "\"]";
  runPhase(a.clients, 2, querySetup(R"(["*"])", everyone));  // warm-up: peer connections
  Phase single, pair, all;
  for (int round = 1; round <= a.rounds; ++round) {
    Phase s1 = runPhase(a.clients, a.seconds, querySetup(own, 1));
    Phase s2 = runPhase(a.clients, a.seconds, querySetup(two, 2));
    Phase s8 = runPhase(a.clients, a.seconds, querySetup(R"(["*"])", everyone));
    std::printf("round %d\n", round);
    print("  search, own municipality", s1);
    print("  search, + one other node", s2);
    print("  search, all municipalities", s8);
    single.add(s1);
    pair.add(s2);
    all.add(s8);
  }
  std::printf("\nall rounds\n");
  print("  search, own municipality", single);
  print("  search, + one other node", pair);
  print("  search, all municipalities", all);
  const double nodes = static_cast<double>(config.federation.peers.size());
  std::printf("  fan-out p50: %.2fx the single-node p50 (%.2f ms per other node asked in parallel)\n",
              all.percentile(0.5) / std::max(0.001, single.percentile(0.5)),
              (all.percentile(0.5) - single.percentile(0.5)) / std::max(1.0, nodes));
  std::printf("  one other node adds %.2f ms at p50\n", pair.percentile(0.5) - single.percentile(0.5));
  std::printf("  target: fan-out p50 <= 2x single-node p50 at %d clients -> %s\n", a.clients,
              all.percentile(0.5) <= 2 * single.percentile(0.5) && all.errors == 0 ? "met" : "NOT met");
  return 0;
}
