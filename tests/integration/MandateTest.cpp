// Support mandates end to end through HTTP with tokens for each role: two-party approval, scope,
// classification, blocked records (neutral answer, review, alert), §38 criteria, the yearly quota under
// concurrency, emergency access.
#define BOOST_TEST_MODULE mandate_tests
#include <Poco/JSON/Array.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <functional>
#include <pqxx/pqxx>
#include <set>
#include <thread>

#include "CalendarDate.h"
#include "NodeFixture.h"

using namespace regfed::test;
using regfed::core::berlinToday;
using regfed::core::formatDay;

namespace {

NodeFixture& fx() {
  static NodeFixture fixture;
  return fixture;
}

std::string day(int offset) { return formatDay(berlinToday() + offset); }

struct Tokens {
  std::string merAdmin = fx().token("mer.admin", kMerseburg, {"admin"});
  std::string leuAdmin = fx().token("leu.admin", kLeuna, {"admin"});
  std::string zeitzAdmin = fx().token("z.admin", "15084590", {"admin"});
  std::string merClerk = fx().token("anna.schulz", kMerseburg, {"clerk"});
  std::string merDpo = fx().token("dora", kMerseburg, {"dpo"});
  std::string helper = fx().token("lena.wagner", kLeuna, {"helper"});
  std::string otherHelper = fx().token("max.mustermann", kLeuna, {"helper"});
};

Tokens& tokens() {
  static Tokens t;
  return t;
}

std::string approvedMandate(const std::string& body) {
  return fx().approvedMandate(tokens().merAdmin, tokens().leuAdmin, body);
}

std::map<std::string, std::string> purpose(const std::string& mandate = "") { return purposeHeaders(mandate); }

std::string search(const std::string& mandate, const std::string& filter, const std::string& extra = "") {
  return mandateSearch(mandate, filter, extra);
}

std::string auditColumn(const std::string& requestId, const std::string& column) {
  return fx().auditColumn(requestId, column);
}

std::string errorFields(const HttpResponse& r) {
  auto fields = r.json()->getObject("error")->getArray("fields");
  std::string out;
  for (std::size_t i = 0; fields && i < fields->size(); ++i)
    out += (out.empty() ? "" : ",") + fields->getElement<std::string>(static_cast<unsigned>(i));
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(mandates)

BOOST_AUTO_TEST_CASE(two_party_consent_scope_and_revocation) {
  auto& t = tokens();
  const std::string record = "/v1/registers/15088220/melderegister/records/MER-000001";
  // Without a mandate a Leuna helper is refused.
  BOOST_TEST(fx().get(t.helper, record, purpose()).errorCode() == "no_mandate");

  auto created =
      fx().post(t.merAdmin, "/v1/mandates",
                mandateBody(R"(["lena.wagner"])", R"(["familienname","vornamen","ort","anschrift"])", 0, 2));
  BOOST_TEST(created.status == 201, created.body);
  auto m = created.json();
  const std::string id = m->getValue<std::string>("id");
  // M-<owner AGS>-<year>-<number>: unique in the federation, and naming where the mandate lives.
  BOOST_TEST(id.rfind("M-15088220-" + std::to_string(regfed::core::yearOf(berlinToday())) + "-", 0) == 0u, id);
  BOOST_TEST(m->getValue<std::string>("status") == "pending");
  BOOST_TEST(m->getValue<int>("support_days") == 3);
  BOOST_TEST(m->getObject("approvals")->isNull("owner"));
  BOOST_TEST(auditColumn(created.headers["X-Request-Id"], "action || '/' || reason || '/' || mandate") ==
             "mandate_create/created/" + id);

  BOOST_TEST(fx().get(t.helper, record, purpose(id)).errorCode() == "mandate_not_approved");
  auto first = fx().post(t.merAdmin, "/v1/mandates/" + id + "/approve");
  BOOST_TEST(first.json()->getValue<std::string>("status") == "pending");
  BOOST_TEST(fx().post(t.merAdmin, "/v1/mandates/" + id + "/approve").errorCode() == "already_approved");
  BOOST_TEST(fx().post(t.zeitzAdmin, "/v1/mandates/" + id + "/approve").errorCode() == "not_a_party");
  BOOST_TEST(fx().post(t.merClerk, "/v1/mandates/" + id + "/approve").errorCode() == "not_a_party");
  BOOST_TEST(fx().get(t.helper, record, purpose(id)).errorCode() == "mandate_not_approved");
  auto second = fx().post(t.leuAdmin, "/v1/mandates/" + id + "/approve");
  BOOST_TEST(second.status == 200);
  BOOST_TEST(second.json()->getValue<std::string>("status") == "approved");
  BOOST_TEST(second.json()->getObject("approvals")->getObject("helper")->getValue<std::string>("by") ==
             "leu.admin");

  // Search first (§38 criteria), then open the hit: exactly the mandate's fields (plus the id), nothing
  // streng_vertraulich.
  auto found = fx().query(
      t.helper,
      search(id, R"({"familienname":"Müller","vornamen":"Anna","anschrift":"Gotthardstraße 12, 06217 Merseburg"})"));
  BOOST_TEST(found.body.find("MER-000001") != std::string::npos, found.body);
  auto r = fx().get(t.helper, record, purpose(id));
  BOOST_TEST(r.status == 200, r.body);
  std::vector<std::string> names;
  r.json()->getObject("record")->getNames(names);
  BOOST_TEST((std::set<std::string>(names.begin(), names.end()) ==
              std::set<std::string>{"id", "familienname", "vornamen", "ort", "anschrift"}));
  BOOST_TEST(auditColumn(r.headers["X-Request-Id"],
                         "mandate || '/' || reason || '/' || array_to_string(fields, ',')") ==
             id + "/mandate/id,familienname,vornamen,ort,anschrift");

  // A helper not named, and a helper naming someone else's mandate.
  BOOST_TEST(fx().get(t.otherHelper, record, purpose(id)).errorCode() == "mandate_not_yours");
  BOOST_TEST(fx().get(t.helper, "/v1/registers/15088220/gewerberegister/records/GEW-MER-00001", purpose(id))
                 .errorCode() == "mandate_scope");

  // Helpers see the mandates naming them; other helpers do not.
  BOOST_TEST(fx().get(t.helper, "/v1/mandates").body.find(id) != std::string::npos);
  BOOST_TEST(fx().get(t.otherHelper, "/v1/mandates").body.find(id) == std::string::npos);

  auto revoked = fx().post(t.leuAdmin, "/v1/mandates/" + id + "/revoke");
  BOOST_TEST(revoked.json()->getValue<std::string>("status") == "revoked");
  BOOST_TEST(fx().get(t.helper, record, purpose(id)).errorCode() == "mandate_revoked",
             "effective on the next request");
  BOOST_TEST(fx().post(t.merAdmin, "/v1/mandates/" + id + "/revoke").errorCode() == "already_revoked");
  BOOST_TEST(fx().post(t.merAdmin, "/v1/mandates/" + id + "/approve").errorCode() == "mandate_revoked");
}

BOOST_AUTO_TEST_CASE(bad_mandates_are_refused_and_nothing_is_half_written) {
  auto& t = tokens();
  const std::string count = "SELECT count(*) FROM regfed.mandates";
  const std::string before = fx().db.scalar(count);
  const std::string fields = R"(["familienname"])";
  const std::vector<std::tuple<std::string, std::string, int, std::string>> cases = {
      {t.merAdmin, mandateBody(R"(["lena.wagner"])", fields, 2, 1), 422, "dates_reversed"},
      {t.merAdmin, mandateBody(R"(["lena.wagner"])", fields, -1, 1), 422, "date_in_past"},
      {t.merAdmin, mandateBody(R"(["lena.wagner"])", R"(["religion"])", 0, 1), 422, "field_not_shareable"},
      {t.merAdmin, mandateBody(R"(["lena.wagner"])", R"(["passwort"])", 0, 1), 422, "unknown_field"},
      {t.merAdmin, mandateBody(R"([])", fields, 0, 1), 422, "missing_helpers"},
      {t.merAdmin, mandateBody(R"(["not a user id!"])", fields, 0, 1), 422, "invalid_helper"},
      {t.merAdmin, mandateBody(R"(["lena.wagner"])", fields, 0, 1, "ZV-UNKNOWN"), 422, "unknown_agreement"},
      {t.merAdmin, mandateBody(R"(["lena.wagner"])", fields, 0, 1, "ZV-2026-01", R"(,"procedures":["kita"])"),
       422, "unknown_procedure"},
      {t.merAdmin,
       R"({"owner_ags":"15088220","helper_ags":"15088220","helpers":["a"],"registers":["melderegister"],
        "operations":["get"],"fields":["ort"],"purpose":"xyz","agreement":"ZV-2026-01","valid_from":")" +
           day(0) + R"(","valid_until":")" + day(0) + "\"}",
       422, "same_municipality"},
      {t.merAdmin,
       R"({"owner_ags":"15088220","helper_ags":"15088205","helpers":["a"],"registers":["passregister"],
        "operations":["get"],"fields":["ort"],"purpose":"xyz","agreement":"ZV-2026-01","valid_from":")" +
           day(0) + R"(","valid_until":")" + day(0) + "\"}",
       422, "unknown_register"},
      {t.merAdmin,
       R"({"owner_ags":"15088220","helper_ags":"15088205","helpers":["a"],"registers":["melderegister"],
        "operations":["get"],"fields":["ort"],"purpose":"xyz","agreement":"ZV-2026-01","valid_from":")" +
           day(0) + R"(","valid_until":")" + day(0) + "\"}",
       422, "get_needs_search"},
      {t.merAdmin, "{not json", 400, "malformed_json"},
      {t.leuAdmin, mandateBody(R"(["lena.wagner"])", fields, 0, 1), 403, "not_owner_admin"},
      {t.merClerk, mandateBody(R"(["lena.wagner"])", fields, 0, 1), 403, "not_owner_admin"},
  };
  for (const auto& [token, body, status, code] : cases) {
    auto r = fx().post(token, "/v1/mandates", body);
    BOOST_TEST(r.status == status, code << ": " << r.body);
    BOOST_TEST(r.errorCode() == code, r.body);
    BOOST_TEST(auditColumn(r.headers["X-Request-Id"], "decision || '/' || reason") == "deny/" + code);
  }
  BOOST_TEST(fx().db.scalar(count) == before);
  BOOST_TEST(fx().post(t.merAdmin, "/v1/mandates/M-1999-0001/approve").errorCode() == "mandate_not_found");
}

BOOST_AUTO_TEST_CASE(classification_and_section_38_criteria_for_helpers) {
  auto& t = tokens();
  const std::string id = approvedMandate(mandateBody(
      R"(["lena.wagner"])", R"(["familienname","vornamen","ort","geburtsdatum"])", 0, 0, "ZV-2026-01"));
  auto r =
      fx().get(t.helper, "/v1/registers/15088220/melderegister/records/MER-000001?fields=vornamen,religion",
               purpose(id));
  BOOST_TEST(r.status == 403);
  BOOST_TEST(r.errorCode() == "field_not_permitted");
  BOOST_TEST(errorFields(r) == "religion");
  r = fx().query(
      t.helper,
      search(id, R"({"familienname":"Müller","vornamen":"Anna","ort":"Merseburg","steuer_id":"1"})"));
  BOOST_TEST(r.status == 403);
  BOOST_TEST(errorFields(r) == "steuer_id");
  r = fx().query(t.helper, search(id, R"({"familienname":"Müller"})"));
  BOOST_TEST(r.status == 422);
  BOOST_TEST(r.errorCode() == "insufficient_criteria");
  BOOST_TEST(errorFields(r) == "vornamen,ort,geburtsdatum");
  r = fx().query(
      t.helper,
      search(
          id,
          R"({"familienname":"Müller","vornamen":{"phonetic":"Ana"},"ort":"Merseburg","geburtsdatum":"1984-03-02"})"));
  BOOST_TEST(r.status == 200, r.body);
  auto records = r.json()->getArray("results")->getObject(0)->getArray("records");
  BOOST_REQUIRE(records->size() == 1u);
  BOOST_TEST(records->getObject(0)->getValue<std::string>("id") == "MER-000001");
  BOOST_TEST(!records->getObject(0)->has("religion"));
}

BOOST_AUTO_TEST_CASE(blocked_records_get_the_neutral_answer_a_review_and_an_alert) {
  auto& t = tokens();
  const std::string id = approvedMandate(
      mandateBody(R"(["lena.wagner"])", R"(["familienname","vornamen","ort","geburtsdatum"])", 0, 0));
  // A search matching only the blocked person looks exactly like a search matching nobody.
  auto hit = fx().query(
      t.helper,
      search(id, R"({"familienname":"Müller","vornamen":"Hans","ort":"Geusa","geburtsdatum":"1950-05-05"})"));
  auto none = fx().query(
      t.helper,
      search(id, R"({"familienname":"Müller","vornamen":"Hans","ort":"Leuna","geburtsdatum":"1950-05-05"})"));
  auto shape = [](const HttpResponse& r) {
    auto o = r.json()->getArray("results")->getObject(0);
    return o->getValue<std::string>("status") + "/" + std::to_string(o->getArray("records")->size()) + "/" +
           (o->getValue<bool>("truncated") ? "t" : "f");
  };
  BOOST_TEST(shape(hit) == "ok/0/f");
  BOOST_TEST(shape(none) == "ok/0/f");
  BOOST_TEST(auditColumn(hit.headers["X-Request-Id"], "array_to_string(withheld, ',')") == "MER-000007");
  BOOST_TEST(auditColumn(none.headers["X-Request-Id"], "array_to_string(withheld, ',')") == "");

  // A record a search disclosed and that was blocked since: opening it gives the neutral answer too, and the
  // audit event records it as withheld.
  auto found = fx().query(
      t.helper,
      search(id, R"({"familienname":"Schmidt","vornamen":"Anne","ort":"Merseburg","geburtsdatum":"1984-07-07"})"));
  BOOST_TEST(found.body.find("MER-000005") != std::string::npos, found.body);
  fx().db.exec("UPDATE melde.m_15088220 SET auskunftssperre = true WHERE id = 'MER-000005'");
  auto blocked = fx().get(t.helper, "/v1/registers/15088220/melderegister/records/MER-000005", purpose(id));
  auto missing = fx().get(t.helper, "/v1/registers/15088220/melderegister/records/MER-999999", purpose(id));
  fx().db.exec("UPDATE melde.m_15088220 SET auskunftssperre = false WHERE id = 'MER-000005'");
  BOOST_TEST(blocked.status == 404);
  BOOST_TEST(missing.status == 404);
  auto strip = [](const HttpResponse& r) {
    std::string b = r.body;
    return b.replace(b.find(r.headers.at("X-Request-Id")), r.headers.at("X-Request-Id").size(), "");
  };
  BOOST_TEST(strip(blocked) == strip(missing), "indistinguishable from no record at all");
  BOOST_TEST(auditColumn(blocked.headers["X-Request-Id"],
                         "array_to_string(withheld, ',') || '/' || result_count") == "MER-000005/0");

  // The owner's clerks see the cases for manual processing; the owner's DPO gets alerts.
  auto reviews = eventually([&] { return fx().get(t.merClerk, "/v1/reviews?status=open"); },
                            blocked.headers["X-Request-Id"]);
  BOOST_TEST(reviews.status == 200, reviews.body);
  auto list = reviews.json()->getArray("reviews");
  BOOST_REQUIRE(list->size() >= 2u);
  auto newest = list->getObject(0);
  BOOST_TEST(newest->getValue<std::string>("record_id") == "MER-000005");
  BOOST_TEST(newest->getValue<std::string>("actor") == "lena.wagner");
  BOOST_TEST(newest->getValue<std::string>("mandate") == id);
  BOOST_TEST(reviews.body.find(hit.headers["X-Request-Id"]) != std::string::npos);
  BOOST_TEST(fx().get(t.helper, "/v1/reviews").status == 403);
  auto alerts =
      eventually([&] { return fx().get(t.merDpo, "/v1/audit/alerts"); }, hit.headers["X-Request-Id"]);
  BOOST_TEST(alerts.status == 200);
  BOOST_TEST(alerts.body.find("blocked_record_hit") != std::string::npos);
  BOOST_TEST(alerts.body.find("MER-000007") != std::string::npos);
  BOOST_TEST(fx().get(t.merClerk, "/v1/audit/alerts").status == 403);

  const std::string reviewId = std::to_string(newest->getValue<long long>("id"));
  auto closed = fx().post(t.merClerk, "/v1/reviews/" + reviewId + "/close",
                          R"({"outcome":"Auskunft verweigert, Antragsteller informiert"})");
  BOOST_TEST(closed.status == 200, closed.body);
  BOOST_TEST(auditColumn(closed.headers["X-Request-Id"], "action || '/' || array_to_string(subjects, ',')") ==
             "review_close/MER-000005");
  BOOST_TEST(
      fx().post(t.merClerk, "/v1/reviews/" + reviewId + "/close", R"({"outcome":"nochmal"})").errorCode() ==
      "already_closed");
  // The owner's own clerk still sees the blocked record.
  BOOST_TEST(
      fx().get(t.merClerk, "/v1/registers/15088220/melderegister/records/MER-000007", purpose()).status ==
      200);
}

BOOST_AUTO_TEST_CASE(quota_is_enforced_with_figures_and_freed_by_revocation) {
  auto& t = tokens();
  // ZV-TEST allows 4 support days a year: 2 helpers x 2 days fill it.
  const std::string full =
      approvedMandate(mandateBody(R"(["lena.wagner","max.mustermann"])", R"(["ort"])", 1, 2, "ZV-TEST"));
  auto created =
      fx().post(t.merAdmin, "/v1/mandates", mandateBody(R"(["lena.wagner"])", R"(["ort"])", 3, 3, "ZV-TEST"));
  const std::string extra = created.json()->getValue<std::string>("id");
  BOOST_TEST(fx().post(t.merAdmin, "/v1/mandates/" + extra + "/approve").errorCode() == "quota_exceeded");
  auto refused = fx().post(t.leuAdmin, "/v1/mandates/" + extra + "/approve");
  BOOST_TEST(refused.status == 409);
  auto details = refused.json()->getObject("error")->getObject("details");
  BOOST_TEST(details->getValue<int>("limit_days") == 4);
  BOOST_TEST(details->getValue<int>("used_days") == 4);
  BOOST_TEST(details->getValue<int>("requested_days") == 1);
  auto quota =
      fx().get(t.leuAdmin, "/v1/quota?year=" + std::to_string(regfed::core::yearOf(berlinToday() + 1)));
  BOOST_TEST(
      quota.body.find(
          R"("ags":"15088205","municipality":"Stadt Leuna","agreement":"ZV-TEST","used_days":4,"limit_days":4,"remaining_days":0)") !=
          std::string::npos,
      quota.body);
  // Revoked before it started, the first mandate uses no days any more.
  BOOST_TEST(fx().post(t.merAdmin, "/v1/mandates/" + full + "/revoke").status == 200);
  BOOST_TEST(fx().post(t.merAdmin, "/v1/mandates/" + extra + "/approve").status == 200);
  BOOST_TEST(fx().post(t.leuAdmin, "/v1/mandates/" + extra + "/approve").status == 200);
}

BOOST_AUTO_TEST_CASE(concurrent_approvals_cannot_pass_the_quota) {
  auto& t = tokens();
  // A fresh node with its own database and an agreement of 5 days: 8 one-day mandates compete for them.
  NodeOptions options;
  options.smallAgreementDays = 5;
  NodeFixture own(options);
  const std::string merAdmin = own.token("mer.admin", kMerseburg, {"admin"});
  const std::string leuAdmin = own.token("leu.admin", kLeuna, {"admin"});
  std::vector<std::string> ids;
  for (int i = 0; i < 8; ++i) {
    auto r =
        own.post(merAdmin, "/v1/mandates", mandateBody(R"(["lena.wagner"])", R"(["ort"])", 1, 1, "ZV-TEST"));
    BOOST_REQUIRE_MESSAGE(r.status == 201, r.body);
    ids.push_back(r.json()->getValue<std::string>("id"));
    BOOST_REQUIRE(own.post(merAdmin, "/v1/mandates/" + ids.back() + "/approve").status == 200);
  }
  std::atomic<int> approved{0}, exceeded{0}, other{0};
  std::vector<std::thread> threads;
  for (const auto& id : ids)
    threads.emplace_back([&, id] {
      auto r = own.post(leuAdmin, "/v1/mandates/" + id + "/approve");
      if (r.status == 200)
        ++approved;
      else if (r.errorCode() == "quota_exceeded")
        ++exceeded;
      else
        ++other;
    });
  for (auto& th : threads) th.join();
  BOOST_TEST(approved.load() == 5);
  BOOST_TEST(exceeded.load() == 3);
  BOOST_TEST(other.load() == 0);
  BOOST_TEST(own.db.scalar("SELECT count(*) FROM regfed.mandates WHERE helper_approved_by IS NOT NULL") ==
             "5");
  (void)t;
}

BOOST_AUTO_TEST_CASE(emergency_mandates_are_agreed_in_advance_activated_once_a_day_flagged_and_alerted) {
  auto& t = tokens();
  const std::string responder = fx().token("rita.responder", kLeuna, {"responder"});
  const std::string record = "/v1/registers/15088220/melderegister/records/MER-000001";
  const std::string criteria =
      R"({"familienname":"Müller","vornamen":"Anna","ort":"Merseburg","geburtsdatum":"1984-03-02"})";
  // No mandate, no access, whatever the reason: the old request flag is gone and says what to do instead.
  BOOST_TEST(fx().query(responder, search("M-1999-0001", criteria)).body.find("mandate_not_found") !=
             std::string::npos);
  auto flag = fx().query(t.helper, R"({"register":"melderegister","municipalities":["*"],"filter":{},
      "purpose":"Sicherheitsvorfall","case_ref":"IKZ-2026-7","emergency":{"reason":"Sicherheitsvorfall"}})");
  BOOST_TEST(flag.status == 422);
  BOOST_TEST(flag.errorCode() == "emergency_needs_mandate");
  auto headers = purpose();
  headers["Regfed-Emergency"] = "Sicherheitsvorfall";
  BOOST_TEST(fx().get(responder, record, headers).errorCode() == "emergency_needs_mandate");

  // Merseburg's admin creates an emergency mandate naming the responder; both sides approve in advance.
  auto created = fx().post(
      t.merAdmin, "/v1/mandates",
      mandateBody(R"(["rita.responder"])", R"(["familienname","vornamen","ort","geburtsdatum"])", 0, 30,
                  "ZV-TEST", R"(,"kind":"emergency")"));
  BOOST_REQUIRE_MESSAGE(created.status == 201, created.body);
  const std::string id = created.json()->getValue<std::string>("id");
  BOOST_TEST(created.json()->getValue<std::string>("kind") == "emergency");
  BOOST_TEST(created.json()->getValue<int>("support_days") == 0, "emergency mandates use no support days");
  BOOST_TEST(fx().post(t.merAdmin, "/v1/mandates/" + id + "/approve").status == 200);
  // Approved before activation: it grants nothing yet.
  auto activateEarly = fx().post(responder, "/v1/mandates/" + id + "/activate", R"({"reason":"Test"})");
  BOOST_TEST(activateEarly.errorCode() == "mandate_not_approved", activateEarly.body);
  BOOST_TEST(fx().post(t.leuAdmin, "/v1/mandates/" + id + "/approve").status == 200);
  BOOST_TEST(fx().query(responder, search(id, criteria)).body.find("emergency_not_active") != std::string::npos);

  // Only a named responder activates, with a reason.
  BOOST_TEST(fx().post(t.helper, "/v1/mandates/" + id + "/activate", R"({"reason":"Vorfall"})").errorCode() ==
             "mandate_not_yours");
  BOOST_TEST(fx().post(responder, "/v1/mandates/" + id + "/activate", "{}").errorCode() == "missing_reason");
  auto activated = fx().post(responder, "/v1/mandates/" + id + "/activate",
                             R"({"reason":"Sicherheitsvorfall IKZ-2026-7: Ransomware im Bürgeramt"})");
  BOOST_TEST(activated.status == 200, activated.body);
  auto window = activated.json()->getObject("activation");
  BOOST_TEST(window->getValue<bool>("opened_now"));
  const std::string endsAt = window->getValue<std::string>("ends_at");
  BOOST_TEST(auditColumn(activated.headers["X-Request-Id"], "action || '/' || reason || '/' || emergency::text") ==
             "mandate_activate/activated/true");
  BOOST_TEST(eventually([&] { return fx().get(t.merDpo, "/v1/audit/alerts"); }, "emergency_activation")
                 .body.find(activated.headers["X-Request-Id"]) != std::string::npos);

  // Under it: §38 still applies, search first, then open; everything flagged and alerted.
  BOOST_TEST(fx().query(responder, search(id, R"({"familienname":"Müller"})")).errorCode() ==
             "insufficient_criteria");
  BOOST_TEST(fx().get(responder, record, purpose(id)).status == 404, "search first");
  auto found = fx().query(responder, search(id, criteria));
  BOOST_TEST(found.body.find("MER-000001") != std::string::npos, found.body);
  BOOST_TEST(auditColumn(found.headers["X-Request-Id"], "emergency::text || '/' || reason") ==
             "true/emergency_mandate");
  auto r = fx().get(responder, record, purpose(id));
  BOOST_TEST(r.status == 200, r.body);
  BOOST_TEST(!r.json()->getObject("record")->has("religion"));
  BOOST_TEST(!r.json()->getObject("record")->has("steuer_id"));
  BOOST_TEST(!r.json()->getObject("record")->has("anschrift"), "only the mandate's fields");
  BOOST_TEST(eventually([&] { return fx().get(t.merDpo, "/v1/audit/alerts"); }, r.headers["X-Request-Id"])
                 .body.find("emergency_access") != std::string::npos);

  // A second activation the same day opens no new window, also after signing in again.
  const std::string again = fx().token("rita.responder", kLeuna, {"responder"});
  auto second = fx().post(again, "/v1/mandates/" + id + "/activate", R"({"reason":"Neue Anmeldung"})");
  BOOST_TEST(second.status == 200, second.body);
  BOOST_TEST(!second.json()->getObject("activation")->getValue<bool>("opened_now"));
  BOOST_TEST(second.json()->getObject("activation")->getValue<std::string>("ends_at") == endsAt);
  // When the window has ended, nothing opens it again today.
  fx().db.exec("UPDATE regfed.emergency_activations SET opened_at = now() - interval '241 minutes', "
               "ends_at = now() - interval '1 minute' WHERE actor = 'rita.responder'");
  BOOST_TEST(fx().get(again, record, purpose(id)).errorCode() == "emergency_not_active");
  auto used = fx().post(again, "/v1/mandates/" + id + "/activate", R"({"reason":"Noch einmal"})");
  BOOST_TEST(used.status == 409);
  BOOST_TEST(used.errorCode() == "emergency_window_used", used.body);
  // Emergency mandates do not touch the support-day quota.
  auto quota = fx().get(t.leuAdmin, "/v1/quota");
  BOOST_TEST(quota.status == 200);
}

BOOST_AUTO_TEST_SUITE_END()
