// The HTTP API through real HTTP against a real node process and PostgreSQL: what a client and a DPO would
// see.
#define BOOST_TEST_MODULE http_api_tests
#include <Poco/Base64Encoder.h>
#include <Poco/JSON/Array.h>

#include <boost/test/unit_test.hpp>
#include <pqxx/pqxx>
#include <set>
#include <sstream>
#include <thread>

#include "NodeFixture.h"

using namespace regfed::test;
using Poco::JSON::Array;
using Poco::JSON::Object;

namespace {

NodeFixture& fx() {
  static NodeFixture fixture;
  return fixture;
}

std::string clerk() { return fx().token("anna.schulz", kMerseburg, {"clerk"}); }

std::string body(const std::string& extra) {
  return R"({"register":"melderegister","purpose":"Bearbeitung Online-Antrag","case_ref":"ANT-2026-000042")" +
         (extra.empty() ? "" : "," + extra) + "}";
}

std::set<std::string> ids(const Object::Ptr& result) {
  std::set<std::string> out;
  auto records = result->getArray("records");
  for (std::size_t i = 0; i < records->size(); ++i)
    out.insert(records->getObject(static_cast<unsigned>(i))->getValue<std::string>("id"));
  return out;
}

Object::Ptr firstResult(const HttpResponse& r) { return r.json()->getArray("results")->getObject(0); }

// One audit event of a request, as columns (text), by request id.
std::map<std::string, std::string> auditRow(const std::string& requestId, const std::string& ownerAgs = "") {
  std::string sql =
      "SELECT actor, actor_ags, array_to_string(roles, ','), action, coalesce(owner_ags, ''), "
      "coalesce(register, ''), "
      "coalesce(purpose, ''), coalesce(case_ref, ''), coalesce(criteria, ''), array_to_string(subjects, "
      "','), "
      "array_to_string(fields, ','), result_count, decision, reason, seq "
      "FROM regfed_audit.events WHERE request_id = '" +
      requestId + "'" + (ownerAgs.empty() ? "" : " AND owner_ags = '" + ownerAgs + "'");
  pqxx::connection conn(fx().db.superuserDsn());
  pqxx::nontransaction tx(conn);
  auto rows = tx.exec(sql);
  std::map<std::string, std::string> out;
  if (rows.size() != 1) return out;
  const char* names[] = {"actor",    "actor_ags",    "roles",    "action",   "owner_ags",
                         "register", "purpose",      "case_ref", "criteria", "subjects",
                         "fields",   "result_count", "decision", "reason",   "seq"};
  for (int i = 0; i < 15; ++i) out[names[i]] = rows[0][i].is_null() ? "" : rows[0][i].as<std::string>();
  return out;
}

std::string base64url(const std::string& text) {
  std::ostringstream out;
  Poco::Base64Encoder encoder(out, Poco::BASE64_URL_ENCODING | Poco::BASE64_NO_PADDING);
  encoder << text;
  encoder.close();
  return out.str();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(http_api)

BOOST_AUTO_TEST_CASE(health_and_metrics_need_no_token) {
  auto r = http(fx().node->port(), "GET", "/v1/health");
  BOOST_TEST(r.status == 200);
  auto j = r.json();
  BOOST_TEST(j->getValue<std::string>("status") == "ok");
  BOOST_TEST(j->getValue<std::string>("audit") == "ok");
  BOOST_TEST(j->getValue<std::string>("node") == "test-node");
  BOOST_TEST(r.headers.count("X-Request-Id"));
  auto m = http(fx().node->port(), "GET", "/metrics");
  BOOST_TEST(m.status == 200);
  BOOST_TEST(m.headers["Content-Type"].find("text/plain") == 0u);
  for (const char* series :
       {"regfed_http_requests_total{route=\"/v1/health\",status=\"200\"}", "regfed_audit_up 1",
        "regfed_http_request_duration_seconds_bucket", "regfed_audit_batch_events_bucket",
        "regfed_audit_commit_seconds_count", "regfed_register_up{register=\"15088220/melderegister\"} 1"})
    BOOST_TEST(m.body.find(series) != std::string::npos, series);
}

BOOST_AUTO_TEST_CASE(a_client_request_id_is_kept_and_a_bad_one_replaced) {
  auto r = http(fx().node->port(), "GET", "/v1/health", "", {{"X-Request-Id", "my-trace-42"}});
  BOOST_TEST(r.headers["X-Request-Id"] == "my-trace-42");
  r = http(fx().node->port(), "GET", "/v1/health", "", {{"X-Request-Id", "bad id with spaces"}});
  BOOST_TEST(r.headers["X-Request-Id"] != "bad id with spaces");
  BOOST_TEST(r.headers["X-Request-Id"].size() == 36u);
}

BOOST_AUTO_TEST_CASE(catalog_lists_registers_with_field_classifications) {
  BOOST_TEST(http(fx().node->port(), "GET", "/v1/registers").errorCode() == "missing_token");
  auto r = http(fx().node->port(), "GET", "/v1/registers", "", NodeFixture::bearer(clerk()));
  BOOST_TEST(r.status == 200);
  auto list = r.json()->getArray("registers");
  BOOST_TEST(list->size() == 3u);
  auto first = list->getObject(0);
  BOOST_TEST(first->getValue<std::string>("municipality") == "Stadt Merseburg");
  auto fields = first->getArray("fields");
  std::map<std::string, std::string> classes;
  for (std::size_t i = 0; i < fields->size(); ++i) {
    auto f = fields->getObject(static_cast<unsigned>(i));
    classes[f->getValue<std::string>("name")] = f->getValue<std::string>("classification");
  }
  BOOST_TEST(classes["ort"] == "intern");
  BOOST_TEST(classes["religion"] == "streng_vertraulich");
  BOOST_TEST(classes["familienname"] == "vertraulich");
}

BOOST_AUTO_TEST_CASE(clerk_search_returns_projected_records_and_is_audited_with_bmg_fields) {
  auto r = fx().query(clerk(), body(R"("municipalities":["15088220"],
      "filter":{"familienname":"Müller","geburtsdatum":{"from":"1980-01-01","to":"1989-12-31"}},
      "fields":["familienname","vornamen","anschrift"])"));
  BOOST_TEST(r.status == 200, r.body);
  auto result = firstResult(r);
  BOOST_TEST(result->getValue<std::string>("status") == "ok");
  BOOST_TEST(result->getValue<std::string>("municipality") == "Stadt Merseburg");
  BOOST_TEST((ids(result) == std::set<std::string>{"MER-000001"}));
  auto record = result->getArray("records")->getObject(0);
  std::vector<std::string> names;
  record->getNames(names);
  BOOST_TEST((std::set<std::string>(names.begin(), names.end()) ==
              std::set<std::string>{"id", "familienname", "vornamen", "anschrift"}));
  BOOST_TEST(record->getValue<std::string>("anschrift") == "Gotthardstraße 12, 06217 Merseburg");

  auto row = auditRow(r.json()->getValue<std::string>("request_id"));
  BOOST_REQUIRE(!row.empty());
  BOOST_TEST(row["actor"] == "anna.schulz");
  BOOST_TEST(row["actor_ags"] == kMerseburg);
  BOOST_TEST(row["roles"] == "clerk");
  BOOST_TEST(row["action"] == "search");
  BOOST_TEST(row["owner_ags"] == kMerseburg);
  BOOST_TEST(row["register"] == "melderegister");
  BOOST_TEST(row["purpose"] == "Bearbeitung Online-Antrag");
  BOOST_TEST(row["case_ref"] == "ANT-2026-000042");
  BOOST_TEST(row["criteria"] ==
             R"({"familienname":"Müller","geburtsdatum":{"from":"1980-01-01","to":"1989-12-31"}})");
  BOOST_TEST(row["subjects"] == "MER-000001");
  BOOST_TEST(row["fields"] == "id,familienname,vornamen,anschrift");
  BOOST_TEST(row["result_count"] == "1");
  BOOST_TEST(row["decision"] == "allow");
  BOOST_TEST(row["reason"] == "own_municipality");
}

BOOST_AUTO_TEST_CASE(phonetic_prefix_in_and_limit_work_on_the_sql_register) {
  auto r = fx().query(clerk(),
                      body(R"("filter":{"familienname":{"phonetic":"Maier"}},"fields":["familienname"])"));
  BOOST_TEST((ids(firstResult(r)) == std::set<std::string>{"MER-000002", "MER-000003", "MER-000004"}),
             r.body);
  r = fx().query(clerk(), body(R"("filter":{"vornamen":{"prefix":"Ann"}})"));
  BOOST_TEST((ids(firstResult(r)) == std::set<std::string>{"MER-000001", "MER-000005"}), r.body);
  r = fx().query(clerk(), body(R"("filter":{"id":{"in":["MER-000002","MER-000006","XX"]}})"));
  BOOST_TEST((ids(firstResult(r)) == std::set<std::string>{"MER-000002", "MER-000006"}), r.body);
  r = fx().query(clerk(), body(R"("limit":2)"));
  BOOST_TEST(firstResult(r)->getArray("records")->size() == 2u);
  BOOST_TEST(firstResult(r)->getValue<bool>("truncated"));
  r = fx().query(clerk(), body(R"("filter":{"familienname":{"phonetic":"Maier"}},"limit":2)"));
  BOOST_TEST(firstResult(r)->getArray("records")->size() == 2u);
  BOOST_TEST(firstResult(r)->getValue<bool>("truncated"));
}

BOOST_AUTO_TEST_CASE(sql_metacharacters_are_data_not_code) {
  auto r = fx().query(clerk(), body(R"("filter":{"familienname":"O'Brien; DROP TABLE x;--"})"));
  BOOST_TEST((ids(firstResult(r)) == std::set<std::string>{"MER-000006"}), r.body);
  r = fx().query(clerk(), body(R"("filter":{"familienname":"' OR '1'='1"})"));
  BOOST_TEST(ids(firstResult(r)).empty(), r.body);
  r = fx().query(clerk(), body(R"("filter":{"vornamen":{"prefix":"%"}})"));
  BOOST_TEST(ids(firstResult(r)).empty(), r.body);
  BOOST_TEST(fx().db.scalar("SELECT count(*) FROM melde.m_15088220") == "7");
}

BOOST_AUTO_TEST_CASE(all_municipalities_answer_each_with_its_own_status) {
  auto r = fx().query(clerk(), body(R"("municipalities":["*"],"filter":{"familienname":"Wagner"})"));
  BOOST_TEST(r.status == 200, r.body);
  auto results = r.json()->getArray("results");
  BOOST_REQUIRE(results->size() == 2u);
  std::map<std::string, std::string> status;
  for (std::size_t i = 0; i < results->size(); ++i) {
    auto o = results->getObject(static_cast<unsigned>(i));
    status[o->getValue<std::string>("ags")] = o->getValue<std::string>("status");
    if (o->getValue<std::string>("status") == "denied")
      BOOST_TEST(o->getObject("error")->getValue<std::string>("code") == "other_municipality");
  }
  BOOST_TEST(status[kMerseburg] == "ok");
  BOOST_TEST(status[kLeuna] == "denied");
  const std::string id = r.json()->getValue<std::string>("request_id");
  BOOST_TEST(auditRow(id, kLeuna)["decision"] == "deny");
  BOOST_TEST(auditRow(id, kLeuna)["subjects"] == "");
  BOOST_TEST(auditRow(id, kMerseburg)["decision"] == "allow");
}

BOOST_AUTO_TEST_CASE(rs256_tokens_of_another_issuer_work_for_their_municipality) {
  const std::string leuna = fx().token("lena.wagner", kLeuna, {"clerk"});
  auto r = fx().query(leuna, body(R"("municipalities":["15088205"])"));
  BOOST_TEST((ids(firstResult(r)) == std::set<std::string>{"LEU-000001"}), r.body);
}

BOOST_AUTO_TEST_CASE(denials_carry_reason_codes_and_are_audited) {
  const std::string helper = fx().token("lena.wagner", kLeuna, {"helper"});
  auto r = fx().query(helper, body(R"("municipalities":["15088220"])"));
  BOOST_TEST(r.status == 200);
  BOOST_TEST(firstResult(r)->getValue<std::string>("status") == "denied");
  BOOST_TEST(firstResult(r)->getObject("error")->getValue<std::string>("code") == "no_mandate");
  BOOST_TEST(!firstResult(r)->has("records"));
  auto row = auditRow(r.json()->getValue<std::string>("request_id"));
  BOOST_TEST(row["decision"] == "deny");
  BOOST_TEST(row["reason"] == "no_mandate");
  BOOST_TEST(row["actor_ags"] == kLeuna);

  const std::string dpo = fx().token("dora.datenschutz", kMerseburg, {"dpo"});
  auto g = http(
      fx().node->port(), "GET", "/v1/registers/15088220/melderegister/records/MER-000001", "",
      {{"Authorization", "Bearer " + dpo}, {"Regfed-Purpose", "Kontrolle"}, {"Regfed-Case-Ref", "DS-1"}});
  BOOST_TEST(g.status == 403);
  BOOST_TEST(g.errorCode() == "role_without_data_access");
  BOOST_TEST(g.body.find("Müller") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(get_one_record_with_headers_and_fields) {
  auto headers = NodeFixture::bearer(clerk());
  headers["Regfed-Purpose"] = "Pr%C3%BCfung%20Antrag%20Ummeldung";
  headers["Regfed-Case-Ref"] = "ANT-7";
  auto r = http(fx().node->port(), "GET",
                "/v1/registers/15088220/melderegister/records/MER-000005?fields=vornamen,plz", "", headers);
  BOOST_TEST(r.status == 200, r.body);
  auto record = r.json()->getObject("record");
  BOOST_TEST(record->getValue<std::string>("id") == "MER-000005");
  BOOST_TEST(record->getValue<std::string>("vornamen") == "Anne");
  BOOST_TEST(!record->has("familienname"));
  auto row = auditRow(r.json()->getValue<std::string>("request_id"));
  BOOST_TEST(row["purpose"] == "Prüfung Antrag Ummeldung");
  BOOST_TEST(row["action"] == "get");
  BOOST_TEST(row["subjects"] == "MER-000005");
  BOOST_TEST(row["fields"] == "id,vornamen,plz");

  r = http(fx().node->port(), "GET", "/v1/registers/15088220/melderegister/records/MER-999999", "", headers);
  BOOST_TEST(r.status == 404);
  BOOST_TEST(r.errorCode() == "not_found");
  BOOST_TEST(auditRow(r.headers["X-Request-Id"])["result_count"] == "0");

  r = http(fx().node->port(), "GET", "/v1/registers/15088220/nothing/records/1", "", headers);
  BOOST_TEST(r.status == 404);
  BOOST_TEST(r.errorCode() == "unknown_register");

  r = http(fx().node->port(), "GET",
           "/v1/registers/15088220/melderegister/records/MER-000005?fields=passwort", "", headers);
  BOOST_TEST(r.status == 422);
  BOOST_TEST(r.errorCode() == "unknown_field");

  auto noPurpose = NodeFixture::bearer(clerk());
  noPurpose["Regfed-Case-Ref"] = "ANT-7";
  r = http(fx().node->port(), "GET", "/v1/registers/15088220/melderegister/records/MER-000005", "",
           noPurpose);
  BOOST_TEST(r.status == 422);
  BOOST_TEST(r.errorCode() == "missing_purpose");
  BOOST_TEST(auditRow(r.headers["X-Request-Id"])["decision"] == "deny");
}

BOOST_AUTO_TEST_CASE(every_bad_request_gets_its_status_code_and_an_audit_event) {
  const std::vector<std::tuple<std::string, int, std::string>> cases = {
      {"{not json", 400, "malformed_json"},
      {"[]", 400, "malformed_json"},
      {R"({"register":"melderegister","purpose":"Bearbeitung"})", 422, "missing_case_ref"},
      {R"({"register":"melderegister","case_ref":"A-1"})", 422, "missing_purpose"},
      {body(R"("limit":0)"), 422, "invalid_limit"},
      {body(R"("limit":1001)"), 422, "invalid_limit"},
      {body(R"("limit":"ten")"), 422, "invalid_type"},
      {R"({"register":"passwoerter","purpose":"Bearbeitung","case_ref":"A-1"})", 422, "unknown_register"},
      {body(R"("filter":{"nachname":"Müller"})"), 422, "unknown_field"},
      {body(R"("filter":{"familienname\"; DROP TABLE melde.m_15088220; --":"x"})"), 422, "unknown_field"},
      {body(R"("fields":["familienname","1; DELETE FROM x"])"), 422, "unknown_field"},
      {body(R"("filter":{"familienname":{"regex":".*"}})"), 422, "unknown_operator"},
      {body(R"("filter":{"geburtsdatum":"gestern"})"), 422, "invalid_value"},
      {body(R"("filter":{"geburtsdatum":{"prefix":"19"}})"), 422, "operator_not_applicable"},
      {body(R"("secret_switch":true)"), 422, "unknown_parameter"},
      {R"({"register":"melderegister","purpose":"Pr\u0000fung","case_ref":"A-1"})", 422, "invalid_text"},
      {body(R"("filter":{"familienname":"M\u0000ller"})"), 422, "invalid_text"},
  };
  for (const auto& [payload, status, code] : cases) {
    const long long before = fx().auditCount();
    auto r = fx().query(clerk(), payload);
    BOOST_TEST(r.status == status, payload << " -> " << r.status << " " << r.body);
    BOOST_TEST(r.errorCode() == code, payload << " -> " << r.body);
    auto error = r.json()->getObject("error");
    BOOST_TEST(!error->getValue<std::string>("message").empty());
    BOOST_TEST(error->getValue<std::string>("request_id") == r.headers["X-Request-Id"]);
    BOOST_TEST(fx().auditCount() == before + 1, payload);
    auto row = auditRow(r.headers["X-Request-Id"]);
    BOOST_TEST(row["decision"] == "deny", payload);
    BOOST_TEST(row["reason"] == code, payload);
  }
  BOOST_TEST(fx().db.scalar("SELECT count(*) FROM melde.m_15088220") == "7");
}

BOOST_AUTO_TEST_CASE(a_nul_character_cannot_disturb_the_audit_trail_for_anyone_else) {
  // PostgreSQL text cannot hold NUL; such input must be refused alone, never fail other requests' audit
  // batch.
  auto headers = NodeFixture::bearer(clerk());
  headers["Regfed-Purpose"] = "Pr%00fung";
  headers["Regfed-Case-Ref"] = "ANT-1";
  auto r =
      http(fx().node->port(), "GET", "/v1/registers/15088220/melderegister/records/MER-000001", "", headers);
  BOOST_TEST(r.status == 422);
  BOOST_TEST(r.errorCode() == "invalid_text");
  headers["Regfed-Purpose"] = "Pruefung";
  r = http(fx().node->port(), "GET", "/v1/registers/15088220/melderegister/records/MER%00", "", headers);
  BOOST_TEST(r.errorCode() == "invalid_text");
  headers["Regfed-Purpose"] = "Pr%FFfung";  // not UTF-8 either: PostgreSQL would refuse the whole batch
  r = http(fx().node->port(), "GET", "/v1/registers/15088220/melderegister/records/MER-000001", "", headers);
  BOOST_TEST(r.errorCode() == "invalid_text");
  headers["Regfed-Purpose"] = "Pruefung";
  r = http(fx().node->port(), "GET", "/v1/registers/15088220/melderegister/records/MER%C0%AF", "", headers);
  BOOST_TEST(r.errorCode() == "invalid_text");
  BOOST_TEST(http(fx().node->port(), "GET", "/v1/health").status == 200);
  BOOST_TEST(fx().query(clerk(), body(R"("filter":{"familienname":"Meier"})")).status == 200);
}

BOOST_AUTO_TEST_CASE(a_body_over_one_mebibyte_is_refused_with_413_and_audited) {
  const long long before = fx().auditCount();
  std::string huge = body(R"("filter":{"familienname":")" + std::string((1 << 20) + 10, 'x') + "\"}");
  auto r = fx().query(clerk(), huge);
  BOOST_TEST(r.status == 413);
  BOOST_TEST(r.errorCode() == "body_too_large");
  BOOST_TEST(fx().auditCount() == before + 1);
}

BOOST_AUTO_TEST_CASE(bad_tokens_get_401_and_no_data) {
  const int port = fx().node->port();
  auto ask = [&](const std::string& authorization) {
    std::map<std::string, std::string> h;
    if (!authorization.empty()) h["Authorization"] = authorization;
    return http(port, "POST", "/v1/query", body(""), h);
  };
  const std::string none =
      base64url(R"({"alg":"none","typ":"JWT"})") + "." +
      base64url(R"({"iss":"https://idp.merseburg.test","sub":"mallory","ags":"15088220",)"
                R"("roles":["clerk"],"exp":4102444800})") +
      ".";
  auto& f = fx();
  const std::string iss = "https://idp.merseburg.test";
  auto [strangerPrivate, strangerPublic] = writeKeyPair(f.dir.path(), "stranger");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "missing_token"},
      {"Basic YWxhZGRpbjpvcGVuc2VzYW1l", "invalid_token"},
      {"Bearer not-a-jwt", "invalid_token"},
      {"Bearer " + none, "invalid_token"},
      {"Bearer " + signToken("", "", "HS256", iss, "mallory", kMerseburg, {"clerk"}, 3600), "invalid_token"},
      {"Bearer " + signToken(f.merPrivate, f.merPublic, "ES256", iss, "anna", kMerseburg, {"clerk"}, -3600),
       "token_expired"},
      {"Bearer " + signToken(f.merPrivate, f.merPublic, "ES256", "https://evil.test", "anna", kMerseburg,
                             {"clerk"}, 3600),
       "unknown_issuer"},
      {"Bearer " + signToken(f.merPrivate, f.merPublic, "ES256", iss, "anna", kLeuna, {"clerk"}, 3600),
       "issuer_not_trusted_for_ags"},
      // Signed by Leuna's RSA key but claiming Merseburg's issuer, which has only an EC key.
      {"Bearer " + signToken(f.leuPrivate, f.leuPublic, "RS256", iss, "anna", kMerseburg, {"clerk"}, 3600),
       "unknown_key"},
      // Signed by some other EC key claiming Merseburg's issuer.
      {"Bearer " +
           signToken(strangerPrivate, strangerPublic, "ES256", iss, "anna", kMerseburg, {"clerk"}, 3600),
       "invalid_token"},
  };
  const long long before = f.auditCount();
  for (const auto& [authorization, code] : cases) {
    auto r = ask(authorization);
    BOOST_TEST(r.status == 401, authorization.substr(0, 40) << " -> " << r.body);
    BOOST_TEST(r.errorCode() == code, authorization.substr(0, 40) << " -> " << r.body);
    BOOST_TEST(r.headers["WWW-Authenticate"] == "Bearer");
    BOOST_TEST(r.body.find("results") == std::string::npos);
  }
  BOOST_TEST(f.auditCount() == before, "unauthenticated requests are not audit events");
}

BOOST_AUTO_TEST_CASE(unknown_routes_and_methods) {
  BOOST_TEST(http(fx().node->port(), "GET", "/v1/nothing").status == 404);
  BOOST_TEST(http(fx().node->port(), "GET", "/v1/query", "", NodeFixture::bearer(clerk())).status == 405);
}

BOOST_AUTO_TEST_CASE(concurrent_requests_share_audit_batches_and_the_log_stays_contiguous) {
  const long long before = fx().auditCount();
  const std::string token = clerk();
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 16; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        const std::string id = "MER-00000" + std::to_string(1 + (t + i) % 7);
        auto headers = NodeFixture::bearer(token);
        headers["Regfed-Purpose"] = "Last";
        headers["Regfed-Case-Ref"] = "LOAD-" + std::to_string(t);
        if (http(fx().node->port(), "GET", "/v1/registers/15088220/melderegister/records/" + id, "", headers)
                .status != 200)
          ++failures;
      }
    });
  for (auto& th : threads) th.join();
  BOOST_TEST(failures.load() == 0);
  BOOST_TEST(fx().auditCount() == before + 400);
  BOOST_TEST(fx().db.scalar("SELECT max(seq) - min(seq) + 1 - count(*) FROM regfed_audit.events") == "0");
  // Group commit: fewer transactions than events.
  auto metrics = http(fx().node->port(), "GET", "/metrics").body;
  auto pos = metrics.find("regfed_audit_batch_events_count ");
  BOOST_REQUIRE(pos != std::string::npos);
  const long long batches = std::stoll(metrics.substr(pos + 32));
  BOOST_TEST(batches < fx().auditCount(), "batches " << batches << " for " << fx().auditCount() << " events");
}

BOOST_AUTO_TEST_CASE(the_node_role_cannot_change_or_delete_audit_rows) {
  for (const char* sql : {"UPDATE regfed_audit.events SET actor = 'x'", "DELETE FROM regfed_audit.events",
                          "TRUNCATE regfed_audit.events", "DELETE FROM regfed_audit.tree_heads"}) {
    pqxx::connection conn(fx().db.dsn("regfed_node"));
    pqxx::nontransaction tx(conn);
    BOOST_CHECK_THROW(tx.exec(sql), pqxx::insufficient_privilege);
  }
  // Not even the schema owner can, through SQL: the append-only triggers refuse.
  pqxx::connection owner(fx().db.dsn("regfed_owner"));
  pqxx::nontransaction tx(owner);
  BOOST_CHECK_THROW(tx.exec("UPDATE regfed_audit.events SET actor = 'x'"), pqxx::sql_error);
  BOOST_CHECK_THROW(tx.exec("DELETE FROM regfed_audit.events"), pqxx::sql_error);
}

BOOST_AUTO_TEST_CASE(the_node_is_still_healthy_after_all_of_this) {
  BOOST_TEST(http(fx().node->port(), "GET", "/v1/health").status == 200);
  // Decisions are counted by reason for monitoring (e.g. a burst of refusals).
  const std::string metrics = http(fx().node->port(), "GET", "/metrics").body;
  BOOST_TEST(
      metrics.find(R"(regfed_audit_events_total{action="search",decision="deny",reason="no_mandate"})") !=
      std::string::npos);
  BOOST_TEST(
      metrics.find(R"(regfed_audit_events_total{action="get",decision="allow",reason="own_municipality"})") !=
      std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
