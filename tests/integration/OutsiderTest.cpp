// What an outsider tried against the node — with a valid helper token, with a token for another application,
// with no token at all — each through real HTTP against a real node and PostgreSQL (issue 6's findings).
#define BOOST_TEST_MODULE outsider_tests
#include <Poco/Base64Decoder.h>
#include <Poco/JSON/Array.h>
#include <Poco/Net/StreamSocket.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "CalendarDate.h"
#include "NodeFixture.h"

using namespace regfed::test;
using Clock = std::chrono::steady_clock;

namespace {

// Short deadlines, so the slow-client tests take seconds.
NodeFixture& fx() {
  static NodeFixture fixture([] {
    NodeOptions o;
    o.mainAgreementDays = 100;  // many mandates for one helper municipality in one run
    o.nodeExtra = R"(, "limits": {"header_timeout_ms": 1000, "body_timeout_ms": 1000, "idle_timeout_ms": 1000},
                     "metrics_clients": ["127.0.0.1"])";
    return o;
  }());
  return fixture;
}

struct Tokens {
  std::string merAdmin = fx().token("mer.admin", kMerseburg, {"admin"});
  std::string leuAdmin = fx().token("leu.admin", kLeuna, {"admin"});
  std::string merClerk = fx().token("anna.schulz", kMerseburg, {"clerk"});
  std::string helper = fx().token("lena.wagner", kLeuna, {"helper"});
  std::string otherHelper = fx().token("max.mustermann", kLeuna, {"helper"});
};

Tokens& tokens() {
  static Tokens t;
  return t;
}

const std::string kFields = R"(["familienname","vornamen","ort","anschrift","geburtsdatum"])";

std::string mandate(const std::string& helpers = R"(["lena.wagner","max.mustermann"])") {
  return fx().approvedMandate(tokens().merAdmin, tokens().leuAdmin, mandateBody(helpers, kFields, 0, 0));
}

std::string record(const std::string& id) { return "/v1/registers/15088220/melderegister/records/" + id; }

// The body with the request id taken out: what stays must be the same for answers that may not differ.
std::string withoutRequestId(const HttpResponse& r) {
  std::string b = r.body;
  const std::string id = r.json()->getObject("error")->getValue<std::string>("request_id");
  return b.replace(b.find(id), id.size(), "<id>");
}

// A raw TCP connection from `source` to the node, for clients that misbehave.
Poco::Net::StreamSocket rawConnection(const std::string& source) {
  Poco::Net::StreamSocket socket(Poco::Net::SocketAddress::IPv4);
  socket.impl()->bind(Poco::Net::SocketAddress(source, 0), false);
  socket.connect(Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(fx().node->port())));
  return socket;
}

void sendText(Poco::Net::StreamSocket& socket, const std::string& text) {
  socket.sendBytes(text.data(), static_cast<int>(text.size()));
}

// Reads until the peer closes or `timeout` passes; returns what arrived.
std::string readUntilClosed(Poco::Net::StreamSocket& socket, std::chrono::seconds timeout) {
  socket.setReceiveTimeout(Poco::Timespan(timeout.count(), 0));
  std::string out;
  char buffer[4096];
  try {
    for (int n; (n = socket.receiveBytes(buffer, sizeof buffer)) > 0;) out.append(buffer, static_cast<std::size_t>(n));
  } catch (const Poco::TimeoutException&) {
    out += "<timeout>";
  } catch (const Poco::Exception&) {
  }
  return out;
}

std::string metrics() { return http(fx().node->port(), "GET", "/metrics").body; }

double metricValue(const std::string& series) {
  const std::string text = metrics();
  const auto at = text.find(series + " ");
  return at == std::string::npos ? 0 : std::stod(text.substr(at + series.size() + 1));
}

std::string payloadOf(const std::string& jwt) {
  const auto first = jwt.find('.'), second = jwt.find('.', first + 1);
  std::string part = jwt.substr(first + 1, second - first - 1);
  std::replace(part.begin(), part.end(), '-', '+');
  std::replace(part.begin(), part.end(), '_', '/');
  while (part.size() % 4) part += '=';
  std::istringstream in(part);
  Poco::Base64Decoder decoder(in);
  return std::string(std::istreambuf_iterator<char>(decoder), {});
}

}  // namespace

BOOST_AUTO_TEST_SUITE(search_before_get)

BOOST_AUTO_TEST_CASE(a_helper_cannot_dump_the_register_or_find_the_blocked_by_guessing_ids) {
  auto& t = tokens();
  const std::string m = mandate();
  // Every id of the register, existing, blocked (MER-000007) or missing, answers the same.
  std::set<std::string> bodies;
  for (const char* id : {"MER-000001", "MER-000002", "MER-000005", "MER-000007", "MER-000008", "MER-999999"}) {
    auto r = fx().get(t.helper, record(id), purposeHeaders(m));
    BOOST_TEST(r.status == 404, id << ": " << r.body);
    BOOST_TEST(r.errorCode() == "not_found", id);
    bodies.insert(withoutRequestId(r));
    BOOST_TEST(fx().auditColumn(r.headers["X-Request-Id"], "decision || '/' || reason") == "deny/not_disclosed",
               id);
  }
  BOOST_TEST(bodies.size() == 1u, "one body shape for all ids");
  // The owner's clerks are unaffected.
  BOOST_TEST(fx().get(t.merClerk, record("MER-000002"), purposeHeaders()).status == 200);
}

BOOST_AUTO_TEST_CASE(a_search_that_met_section_38_opens_its_hits_for_that_person_and_mandate_only) {
  auto& t = tokens();
  const std::string m = mandate();
  auto found = fx().query(
      t.helper, mandateSearch(m, R"({"familienname":"Meier","vornamen":"Peter","ort":"Merseburg","geburtsdatum":"1975-06-01"})"));
  BOOST_TEST(found.body.find("MER-000002") != std::string::npos, found.body);
  BOOST_TEST(fx().get(t.helper, record("MER-000002"), purposeHeaders(m)).status == 200);
  // Not for a colleague under the same mandate, and not under another mandate.
  BOOST_TEST(fx().get(t.otherHelper, record("MER-000002"), purposeHeaders(m)).status == 404);
  const std::string other = mandate();
  BOOST_TEST(fx().get(t.helper, record("MER-000002"), purposeHeaders(other)).status == 404);
  // A search refused for too few criteria discloses nothing and opens nothing.
  auto broad = fx().query(t.helper, mandateSearch(other, R"({"familienname":"Meyer"})"));
  BOOST_TEST(broad.errorCode() == "insufficient_criteria");
  BOOST_TEST(fx().get(t.helper, record("MER-000004"), purposeHeaders(other)).status == 404);
}

BOOST_AUTO_TEST_CASE(a_phonetic_word_of_the_address_is_no_address) {
  // "Straße" sounds like a word of half of all addresses; with surname and first name it would disclose every
  // namesake. Phonetic conditions count for §38 on name fields only.
  const std::string m = mandate(R"(["lena.wagner"])");
  auto r = fx().query(tokens().helper,
                      mandateSearch(m, R"({"familienname":"Müller","vornamen":"Anna","anschrift":{"phonetic":"Straße"}})"));
  BOOST_TEST(r.status == 422, r.body);
  BOOST_TEST(r.errorCode() == "insufficient_criteria");
  BOOST_TEST(r.body.find("MER-") == std::string::npos);
  // Phonetic names do count, and long "names" are refused before they cost anything.
  r = fx().query(tokens().helper, mandateSearch(m, R"({"familienname":{"phonetic":"Müller"},"vornamen":{"phonetic":"Ana"},"ort":"Merseburg","geburtsdatum":"1984-03-02"})"));
  BOOST_TEST(r.status == 200, r.body);
  BOOST_TEST(r.body.find("MER-000001") != std::string::npos, r.body);
  r = fx().query(tokens().helper,
                 mandateSearch(m, R"({"familienname":{"phonetic":")" + std::string(200, 'a') + R"("},"vornamen":"Anna","ort":"Merseburg","geburtsdatum":"1984-03-02"})"));
  BOOST_TEST(r.errorCode() == "invalid_value", r.body);
}

BOOST_AUTO_TEST_CASE(a_register_is_searched_by_its_criteria_not_browsed_or_opened_by_id) {
  const std::string m = fx().approvedMandate(
      tokens().merAdmin, tokens().leuAdmin,
      R"({"owner_ags":"15088220","helper_ags":"15088205","helpers":["lena.wagner"],"registers":["gewerberegister"],
          "operations":["get","search"],"fields":["betriebsname","inhaber"],"purpose":"Gewerbeanmeldung prüfen",
          "agreement":"ZV-2026-01","valid_from":")" +
          regfed::core::formatDay(regfed::core::berlinToday()) + R"(","valid_until":")" +
          regfed::core::formatDay(regfed::core::berlinToday()) + "\"}");
  auto ask = [&](const std::string& filter) {
    return fx().query(tokens().helper, R"({"register":"gewerberegister","mandate":")" + m + R"(","filter":)" + filter +
                                           R"(,"purpose":"Gewerbeanmeldung prüfen","case_ref":"G-1","limit":1000})");
  };
  for (const char* browse : {"{}", R"({"inhaber":{"prefix":"K"}})", R"({"betriebsname":{"phonetic":"Bäckerei"}})",
                             R"({"id":"GEW-MER-00002"})"}) {
    auto r = ask(browse);
    BOOST_TEST(r.status == 422, browse << " " << r.body);
    BOOST_TEST(r.errorCode() == "insufficient_criteria", browse);
  }
  auto r = ask(R"({"betriebsname":"Bäckerei Krause"})");
  BOOST_TEST(r.status == 200, r.body);
  BOOST_TEST(r.body.find("GEW-MER-00001") != std::string::npos, r.body);
  BOOST_TEST(r.body.find("GEW-MER-00002") == std::string::npos, r.body);
}

BOOST_AUTO_TEST_CASE(a_helper_naming_a_mandate_searches_its_owner_by_default) {
  auto& t = tokens();
  const std::string m = mandate();
  auto r = fx().query(t.helper,
                      R"({"register":"melderegister","filter":{"familienname":"Meier","vornamen":"Peter",)"
                      R"("ort":"Merseburg","geburtsdatum":"1975-06-01"},"purpose":"Bearbeitung Online-Antrag",)"
                      R"("case_ref":"ANT-9","mandate":")" + m + "\"}");
  BOOST_TEST(r.status == 200, r.body);
  auto result = r.json()->getArray("results")->getObject(0);
  BOOST_TEST(result->getValue<std::string>("ags") == kMerseburg);
  BOOST_TEST(result->getValue<std::string>("status") == "ok", r.body);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(emergency_without_mandate)

BOOST_AUTO_TEST_CASE(a_responder_cannot_read_every_register_with_an_empty_filter) {
  const std::string responder = fx().token("rita.responder", "15084590", {"responder"});
  const long long before = fx().auditCount();
  auto r = fx().query(responder, R"({"register":"melderegister","municipalities":["*"],"filter":{},
      "purpose":"Sicherheitsvorfall","case_ref":"IKZ-2026-7","emergency":{"reason":"Sicherheitsvorfall"}})");
  BOOST_TEST(r.status == 422);
  BOOST_TEST(r.errorCode() == "emergency_needs_mandate");
  BOOST_TEST(r.body.find("MER-") == std::string::npos);
  BOOST_TEST(fx().auditCount() == before + 1, "the refusal is audited");
  // Without the flag: no mandate, nothing anywhere.
  r = fx().query(responder, R"({"register":"melderegister","municipalities":["*"],"filter":{},
      "purpose":"Sicherheitsvorfall","case_ref":"IKZ-2026-7"})");
  BOOST_TEST(r.status == 200);
  BOOST_TEST(r.body.find("\"ok\"") == std::string::npos, r.body);
  BOOST_TEST(r.body.find("no_mandate") != std::string::npos, r.body);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(tokens_for_other_applications)

BOOST_AUTO_TEST_CASE(the_audience_type_and_client_must_be_regfeds) {
  auto& f = fx();
  const std::string mer = "https://idp.merseburg.test", leu = "https://idp.leuna.test";
  auto ask = [&](const std::string& token) {
    return http(f.node->port(), "GET", "/v1/registers", "", NodeFixture::bearer(token));
  };
  const std::vector<std::pair<std::string, std::string>> cases = {
      {signToken(f.merPrivate, f.merPublic, "ES256", mer, "anna", kMerseburg, {"clerk"}, 600, "some-other-app"),
       "wrong_audience"},
      {signToken(f.merPrivate, f.merPublic, "ES256", mer, "anna", kMerseburg, {"clerk"}, 600, std::nullopt),
       "wrong_audience"},
      // Leuna's issuer also asks for an access token (typ Bearer) issued to one of regfed's clients.
      {signToken(f.leuPrivate, f.leuPublic, "RS256", leu, "lena", kLeuna, {"clerk"}, 600, kAudience,
                 R"({"typ":"ID","azp":"regfed-helfer"})"),
       "wrong_token_type"},
      {signToken(f.leuPrivate, f.leuPublic, "RS256", leu, "lena", kLeuna, {"clerk"}, 600, kAudience,
                 R"({"typ":"Bearer","azp":"fachverfahren-x"})"),
       "wrong_authorized_party"},
      // Claims of the wrong type are malformed tokens, not a 500.
      {signToken(f.merPrivate, f.merPublic, "ES256", mer, "anna", kMerseburg, {"clerk"}, 600, kAudience,
                 R"({"aud":null})"),
       "wrong_audience"},
      {signToken(f.merPrivate, f.merPublic, "ES256", mer, "anna", kMerseburg, {"clerk"}, 600, kAudience,
                 R"({"roles":[null]})"),
       "invalid_token"},
      {signToken(f.merPrivate, f.merPublic, "ES256", mer, "anna", kMerseburg, {"clerk"}, 600, kAudience,
                 R"({"sub":4711})"),
       "invalid_token"},
      {signToken(f.merPrivate, f.merPublic, "ES256", mer, "anna", kMerseburg, {"clerk"}, 600, kAudience,
                 R"({"ags":15088220})"),
       "invalid_token"},
      {signToken(f.merPrivate, f.merPublic, "ES256", mer, "an\x01na\nX", kMerseburg, {"clerk"}, 600,
                 kAudience),
       "invalid_token"},
      {signToken(f.merPrivate, f.merPublic, "ES256", mer, "anna", kMerseburg, {"clerk"}, 600, kAudience,
                 R"({"exp":"tomorrow"})"),
       "invalid_token"},
  };
  for (const auto& [token, code] : cases) {
    auto r = ask(token);
    BOOST_TEST(r.status == 401, code << ": " << r.body);
    BOOST_TEST(r.errorCode() == code, r.body);
  }
  BOOST_TEST(ask(signToken(f.leuPrivate, f.leuPublic, "RS256", leu, "lena", kLeuna, {"clerk"}, 600, kAudience,
                           R"({"typ":"Bearer","azp":"regfed-helfer"})"))
                 .status == 200);
  // `regfed token` sets the audience (and what the issuer asks for).
  std::string out;
  BOOST_REQUIRE(run({regfedBinary(), "token", "--config", f.configPath, "--user", "lena", "--ags", kLeuna,
                     "--roles", "clerk"},
                    out) == 0);
  const std::string payload = payloadOf(out.substr(0, out.find('\n')));
  BOOST_TEST(payload.find(R"("aud":"regfed")") != std::string::npos, payload);
  BOOST_TEST(payload.find(R"("azp":"regfed-helfer")") != std::string::npos, payload);
  BOOST_TEST(ask(out.substr(0, out.find('\n'))).status == 200);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(starving_the_node)

BOOST_AUTO_TEST_CASE(a_huge_list_of_fields_is_refused_before_any_expensive_work) {
  std::string fields;
  for (int i = 0; i < 100000; ++i) fields += (i ? ",\"f" : "\"f") + std::to_string(i) + "\"";
  const std::string body = R"({"register":"melderegister","purpose":"Bearbeitung","case_ref":"A-1","fields":[)" +
                           fields + "]}";
  BOOST_REQUIRE(body.size() < (1u << 20));
  // A token without any role; the old node took 19 s over this. The client waits 10 s at most.
  const std::string nobody = fx().token("mallory", kMerseburg, {});
  auto r = http(fx().node->port(), "POST", "/v1/query", body, NodeFixture::bearer(nobody), "", 10);
  BOOST_TEST(r.status == 422);
  BOOST_TEST(r.errorCode() == "too_many_fields", r.body);
  std::string filter;
  for (int i = 0; i < 5000; ++i) filter += (i ? ",\"f" : "\"f") + std::to_string(i) + "\":1";
  r = http(fx().node->port(), "POST", "/v1/query",
           R"({"register":"melderegister","purpose":"Bearbeitung","case_ref":"A-1","filter":{)" + filter + "}}",
           NodeFixture::bearer(nobody), "", 10);
  BOOST_TEST(r.errorCode() == "too_many_conditions", r.body);
}

BOOST_AUTO_TEST_CASE(two_hundred_half_sent_requests_from_one_address_do_not_starve_anyone_else) {
  std::vector<Poco::Net::StreamSocket> slow;
  int connected = 0;
  for (int i = 0; i < 200; ++i) {
    try {
      slow.push_back(rawConnection("127.0.0.2"));
      sendText(slow.back(), "GET /v1/health HTTP/1.1\r\nHost: regfed\r\nX-Slow: ");
      ++connected;
    } catch (const Poco::Exception&) {
      // refused at accept: what the cap is for
    }
  }
  BOOST_TEST_MESSAGE(connected << " slow connections opened");
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  // Another client: health and an authenticated lookup answer while the slow ones hang (the client gives up
  // after 3 s; the old node did not answer within 20 s).
  const auto started = Clock::now();
  auto health = http(fx().node->port(), "GET", "/v1/health", "", {}, "127.0.0.1", 3);
  auto headers = NodeFixture::bearer(tokens().merClerk);
  for (const auto& [k, v] : purposeHeaders()) headers[k] = v;
  auto lookup = http(fx().node->port(), "GET", record("MER-000001"), "", headers, "127.0.0.1", 3);
  BOOST_TEST_MESSAGE("health and lookup answered in "
                     << std::chrono::duration<double>(Clock::now() - started).count() << " s");
  BOOST_TEST(health.status == 200);
  BOOST_TEST(lookup.status == 200, lookup.body);
  // Beyond the per-client cap (half of max_threads: 32) connections were closed at accept.
  BOOST_TEST(metricValue(R"(regfed_http_connections_refused_total{cap="client"})") >= 200 - 32);
  // The half-sent requests are cut off after the header deadline (1 s here).
  for (auto& s : slow) BOOST_TEST(readUntilClosed(s, std::chrono::seconds(5)).find("<timeout>") == std::string::npos);
  BOOST_TEST(http(fx().node->port(), "GET", "/v1/health").status == 200);
}

BOOST_AUTO_TEST_CASE(a_header_trickled_a_byte_at_a_time_is_cut_off_at_the_deadline) {
  // Each byte arrives before a receive times out; only the deadline for the whole header ends it.
  const double before = metricValue(R"(regfed_http_connections_timed_out_total{phase="header"})");
  auto socket = rawConnection("127.0.0.2");
  const std::string request = "GET /v1/health HTTP/1.1\r\nHost: regfed\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaa";
  const auto started = Clock::now();
  bool cut = false;
  for (std::size_t i = 0; i < request.size() && Clock::now() - started < std::chrono::seconds(10); ++i) {
    try {
      sendText(socket, request.substr(i, 1));
    } catch (const Poco::Exception&) {
      cut = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    if (socket.poll(Poco::Timespan(0), Poco::Net::Socket::SELECT_READ)) {
      cut = true;  // an answer (400) or the close arrived
      break;
    }
  }
  BOOST_TEST(cut, "the node cut the connection off");
  BOOST_TEST((Clock::now() - started < std::chrono::seconds(5)), "within the 1 s deadline, not after the client gave up");
  BOOST_TEST(metricValue(R"(regfed_http_connections_timed_out_total{phase="header"})") >= before + 1);
}

BOOST_AUTO_TEST_CASE(a_body_that_never_finishes_gets_408_and_is_audited) {
  auto socket = rawConnection("127.0.0.1");
  sendText(socket, "POST /v1/query HTTP/1.1\r\nHost: regfed\r\nContent-Type: application/json\r\n"
                   "Authorization: Bearer " + tokens().merClerk + "\r\nContent-Length: 200\r\n\r\n{\"regis");
  const std::string answer = readUntilClosed(socket, std::chrono::seconds(5));
  BOOST_TEST(answer.rfind("HTTP/1.1 408", 0) == 0u, answer);
  const auto at = answer.find("Regfed-Request-Id: ");
  BOOST_REQUIRE(at != std::string::npos);
  const std::string id = answer.substr(at + 19, 36);
  BOOST_TEST(fx().auditColumn(id, "decision || '/' || reason") == "deny/request_timeout");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(smaller_holes)

BOOST_AUTO_TEST_CASE(a_malformed_percent_encoding_is_a_422_and_audited) {
  auto headers = NodeFixture::bearer(tokens().merClerk);
  headers["Regfed-Purpose"] = "Pr%zzfung";
  headers["Regfed-Case-Ref"] = "ANT-1";
  auto r = http(fx().node->port(), "GET", record("MER-000001"), "", headers);
  BOOST_TEST(r.status == 422);
  BOOST_TEST(r.errorCode() == "invalid_text");
  BOOST_TEST(fx().auditColumn(r.headers["X-Request-Id"], "decision || '/' || reason") == "deny/invalid_text");
  headers["Regfed-Purpose"] = "Pruefung";
  for (const char* bad : {"/v1/registers/15088220/melderegister/records/MER%zz",
                          "/v1/registers/15088220/melderegister/records/MER-000001?fields=vor%namen"}) {
    r = http(fx().node->port(), "GET", bad, "", headers);
    BOOST_TEST(r.status == 422, bad << " " << r.body);
    BOOST_TEST(r.errorCode() == "invalid_text", bad);
  }
}

BOOST_AUTO_TEST_CASE(a_hit_with_an_empty_block_field_is_withheld_recorded_and_reviewed) {
  fx().db.exec(
      "INSERT INTO melde.m_15088220 (id, familienname, vornamen, geburtsdatum, ort, anschrift, auskunftssperre) "
      "VALUES ('MER-000090', 'Leer', 'Lotte', '1960-02-02', 'Merseburg', 'Domplatz 2, 06217 Merseburg', NULL)");
  const std::string m = mandate(R"(["lena.wagner"])");
  auto r = fx().query(tokens().helper, mandateSearch(m, R"({"familienname":"Leer","vornamen":"Lotte","ort":"Merseburg","geburtsdatum":"1960-02-02"})"));
  BOOST_TEST(r.status == 200, r.body);
  BOOST_TEST(r.body.find("MER-000090") == std::string::npos, "withheld");
  BOOST_TEST(fx().auditColumn(r.headers["X-Request-Id"], "array_to_string(withheld, ',')") == "MER-000090");
  auto reviews = eventually([&] { return fx().get(tokens().merClerk, "/v1/reviews"); }, "MER-000090");
  BOOST_TEST(reviews.body.find(r.headers["X-Request-Id"]) != std::string::npos, reviews.body);
  BOOST_TEST(metrics().find(R"(reason="blocked_record_withheld")") != std::string::npos,
             "counted under its own reason");
}

BOOST_AUTO_TEST_CASE(closing_a_review_fails_closed_without_its_audit_event) {
  auto& t = tokens();
  const std::string m = mandate(R"(["lena.wagner"])");
  auto hit = fx().query(t.helper, mandateSearch(m, R"({"familienname":"Müller","vornamen":"Hans","ort":"Geusa","geburtsdatum":"1950-05-05"})"));
  auto reviews = eventually([&] { return fx().get(t.merClerk, "/v1/reviews"); }, hit.headers["X-Request-Id"]);
  auto list = reviews.json()->getArray("reviews");
  BOOST_REQUIRE(list->size() >= 1u);
  const std::string id = std::to_string(list->getObject(0)->getValue<long long>("id"));
  // The audit store refuses writes (a superuser took the node role's right away).
  fx().db.exec("REVOKE INSERT ON regfed_audit.events FROM regfed_node");
  auto closed = fx().post(t.merClerk, "/v1/reviews/" + id + "/close", R"({"outcome":"Auskunft verweigert"})");
  fx().db.exec("GRANT INSERT ON regfed_audit.events TO regfed_node");
  BOOST_TEST(closed.status == 503, closed.body);
  BOOST_TEST(closed.errorCode() == "audit_unavailable");
  BOOST_TEST(fx().db.scalar("SELECT status FROM regfed.reviews WHERE id = " + id) == "open");
  // Once the audit store takes writes again, closing works (the writer recovers by itself).
  HttpResponse again;
  for (int i = 0; i < 50 && again.status != 200; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    again = fx().post(t.merClerk, "/v1/reviews/" + id + "/close", R"({"outcome":"Auskunft verweigert"})");
  }
  BOOST_TEST(again.status == 200, again.body);
  BOOST_TEST(fx().db.scalar("SELECT status FROM regfed.reviews WHERE id = " + id) == "closed");
}

BOOST_AUTO_TEST_CASE(reading_reviews_and_every_refusal_on_oversight_and_mandates_is_audited) {
  auto& t = tokens();
  auto reviews = fx().get(t.merClerk, "/v1/reviews?status=all");
  BOOST_TEST(reviews.status == 200);
  BOOST_TEST(fx().auditColumn(reviews.headers["X-Request-Id"], "action || '/' || decision || '/' || reason") ==
             "review_read/allow/reviews");
  const std::vector<std::tuple<std::string, std::string, std::string, std::string>> refused = {
      {"GET", "/v1/reviews", t.helper, "review_read/deny/not_permitted"},
      {"GET", "/v1/audit/alerts", t.helper, "audit_read/deny/not_permitted"},
      {"POST", "/v1/reviews/1/close", t.helper, "review_close/deny/not_permitted"},
      {"POST", "/v1/reviews/999999/close", t.merClerk, "review_close/deny/not_found"},
  };
  for (const auto& [method, path, token, expected] : refused) {
    auto r = method == "GET" ? fx().get(token, path) : fx().post(token, path, R"({"outcome":"erledigt"})");
    BOOST_TEST(r.status >= 400, path);
    BOOST_TEST(fx().auditColumn(r.headers["X-Request-Id"], "action || '/' || decision || '/' || reason") == expected,
               path);
  }
  auto huge = fx().post(t.merAdmin, "/v1/mandates", "{\"purpose\":\"" + std::string((1 << 20) + 10, 'x') + "\"}");
  BOOST_TEST(huge.status == 413);
  BOOST_TEST(fx().auditColumn(huge.headers["X-Request-Id"], "action || '/' || reason") ==
             "mandate_create/body_too_large");
}

BOOST_AUTO_TEST_CASE(nobody_approves_a_mandate_that_names_them) {
  // Leuna's admin is named as a helper too: another Leuna admin must approve.
  const std::string adminHelper = fx().token("leu.admin", kLeuna, {"admin", "helper"});
  auto created = fx().post(tokens().merAdmin, "/v1/mandates",
                           mandateBody(R"(["leu.admin"])", R"(["ort"])", 0, 0));
  BOOST_REQUIRE(created.status == 201);
  const std::string id = created.json()->getValue<std::string>("id");
  BOOST_TEST(fx().post(tokens().merAdmin, "/v1/mandates/" + id + "/approve").status == 200);
  auto self = fx().post(adminHelper, "/v1/mandates/" + id + "/approve");
  BOOST_TEST(self.status == 403);
  BOOST_TEST(self.errorCode() == "approver_is_named");
  BOOST_TEST(fx().post(fx().token("leu.admin2", kLeuna, {"admin"}), "/v1/mandates/" + id + "/approve").status ==
             200);
}

BOOST_AUTO_TEST_CASE(the_node_makes_every_request_id_and_keeps_the_clients_for_correlation) {
  auto headers = NodeFixture::bearer(tokens().merClerk);
  for (const auto& [k, v] : purposeHeaders()) headers[k] = v;
  headers["X-Request-Id"] = "same-id-twice";
  auto first = http(fx().node->port(), "GET", record("MER-000001"), "", headers);
  auto second = http(fx().node->port(), "GET", record("MER-000001"), "", headers);
  BOOST_TEST(first.headers["X-Request-Id"] == "same-id-twice", "echoed");
  const std::string a = first.json()->getValue<std::string>("request_id");
  const std::string b = second.json()->getValue<std::string>("request_id");
  BOOST_TEST(a != b);
  BOOST_TEST(a.size() == 36u);
  BOOST_TEST(first.headers["Regfed-Request-Id"] == a);
  BOOST_TEST(fx().auditColumn(a, "correlation_id") == "same-id-twice");
  BOOST_TEST(fx().auditColumn(b, "correlation_id") == "same-id-twice");
  BOOST_TEST(fx().db.scalar("SELECT count(*) FROM regfed_audit.events WHERE request_id = 'same-id-twice'") == "0");
}

BOOST_AUTO_TEST_CASE(metrics_are_for_the_configured_scrapers_only) {
  BOOST_TEST(http(fx().node->port(), "GET", "/metrics").status == 200);
  auto r = http(fx().node->port(), "GET", "/metrics", "", {}, "127.0.0.2");
  BOOST_TEST(r.status == 403);
  BOOST_TEST(r.errorCode() == "metrics_not_permitted");
}

BOOST_AUTO_TEST_CASE(plain_http_beyond_loopback_is_refused_by_config_check_and_serve) {
  std::string config;
  {
    std::ifstream in(fx().configPath);
    config.assign(std::istreambuf_iterator<char>(in), {});
  }
  const auto at = config.find("127.0.0.1:0");
  const std::string exposed = fx().dir.write("exposed.json", config.replace(at, 11, "0.0.0.0:0"));
  std::string out;
  BOOST_TEST(run({regfedBinary(), "config", "check", exposed}, out) == 1);
  BOOST_TEST(out.find("node.listen: serves plain HTTP on 0.0.0.0") != std::string::npos, out);
  out.clear();
  BOOST_TEST(run({regfedBinary(), "serve", "--config", exposed}, out) != 0);
  BOOST_TEST(out.find("node.listen") != std::string::npos, out);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(what_a_new_user_tripped_over)

BOOST_AUTO_TEST_CASE(refusals_say_what_to_do) {
  auto& t = tokens();
  const std::string m = mandate(R"(["lena.wagner"])");
  // §38: a range does not count, and every usable criteria set is named.
  auto r = fx().query(t.helper, mandateSearch(m, R"({"familienname":"Müller","vornamen":"Anna","ort":"Merseburg","geburtsdatum":{"from":"1984-01-01","to":"1984-12-31"}})"));
  BOOST_TEST(r.errorCode() == "insufficient_criteria");
  const std::string message = r.json()->getObject("error")->getValue<std::string>("message");
  BOOST_TEST(message.find("A prefix, range or list on geburtsdatum does not count") != std::string::npos, message);
  BOOST_TEST(message.find("familienname + vornamen + anschrift") != std::string::npos, message);
  BOOST_TEST(message.find("familienname + vornamen + ort + geburtsdatum") != std::string::npos, message);
  auto sets = r.json()->getObject("error")->getObject("details")->getArray("criteria_sets");
  BOOST_TEST(sets->size() == 2u, "the sets within the mandate's fields");
  // no_mandate says how to name one.
  r = fx().get(t.helper, record("MER-000001"), purposeHeaders());
  BOOST_TEST(r.errorCode() == "no_mandate");
  BOOST_TEST(r.body.find("Regfed-Mandate") != std::string::npos, r.body);
  // The roles named are the caller's.
  r = fx().get(fx().token("dora", kMerseburg, {"dpo"}), record("MER-000001"), purposeHeaders());
  BOOST_TEST(r.body.find("Your roles (dpo)") != std::string::npos, r.body);
  // field_not_shareable lists the fields.
  r = fx().post(t.merAdmin, "/v1/mandates", mandateBody(R"(["lena.wagner"])", R"(["ort","religion","steuer_id"])", 0, 0));
  BOOST_TEST(r.errorCode() == "field_not_shareable");
  BOOST_TEST(r.body.find(R"("fields":["religion","steuer_id"])") != std::string::npos, r.body);
}

BOOST_AUTO_TEST_CASE(a_mandate_no_quota_allows_is_refused_at_creation) {
  // ZV-TEST allows 4 days a year: 3 helpers for 2 days need 6.
  auto r = fx().post(tokens().merAdmin, "/v1/mandates",
                     mandateBody(R"(["a.b","c.d","e.f"])", R"(["ort"])", 1, 2, "ZV-TEST"));
  BOOST_TEST(r.status == 422);
  BOOST_TEST(r.errorCode() == "exceeds_quota", r.body);
  BOOST_TEST(r.json()->getObject("error")->getObject("details")->getValue<int>("limit_days") == 4);
}

BOOST_AUTO_TEST_CASE(the_command_line_helps) {
  std::string out;
  BOOST_TEST(run({regfedBinary(), "--help"}, out) == 0);
  BOOST_TEST(out.find("regfed token --config FILE --user ID --ags AGS --roles R[,R] [--ttl 8h] [--name NAME]") !=
             std::string::npos);
  BOOST_TEST(out.find("[--node ID]") != std::string::npos);
  out.clear();
  BOOST_TEST(run({regfedBinary(), "config", "check", "--config", fx().configPath}, out) == 0, out);
  BOOST_TEST(out.find("OK") != std::string::npos, out);
}

BOOST_AUTO_TEST_SUITE_END()
