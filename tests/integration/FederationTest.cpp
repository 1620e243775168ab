// Federation: real node processes on loopback, each with its own database, answering each other over Thrift
// with mutual TLS.
#define BOOST_TEST_MODULE federation
#include <Poco/JSON/Array.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/UUIDGenerator.h>
#include <RegfedNode.h>
#include <regfed/audit/AuditStore.h>
#include <regfed/audit/TreeHeadSigner.h>
#include <regfed/audit/Witness.h>
#include <regfed_constants.h>
#include <signal.h>
#include <sys/socket.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/server/TThreadedServer.h>
#include <thrift/transport/TBufferTransports.h>
#include <thrift/transport/TSSLServerSocket.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <thread>

#include "CalendarDate.h"
#include "FederationFixture.h"
#include "NodeFixture.h"
#include "PeerTls.h"

using namespace regfed::test;
namespace wire = ::regfed::wire;
using Clock = std::chrono::steady_clock;

namespace {

struct SigpipeIgnored {
  SigpipeIgnored() { ::signal(SIGPIPE, SIG_IGN); }
} ignoreSigpipe;

const std::string kFilter =
    R"({"familienname":"Müller","vornamen":"Anna","ort":"Merseburg","geburtsdatum":"1984-03-02"})";

std::string search(const std::string& mandate, const std::string& municipalities, int timeoutMs = 3000) {
  return R"({"register":"melderegister","municipalities":)" + municipalities + R"(,"filter":)" + kFilter +
         R"(,"fields":["familienname","vornamen","ort"],"purpose":"Bearbeitung Online-Antrag","case_ref":"ANT-7",)" +
         (mandate.empty() ? "" : "\"mandate\":\"" + mandate + "\",") + R"("timeout_ms":)" +
         std::to_string(timeoutMs) + "}";
}

// Status of each municipality in a query answer, e.g. "15088220=ok(1)@merseburg".
std::map<std::string, std::string> statuses(const HttpResponse& r) {
  std::map<std::string, std::string> out;
  auto results = r.json()->getArray("results");
  for (std::size_t i = 0; i < results->size(); ++i) {
    auto o = results->getObject(static_cast<unsigned>(i));
    std::string s = o->getValue<std::string>("status");
    if (s == "ok")
      s += "(" + std::to_string(o->getArray("records")->size()) + ")";
    else
      s += ":" + o->getObject("error")->getValue<std::string>("code");
    if (o->has("node")) s += "@" + o->getValue<std::string>("node");
    out[o->getValue<std::string>("ags")] = s;
  }
  return out;
}

/// A Thrift client with a certificate of the test's choosing.
struct RawPeer {
  RawPeer(const std::string& ca, const std::string& cert, const std::string& key, int port,
          const std::string& expectNode) {
    regfed::core::FederationConfig f;
    f.ca = ca;
    f.certificate = cert;
    f.privateKey = key;
    factory = std::make_shared<regfed::core::PeerSocketFactory>(f, false);
    socket = factory->connectTo("127.0.0.1", port, expectNode);
    socket->setConnTimeout(3000);
    socket->setRecvTimeout(5000);
    socket->setSendTimeout(5000);
    socket->open();
    socket->handshake();
    auto framed = std::make_shared<apache::thrift::transport::TFramedTransport>(socket);
    client = std::make_unique<wire::RegfedNodeClient>(
        std::make_shared<apache::thrift::protocol::TBinaryProtocol>(framed));
  }
  std::shared_ptr<regfed::core::PeerSocketFactory> factory;
  std::shared_ptr<regfed::core::PeerSocket> socket;
  std::unique_ptr<wire::RegfedNodeClient> client;
};

wire::SearchRequest wireSearch(const std::string& token, const std::string& ags) {
  wire::SearchRequest r;
  r.caller.contract_version = wire::g_regfed_constants.CONTRACT_VERSION;
  r.caller.token = token;
  r.caller.request_id = Poco::UUIDGenerator::defaultGenerator().createRandom().toString();
  r.caller.deadline_ms = 3000;
  r.register_name = "melderegister";
  r.municipalities = {ags};
  wire::FilterTerm t;
  t.field = "familienname";
  t.op = wire::Operator::EQUALS;
  wire::Value v;
  v.__set_text("Müller");
  t.values = {v};
  r.filter = {t};
  r.limit = 10;
  r.purpose = "Bearbeitung Online-Antrag";
  r.case_ref = "ANT-8";
  return r;
}

double secondsSince(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

}  // namespace

BOOST_FIXTURE_TEST_SUITE(federation, FederationFixture)

BOOST_AUTO_TEST_CASE(a_query_fans_out_to_the_owning_nodes_and_both_sides_log_the_same_request_id) {
  const std::string mandate = approvedMandate("merseburg", "15088220");
  const std::string helper = token("lena.wagner", "15088205", {"helper"});
  auto r = post("leuna", helper, "/v1/query", search(mandate, R"(["15088220","15084590","15084550"])"));
  BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
  auto s = statuses(r);
  BOOST_TEST(s["15088220"] == "ok(1)@merseburg");
  // The mandate lives at Merseburg's node; Zeitz and Weißenfels decide for themselves at theirs.
  BOOST_TEST(s["15084590"].rfind("denied:", 0) == 0, s["15084590"]);
  BOOST_TEST(s["15084590"].find("@sued") != std::string::npos);
  BOOST_TEST(s["15084550"].rfind("denied:", 0) == 0, s["15084550"]);
  BOOST_TEST(r.body.find("MER-000001") != std::string::npos);

  const std::string id = r.json()->getValue<std::string>("request_id");
  // The home node logs what it asked and what came back, per municipality, with the node that answered.
  BOOST_TEST(audit("leuna", id, "owner_ags || ':' || decision || ':' || peer || ':' || result_count") ==
             "15088220:allow:merseburg:1|15084590:deny:sued:0|15084550:deny:sued:0");
  BOOST_TEST(audit("leuna", id, "subjects::text") == "{MER-000001}|{}|{}");
  // The owning nodes log what they disclosed (or refused), under the same request id, naming the asking node.
  BOOST_TEST(audit("merseburg", id, "decision || ':' || peer || ':' || actor || ':' || mandate") ==
             "allow:leuna:lena.wagner:" + mandate);
  BOOST_TEST(audit("merseburg", id, "subjects::text") == "{MER-000001}");
  BOOST_TEST(audit("sued", id, "owner_ags || ':' || decision || ':' || peer") ==
             "15084590:deny:leuna|15084550:deny:leuna");
}

BOOST_AUTO_TEST_CASE(all_municipalities_means_every_node_and_the_catalog_shows_them) {
  const std::string clerk = token("max.klein", "15088220", {"clerk"});
  auto r = post("merseburg", clerk, "/v1/query", search("", R"(["*"])"));
  BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
  auto s = statuses(r);
  BOOST_TEST(s.size() == 4u);
  BOOST_TEST(s["15088220"] == "ok(1)");
  BOOST_TEST(s["15088205"].rfind("denied:", 0) == 0, s["15088205"]);
  BOOST_TEST(s["15084590"].find("@sued") != std::string::npos);
  // Catalogs are fetched in the background (at start, by the probes, and when a node comes back).
  auto catalog = eventually([&] { return get("merseburg", clerk, "/v1/registers"); },
                            "\"Stadt Weißenfels\",\"register\"");
  BOOST_REQUIRE_EQUAL(catalog.status, 200);
  BOOST_TEST(catalog.body.find("\"node\":\"sued\"") != std::string::npos, catalog.body);
  BOOST_TEST(catalog.json()->getArray("registers")->size() == 4u, catalog.body);
  BOOST_TEST(catalog.json()->getArray("nodes")->size() == 3u);
}

BOOST_AUTO_TEST_CASE(a_record_opens_across_nodes_only_after_a_search_disclosed_it) {
  const std::string mandate = approvedMandate("merseburg", "15088220");
  const std::string helper = token("lena.wagner", "15088205", {"helper"});
  const std::map<std::string, std::string> headers = {{"Regfed-Purpose", "Bearbeitung%20Online-Antrag"},
                                                      {"Regfed-Case-Ref", "ANT-7"},
                                                      {"Regfed-Mandate", mandate}};
  const std::string path =
      "/v1/registers/15088220/melderegister/records/MER-000001?fields=familienname,vornamen";
  auto before = get("leuna", helper, path, headers);
  BOOST_TEST(before.status == 404);
  BOOST_TEST(before.errorCode() == "not_found");
  auto found = post("leuna", helper, "/v1/query", search(mandate, R"(["15088220"])"));
  BOOST_REQUIRE_EQUAL(found.status, 200);
  // Without naming the municipality: the mandate's id names its owner, so Leuna's node knows where to ask.
  auto byMandate = post("leuna", helper, "/v1/query",
                        R"({"register":"melderegister","filter":)" + kFilter + R"(,"mandate":")" + mandate +
                            R"(","purpose":"Bearbeitung Online-Antrag","case_ref":"ANT-7"})");
  BOOST_REQUIRE_MESSAGE(byMandate.status == 200, byMandate.body);
  BOOST_TEST(statuses(byMandate)["15088220"] == "ok(1)@merseburg");
  auto after = get("leuna", helper, path, headers);
  BOOST_REQUIRE_MESSAGE(after.status == 200, after.body);
  BOOST_TEST(after.json()->getObject("record")->getValue<std::string>("familienname") == "Müller");
  const std::string id = after.json()->getValue<std::string>("request_id");
  BOOST_TEST(audit("leuna", id, "action || ':' || decision || ':' || peer") == "get:allow:merseburg");
  BOOST_TEST(audit("merseburg", id, "action || ':' || decision || ':' || peer || ':' || subjects::text") ==
             "get:allow:leuna:{MER-000001}");
  // The blocked record gets the same neutral answer as a missing one.
  auto blocked = get("leuna", helper, "/v1/registers/15088220/melderegister/records/MER-000007", headers);
  BOOST_TEST(blocked.status == 404);
  BOOST_TEST(blocked.body.find("Hans") == std::string::npos);

  // The person's report (GDPR Art. 15) at the owner: the search and the opening, asked through Leuna's node,
  // under the request ids Leuna's log holds too, so both halves of each request can be put side by side.
  const std::string searchId = found.json()->getValue<std::string>("request_id");
  auto report = get("merseburg", token("dora.dpo", "15088220", {"dpo"}),
                    "/v1/audit/subjects/15088220/melderegister/MER-000001");
  BOOST_REQUIRE_MESSAGE(report.status == 200, report.body);
  std::map<std::string, Poco::JSON::Object::Ptr> byRequest;
  auto accesses = report.json()->getArray("accesses");
  for (std::size_t i = 0; i < accesses->size(); ++i) {
    auto a = accesses->getObject(static_cast<unsigned>(i));
    byRequest[a->getValue<std::string>("request_id")] = a;
  }
  for (const std::string& rid : {searchId, id}) {
    BOOST_REQUIRE(byRequest.count(rid) == 1u);
    const auto& a = byRequest[rid];
    BOOST_TEST(a->getValue<std::string>("requested_via") == "leuna");
    BOOST_TEST(a->getValue<std::string>("actor") == "lena.wagner");
    BOOST_TEST(a->getValue<std::string>("mandate") == mandate);
    BOOST_TEST(a->getValue<bool>("disclosed"));
  }
  // Leuna's DPO sees the same requests in Leuna's log (their own staff), at their own node only.
  const std::string leuDpo = token("lutz.dpo", "15088205", {"dpo"});
  auto leuna = get("leuna", leuDpo, "/v1/audit/events?actor=lena.wagner&action=get&limit=100");
  BOOST_REQUIRE_MESSAGE(leuna.status == 200, leuna.body);
  BOOST_TEST(leuna.body.find("\"request_id\":\"" + id + "\"") != std::string::npos);
  BOOST_TEST(leuna.body.find("\"peer\":\"merseburg\"") != std::string::npos);
  BOOST_TEST(get("merseburg", leuDpo, "/v1/audit/events").errorCode() == "not_home_node");
}

BOOST_AUTO_TEST_CASE(a_stopped_peer_answers_unavailable_within_the_deadline_and_comes_back) {
  const std::string clerk = token("max.klein", "15088220", {"clerk"});
  stop("sued");
  const auto started = Clock::now();
  auto r = post("merseburg", clerk, "/v1/query", search("", R"(["15088220","15084590"])", 2000));
  BOOST_TEST(secondsSince(started) < 2.5);
  BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
  auto s = statuses(r);
  BOOST_TEST(s["15088220"] == "ok(1)");
  BOOST_TEST(s["15084590"].rfind("unavailable:peer_unreachable@sued", 0) == 0, s["15084590"]);
  auto health = http(node("merseburg").process->port(), "GET", "/v1/health");
  BOOST_TEST(health.status == 200);  // a peer down does not degrade this node
  BOOST_TEST(health.body.find("\"sued\":\"unreachable\"") != std::string::npos, health.body);

  start("sued");
  std::string back;
  for (int i = 0; i < 50 && back.rfind("denied", 0) != 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    back = statuses(post("merseburg", clerk, "/v1/query", search("", R"(["15084590"])")))["15084590"];
  }
  BOOST_TEST(back.rfind("denied:", 0) == 0, back);
}

BOOST_AUTO_TEST_CASE(a_hanging_peer_never_delays_the_others_beyond_the_deadline) {
  const std::string clerk = token("max.klein", "15088220", {"clerk"});
  ::kill(static_cast<pid_t>(node("sued").process->pid()), SIGSTOP);  // accepts connections, answers nothing
  std::vector<std::thread> clients;
  std::vector<double> took(6);
  std::vector<std::string> zeitz(6), merseburg(6);
  for (int i = 0; i < 6; ++i)
    clients.emplace_back([&, i] {
      const auto started = Clock::now();
      auto r = post("merseburg", clerk, "/v1/query", search("", R"(["15088220","15084590"])", 1500));
      took[i] = secondsSince(started);
      if (r.status != 200) return;
      auto s = statuses(r);
      zeitz[i] = s["15084590"];
      merseburg[i] = s["15088220"];
    });
  for (auto& t : clients) t.join();
  for (int i = 0; i < 6; ++i) {
    BOOST_TEST(took[i] < 2.5, "request " << i << " took " << took[i] << " s");
    BOOST_TEST(merseburg[i] == "ok(1)");
    BOOST_TEST((zeitz[i].rfind("timeout:", 0) == 0 || zeitz[i].rfind("unavailable:", 0) == 0), zeitz[i]);
  }
  ::kill(static_cast<pid_t>(node("sued").process->pid()), SIGCONT);
  std::string back;
  for (int i = 0; i < 100 && back.rfind("denied", 0) != 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    back = statuses(post("merseburg", clerk, "/v1/query", search("", R"(["15084590"])")))["15084590"];
  }
  BOOST_TEST(back.rfind("denied:", 0) == 0, back);
}

BOOST_AUTO_TEST_CASE(wrong_unknown_and_expired_certificates_are_refused) {
  const int port = node("merseburg").federationPort;
  const std::string caFile = ca->certificateFile();
  wire::Pong pong;
  // A certificate from a CA the federation does not trust.
  TempDir other;
  TestCa foreign(other.path(), "foreign-ca");
  auto [foreignCert, foreignKey] = foreign.issue("leuna");
  BOOST_CHECK_THROW(RawPeer(caFile, foreignCert, foreignKey, port, "merseburg").client->ping(pong, 1),
                    std::exception);
  // Expired, though from the federation's CA.
  auto [expiredCert, expiredKey] = ca->issue("leuna", -1);
  // (TLS 1.3: the client's handshake ends before the server has checked its certificate; the call fails.)
  BOOST_CHECK_THROW(RawPeer(caFile, expiredCert, expiredKey, port, "merseburg").client->ping(pong, 1),
                    std::exception);
  // Valid, but for a node that is nobody's peer: refused in the handshake, so it holds no connection.
  auto [strangerCert, strangerKey] = ca->issue("intruder");
  BOOST_CHECK_THROW(RawPeer(caFile, strangerCert, strangerKey, port, "merseburg").client->ping(pong, 1),
                    std::exception);
  // A node that answers with another node's certificate is refused by the caller.
  BOOST_CHECK_THROW(RawPeer(caFile, dir.path() + "/leuna.pem", dir.path() + "/leuna.key", port, "sued"),
                    std::exception);
  // The node keeps serving everyone else.
  auto r =
      post("leuna", token("lena.wagner", "15088205", {"clerk"}), "/v1/query", search("", R"(["15088220"])"));
  BOOST_REQUIRE_EQUAL(r.status, 200);
  BOOST_TEST(statuses(r)["15088220"].rfind("denied:", 0) == 0);
}

BOOST_AUTO_TEST_CASE(a_peer_speaks_only_for_the_municipalities_it_hosts_and_tokens_are_checked_by_the_owner) {
  RawPeer leuna(ca->certificateFile(), dir.path() + "/leuna.pem", dir.path() + "/leuna.key",
                node("merseburg").federationPort, "merseburg");
  wire::SearchResponse response;
  // Leuna's node asking on behalf of a person from Zeitz (hosted by "sued"): refused, and the owner's DPO
  // sees it.
  wire::SearchRequest foreign = wireSearch(token("eva.zeitz", kZeitz, {"helper"}), "15088220");
  try {
    leuna.client->search(response, foreign);
    BOOST_FAIL("a peer spoke for a municipality it does not host");
  } catch (const wire::PeerRefused& e) {
    BOOST_TEST(e.code == "not_hosted_by_peer");
  }
  BOOST_TEST(audit("merseburg", foreign.caller.request_id,
                   "decision || ':' || reason || ':' || peer || ':' || actor") ==
             "deny:not_hosted_by_peer:leuna:eva.zeitz");
  // A request id that is not a UUID is refused (both nodes log the same id; it must be one a node makes).
  wire::SearchRequest odd = wireSearch(token("lena.wagner", "15088205", {"helper"}), "15088220");
  odd.caller.request_id = "not-a-uuid";
  BOOST_CHECK_THROW(leuna.client->search(response, odd), wire::PeerRefused);
  // An expired token (replayed after its end) is refused by the owning node itself.
  regfed::core::Config c = tokenConfig;
  const std::string expired =
      signToken(dir.path() + "/idp-leu.pem", dir.path() + "/idp-leu.pub.pem", "ES256",
                "https://idp.leuna.test", "lena.wagner", "15088205", {"helper"}, -3600);
  leuna.client->search(response, wireSearch(expired, "15088220"));
  BOOST_REQUIRE(response.__isset.refused);
  BOOST_TEST(response.refused.code == "token_expired");
  BOOST_TEST(response.refused.kind == "unauthenticated");
  // A garbage token is no better.
  leuna.client->search(response, wireSearch("not.a.token", "15088220"));
  BOOST_TEST(response.refused.kind == "unauthenticated");
  // A version this node does not speak.
  wire::Catalog catalog;
  try {
    leuna.client->catalog(catalog, 99);
    BOOST_FAIL("contract version 99 was answered");
  } catch (const wire::VersionMismatch& e) {
    BOOST_TEST(e.contract_version == wire::g_regfed_constants.CONTRACT_VERSION);
  }
  // A valid call from the same connection is answered, and audited at the owner with the asking node.
  wire::SearchRequest ok = wireSearch(token("lena.wagner", "15088205", {"helper"}), "15088220");
  wire::SearchResponse answered;
  leuna.client->search(answered, ok);
  BOOST_TEST(!answered.__isset.refused);
  BOOST_REQUIRE_EQUAL(answered.results.size(), 1u);
  BOOST_TEST(answered.results[0].status == "denied");
  BOOST_TEST(audit("merseburg", ok.caller.request_id, "decision || ':' || peer") == "deny:leuna");
}

BOOST_AUTO_TEST_CASE(people_use_their_home_node_and_tiny_deadlines_do_not_cut_peers_off) {
  // A Zeitz person asking Merseburg's node directly is sent to their own node (a token forwarded to one node
  // cannot be replayed at another's HTTP API).
  auto direct =
      post("merseburg", token("eva.zeitz", kZeitz, {"clerk"}), "/v1/query", search("", R"(["15088220"])"));
  BOOST_TEST(direct.status == 403);
  BOOST_TEST(direct.errorCode() == "not_home_node");
  BOOST_TEST(direct.body.find("(sued)") != std::string::npos, direct.body);
  // Requests with a deadline too short to reach anyone time out, but do not open the circuit for everyone.
  const std::string clerk = token("max.klein", "15088220", {"clerk"});
  for (int i = 0; i < 6; ++i) post("merseburg", clerk, "/v1/query", search("", R"(["*"])", 1));
  auto r = post("merseburg", clerk, "/v1/query", search("", R"(["*"])"));
  BOOST_REQUIRE_EQUAL(r.status, 200);
  for (const auto& [ags, status] : statuses(r))
    BOOST_TEST((status.rfind("ok", 0) == 0 || status.rfind("denied:", 0) == 0), ags << ": " << status);
}

BOOST_AUTO_TEST_CASE(garbage_and_oversized_frames_on_the_thrift_port_do_not_hurt_the_node) {
  const int port = node("merseburg").federationPort;
  {
    Poco::Net::StreamSocket raw(Poco::Net::SocketAddress("127.0.0.1", port));
    raw.sendBytes("GET / HTTP/1.1\r\n\r\n\x16\x03\x01\xff\xff garbage", 30);
    char buffer[64];
    raw.setReceiveTimeout(Poco::Timespan(5, 0));
    try {
      raw.receiveBytes(buffer, sizeof buffer);
    } catch (const Poco::Exception&) {
    }
  }
  {
    // An authenticated peer announcing a 1 GiB frame is cut off, not served.
    RawPeer leuna(ca->certificateFile(), dir.path() + "/leuna.pem", dir.path() + "/leuna.key", port,
                  "merseburg");
    const uint8_t frame[] = {0x40, 0x00, 0x00, 0x00, 0x80, 0x01, 0x00, 0x01};
    leuna.socket->write(frame, sizeof frame);
    leuna.socket->flush();
    uint8_t buffer[16];
    BOOST_CHECK_THROW(
        {
          if (leuna.socket->read(buffer, sizeof buffer) == 0) throw std::runtime_error("closed");
        },
        std::exception);
  }
  auto r =
      post("leuna", token("lena.wagner", "15088205", {"clerk"}), "/v1/query", search("", R"(["15088220"])"));
  BOOST_REQUIRE_EQUAL(r.status, 200);
  BOOST_TEST(statuses(r)["15088220"].rfind("denied:", 0) == 0);
}

BOOST_AUTO_TEST_CASE(a_failed_handshake_never_shuts_down_the_connection_that_reuses_its_descriptor) {
  // A server-side socket is watched until its handshake ends. One whose handshake failed is closed at once,
  // and its descriptor number goes to the next connection: the watch must end with the close, or it shuts
  // that connection down when the first one's handshake time is up (seen as a peer "not reachable" mid-call).
  regfed::core::FederationConfig config;
  config.ca = ca->certificateFile();
  config.certificate = dir.path() + "/merseburg.pem";
  config.privateKey = dir.path() + "/merseburg.key";
  regfed::core::PeerSocketFactory factory(config, true, std::chrono::milliseconds(100));
  int first[2];
  BOOST_REQUIRE_EQUAL(::socketpair(AF_UNIX, SOCK_STREAM, 0, first), 0);
  const int reused = first[0];
  auto failed = factory.createSocket(first[0]);
  failed->close();  // as the server does after a handshake that failed
  int second[2];
  BOOST_REQUIRE_EQUAL(::socketpair(AF_UNIX, SOCK_STREAM, 0, second), 0);
  if (second[0] != reused) {
    BOOST_REQUIRE_EQUAL(::dup2(second[0], reused), reused);
    ::close(second[0]);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // past the first socket's handshake time
  BOOST_TEST(::send(reused, "x", 1, MSG_NOSIGNAL) == 1, "the new connection was shut down");
  char c = 0;
  BOOST_TEST(::recv(second[1], &c, 1, MSG_DONTWAIT) == 1);
  ::close(reused);
  ::close(second[1]);
  ::close(first[1]);
}

namespace {

// A peer that speaks an older contract only.
class OldNode : public wire::RegfedNodeIf {
 public:
  void ping(wire::Pong& out, const int32_t) override {
    out.node = "sued";
    out.contract_version = 0;
    out.min_contract_version = 0;
  }
  void catalog(wire::Catalog&, const int32_t) override { throw wire::VersionMismatch(); }
  void search(wire::SearchResponse&, const wire::SearchRequest&) override { throw wire::VersionMismatch(); }
  void get_record(wire::RecordResponse&, const wire::RecordRequest&) override {
    throw wire::VersionMismatch();
  }
  // What a node built from an older contract answers for methods it does not know.
  void mandates(std::vector<wire::MandateInfo>&, const int32_t) override { unknown(); }
  void change_mandate(wire::MandateAnswer&, const wire::MandateChange&) override { unknown(); }
  void decide_mandate(wire::MandateAnswer&, const wire::MandateDecision&) override { unknown(); }
  void cosign(wire::CosignAnswer&, const wire::CosignRequest&) override { unknown(); }
  void witnessed_head(wire::WitnessedHeadInfo&, const int32_t) override { unknown(); }
  void item_call(wire::ItemAnswer&, const wire::ItemCall&) override { unknown(); }

 private:
  [[noreturn]] static void unknown() {
    throw apache::thrift::TApplicationException(apache::thrift::TApplicationException::UNKNOWN_METHOD);
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(a_peer_of_an_older_contract_version_answers_error_and_the_rest_is_served) {
  stop("sued");
  regfed::core::FederationConfig f;
  f.ca = ca->certificateFile();
  f.certificate = dir.path() + "/sued.pem";
  f.privateKey = dir.path() + "/sued.key";
  for (const char* peer : {"merseburg", "leuna"})
    f.peers.push_back(regfed::core::PeerConfig{peer, "", 0, {}});
  auto sockets = std::make_shared<regfed::core::PeerSocketFactory>(f, true);
  auto listener = std::make_shared<apache::thrift::transport::TSSLServerSocket>(
      "127.0.0.1", node("sued").federationPort, sockets);
  listener->setRecvTimeout(2000);
  apache::thrift::server::TThreadedServer server(
      std::make_shared<wire::RegfedNodeProcessor>(std::make_shared<OldNode>()), listener,
      std::make_shared<apache::thrift::transport::TFramedTransportFactory>(),
      std::make_shared<apache::thrift::protocol::TBinaryProtocolFactory>());
  std::thread serving([&] { server.serve(); });
  const std::string clerk = token("max.klein", "15088220", {"clerk"});
  std::string zeitz;
  for (int i = 0; i < 50 && zeitz.rfind("error:peer_version", 0) != 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    auto r = post("merseburg", clerk, "/v1/query", search("", R"(["15088220","15084590"])"));
    BOOST_REQUIRE_EQUAL(r.status, 200);
    auto s = statuses(r);
    BOOST_TEST(s["15088220"] == "ok(1)");
    zeitz = s["15084590"];
  }
  BOOST_TEST(zeitz.rfind("error:peer_version", 0) == 0, zeitz);
  server.stop();
  serving.join();
}

namespace {

std::string mandateField(const HttpResponse& r, const std::string& key) {
  auto o = r.json();
  return o && o->has(key) ? o->get(key).toString() : "";
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_mandate_is_approved_and_revoked_across_nodes) {
  const std::string id = ownerApprovedMandate("merseburg", "15088220", 0, 0);
  const std::string leuAdmin = token("admin.leuna", "15088205", {"admin"});
  const std::string helper = token("lena.wagner", "15088205", {"helper"});
  auto& mer = *node("merseburg").db;
  auto& leu = *node("leuna").db;
  // The owning node takes a helper-side approval only from the helper's home node, which keeps the quota.
  auto direct = post("merseburg", leuAdmin, "/v1/mandates/" + id + "/approve");
  BOOST_TEST(direct.status == 403);
  BOOST_TEST(direct.errorCode() == "not_home_node");
  BOOST_TEST(mer.scalar("SELECT coalesce(helper_approved_by, '-') FROM regfed.mandates WHERE id = '" + id +
                        "'") == "-");
  // An owner's list cannot spend the helper's quota: Merseburg's database claiming Leuna approved changes
  // nothing at Leuna's node, whose own decision the helper side's approval is.
  mer.exec(
      "UPDATE regfed.mandates SET helper_approved_by = 'nobody', helper_approved_at = now() WHERE id = '" +
      id + "'");
  std::string copied;
  for (int i = 0; i < 40 && copied != "1"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    copied = leu.scalar("SELECT count(*) FROM regfed.mandates WHERE id = '" + id + "'");
  }
  BOOST_REQUIRE(copied == "1");
  std::this_thread::sleep_for(std::chrono::milliseconds(5500));  // at least one more list taken over
  BOOST_TEST(leu.scalar("SELECT coalesce(helper_approved_by, '-') FROM regfed.mandates WHERE id = '" + id +
                        "'") == "-");
  BOOST_TEST(get("leuna", leuAdmin, "/v1/quota").body.find(R"("agreement":"ZV-2026-01","used_days":0)") !=
             std::string::npos);
  mer.exec("UPDATE regfed.mandates SET helper_approved_by = NULL, helper_approved_at = NULL WHERE id = '" +
           id + "'");
  // Nobody named in the mandate approves it, at either node (four eyes).
  auto named = post("leuna", token("lena.wagner", "15088205", {"admin"}), "/v1/mandates/" + id + "/approve");
  BOOST_TEST(named.errorCode() == "approver_is_named");

  auto approved = post("leuna", leuAdmin, "/v1/mandates/" + id + "/approve");
  BOOST_REQUIRE_MESSAGE(approved.status == 200, approved.body);
  BOOST_TEST(mandateField(approved, "status") == "approved");
  BOOST_TEST(mandateField(approved, "owner_node") == "merseburg");
  BOOST_TEST(mer.scalar("SELECT helper_approved_by FROM regfed.mandates WHERE id = '" + id + "'") ==
             "admin.leuna");
  BOOST_TEST(
      leu.scalar("SELECT helper_approved_by || ':' || owner_node || ':' || coalesce(pending, '-') FROM "
                 "regfed.mandates WHERE id = '" +
                 id + "'") == "admin.leuna:merseburg:-");
  // Both nodes logged the approval under one request id; the owner names the node that forwarded it.
  const std::string requestId = leu.scalar(
      "SELECT request_id FROM regfed_audit.events WHERE action = 'mandate_approve' AND decision = 'allow'");
  BOOST_TEST(audit("merseburg", requestId, "decision || ':' || reason || ':' || peer || ':' || actor") ==
             "allow:approved:leuna:admin.leuna");
  BOOST_TEST(audit("leuna", requestId, "decision || ':' || reason || ':' || peer") ==
             "allow:approved:merseburg");
  // The quota is Leuna's, counted at Leuna's node.
  auto quota = get("leuna", leuAdmin, "/v1/quota");
  BOOST_TEST(quota.body.find(
                 R"("ags":"15088205","municipality":"Stadt Leuna","agreement":"ZV-2026-01","used_days":1)") !=
                 std::string::npos,
             quota.body);
  BOOST_TEST(post("leuna", leuAdmin, "/v1/mandates/" + id + "/approve").errorCode() == "already_approved");
  auto listed = get("leuna", helper, "/v1/mandates");
  BOOST_TEST(listed.body.find(id) != std::string::npos, listed.body);
  BOOST_TEST(statuses(post("leuna", helper, "/v1/query", search(id, R"(["15088220"])")))["15088220"] ==
             "ok(1)@merseburg");

  // Revoked at the helper's node: the owner confirms, and the next request is refused before it leaves Leuna.
  auto revoked = post("leuna", leuAdmin, "/v1/mandates/" + id + "/revoke");
  BOOST_REQUIRE_MESSAGE(revoked.status == 200, revoked.body);
  BOOST_TEST(mandateField(revoked, "status") == "revoked");
  BOOST_TEST(mandateField(revoked, "pending_at_owner") == "");
  BOOST_TEST(mer.scalar("SELECT revoked_by FROM regfed.mandates WHERE id = '" + id + "'") == "admin.leuna");
  BOOST_TEST(
      mer.scalar("SELECT reason || ':' || peer FROM regfed_audit.events WHERE action = 'mandate_revoke'") ==
      "revoked_at_helper_node:leuna");
  auto after = post("leuna", helper, "/v1/query", search(id, R"(["15088220"])"));
  BOOST_TEST(after.status == 403);
  BOOST_TEST(after.errorCode() == "mandate_revoked");
  const std::string refusedId = after.json()->getObject("error")->getValue<std::string>("request_id");
  BOOST_TEST(mer.scalar("SELECT count(*) FROM regfed_audit.events WHERE request_id = '" + refusedId + "'") ==
             "0");
}

BOOST_AUTO_TEST_CASE(a_revocation_at_the_helpers_node_holds_while_the_owner_is_down_and_is_delivered_later) {
  const std::string id = approvedMandate("merseburg", "15088220");
  const std::string leuAdmin = token("admin.leuna", "15088205", {"admin"});
  const std::string helper = token("lena.wagner", "15088205", {"helper"});
  stop("merseburg");
  auto revoked = post("leuna", leuAdmin, "/v1/mandates/" + id + "/revoke");
  BOOST_REQUIRE_MESSAGE(revoked.status == 200, revoked.body);
  BOOST_TEST(mandateField(revoked, "status") == "revoked");
  BOOST_TEST(mandateField(revoked, "pending_at_owner") == "revoke");
  auto refused = post("leuna", helper, "/v1/query", search(id, R"(["15088220"])"));
  BOOST_TEST(refused.errorCode() == "mandate_revoked");
  // An approval forwarded to an owner that is down changes nothing anywhere.
  start("merseburg");
  const std::string other = ownerApprovedMandate("merseburg", "15088220", 0, 0);
  std::string copied;
  for (int i = 0; i < 40 && copied != "1"; ++i) {  // Leuna's node takes over Merseburg's list every 5 s
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    copied = node("leuna").db->scalar("SELECT count(*) FROM regfed.mandates WHERE id = '" + other + "'");
  }
  BOOST_REQUIRE(copied == "1");
  stop("merseburg");
  auto failed = post("leuna", leuAdmin, "/v1/mandates/" + other + "/approve");
  BOOST_TEST(failed.status == 503, failed.body);
  BOOST_TEST(
      node("leuna").db->scalar("SELECT coalesce(helper_approved_by, '-') || coalesce(pending, '-') FROM "
                               "regfed.mandates WHERE id = '" +
                               other + "'") == "--");
  // Back up, the owner gets the revocation from Leuna's node without anyone asking again.
  start("merseburg");
  std::string seen;
  for (int i = 0; i < 60 && seen != "admin.leuna"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    seen = node("merseburg")
               .db->scalar("SELECT coalesce(revoked_by, '') FROM regfed.mandates WHERE id = '" + id + "'");
  }
  BOOST_TEST(seen == "admin.leuna");
  std::string pending = "revoke";
  for (int i = 0; i < 30 && pending != "-"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    pending = node("leuna").db->scalar("SELECT coalesce(pending, '-') FROM regfed.mandates WHERE id = '" +
                                       id + "'");
  }
  BOOST_TEST(pending == "-");
}

BOOST_AUTO_TEST_CASE(two_owner_nodes_approving_at_the_same_moment_cannot_pass_the_helpers_quota) {
  // Six support days each; Leuna has ten a year under ZV-2026-01: only one of the two can be approved.
  const std::string atMerseburg = ownerApprovedMandate("merseburg", "15088220", 1, 6);
  const std::string atZeitz = ownerApprovedMandate("sued", kZeitz, 1, 6);
  const std::string leuAdmin = token("admin.leuna", "15088205", {"admin"});
  // Not past Leuna's node: the owner refuses a Leuna admin who asks it directly.
  BOOST_TEST(post("sued", leuAdmin, "/v1/mandates/" + atZeitz + "/approve").errorCode() == "not_home_node");
  HttpResponse a, b;
  std::thread first([&] { a = post("leuna", leuAdmin, "/v1/mandates/" + atMerseburg + "/approve"); });
  std::thread second([&] {
    b = post("leuna", token("admin2.leuna", "15088205", {"admin"}), "/v1/mandates/" + atZeitz + "/approve");
  });
  first.join();
  second.join();
  BOOST_TEST(((a.status == 200 && b.errorCode() == "quota_exceeded") ||
              (b.status == 200 && a.errorCode() == "quota_exceeded")),
             a.body + " / " + b.body);
  const int approvedAtOwners =
      std::stoi(
          node("merseburg")
              .db->scalar("SELECT count(*) FROM regfed.mandates WHERE helper_approved_by IS NOT NULL")) +
      std::stoi(node("sued").db->scalar(
          "SELECT count(*) FROM regfed.mandates WHERE helper_approved_by IS NOT NULL"));
  BOOST_TEST(approvedAtOwners == 1);
  auto quota = get("leuna", leuAdmin,
                   "/v1/quota?year=" + std::to_string(regfed::core::yearOf(regfed::core::berlinToday() + 1)));
  BOOST_TEST(
      quota.body.find(R"("agreement":"ZV-2026-01","used_days":6,"limit_days":10)") != std::string::npos,
      quota.body);
}

namespace {

// Waits until `witness` has cosigned at least `size` events of `log`'s audit log (as `log`'s database stores
// it).
std::int64_t cosignedBy(FederationFixture& f, const std::string& log, const std::string& witness) {
  const std::string v = f.node(log).db->scalar(
      "SELECT coalesce(max(size), 0) FROM regfed_audit.cosignatures WHERE witness = 'regfed.witness/" +
      witness + "'");
  return std::stoll(v);
}

std::int64_t waitForCosignature(FederationFixture& f, const std::string& log, const std::string& witness,
                                std::int64_t atLeast) {
  std::int64_t got = 0;
  for (int i = 0; i < 80 && got < atLeast; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    got = cosignedBy(f, log, witness);
  }
  return got;
}

std::int64_t auditSize(FederationFixture& f, const std::string& node) {
  return std::stoll(f.node(node).db->scalar("SELECT coalesce(max(seq), 0) FROM regfed_audit.events"));
}

regfed::audit::Hash hashOf(const std::string& text) { return regfed::audit::leafHash(text); }

wire::CosignRequest forgedHead(const std::string& keyFile, std::int64_t oldSize, std::int64_t size,
                               const regfed::audit::Hash& root) {
  auto signer = regfed::audit::TreeHeadSigner::fromPrivateKeyFile(keyFile);
  regfed::audit::TreeHead head;
  head.node = "merseburg";
  head.size = size;
  head.root = root;
  head.time = regfed::audit::utcNow();
  signer.sign(head);
  wire::CosignRequest r;
  r.contract_version = wire::g_regfed_constants.CONTRACT_VERSION;
  r.old_size = oldSize;
  r.consistency_proof = {std::string(32, 'x'), std::string(32, 'y')};
  r.size = size;
  r.root.assign(root.begin(), root.end());
  r.head_time = head.time;
  r.head_key_id = head.keyId;
  r.head_signature = head.signature;
  r.head_public_key = signer.publicKeyPem();
  return r;
}

}  // namespace

BOOST_AUTO_TEST_CASE(peers_cosign_the_log_and_refuse_an_inconsistent_head_also_after_a_restart) {
  const std::string clerk = token("max.klein", "15088220", {"clerk"});
  BOOST_REQUIRE(post("merseburg", clerk, "/v1/query", search("", R"(["15088220"])")).status == 200);
  const std::int64_t size = auditSize(*this, "merseburg");
  const std::int64_t byLeuna = waitForCosignature(*this, "merseburg", "leuna", size);
  BOOST_REQUIRE(byLeuna >= size);
  BOOST_TEST(waitForCosignature(*this, "merseburg", "sued", size) >= size);
  // Cosignatures verify against C2SP checkpoints of the log as it is.
  const std::string witnessed = node("leuna").db->scalar(
      "SELECT size || ':' || encode(root, 'hex') FROM regfed_audit.witnessed WHERE log = 'merseburg'");
  BOOST_TEST(witnessed.rfind(std::to_string(byLeuna) + ":", 0) == 0, witnessed);
  // The newest cosigned checkpoint, as standard transparency tooling reads it.
  std::string note;
  BOOST_TEST(
      run({regfedBinary(), "audit", "checkpoint", "--config", node("merseburg").configPath}, note) == 0,
      note);
  BOOST_TEST(note.find("regfed.audit/merseburg\n") != std::string::npos, note);
  BOOST_TEST(note.find("\xE2\x80\x94 regfed.witness/leuna ") != std::string::npos, note);
  BOOST_TEST(note.find("regfed.witness/merseburg+") != std::string::npos, note);  // this node's vkey

  const std::string key = dir.path() + "/merseburg-audit.pem";
  auto ask = [&](const wire::CosignRequest& r) {
    RawPeer merseburg(ca->certificateFile(), dir.path() + "/merseburg.pem", dir.path() + "/merseburg.key",
                      node("leuna").federationPort, "leuna");
    wire::CosignAnswer a;
    merseburg.client->cosign(a, r);
    return a;
  };
  const std::int64_t known = std::stoll(witnessed.substr(0, witnessed.find(':')));
  // A longer head whose proof does not lead from what Leuna cosigned: refused, and Leuna's state stays.
  auto longer = ask(forgedHead(key, known, known + 5, hashOf("another history")));
  BOOST_REQUIRE(longer.__isset.refused);
  BOOST_TEST(longer.refused.code == "inconsistent_head");
  // The same size with another root (a fork), and a smaller size (lost events): refused.
  BOOST_TEST(ask(forgedHead(key, known, known, hashOf("fork"))).refused.code == "inconsistent_head");
  if (known > 1)
    BOOST_TEST(ask(forgedHead(key, known, known - 1, hashOf("cut"))).refused.code == "inconsistent_head");
  // A stale idea of what was cosigned gets the witness's size back, to retry with the right proof.
  auto stale = ask(forgedHead(key, known - 1, known + 5, hashOf("x")));
  BOOST_TEST(stale.refused.code == "old_size_mismatch");
  BOOST_TEST(stale.witnessed_size == known);
  // A head signed with another key than the one pinned at the first cosignature: refused.
  const std::string otherKey = dir.path() + "/other-audit.pem";
  regfed::audit::TreeHeadSigner::generatePrivateKeyFile(otherKey);
  BOOST_TEST(ask(forgedHead(otherKey, known, known + 5, hashOf("y"))).refused.code == "log_key_changed");

  // Across the witness's restart: the same refusal, from the state in its database.
  stop("leuna");
  start("leuna");
  auto again = ask(forgedHead(key, known, known + 5, hashOf("another history")));
  BOOST_TEST(again.refused.code == "inconsistent_head");
  BOOST_TEST(node("leuna").db->scalar("SELECT size FROM regfed_audit.witnessed WHERE log = 'merseburg'") ==
             std::to_string(known));
  // The real log goes on being cosigned.
  BOOST_REQUIRE(post("merseburg", clerk, "/v1/query", search("", R"(["15088220"])")).status == 200);
  const std::int64_t grown = auditSize(*this, "merseburg");
  BOOST_TEST(waitForCosignature(*this, "merseburg", "leuna", grown) >= grown);
}

BOOST_AUTO_TEST_CASE(a_log_rewritten_with_the_database_host_and_signing_key_is_caught_by_its_peers) {
  const std::string clerk = token("max.klein", "15088220", {"clerk"});
  for (int i = 0; i < 3; ++i)
    BOOST_REQUIRE(post("merseburg", clerk, "/v1/query", search("", R"(["15088220"])")).status == 200);
  const std::int64_t size = auditSize(*this, "merseburg");
  BOOST_REQUIRE(waitForCosignature(*this, "merseburg", "leuna", size) >= size);
  BOOST_REQUIRE(waitForCosignature(*this, "merseburg", "sued", size) >= size);
  const std::string config = node("merseburg").configPath;
  std::string out;
  BOOST_TEST(run({regfedBinary(), "audit", "verify", "--config", config}, out) == 0, out);
  BOOST_TEST(out.find("witness leuna: its newest cosignature") != std::string::npos, out);

  // The operator rewrites who asked in event 2, recomputes its hash, removes every signed head and
  // cosignature (database and file) and restarts the node, which signs the rewritten log with its own key.
  stop("merseburg");
  auto& db = *node("merseburg").db;
  regfed::audit::AuditStore store(db.dsn("regfed_node"));
  regfed::audit::StoredEvent e = store.events("merseburg", 1, 1).at(0);
  e.event.actor = "someone.else";
  db.exec(
      "SET session_replication_role = replica; UPDATE regfed_audit.events SET actor = 'someone.else', "
      "leaf_hash = decode('" +
      regfed::audit::toHex(regfed::audit::leafHash(regfed::audit::canonicalForm(e.event))) +
      "', 'hex'), personal_hash = decode('" +
      regfed::audit::bytesToHex(regfed::audit::personalDigest(e.event)) +
      "', 'hex') WHERE seq = 2; DELETE FROM regfed_audit.tree_heads; DELETE FROM regfed_audit.cosignatures");
  std::remove((dir.path() + "/merseburg-audit.pem.heads").c_str());
  start("merseburg");
  BOOST_REQUIRE(post("merseburg", clerk, "/v1/query", search("", R"(["15088220"])")).status == 200);
  std::this_thread::sleep_for(std::chrono::seconds(2));  // signed anew, shown to the witnesses, refused
  out.clear();
  BOOST_TEST(run({regfedBinary(), "audit", "verify", "--config", config}, out) == 1, out);
  BOOST_TEST(out.find("FAILED: witness") != std::string::npos, out);
  BOOST_TEST(out.find("the log was rewritten") != std::string::npos, out);
  // Neither witness cosigned the rewritten log.
  BOOST_TEST(cosignedBy(*this, "merseburg", "leuna") == 0);
  BOOST_TEST(cosignedBy(*this, "merseburg", "sued") == 0);
  BOOST_TEST(std::stoll(node("leuna").db->scalar(
                 "SELECT size FROM regfed_audit.witnessed WHERE log = 'merseburg'")) == size);
}

BOOST_AUTO_TEST_CASE(a_log_restored_from_an_old_backup_is_found_by_what_the_peers_cosigned) {
  // A nightly dump, more work the next day (cosigned by the peers), then the machine dies and the dump is
  // restored: `regfed audit verify` must not accept the restored log as if nothing was lost.
  const std::string clerk = token("max.klein", "15088220", {"clerk"});
  BOOST_REQUIRE(post("merseburg", clerk, "/v1/query", search("", R"(["15088220"])")).status == 200);
  const std::int64_t backedUp = auditSize(*this, "merseburg");
  BOOST_REQUIRE(waitForCosignature(*this, "merseburg", "leuna", backedUp) >= backedUp);
  auto& db = *node("merseburg").db;
  const std::string dump = dir.path() + "/merseburg.dump", heads = dir.path() + "/merseburg-audit.pem.heads";
  std::string out;
  BOOST_REQUIRE_MESSAGE(run({"pg_dump", "-Fc", "-h", "127.0.0.1", "-p", std::to_string(db.port()), "-U",
                             "postgres", "-f", dump, db.name()},
                            out) == 0,
                        out);
  BOOST_REQUIRE(run({"cp", heads, heads + ".backup"}, out) == 0);
  const std::int64_t dumped =
      std::stoll(db.scalar("SELECT max(seq) FROM regfed_audit.events WHERE node = 'merseburg'"));

  for (int i = 0; i < 3; ++i)
    BOOST_REQUIRE(post("merseburg", clerk, "/v1/query", search("", R"(["15088220"])")).status == 200);
  const std::int64_t later = auditSize(*this, "merseburg");
  BOOST_REQUIRE(later > dumped);
  BOOST_REQUIRE(waitForCosignature(*this, "merseburg", "leuna", later) >= later);
  BOOST_REQUIRE(waitForCosignature(*this, "merseburg", "sued", later) >= later);
  const std::string config = node("merseburg").configPath;
  out.clear();
  BOOST_TEST(run({regfedBinary(), "audit", "verify", "--config", config}, out) == 0, out);

  // The restore: the dump into the database, the head file of the same night back in place.
  stop("merseburg");
  out.clear();
  BOOST_REQUIRE_MESSAGE(run({"pg_restore", "--clean", "--if-exists", "-h", "127.0.0.1", "-p",
                             std::to_string(db.port()), "-U", "postgres", "-d", db.name(), dump},
                            out) == 0,
                        out);
  BOOST_REQUIRE(run({"cp", heads + ".backup", heads}, out) == 0);
  BOOST_REQUIRE(std::stoll(db.scalar("SELECT max(seq) FROM regfed_audit.events WHERE node = 'merseburg'")) ==
                dumped);
  // On its own the restored log is consistent: every event and signed head of that night checks out ...
  const std::string publicKey = dir.path() + "/merseburg-audit.pub.pem";
  BOOST_REQUIRE(
      run({"openssl", "ec", "-in", dir.path() + "/merseburg-audit.pem", "-pubout", "-out", publicKey}, out) ==
      0);
  out.clear();
  BOOST_TEST(run({regfedBinary(), "audit", "verify", "--dsn", db.dsn("regfed_auditor"), "--key", publicKey},
                 out) == 0,
             out);
  // ... but the peers cosigned more: verify with the config asks them and fails, naming the restore.
  out.clear();
  BOOST_TEST(run({regfedBinary(), "audit", "verify", "--config", config}, out) == 1, out);
  BOOST_TEST(out.find("FAILED: witness") != std::string::npos, out);
  BOOST_TEST(out.find("but the log has " + std::to_string(dumped)) != std::string::npos, out);
  BOOST_TEST(out.find("restored from an older backup") != std::string::npos, out);
}

BOOST_AUTO_TEST_CASE(regfed_init_and_regfed_ca_set_the_federation_up_from_nothing) {
  // The coordinator's CA, and for each node its keys, certificate request and signed certificate, all made by
  // the command line, each command run twice (it keeps what is there); the nodes restarted on these
  // certificates reach each other over mutual TLS.
  for (auto& n : nodes) stop(n.id);
  const std::string coordinator = dir.path() + "/coordinator";
  std::string out;
  auto regfed = [&](std::vector<std::string> args) {
    out.clear();
    args.insert(args.begin(), regfedBinary());
    return run(args, out);
  };
  BOOST_REQUIRE_MESSAGE(regfed({"ca", "init", "--dir", coordinator, "--name", "IKZ Süd Föderations-CA"}) == 0,
                        out);
  BOOST_TEST(out.find("made the CA") != std::string::npos, out);
  BOOST_REQUIRE_MESSAGE(regfed({"ca", "init", "--dir", coordinator}) == 0, out);
  BOOST_TEST(out.find("kept the CA") != std::string::npos, out);
  const std::string setupDatabase = "init_" + node("merseburg").db->name();
  for (auto& n : nodes) {
    const std::string home = dir.path() + "/init-" + n.id, federation = home + "/federation";
    for (int round = 0; round < 2; ++round) {
      std::vector<std::string> args = {"init",         "--node",       n.id,       "--keys",
                                       home + "/keys", "--federation", federation, "--dns",
                                       "localhost",    "--ip",         "127.0.0.1"};
      if (n.id == "merseburg")  // roles, database and schemas, once for one node
        for (const std::string& a : {std::string("--database-admin"), node("merseburg").db->dsn("postgres"),
                                     std::string("--database"), setupDatabase})
          args.push_back(a);
      BOOST_REQUIRE_MESSAGE(regfed(args) == 0, out);
      BOOST_TEST(out.find((round == 0 ? "made " : "kept ") + federation + "/node.key") != std::string::npos,
                 out);
      BOOST_TEST(out.find("wrote " + federation + "/node.csr (CN=" + n.id + ")") != std::string::npos, out);
      BOOST_TEST(out.find("BEGIN PUBLIC KEY") != std::string::npos, out);  // for the DPO
      if (n.id == "merseburg")
        BOOST_TEST(out.find(round == 0 ? "made the database " + setupDatabase
                                       : "the schemas were up to date") != std::string::npos,
                   out);
    }
    for (int round = 0; round < 2; ++round) {
      BOOST_REQUIRE_MESSAGE(regfed({"ca", "sign", "--dir", coordinator, "--csr", federation + "/node.csr",
                                    "--out", federation + "/node.pem"}) == 0,
                            out);
      BOOST_TEST(out.find(round == 0 ? "signed " : "kept ") != std::string::npos, out);
    }
    // Where the fixture's configs expect the node's certificate and key.
    BOOST_REQUIRE(run({"cp", federation + "/node.pem", dir.path() + "/" + n.id + ".pem"}, out) == 0);
    BOOST_REQUIRE(run({"cp", federation + "/node.key", dir.path() + "/" + n.id + ".key"}, out) == 0);
  }
  BOOST_REQUIRE(run({"cp", coordinator + "/ca.pem", ca->certificateFile()}, out) == 0);
  BOOST_TEST(
      node("merseburg")
          .db->scalar("SELECT count(*) > 0 FROM pg_database WHERE datname = '" + setupDatabase + "'") == "t");
  node("merseburg").db->exec("DROP DATABASE \"" + setupDatabase + "\" WITH (FORCE)");

  // A request whose CN is not a node id is refused.
  BOOST_REQUIRE(
      run({"openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
           "-keyout", dir.path() + "/odd.key", "-out", dir.path() + "/odd.csr", "-subj", "/CN=Not A Node"},
          out) == 0);
  BOOST_TEST(regfed({"ca", "sign", "--dir", coordinator, "--csr", dir.path() + "/odd.csr", "--out",
                     dir.path() + "/odd.pem"}) == 1,
             out);
  BOOST_TEST(out.find("is not a node id") != std::string::npos, out);
  // Nor does a request for a wildcard name get a certificate.
  BOOST_REQUIRE(run({"openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                     "-nodes", "-keyout", dir.path() + "/wild.key", "-out", dir.path() + "/wild.csr", "-subj",
                     "/CN=leuna", "-addext", "subjectAltName=DNS:*.example"},
                    out) == 0);
  BOOST_TEST(regfed({"ca", "sign", "--dir", coordinator, "--csr", dir.path() + "/wild.csr", "--out",
                     dir.path() + "/wild.pem"}) == 1,
             out);
  BOOST_TEST(out.find("no wildcards") != std::string::npos, out);
  // A certificate never outlives its CA, and one the CA did not sign is not "kept" for the same key.
  const std::string shortCa = dir.path() + "/short-ca";
  BOOST_REQUIRE(regfed({"ca", "init", "--dir", shortCa, "--name", "Kurz-CA", "--days", "30"}) == 0);
  BOOST_REQUIRE(run({"openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                     "-keyout", dir.path() + "/late.key", "-out", dir.path() + "/late.csr", "-subj", "/CN=leuna"},
                    out) == 0);
  BOOST_REQUIRE(regfed({"ca", "sign", "--dir", shortCa, "--csr", dir.path() + "/late.csr", "--out",
                        dir.path() + "/late.pem", "--days", "825"}) == 0);
  BOOST_TEST(out.find("valid only until the CA's own end") != std::string::npos, out);
  run({"openssl", "x509", "-in", dir.path() + "/late.pem", "-noout", "-checkend", std::to_string(31 * 86400)}, out);
  BOOST_TEST(out.find("will expire") != std::string::npos, out);
  // A certificate for the same key that names the CA as its issuer but was signed by another key (no key
  // identifiers to give it away): not the CA's, so not kept.
  BOOST_REQUIRE(run({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                     "-keyout", dir.path() + "/fake-ca.key", "-out", dir.path() + "/fake-ca.pem", "-subj", "/CN=Kurz-CA",
                     "-days", "30"},
                    out) == 0);
  const std::string noIds = dir.write("no-ids.cnf", "[e]\nsubjectKeyIdentifier=none\nauthorityKeyIdentifier=none\n");
  BOOST_REQUIRE(run({"openssl", "x509", "-req", "-in", dir.path() + "/late.csr", "-CA", dir.path() + "/fake-ca.pem",
                     "-CAkey", dir.path() + "/fake-ca.key", "-days", "5", "-extfile", noIds, "-extensions", "e",
                     "-out", dir.path() + "/forged.pem"},
                    out) == 0);
  BOOST_TEST(regfed({"ca", "sign", "--dir", shortCa, "--csr", dir.path() + "/late.csr", "--out",
                     dir.path() + "/forged.pem"}) == 1,
             out);
  BOOST_TEST(out.find("move it away first") != std::string::npos, out);

  for (auto& n : nodes) start(n.id);
  // start() waits until every running node sees every other one "ok" in /v1/health: the handshakes passed
  const std::string clerk = token("max.klein", "15088220", {"clerk"});
  const auto answer = post("merseburg", clerk, "/v1/query", search("", R"(["15088220", "15088205"])"));
  BOOST_TEST(answer.status == 200, answer.body);
  BOOST_TEST(answer.body.find("peer_unreachable") == std::string::npos, answer.body);
}

BOOST_AUTO_TEST_CASE(an_unconfirmed_approval_holds_its_days_until_the_owner_shows_the_outcome) {
  const std::string id = ownerApprovedMandate("merseburg", "15088220", 1, 3);
  const std::string leuAdmin = token("admin.leuna", "15088205", {"admin"});
  std::string copied;
  for (int i = 0; i < 40 && copied != "1"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    copied = node("leuna").db->scalar("SELECT count(*) FROM regfed.mandates WHERE id = '" + id + "'");
  }
  BOOST_REQUIRE(copied == "1");
  // Several connections to Merseburg's node in Leuna's pool, so the approval goes out on one that stands.
  const std::string helper = token("lena.wagner", "15088205", {"helper"});
  std::vector<std::thread> warm;
  for (int i = 0; i < 6; ++i)
    warm.emplace_back([&] { post("leuna", helper, "/v1/query", search("", R"(["15088220"])")); });
  for (auto& t : warm) t.join();
  // The owner hangs: the forward is sent and gets no answer within its deadline.
  BOOST_REQUIRE(::kill(node("merseburg").process->pid(), SIGSTOP) == 0);
  auto unconfirmed = post("leuna", leuAdmin, "/v1/mandates/" + id + "/approve");
  BOOST_TEST(unconfirmed.status == 503, unconfirmed.body);
  BOOST_TEST(unconfirmed.errorCode() == "approval_unconfirmed");
  // Its days count meanwhile, so a parallel approval elsewhere cannot use them twice.
  BOOST_TEST(node("leuna").db->scalar("SELECT pending FROM regfed.mandates WHERE id = '" + id + "'") ==
             "approve");
  ::kill(node("merseburg").process->pid(), SIGCONT);
  // Whatever the owner made of it, both nodes end up agreeing, and nothing stays pending.
  std::string leuna, merseburg;
  for (int i = 0; i < 60; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    leuna = node("leuna").db->scalar(
        "SELECT coalesce(helper_approved_by, '-') || ':' || coalesce(pending, '-') FROM "
        "regfed.mandates WHERE id = '" +
        id + "'");
    merseburg =
        node("merseburg")
            .db->scalar("SELECT coalesce(helper_approved_by, '-') || ':-' FROM regfed.mandates WHERE id = '" +
                        id + "'");
    if (leuna == merseburg) break;
  }
  BOOST_TEST(leuna == merseburg);
  BOOST_TEST(leuna.substr(leuna.size() - 2) == ":-");
}

BOOST_AUTO_TEST_CASE(a_peer_sees_and_revokes_only_mandates_of_the_municipalities_it_hosts) {
  const std::string id = approvedMandate("merseburg", "15088220");
  auto asPeer = [&](const std::string& peer) {
    return std::make_unique<RawPeer>(ca->certificateFile(), dir.path() + "/" + peer + ".pem",
                                     dir.path() + "/" + peer + ".key", node("merseburg").federationPort,
                                     "merseburg");
  };
  std::vector<wire::MandateInfo> listed;
  asPeer("sued")->client->mandates(listed, wire::g_regfed_constants.CONTRACT_VERSION);
  BOOST_TEST(listed.empty());  // the mandate's helper municipality is Leuna's
  asPeer("leuna")->client->mandates(listed, wire::g_regfed_constants.CONTRACT_VERSION);
  BOOST_REQUIRE(listed.size() == 1);
  BOOST_TEST(listed[0].id == id);
  wire::MandateDecision d;
  d.contract_version = wire::g_regfed_constants.CONTRACT_VERSION;
  d.mandate = id;
  d.action = "revoke";
  d.by = "z.admin";
  d.by_ags = kZeitz;
  d.request_id = Poco::UUIDGenerator::defaultGenerator().createRandom().toString();
  d.deadline_ms = 3000;
  wire::MandateAnswer a;
  // Leuna's node cannot speak for Zeitz; Zeitz's node (sued) is no party to this mandate, and learns nothing
  // of it.
  BOOST_CHECK_THROW(asPeer("leuna")->client->decide_mandate(a, d), wire::PeerRefused);
  asPeer("sued")->client->decide_mandate(a, d);
  BOOST_REQUIRE(a.__isset.refused);
  BOOST_TEST(a.refused.code == "mandate_not_found");
  BOOST_TEST(!a.__isset.mandate);
  d.action = "approve";
  a = wire::MandateAnswer();
  asPeer("sued")->client->decide_mandate(a, d);
  BOOST_TEST(a.refused.code == "mandate_not_found");
  BOOST_TEST(!a.__isset.mandate);
  BOOST_TEST(node("merseburg").db->scalar("SELECT coalesce(revoked_by, '-') FROM regfed.mandates") == "-");
  // No node decides the owner's side: Leuna's node deciding for Merseburg's municipality is refused outright.
  d.by = "mer.admin";
  d.by_ags = "15088220";
  BOOST_CHECK_THROW(asPeer("leuna")->client->decide_mandate(a, d), wire::PeerRefused);
  // Approvals and revocations are decisions of the helper's node; a token-carrying change is an activation
  // only.
  wire::MandateChange change;
  change.caller.contract_version = wire::g_regfed_constants.CONTRACT_VERSION;
  change.caller.token = token("admin.leuna", "15088205", {"admin"});
  change.caller.request_id = d.request_id;
  change.caller.deadline_ms = 3000;
  change.mandate = id;
  change.action = "approve";
  a = wire::MandateAnswer();
  asPeer("leuna")->client->change_mandate(a, change);
  BOOST_TEST(a.refused.code == "unknown_action");
  // A forged token in a forwarded activation is refused by the owner itself.
  change.caller.token = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln";
  change.action = "activate";
  a = wire::MandateAnswer();
  asPeer("leuna")->client->change_mandate(a, change);
  BOOST_TEST(a.refused.kind == "unauthenticated");
}

BOOST_AUTO_TEST_CASE(a_helper_processes_another_nodes_online_applications_through_their_home_node) {
  const std::string day = regfed::core::formatDay(regfed::core::berlinToday());
  const std::string merAdmin = token("admin.15088220", "15088220", {"admin"});
  auto created =
      post("merseburg", merAdmin, "/v1/mandates",
           R"({"owner_ags":"15088220","helper_ags":"15088205","helpers":["lena.wagner"],)"
           R"("registers":["melderegister"],"procedures":["online-antraege"],)"
           R"("operations":["get","search","process"],"fields":["familienname","vornamen","anschrift"],)"
           R"("purpose":"Bearbeitung der Online-Anträge","agreement":"ZV-2026-01","valid_from":")" +
               day + R"(","valid_until":")" + day + "\"}");
  BOOST_TEST_REQUIRE(created.status == 201, created.body);
  const std::string id = created.json()->getValue<std::string>("id");
  BOOST_TEST_REQUIRE(post("merseburg", merAdmin, "/v1/mandates/" + id + "/approve").status == 200);
  BOOST_TEST_REQUIRE(
      post("leuna", token("admin.leuna", "15088205", {"admin"}), "/v1/mandates/" + id + "/approve").status ==
      200);

  const std::string lena = token("lena.wagner", "15088205", {"helper"});
  const std::string items = "/v1/procedures/15088220/online-antraege/items";
  auto at = [&](const std::string& method, const std::string& path) {
    return method == "GET"
               ? get("leuna", lena, path, {{"Regfed-Mandate", id}})
               : HttpResponse(http(node("leuna").process->port(), "POST", path, "{}",
                                   {{"Authorization", "Bearer " + lena}, {"Regfed-Mandate", id}}));
  };
  // Leuna's node shows Merseburg's procedure as Merseburg's catalog has it.
  auto catalog = get("leuna", lena, "/v1/procedures");
  BOOST_TEST(
      catalog.body.find(
          R"("procedure":"online-antraege","title":"Online-Anträge","node":"merseburg","status":"ok")") !=
          std::string::npos,
      catalog.body);
  auto inbox = at("GET", items);
  BOOST_TEST_REQUIRE(inbox.status == 200, inbox.body);
  BOOST_TEST(inbox.json()->getArray("items")->size() == 3u);

  // The claim goes to Merseburg's node; both logs hold it under the same request id.
  auto claimed = at("POST", items + "/OA-F-001/claim");
  BOOST_TEST_REQUIRE(claimed.status == 200, claimed.body);
  const std::string rid = claimed.json()->getValue<std::string>("request_id");
  BOOST_TEST(audit("merseburg", rid,
                   "action || ':' || decision || ':' || reason || ':' || peer || ':' || case_ref") ==
             "item_claim:allow:mandate:leuna:OA-F-001");
  BOOST_TEST(audit("leuna", rid, "action || ':' || decision || ':' || reason || ':' || peer") ==
             "item_claim:allow:forwarded:merseburg");
  // A second claim of the same item from Merseburg's own clerk loses.
  auto lost = post("merseburg", token("max.klein", "15088220", {"clerk"}), items + "/OA-F-001/claim");
  BOOST_TEST(lost.errorCode() == "already_claimed");

  // The applicant's record, opened at Leuna's node without a search and without a case reference: found by
  // the case at Merseburg, logged there under the item.
  auto record =
      get("leuna", lena, "/v1/registers/15088220/melderegister/records/MER-000001", {{"Regfed-Mandate", id}});
  BOOST_TEST_REQUIRE(record.status == 200, record.body);
  BOOST_TEST(audit("merseburg", record.json()->getValue<std::string>("request_id"), "case_ref") ==
             "OA-F-001");

  auto decided =
      http(node("leuna").process->port(), "POST", items + "/OA-F-001/complete", R"({"decision":"approved"})",
           {{"Authorization", "Bearer " + lena}, {"Regfed-Mandate", id}});
  BOOST_TEST_REQUIRE(decided.status == 200, decided.body);
  BOOST_TEST(at("GET", items).json()->getArray("items")->size() == 2u);

  // Revoked at the owner mid-work: the helper's next step says so, and the item is free again.
  BOOST_TEST_REQUIRE(at("POST", items + "/OA-F-002/claim").status == 200);
  BOOST_TEST_REQUIRE(post("merseburg", merAdmin, "/v1/mandates/" + id + "/revoke").status == 200);
  auto told = at("GET", items + "/OA-F-002");
  BOOST_TEST(told.errorCode() == "mandate_revoked", told.body);
  BOOST_TEST(
      (told.body.find("OA-F-002") != std::string::npos || told.body.find("go back to") != std::string::npos),
      told.body);
  BOOST_TEST(
      node("merseburg")
          .db->scalar("SELECT coalesce(claim_holder, '-') FROM antraege.items WHERE id = 'OA-F-002'") == "-");
  BOOST_TEST(node("leuna").db->scalar("SELECT count(*) FROM regfed.claims") == "0");

  // Revoked at the helper's node while the owner's node is down: nothing goes out under it any more.
  auto second = post(
      "merseburg", merAdmin, "/v1/mandates",
      std::string() +
          R"({"owner_ags":"15088220","helper_ags":"15088205","helpers":["lena.wagner"],)"
          R"("registers":["melderegister"],"procedures":["online-antraege"],"operations":["process"],)"
          R"("fields":["familienname"],"purpose":"Bearbeitung der Online-Anträge","agreement":"ZV-2026-01",)"
          R"("valid_from":")" +
          day + R"(","valid_until":")" + day + "\"}");
  BOOST_TEST_REQUIRE(second.status == 201, second.body);
  const std::string id2 = second.json()->getValue<std::string>("id");
  BOOST_TEST_REQUIRE(post("merseburg", merAdmin, "/v1/mandates/" + id2 + "/approve").status == 200);
  const std::string leuAdmin = token("admin.leuna", "15088205", {"admin"});
  BOOST_TEST_REQUIRE(post("leuna", leuAdmin, "/v1/mandates/" + id2 + "/approve").status == 200);
  auto held = http(node("leuna").process->port(), "POST", items + "/OA-F-003/claim", "{}",
                   {{"Authorization", "Bearer " + lena}, {"Regfed-Mandate", id2}});
  BOOST_TEST_REQUIRE(held.status == 200, held.body);
  stop("merseburg");
  BOOST_TEST_REQUIRE(post("leuna", leuAdmin, "/v1/mandates/" + id2 + "/revoke").status == 200);
  auto refused = get("leuna", lena, items + "/OA-F-003", {{"Regfed-Mandate", id2}});
  BOOST_TEST(refused.errorCode() == "mandate_revoked", refused.body);
  BOOST_TEST(audit("leuna", refused.json()->getObject("error")->getValue<std::string>("request_id"),
                   "decision || ':' || reason || ':' || coalesce(peer, '-')") == "deny:mandate_revoked:-");
  BOOST_TEST(node("leuna").db->scalar("SELECT count(*) FROM regfed.claims") == "0");
}

BOOST_AUTO_TEST_SUITE_END()
