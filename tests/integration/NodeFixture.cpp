#include "NodeFixture.h"

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include <pqxx/pqxx>

#include "CalendarDate.h"
#include "TokenVerifier.h"

namespace regfed::test {

std::string schemaFile(const std::string& name) {
  std::ifstream in(sourceDir() + "/schemas/demo/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

namespace {

// The demo's Melderegister schema and §38 criteria, so the tests exercise what clients rely on.
std::string meldeRules() {
  return R"("block_fields": ["auskunftssperre"], "phonetic_fields": ["familienname", "vornamen", "geburtsname"],
     "search_criteria": )" +
         schemaFile("melderegister.criteria.json") + R"(, "fields": )" +
         schemaFile("melderegister.fields.json");
}

const char* kTables = R"sql(
CREATE SCHEMA melde;
GRANT USAGE ON SCHEMA melde TO regfed_reader;
CREATE TABLE melde.m_15088220 (id text PRIMARY KEY, familienname text, vornamen text, geburtsname text,
  geburtsdatum date, geburtsort text, geschlecht text, staatsangehoerigkeit text, strasse text, hausnummer text,
  plz text, ort text, anschrift text, religion text, steuer_id text, auskunftssperre boolean);
CREATE TABLE melde.m_15088205 (LIKE melde.m_15088220 INCLUDING ALL);
INSERT INTO melde.m_15088220 VALUES
 ('MER-000001','Müller','Anna',NULL,'1984-03-02','Halle (Saale)','w','deutsch','Gotthardstraße','12','06217','Merseburg','Gotthardstraße 12, 06217 Merseburg','evangelisch','01234567890',false),
 ('MER-000002','Meier','Peter',NULL,'1975-06-01','Leipzig','m','deutsch','Domplatz','1','06217','Merseburg','Domplatz 1, 06217 Merseburg',NULL,'01234567891',false),
 ('MER-000003','Mayer','Petra','Schulz','1990-01-01','Merseburg','w','deutsch','Breite Straße','5','06217','Meuschau','Breite Straße 5, 06217 Meuschau',NULL,'01234567892',false),
 ('MER-000004','Meyer','Paul',NULL,'2000-12-24','Zeitz','m','polnisch','Entenplan','3a','06217','Merseburg','Entenplan 3a, 06217 Merseburg',NULL,'01234567893',false),
 ('MER-000005','Schmidt','Anne',NULL,'1984-07-07','Merseburg','w','deutsch','Weiße Mauer','8','06217','Merseburg','Weiße Mauer 8, 06217 Merseburg','römisch-katholisch','01234567894',false),
 ('MER-000006','O''Brien; DROP TABLE x;--','Robert',NULL,'1970-01-01','Dublin','m','irisch','Oberaltenburg','2','06217','Merseburg','Oberaltenburg 2, 06217 Merseburg',NULL,'01234567895',false),
 ('MER-000007','Müller','Hans',NULL,'1950-05-05','Merseburg','m','deutsch','Geusaer Straße','40','06217','Geusa','Geusaer Straße 40, 06217 Geusa',NULL,'01234567896',true);
INSERT INTO melde.m_15088205 VALUES
 ('LEU-000001','Wagner','Lena',NULL,'1988-08-08','Leuna','w','deutsch','Rathausstraße','1','06237','Leuna','Rathausstraße 1, 06237 Leuna',NULL,'01234567897',false);
GRANT SELECT ON ALL TABLES IN SCHEMA melde TO regfed_reader;
)sql";

// Merseburg's online applications: open items referring to Melderegister records (OA-T-001 to MER-000001, …),
// one of them with an attachment, and one decided item.
std::string procedureItems() {
  std::string sql;
  for (int i = 1; i <= kOpenItems; ++i) {
    char id[16], record[16];
    std::snprintf(id, sizeof id, "OA-T-%03d", i);
    std::snprintf(record, sizeof record, "MER-%06d", (i - 1) % 5 + 1);
    sql += std::string("INSERT INTO antraege.items (ags, id, kind, title, received, applicant, refs) VALUES "
                       "('15088220', '") + id + "', 'Wohnsitzanmeldung', 'Wohnsitzanmeldung " + id +
           "', now() - interval '" + std::to_string(100 - i) + " minutes', "
           "'[{\"name\": \"familienname\", \"label\": \"Familienname\", \"value\": \"Müller\"}]', "
           "'[{\"register\": \"melderegister\", \"id\": \"" + record +
           "\", \"label\": \"Antragsteller/in\"}]');"
           "INSERT INTO antraege.history (ags, item_id, status, actor) VALUES ('15088220', '" + id +
           "', 'open', 'antragsteller');";
  }
  sql += "INSERT INTO antraege.attachments VALUES ('15088220', 'OA-T-001', 'Wohnungsgeberbestätigung.pdf', "
         "'application/pdf', 183204, NULL);"
         "INSERT INTO antraege.items (ags, id, kind, title, received, status) VALUES ('15088220', 'OA-T-900', "
         "'Abmeldung', 'Abmeldung OA-T-900', now() - interval '3 days', 'approved');";
  return sql;
}

}  // namespace

NodeFixture::NodeFixture(NodeOptions options) {
  db.exec(kTables);
  // The procedure's tables as production has them, written through the adapter's own role.
  std::ifstream antraege(sourceDir() + "/schemas/antraege.sql");
  std::stringstream schema;
  schema << antraege.rdbuf();
  db.exec(schema.str() + procedureItems() +
          "GRANT USAGE ON SCHEMA antraege TO regfed_reader; GRANT SELECT ON antraege.items, antraege.attachments, antraege.history TO regfed_reader; GRANT UPDATE (status, decision, note, decided_by, decided_at, claim_holder, claim_since, claim_expires) ON antraege.items TO regfed_reader; GRANT INSERT ON antraege.history TO regfed_reader;");
  dir.write("gewerbe.jsonl",
            "{\"id\":\"GEW-MER-00001\",\"betriebsname\":\"Bäckerei Krause\",\"inhaber\":\"Krause, "
            "Jens\",\"steuernummer\":\"0000000000001\"}\n"
            "{\"id\":\"GEW-MER-00002\",\"betriebsname\":\"Café am Dom\",\"inhaber\":\"Voigt, "
            "Anna\",\"steuernummer\":\"0000000000002\"}\n");
  std::tie(merPrivate, merPublic) = writeKeyPair(dir.path(), "idp-mer");
  std::tie(leuPrivate, leuPublic) = writeKeyPair(dir.path(), "idp-leu", true);
  std::string tls;
  if (options.tls) {
    std::string out;
    const int rc =
        run({"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
             "-nodes", "-keyout", dir.path() + "/key.pem", "-out", dir.path() + "/cert.pem", "-days", "2",
             "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"},
            out);
    if (rc != 0) throw std::runtime_error("openssl could not make a test certificate: " + out);
    tls = R"(, "tls": {"certificate": "cert.pem", "private_key": "key.pem"})";
  }
  const std::string conninfo = db.dsn("regfed_reader");
  std::string json = R"({
  "node": {"id": "test-node", "listen": "127.0.0.1:0", "max_threads": 64)" +
                     tls + options.nodeExtra + R"(},
  "municipalities": [{"ags": "15088220", "name": "Stadt Merseburg"}, {"ags": "15088205", "name": "Stadt Leuna"}],
  "plugin_dir": ")" + pluginDir() +
                     R"(",
  "audit": {"dsn": ")" +
                     db.dsn("regfed_node") + R"(", "owner_dsn": ")" + db.dsn("regfed_owner") + R"(",
            "node_role": "regfed_node", "signing_key": "audit-signing.pem",
            "sign_every_events": )" +
                     std::to_string(options.signEveryEvents) + R"(,
            "sign_interval_ms": )" +
                     std::to_string(options.signIntervalMs) + R"(, "commit_timeout_ms": 3000},
  "issuers": [
    {"iss": "https://idp.merseburg.test", "municipalities": ["15088220", "15084590"], "algorithm": "ES256",
     "audience": "regfed",
     "public_key": "idp-mer.pub.pem", "private_key": "idp-mer.pem"},
    {"iss": "https://idp.leuna.test", "municipalities": ["15088205"], "algorithm": "RS256",
     "audience": "regfed", "token_type": "Bearer", "authorized_parties": ["regfed-helfer", "regfed-cli"],
     "public_key": "idp-leu.pub.pem", "private_key": "idp-leu.pem"}],
  "registers": [
    {"ags": "15088220", "name": "melderegister", "title": "Melderegister", "adapter": "sql",
     "options": {"conninfo": ")" +
                     conninfo + R"(", "table": "melde.m_15088220", "pool_size": 4},
     )" + meldeRules() +
                     R"(},
    {"ags": "15088205", "name": "melderegister", "title": "Melderegister", "adapter": "sql",
     "options": {"conninfo": ")" +
                     conninfo + R"(", "table": "melde.m_15088205", "pool_size": 2},
     )" + meldeRules() +
                     R"(},
    {"ags": "15088220", "name": "gewerberegister", "title": "Gewerberegister", "adapter": "jsonl",
     "options": {"path": "gewerbe.jsonl"}, "search_criteria": [["betriebsname"], ["inhaber"]],
     "fields": [{"name": "id", "type": "string", "classification": "intern"},
                {"name": "betriebsname", "type": "string", "classification": "intern"},
                {"name": "inhaber", "type": "string", "classification": "vertraulich"},
                {"name": "steuernummer", "type": "string", "classification": "streng_vertraulich"}]}],
  "agreements": [{"id": "ZV-2026-01", "title": "IKZ Sachsen-Anhalt Süd", "support_days_per_year": )" +
                     std::to_string(options.mainAgreementDays) + R"(},
                 {"id": "ZV-TEST", "title": "small test agreement", "support_days_per_year": )" +
                     std::to_string(options.smallAgreementDays) + R"(}],
  "procedures": [{"ags": "15088220", "name": "online-antraege", "title": "Online-Anträge", "adapter": "antraege",
                  "claim_idle_s": )" + std::to_string(options.claimIdleSeconds) + R"(,
                  "options": {"conninfo": ")" + conninfo + R"(", "municipality": "15088220", "pool_size": 4}}])" +
                     options.rootExtra + R"(
})";
  configPath = dir.write("node.json", json);
  auto load = regfed::core::loadConfig(configPath);
  if (!load.problems.empty()) throw std::runtime_error("fixture config invalid: " + load.problems[0]);
  config = load.config;
  node = std::make_unique<NodeProcess>(configPath, dir.path());
}

NodeFixture::~NodeFixture() {
  if (node) node->stop();
}

void NodeFixture::restartNode() {
  node->stop();
  node = std::make_unique<NodeProcess>(configPath, dir.path());
}

std::string NodeFixture::token(const std::string& user, const std::string& ags,
                               const std::vector<std::string>& roles) const {
  return regfed::core::mintToken(config, user, ags, roles, 3600);
}

std::map<std::string, std::string> NodeFixture::bearer(const std::string& token) {
  return {{"Authorization", "Bearer " + token}};
}

HttpResponse NodeFixture::query(const std::string& token, const std::string& body) const {
  return http(node->port(), "POST", "/v1/query", body, bearer(token));
}

HttpResponse NodeFixture::post(const std::string& token, const std::string& path,
                               const std::string& body) const {
  return http(node->port(), "POST", path, body, bearer(token));
}

HttpResponse NodeFixture::get(const std::string& token, const std::string& path,
                              std::map<std::string, std::string> headers) const {
  headers["Authorization"] = "Bearer " + token;
  return http(node->port(), "GET", path, "", headers);
}

std::string NodeFixture::auditColumn(const std::string& requestId, const std::string& column) const {
  // `column` is an SQL expression written by the test; the request id comes from a response: a parameter.
  pqxx::connection conn(db.superuserDsn());
  pqxx::nontransaction tx(conn);
  auto rows = tx.exec_params("SELECT " + column + " FROM regfed_audit.events WHERE request_id = $1", requestId);
  if (rows.empty()) return "";
  return rows[0][0].is_null() ? "NULL" : rows[0][0].as<std::string>();
}

std::string NodeFixture::approvedMandate(const std::string& ownerAdmin, const std::string& helperAdmin,
                                         const std::string& body) const {
  auto created = post(ownerAdmin, "/v1/mandates", body);
  BOOST_REQUIRE_MESSAGE(created.status == 201, created.body);
  const std::string id = created.json()->getValue<std::string>("id");
  auto first = post(ownerAdmin, "/v1/mandates/" + id + "/approve");
  BOOST_REQUIRE_MESSAGE(first.status == 200, first.body);
  auto second = post(helperAdmin, "/v1/mandates/" + id + "/approve");
  BOOST_REQUIRE_MESSAGE(second.status == 200, second.body);
  return id;
}

std::map<std::string, std::string> purposeHeaders(const std::string& mandate) {
  std::map<std::string, std::string> h = {{"Regfed-Purpose", "Bearbeitung%20Online-Antrag"},
                                          {"Regfed-Case-Ref", "ANT-1"}};
  if (!mandate.empty()) h["Regfed-Mandate"] = mandate;
  return h;
}

std::string mandateBody(const std::string& helpers, const std::string& fields, int from, int until,
                        const std::string& agreement, const std::string& extra) {
  auto day = [](int offset) { return regfed::core::formatDay(regfed::core::berlinToday() + offset); };
  return R"({"owner_ags":"15088220","helper_ags":"15088205","helpers":)" + helpers +
         R"(,"registers":["melderegister"],"operations":["get","search"],"fields":)" + fields +
         R"(,"purpose":"Vertretung Meldebehörde während Personalengpass","agreement":")" + agreement +
         R"(","valid_from":")" + day(from) + R"(","valid_until":")" + day(until) + "\"" + extra + "}";
}

std::string mandateSearch(const std::string& mandate, const std::string& filter, const std::string& extra) {
  return R"({"register":"melderegister","municipalities":["15088220"],"filter":)" + filter +
         R"(,"purpose":"Bearbeitung Online-Antrag","case_ref":"ANT-2026-000042","mandate":")" + mandate +
         "\"" + extra + "}";
}

HttpResponse eventually(const std::function<HttpResponse()>& ask, const std::string& expected) {
  HttpResponse r;
  for (int i = 0; i < 100; ++i) {
    r = ask();
    if (r.body.find(expected) != std::string::npos) return r;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return r;
}

long long NodeFixture::auditCount() const {
  return std::stoll(db.scalar("SELECT count(*) FROM regfed_audit.events"));
}

}  // namespace regfed::test
