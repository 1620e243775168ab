// Upgrading a federation one node at a time: a node of the previous release (node-to-node contract version 2,
// generated from tests/compat/regfed-contract-2.thrift as it was released) and nodes of this one (version 3)
// work together in both directions. Leuna's node is played by a server and a client built from the old
// contract with Leuna's certificate; Merseburg's and the south's nodes are this release's.
#define BOOST_TEST_MODULE contract_compat
#include <Poco/JSON/Parser.h>
#include <Poco/UUIDGenerator.h>
#include <contract-2/RegfedNode.h>  // the previous release's contract: namespace regfed::wire_v2
#include <contract-2/regfed_v2_constants.h>
#include <signal.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/server/TThreadedServer.h>
#include <thrift/transport/TBufferTransports.h>
#include <thrift/transport/TSSLServerSocket.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <mutex>
#include <thread>

#include "FederationFixture.h"
#include "NodeFixture.h"
#include "PeerTls.h"

using namespace regfed::test;
namespace v2 = ::regfed::wire_v2;

namespace {

struct SigpipeIgnored {
  SigpipeIgnored() { ::signal(SIGPIPE, SIG_IGN); }
} ignoreSigpipe;

constexpr int kThisRelease = 3;  // schemas/regfed.thrift CONTRACT_VERSION

// Leuna's node as the previous release answers: its version range 1..2, refusing any other version as that
// release does, and one Melderegister record. Records the methods called and the versions they carried.
class PreviousRelease : public v2::RegfedNodeIf {
 public:
  void ping(v2::Pong& out, const int32_t version) override {
    called("ping", version, false);
    out.node = "leuna";
    out.contract_version = v2::g_regfed_v2_constants.CONTRACT_VERSION;
    out.min_contract_version = v2::g_regfed_v2_constants.MIN_CONTRACT_VERSION;
  }
  void catalog(v2::Catalog& out, const int32_t version) override {
    called("catalog", version);
    out.node = "leuna";
    out.municipalities = {kLeuna};
    v2::RegisterInfo r;
    r.ags = kLeuna;
    r.municipality = "Stadt Leuna";
    r.register_name = "melderegister";
    r.title = "Melderegister";
    r.status = "ok";
    r.id_field = "id";
    for (const char* name : {"id", "familienname", "vornamen", "ort"}) {
      v2::FieldInfo f;
      f.name = name;
      f.type = "string";
      f.classification = "intern";
      r.fields.push_back(f);
    }
    r.operations = {"search", "get"};
    out.registers = {r};
  }
  void search(v2::SearchResponse& out, const v2::SearchRequest& request) override {
    called("search", request.caller.contract_version);
    for (const auto& ags : request.municipalities) {
      v2::MunicipalityResult m;
      m.ags = ags;
      m.register_name = request.register_name;
      m.status = "ok";
      std::vector<std::string> fields = {"id"};
      if (request.__isset.fields) fields.insert(fields.end(), request.fields.begin(), request.fields.end());
      m.__set_fields(fields);
      std::vector<v2::Value> row;
      for (const auto& f : fields) {
        v2::Value v;
        v.__set_text(f == "id" ? "LEU-000001" : f == "familienname" ? "Müller" : f == "ort" ? "Leuna" : "Anna");
        row.push_back(v);
      }
      m.__set_rows({row});
      out.results.push_back(m);
    }
  }
  void get_record(v2::RecordResponse& out, const v2::RecordRequest& request) override {
    called("get_record", request.caller.contract_version);
    v2::Problem p;
    p.kind = "not_found";
    p.code = "record_not_found";
    p.message = "No such record.";
    out.__set_refused(p);
  }
  void mandates(std::vector<v2::MandateInfo>& out, const int32_t version) override {
    called("mandates", version);
    out.clear();
  }
  void change_mandate(v2::MandateAnswer& out, const v2::MandateChange& change) override {
    called("change_mandate", change.caller.contract_version);
    refuse(out);
  }
  void decide_mandate(v2::MandateAnswer& out, const v2::MandateDecision& decision) override {
    called("decide_mandate", decision.contract_version);
    refuse(out);
  }
  void cosign(v2::CosignAnswer& out, const v2::CosignRequest& request) override {
    called("cosign", request.contract_version);
    v2::Problem p;
    p.kind = "unavailable";
    p.code = "witness_unavailable";
    p.message = "Not witnessing in this test.";
    out.__set_refused(p);
  }
  void witnessed_head(v2::WitnessedHeadInfo& out, const int32_t version) override {
    called("witnessed_head", version);
    out.size = 0;
  }

  /// "method:version" of every call, and the versions this release would have refused.
  std::vector<std::string> calls() {
    std::lock_guard<std::mutex> lock(mutex_);
    return calls_;
  }
  std::vector<std::string> refused() {
    std::lock_guard<std::mutex> lock(mutex_);
    return refused_;
  }
  bool wasCalled(const std::string& method) {
    for (const auto& c : calls())
      if (c.rfind(method + ":", 0) == 0) return true;
    return false;
  }

 private:
  void called(const std::string& method, int version, bool checked = true) {
    std::lock_guard<std::mutex> lock(mutex_);
    calls_.push_back(method + ":" + std::to_string(version));
    const auto& k = v2::g_regfed_v2_constants;
    if (!checked || (version >= k.MIN_CONTRACT_VERSION && version <= k.CONTRACT_VERSION)) return;
    refused_.push_back(calls_.back());
    v2::VersionMismatch e;
    e.min_contract_version = k.MIN_CONTRACT_VERSION;
    e.contract_version = k.CONTRACT_VERSION;
    e.message = "node leuna speaks contract versions 1 to 2, not " + std::to_string(version) + ".";
    throw e;
  }
  static void refuse(v2::MandateAnswer& out) {
    v2::Problem p;
    p.kind = "forbidden";
    p.code = "not_in_this_test";
    p.message = "Not in this test.";
    out.__set_refused(p);
  }
  std::mutex mutex_;
  std::vector<std::string> calls_, refused_;
};

// Leuna's node of the previous release, serving on Leuna's federation port with Leuna's certificate.
class PreviousReleaseServer {
 public:
  PreviousReleaseServer(FederationFixture& fx, std::shared_ptr<PreviousRelease> handler) {
    regfed::core::FederationConfig f;
    f.ca = fx.ca->certificateFile();
    f.certificate = fx.dir.path() + "/leuna.pem";
    f.privateKey = fx.dir.path() + "/leuna.key";
    for (const char* peer : {"merseburg", "sued"}) f.peers.push_back(regfed::core::PeerConfig{peer, "", 0, {}});
    auto sockets = std::make_shared<regfed::core::PeerSocketFactory>(f, true);
    auto listener = std::make_shared<apache::thrift::transport::TSSLServerSocket>(
        "127.0.0.1", fx.node("leuna").federationPort, sockets);
    listener->setRecvTimeout(2000);
    server_ = std::make_unique<apache::thrift::server::TThreadedServer>(
        std::make_shared<v2::RegfedNodeProcessor>(handler), listener,
        std::make_shared<apache::thrift::transport::TFramedTransportFactory>(),
        std::make_shared<apache::thrift::protocol::TBinaryProtocolFactory>());
    thread_ = std::thread([this] { server_->serve(); });
  }
  ~PreviousReleaseServer() {
    server_->stop();
    thread_.join();
  }

 private:
  std::unique_ptr<apache::thrift::server::TThreadedServer> server_;
  std::thread thread_;
};

// Leuna's node of the previous release calling another node.
struct PreviousReleaseClient {
  PreviousReleaseClient(FederationFixture& fx, const std::string& node) {
    regfed::core::FederationConfig f;
    f.ca = fx.ca->certificateFile();
    f.certificate = fx.dir.path() + "/leuna.pem";
    f.privateKey = fx.dir.path() + "/leuna.key";
    factory = std::make_shared<regfed::core::PeerSocketFactory>(f, false);
    socket = factory->connectTo("127.0.0.1", fx.node(node).federationPort, node);
    socket->setConnTimeout(3000);
    socket->setRecvTimeout(5000);
    socket->setSendTimeout(5000);
    socket->open();
    socket->handshake();
    client = std::make_unique<v2::RegfedNodeClient>(std::make_shared<apache::thrift::protocol::TBinaryProtocol>(
        std::make_shared<apache::thrift::transport::TFramedTransport>(socket)));
  }
  ~PreviousReleaseClient() { socket->close(); }
  std::shared_ptr<regfed::core::PeerSocketFactory> factory;
  std::shared_ptr<regfed::core::PeerSocket> socket;
  std::unique_ptr<v2::RegfedNodeClient> client;
};

v2::SearchRequest searchAsPreviousRelease(const std::string& token, const std::string& mandate, int version) {
  v2::SearchRequest r;
  r.caller.contract_version = version;
  r.caller.token = token;
  r.caller.request_id = Poco::UUIDGenerator::defaultGenerator().createRandom().toString();
  r.caller.deadline_ms = 3000;
  r.register_name = "melderegister";
  r.municipalities = {kMerseburg};
  // The criteria §38 BMG asks of a search from outside the owning municipality.
  for (const auto& [field, value] : std::vector<std::pair<std::string, std::string>>{
           {"familienname", "Müller"}, {"vornamen", "Anna"}, {"ort", "Merseburg"}, {"geburtsdatum", "1984-03-02"}}) {
    v2::FilterTerm t;
    t.field = field;
    t.op = v2::Operator::EQUALS;
    v2::Value v;
    v.__set_text(value);
    t.values = {v};
    r.filter.push_back(t);
  }
  r.__set_fields({"familienname", "vornamen"});
  r.limit = 10;
  r.purpose = "Bearbeitung Online-Antrag";
  r.case_ref = "ANT-12";
  r.__set_mandate(mandate);
  return r;
}

std::string peerStatus(FederationFixture& fx, const std::string& node, const std::string& peer) {
  auto body = http(fx.node(node).process->port(), "GET", "/v1/health").body;
  auto peers = Poco::JSON::Parser().parse(body).extract<Poco::JSON::Object::Ptr>()->getObject("peers");
  return peers ? peers->optValue<std::string>(peer, "") : "";
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(contract_compat, FederationFixture)

BOOST_AUTO_TEST_CASE(a_node_of_the_previous_release_and_nodes_of_this_one_work_together) {
  BOOST_REQUIRE_EQUAL(v2::g_regfed_v2_constants.CONTRACT_VERSION, kThisRelease - 1);
  // Approved while Leuna still runs this release; then Leuna's node is the previous release's.
  const std::string mandate = approvedMandate("merseburg", kMerseburg);
  stop("leuna");
  auto leuna = std::make_shared<PreviousRelease>();
  PreviousReleaseServer server(*this, leuna);

  // This release's nodes probe it, speak version 2 with it and list it as reachable.
  std::string status;
  for (int i = 0; i < 100 && (status != "ok" || !leuna->wasCalled("catalog")); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    status = peerStatus(*this, "merseburg", "leuna");
  }
  BOOST_TEST(status == "ok");

  // A search at Merseburg's node that includes Leuna is answered by the old node.
  const std::string clerk = token("max.klein", kMerseburg, {"clerk"});
  auto r = post("merseburg", clerk, "/v1/query",
                R"({"register":"melderegister","municipalities":["15088220","15088205"],
                    "filter":{"familienname":"Müller","vornamen":"Anna","ort":"Merseburg","geburtsdatum":"1984-03-02"},
                    "fields":["familienname","vornamen","ort"],"purpose":"Prüfung Antrag","case_ref":"ANT-11"})");
  BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
  BOOST_TEST(r.body.find("LEU-000001") != std::string::npos, r.body);
  BOOST_TEST(r.body.find("MER-000001") != std::string::npos, r.body);
  BOOST_TEST(leuna->wasCalled("search"));
  // The record the search disclosed, asked of the old node (which says it has no such record).
  auto record = get("merseburg", clerk, "/v1/registers/15088205/melderegister/records/LEU-000001", purposeHeaders());
  BOOST_TEST(record.status == 404, record.body);
  BOOST_TEST(leuna->wasCalled("get_record"));
  // In the background this release's nodes fetch the old node's mandate list and ask it to cosign their logs.
  for (int i = 0; i < 150 && !(leuna->wasCalled("mandates") && leuna->wasCalled("cosign")); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  BOOST_TEST(leuna->wasCalled("mandates"));
  BOOST_TEST(leuna->wasCalled("cosign"));

  // The other way: the old node's helper searches Merseburg's register under the mandate, speaking version 2.
  const std::string helper = token("lena.wagner", kLeuna, {"helper"});
  {
    PreviousReleaseClient old(*this, "merseburg");
    v2::Pong pong;
    old.client->ping(pong, 2);
    BOOST_TEST(pong.node == "merseburg");
    BOOST_TEST(pong.contract_version == kThisRelease);
    BOOST_TEST(pong.min_contract_version <= 2);
    // This release's catalog carries what version 3 added; the old reader skips it.
    v2::Catalog catalog;
    old.client->catalog(catalog, 2);
    BOOST_TEST(catalog.node == "merseburg");
    bool melde = false;
    for (const auto& reg : catalog.registers) melde = melde || (reg.ags == kMerseburg && reg.register_name == "melderegister");
    BOOST_TEST(melde);

    v2::SearchResponse found;
    const auto request = searchAsPreviousRelease(helper, mandate, 2);
    old.client->search(found, request);
    BOOST_TEST(!found.__isset.refused, found.refused.code << ": " << found.refused.message);
    BOOST_REQUIRE_EQUAL(found.results.size(), 1u);
    BOOST_TEST(found.results[0].status == "ok");
    BOOST_REQUIRE_EQUAL(found.results[0].rows.size(), 1u);
    BOOST_TEST(found.results[0].rows[0][0].text == "MER-000001");
    BOOST_TEST(audit("merseburg", request.caller.request_id, "decision || ':' || peer || ':' || actor || ':' || mandate") ==
               "allow:leuna:lena.wagner:" + mandate);

    // A version neither speaks is refused with this node's range.
    v2::SearchResponse never;
    try {
      old.client->search(never, searchAsPreviousRelease(helper, mandate, kThisRelease + 1));
      BOOST_FAIL("a version this node does not speak was accepted");
    } catch (const v2::VersionMismatch& e) {
      BOOST_TEST(e.contract_version == kThisRelease);
      BOOST_TEST(e.min_contract_version == 1);
    }
  }

  // Every call this release's nodes made to the old node was one it accepts (ping carries the caller's own).
  BOOST_TEST(leuna->refused().empty(), "refused: " << (leuna->refused().empty() ? "" : leuna->refused()[0]));
  for (const auto& call : leuna->calls())
    if (call.rfind("ping:", 0) != 0) BOOST_TEST(call.substr(call.find(':') + 1) == "2", call);
}

BOOST_AUTO_TEST_SUITE_END()
