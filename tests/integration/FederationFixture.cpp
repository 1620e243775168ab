#include "FederationFixture.h"

#include <Poco/Net/ServerSocket.h>
#include <boost/test/unit_test.hpp>

#include <Poco/JSON/Parser.h>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include <pqxx/pqxx>

#include "CalendarDate.h"
#include "NodeFixture.h"
#include "TokenVerifier.h"

namespace regfed::test {

namespace {

// Each municipality's Melderegister in its own node's database; ids start with the municipality's letters.
const std::map<std::string, std::string> kRows = {
    {"15088220",
     "('MER-000001','Müller','Anna',NULL,'1984-03-02','Halle (Saale)','w','deutsch','Gotthardstraße','12','06217',"
     "'Merseburg','Gotthardstraße 12, 06217 Merseburg',NULL,'01234567890',false),"
     "('MER-000007','Müller','Hans',NULL,'1950-05-05','Merseburg','m','deutsch','Geusaer Straße','40','06217',"
     "'Merseburg','Geusaer Straße 40, 06217 Merseburg',NULL,'01234567896',true)"},
    {"15088205",
     "('LEU-000001','Wagner','Lena',NULL,'1988-08-08','Leuna','w','deutsch','Rathausstraße','1','06237','Leuna',"
     "'Rathausstraße 1, 06237 Leuna',NULL,'01234567897',false)"},
    {"15084590",
     "('ZEI-000001','Müller','Anna',NULL,'1984-03-02','Zeitz','w','deutsch','Altmarkt','1','06712','Merseburg',"
     "'Altmarkt 1, 06712 Zeitz',NULL,'01234567898',false)"},
    {"15084550",
     "('WSF-000001','Müller','Anna',NULL,'1984-03-02','Weißenfels','w','deutsch','Markt','2','06667',"
     "'Merseburg','Markt 2, 06667 Weißenfels',NULL,'01234567899',false)"}};

}  // namespace

// Merseburg's online applications, processed by helpers of other nodes: OA-F-001 refers to MER-000001.
static std::string procedureSql() {
  std::ifstream in(sourceDir() + "/schemas/antraege.sql");
  std::stringstream schema;
  schema << in.rdbuf();
  std::string sql = schema.str();
  for (const char* id : {"OA-F-001", "OA-F-002", "OA-F-003"})
    sql += std::string("INSERT INTO antraege.items (ags, id, kind, title, received, refs) VALUES ('15088220', '") +
           id + "', 'Wohnsitzanmeldung', 'Wohnsitzanmeldung " + id + "', now(), "
           "'[{\"register\": \"melderegister\", \"id\": \"MER-000001\", \"label\": \"Antragsteller/in\"}]');";
  return sql + "GRANT USAGE ON SCHEMA antraege TO regfed_reader; GRANT SELECT ON antraege.items, antraege.attachments, antraege.history TO regfed_reader; GRANT UPDATE (status, decision, note, decided_by, decided_at, claim_holder, claim_since, claim_expires) ON antraege.items TO regfed_reader; GRANT INSERT ON antraege.history TO regfed_reader;";
}

int freePort() {
  Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
  const int port = socket.address().port();
  socket.close();
  return port;
}

FederationFixture::FederationFixture() {
  ca = std::make_unique<TestCa>(dir.path(), "federation-ca");
  writeKeyPair(dir.path(), "idp-mer");
  writeKeyPair(dir.path(), "idp-leu");
  writeKeyPair(dir.path(), "idp-sued");
  nodes.resize(3);
  nodes[0].id = "merseburg";
  nodes[0].municipalities = {{"15088220", "Stadt Merseburg"}};
  nodes[1].id = "leuna";
  nodes[1].municipalities = {{"15088205", "Stadt Leuna"}};
  nodes[2].id = "sued";
  nodes[2].municipalities = {{kZeitz, "Stadt Zeitz"}, {kWeissenfels, "Stadt Weißenfels"}};
  std::vector<std::unique_ptr<Poco::Net::ServerSocket>> held;  // distinct ports: hold all, then release
  for (auto& n : nodes) {
    held.push_back(std::make_unique<Poco::Net::ServerSocket>(Poco::Net::SocketAddress("127.0.0.1", 0)));
    n.federationPort = held.back()->address().port();
  }
  held.clear();
  for (auto& n : nodes) {
    n.db = std::make_unique<TestDatabase>();
    std::string sql = "CREATE SCHEMA melde; GRANT USAGE ON SCHEMA melde TO regfed_reader;";
    for (const auto& [ags, name] : n.municipalities) {
      sql += "CREATE TABLE melde.m_" + ags +
             " (id text PRIMARY KEY, familienname text, vornamen text, geburtsname text, geburtsdatum date, "
             "geburtsort text, geschlecht text, staatsangehoerigkeit text, strasse text, hausnummer text, plz text, "
             "ort text, anschrift text, religion text, steuer_id text, auskunftssperre boolean);";
      sql += "INSERT INTO melde.m_" + ags + " VALUES " + kRows.at(ags) + ";";
    }
    sql += "GRANT SELECT ON ALL TABLES IN SCHEMA melde TO regfed_reader;";
    if (n.id == "merseburg") sql += procedureSql();
    n.db->exec(sql);
    ca->issue(n.id);
    n.configPath = dir.write(n.id + ".json", configFor(n));
    auto load = regfed::core::loadConfig(n.configPath);
    if (!load.problems.empty()) throw std::runtime_error("federation config invalid: " + load.problems[0]);
    if (n.id == "merseburg") tokenConfig = load.config;
  }
  for (auto& n : nodes) n.process = std::make_unique<NodeProcess>(n.configPath, dir.path());
  awaitConnected();
}

void FederationFixture::awaitConnected() {
  // Nodes start one after the other: until every running node has reached every other running one, a call may
  // meet a circuit opened by the probes of a peer that was not yet listening. Tests begin connected.
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  for (const auto& n : nodes) {
    if (!n.process) continue;
    for (;;) {
      bool connected = true;
      std::string body;
      try {
        body = http(n.process->port(), "GET", "/v1/health").body;
        auto peers = Poco::JSON::Parser().parse(body).extract<Poco::JSON::Object::Ptr>()->getObject("peers");
        for (const auto& other : nodes)
          if (other.id != n.id && other.process && (!peers || peers->optValue<std::string>(other.id, "") != "ok"))
            connected = false;
      } catch (const std::exception&) {
        connected = false;
      }
      if (connected) break;
      if (std::chrono::steady_clock::now() > until)
        throw std::runtime_error("node " + n.id + " did not reach its peers within 30 s: " + body);
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
}

FederationFixture::~FederationFixture() {
  for (auto& n : nodes)
    if (n.process) n.process->stop();
}

std::string FederationFixture::issuers() const {
  auto issuer = [&](const std::string& iss, const std::string& key, const std::string& municipalities) {
    return R"({"iss": ")" + iss + R"(", "municipalities": )" + municipalities +
           R"(, "algorithm": "ES256", "audience": "regfed", "public_key": ")" + dir.path() + "/" + key +
           R"(.pub.pem", "private_key": ")" + dir.path() + "/" + key + R"(.pem"})";
  };
  return "[" + issuer("https://idp.merseburg.test", "idp-mer", R"(["15088220"])") + "," +
         issuer("https://idp.leuna.test", "idp-leu", R"(["15088205"])") + "," +
         issuer("https://idp.sued.test", "idp-sued", R"(["15084590", "15084550"])") + "]";
}

std::string FederationFixture::federationSection(const std::string& id, const std::string& cert,
                                                 const std::string& key) const {
  const FederatedNode* self = nullptr;
  for (const auto& n : nodes)
    if (n.id == id) self = &n;
  std::string peers;
  for (const auto& n : nodes) {
    if (n.id == id) continue;
    std::string list;
    for (const auto& [ags, name] : n.municipalities)
      list += std::string(list.empty() ? "" : ",") + R"({"ags": ")" + ags + R"(", "name": ")" + name + "\"}";
    peers += std::string(peers.empty() ? "" : ",") + R"({"node": ")" + n.id + R"(", "address": "127.0.0.1:)" +
             std::to_string(n.federationPort) + R"(", "municipalities": [)" + list + "]}";
  }
  return R"("federation": {"listen": "127.0.0.1:)" + std::to_string(self->federationPort) + R"(", "ca": ")" +
         ca->certificateFile() + R"(", "certificate": ")" + cert + R"(", "private_key": ")" + key +
         R"(", "probe_interval_ms": 500, "witness_interval_ms": 400, "peers": [)" + peers + "]}";
}

std::string FederationFixture::configFor(const FederatedNode& n) const {
  std::string municipalities, registers;
  for (const auto& [ags, name] : n.municipalities) {
    municipalities += std::string(municipalities.empty() ? "" : ",") + R"({"ags": ")" + ags + R"(", "name": ")" +
                      name + "\"}";
    registers += std::string(registers.empty() ? "" : ",") + R"({"ags": ")" + ags +
                 R"(", "name": "melderegister", "title": "Melderegister", "adapter": "sql",
     "options": {"conninfo": ")" + n.db->dsn("regfed_reader") + R"(", "table": "melde.m_)" + ags +
                 R"(", "pool_size": 2}, "block_fields": ["auskunftssperre"],
     "phonetic_fields": ["familienname", "vornamen", "geburtsname"], "search_criteria": )" +
                 schemaFile("melderegister.criteria.json") + R"(, "fields": )" +
                 schemaFile("melderegister.fields.json") + "}";
  }
  return R"({
  "node": {"id": ")" + n.id + R"(", "listen": "127.0.0.1:0", "max_threads": 32},
  "municipalities": [)" + municipalities + R"(],
  "plugin_dir": ")" + pluginDir() + R"(",
  "audit": {"dsn": ")" + n.db->dsn("regfed_node") + R"(", "owner_dsn": ")" + n.db->dsn("regfed_owner") + R"(",
            "node_role": "regfed_node", "signing_key": ")" + dir.path() + "/" + n.id + R"(-audit.pem",
            "sign_interval_ms": 300},
  "issuers": )" + issuers() + R"(,
  "registers": [)" + registers + R"(],
  "agreements": [{"id": "ZV-2026-01", "title": "IKZ Sachsen-Anhalt Süd", "support_days_per_year": 10}],
  "procedures": [)" + (n.id == "merseburg" ? R"({"ags": "15088220", "name": "online-antraege", "title": "Online-Anträge",
     "adapter": "antraege", "options": {"conninfo": ")" + n.db->dsn("regfed_reader") + R"(", "municipality": "15088220"}})"
                                           : std::string()) + R"(],
  )" + federationSection(n.id, dir.path() + "/" + n.id + ".pem", dir.path() + "/" + n.id + ".key") + R"(
})";
}

FederatedNode& FederationFixture::node(const std::string& id) {
  for (auto& n : nodes)
    if (n.id == id) return n;
  throw std::runtime_error("no node " + id);
}

void FederationFixture::start(const std::string& id) {
  FederatedNode& n = node(id);
  n.process = std::make_unique<NodeProcess>(n.configPath, dir.path());
  awaitConnected();
}

void FederationFixture::stop(const std::string& id) {
  FederatedNode& n = node(id);
  if (n.process) n.process->stop();
  n.process.reset();
}

std::string FederationFixture::token(const std::string& user, const std::string& ags,
                                     const std::vector<std::string>& roles) const {
  return regfed::core::mintToken(tokenConfig, user, ags, roles, 3600);
}

HttpResponse FederationFixture::post(const std::string& n, const std::string& token, const std::string& path,
                                     const std::string& body) {
  return http(node(n).process->port(), "POST", path, body, {{"Authorization", "Bearer " + token}});
}

HttpResponse FederationFixture::get(const std::string& n, const std::string& token, const std::string& path,
                                    std::map<std::string, std::string> headers) {
  headers["Authorization"] = "Bearer " + token;
  return http(node(n).process->port(), "GET", path, "", headers);
}

std::string FederationFixture::audit(const std::string& n, const std::string& requestId, const std::string& column) {
  pqxx::connection conn(node(n).db->superuserDsn());
  pqxx::nontransaction tx(conn);
  std::string out;
  for (const auto& row : tx.exec_params("SELECT " + column +
                                            " FROM regfed_audit.events WHERE request_id = $1 ORDER BY seq",
                                        requestId))
    out += std::string(out.empty() ? "" : "|") + (row[0].is_null() ? "NULL" : row[0].as<std::string>());
  return out;
}

std::string FederationFixture::ownerApprovedMandate(const std::string& owner, const std::string& ownerAgs, int from,
                                                   int until) {
  auto day = [](int offset) { return regfed::core::formatDay(regfed::core::berlinToday() + offset); };
  const std::string body = R"({"owner_ags":")" + ownerAgs +
                           R"(","helper_ags":"15088205","helpers":["lena.wagner"],"registers":["melderegister"],)"
                           R"("operations":["get","search"],"fields":["familienname","vornamen","geburtsdatum","anschrift","ort"],)"
                           R"("purpose":"Vertretung Meldebehörde während Personalengpass","agreement":"ZV-2026-01",)"
                           R"("valid_from":")" + day(from) + R"(","valid_until":")" + day(until) + "\"}";
  const std::string ownerAdmin = token("admin." + ownerAgs, ownerAgs, {"admin"});
  auto created = post(owner, ownerAdmin, "/v1/mandates", body);
  BOOST_REQUIRE_MESSAGE(created.status == 201, created.body);
  const std::string id = created.json()->getValue<std::string>("id");
  auto first = post(owner, ownerAdmin, "/v1/mandates/" + id + "/approve");
  BOOST_REQUIRE_MESSAGE(first.status == 200, first.body);
  return id;
}

std::string FederationFixture::approvedMandate(const std::string& owner, const std::string& ownerAgs) {
  const std::string id = ownerApprovedMandate(owner, ownerAgs, 0, 0);
  // Leuna's admin approves at Leuna's node, which counts the quota and forwards to the owning node; that node
  // verifies the Leuna token itself.
  auto second = post("leuna", token("admin.leuna", "15088205", {"admin"}), "/v1/mandates/" + id + "/approve");
  BOOST_REQUIRE_MESSAGE(second.status == 200, second.body);
  return id;
}

}  // namespace regfed::test
