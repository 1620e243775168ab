// Remote processing of online applications at one node: the inbox under a mandate, the claim race, lapse and
// release, decisions, lookups bound to the held item, a mandate revoked mid-work, and the audit trail linking
// every step by the item's id. A real node, the antraege adapter and PostgreSQL.
#define BOOST_TEST_MODULE procedures
#include <Poco/JSON/Array.h>

#include <atomic>
#include <boost/test/unit_test.hpp>
#include <fstream>
#include <thread>

#include <pqxx/pqxx>

#include "CalendarDate.h"
#include "NodeFixture.h"

using namespace regfed::test;
using Poco::JSON::Object;

namespace {

const std::string kItems = "/v1/procedures/15088220/online-antraege/items";

std::string day(int offset) { return regfed::core::formatDay(regfed::core::berlinToday() + offset); }

// A support mandate from Merseburg to Leuna's `helpers` for the procedure (operation process) and the
// Melderegister, today (or from..until).
std::string procedureMandate(const std::string& helpers, const std::string& operations = R"(["get","search","process"])",
                             const std::string& procedures = R"(["online-antraege"])", int from = 0, int until = 0) {
  return R"({"owner_ags":"15088220","helper_ags":"15088205","helpers":)" + helpers +
         R"(,"registers":["melderegister"],"procedures":)" + procedures + R"(,"operations":)" + operations +
         R"(,"fields":["familienname","vornamen","geburtsdatum","anschrift"],)"
         R"("purpose":"Bearbeitung der Online-Anträge während Personalengpass","agreement":"ZV-2026-01",)"
         R"("valid_from":")" + day(from) + R"(","valid_until":")" + day(until) + "\"}";
}

struct Procedures {
  explicit Procedures(int claimIdleSeconds = 1800) : fx(options(claimIdleSeconds)) {
    merAdmin = fx.token("mer.admin", kMerseburg, {"admin"});
    leuAdmin = fx.token("leu.admin", kLeuna, {"admin"});
    lena = fx.token("lena.wagner", kLeuna, {"helper"});
    tom = fx.token("tom.berger", kLeuna, {"helper"});
    clerk = fx.token("anna.schulz", kMerseburg, {"clerk"});
    mandate = fx.approvedMandate(merAdmin, leuAdmin, procedureMandate(R"(["lena.wagner","tom.berger"])"));
  }
  static NodeOptions options(int claimIdleSeconds) {
    NodeOptions o;
    o.claimIdleSeconds = claimIdleSeconds;
    o.mainAgreementDays = 100;
    return o;
  }
  HttpResponse as(const std::string& token, const std::string& method, const std::string& path,
                  const std::string& body = "", const std::string& mandateId = "") const {
    std::map<std::string, std::string> headers = NodeFixture::bearer(token);
    if (!mandateId.empty()) headers["Regfed-Mandate"] = mandateId;
    return http(fx.node->port(), method, path, body, headers);
  }
  HttpResponse helper(const std::string& token, const std::string& method, const std::string& path,
                      const std::string& body = "") const {
    return as(token, method, path, body, mandate);
  }
  std::string requestId(const HttpResponse& r) const {
    auto o = r.json();
    return o->has("error") ? o->getObject("error")->getValue<std::string>("request_id")
                           : o->getValue<std::string>("request_id");
  }
  std::string audit(const HttpResponse& r, const std::string& column) const {
    return fx.auditColumn(requestId(r), column);
  }

  NodeFixture fx;
  std::string merAdmin, leuAdmin, lena, tom, clerk, mandate;
};

// Claims lapse after two seconds without work.
struct ShortClaims : Procedures {
  ShortClaims() : Procedures(2) {}
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(procedures, Procedures)

BOOST_AUTO_TEST_CASE(a_helper_sees_the_open_items_of_procedures_their_mandate_names_and_nothing_else) {
  auto catalog = as(lena, "GET", "/v1/procedures");
  BOOST_TEST_REQUIRE(catalog.status == 200, catalog.body);
  auto list = catalog.json()->getArray("procedures");
  BOOST_TEST_REQUIRE(list->size() == 1u, catalog.body);
  BOOST_TEST(list->getObject(0)->getValue<std::string>("mandate") == mandate);
  BOOST_TEST(list->getObject(0)->getValue<std::string>("status") == "ok");

  // Pages of five, oldest first, without gaps or repeats; the decided item is not among them.
  std::vector<std::string> seen;
  std::string after;
  for (int page = 0; page < 5; ++page) {
    auto r = helper(lena, "GET", kItems + "?limit=5" + (after.empty() ? "" : "&after=" + after));
    BOOST_TEST_REQUIRE(r.status == 200, r.body);
    auto items = r.json()->getArray("items");
    for (std::size_t i = 0; i < items->size(); ++i) seen.push_back(items->getObject(i)->getValue<std::string>("id"));
    BOOST_TEST(audit(r, "action || ':' || decision || ':' || register || ':' || mandate") ==
               "item_list:allow:online-antraege:" + mandate);
    if (r.json()->get("next").isEmpty()) break;
    after = r.json()->getValue<std::string>("next");
  }
  BOOST_TEST_REQUIRE(seen.size() == static_cast<std::size_t>(kOpenItems));
  BOOST_TEST(seen.front() == "OA-T-001");
  BOOST_TEST(seen.back() == "OA-T-012");

  auto item = helper(lena, "GET", kItems + "/OA-T-001");
  BOOST_TEST_REQUIRE(item.status == 200, item.body);
  auto o = item.json()->getObject("item");
  BOOST_TEST(o->getArray("references")->getObject(0)->getValue<std::string>("id") == "MER-000001");
  BOOST_TEST(o->getArray("attachments")->getObject(0)->getValue<std::string>("name") == "Wohnungsgeberbestätigung.pdf");
  BOOST_TEST(o->getArray("applicant")->getObject(0)->getValue<std::string>("value") == "Müller");
  BOOST_TEST(audit(item, "action || ':' || case_ref") == "item_view:OA-T-001");

  // Refusals, each audited with its reason.
  auto noMandate = as(lena, "GET", kItems);
  BOOST_TEST(noMandate.status == 403);
  BOOST_TEST(noMandate.errorCode() == "no_mandate");
  BOOST_TEST(audit(noMandate, "decision || ':' || reason") == "deny:no_mandate");
  BOOST_TEST(as(fx.token("otto.fremd", kLeuna, {"helper"}), "GET", kItems, "", mandate).errorCode() ==
             "mandate_not_yours");
  BOOST_TEST(helper(lena, "GET", kItems + "?status=approved").errorCode() == "mandate_scope");
  BOOST_TEST(helper(lena, "GET", kItems + "/OA-T-900").errorCode() == "item_not_found");
  BOOST_TEST(helper(lena, "GET", kItems + "?colour=red").errorCode() == "unknown_parameter");
  BOOST_TEST(helper(lena, "GET", kItems + "/" + std::string(201, 'x')).errorCode() == "invalid_item_id");
  BOOST_TEST(helper(lena, "GET", kItems + "/OA%01").errorCode() == "invalid_item_id");
  BOOST_TEST(helper(lena, "GET", kItems + "/%C3%28").status == 422);
  BOOST_TEST(helper(lena, "GET", kItems + "?after=nobody").errorCode() == "invalid_request");
  BOOST_TEST(as(lena, "GET", kItems, "", std::string(101, 'M')).errorCode() == "invalid_mandate");
  BOOST_TEST(helper(lena, "GET", "/v1/procedures/15088220/steuer/items").errorCode() == "procedure_not_found");
  const std::string lookupsOnly = fx.approvedMandate(merAdmin, leuAdmin, procedureMandate(R"(["lena.wagner"])", R"(["get","search"])"));
  BOOST_TEST(as(lena, "GET", kItems, "", lookupsOnly).errorCode() == "mandate_scope");
  const std::string tomorrow = fx.approvedMandate(
      merAdmin, leuAdmin, procedureMandate(R"(["lena.wagner"])", R"(["process"])", R"(["online-antraege"])", 1, 1));
  BOOST_TEST(as(lena, "GET", kItems, "", tomorrow).errorCode() == "mandate_not_in_force");
  BOOST_TEST(as("", "GET", kItems).status == 401);
  // The owner's own clerk sees every status and needs no mandate.
  auto decided = as(clerk, "GET", kItems + "?status=approved");
  BOOST_TEST_REQUIRE(decided.status == 200, decided.body);
  BOOST_TEST(decided.body.find("OA-T-900") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(of_helpers_claiming_one_item_at_once_exactly_one_wins) {
  std::vector<std::string> helpers;
  std::string list = "[";
  for (int i = 0; i < 8; ++i) {
    helpers.push_back("helper" + std::to_string(i));
    list += (i ? ",\"" : "\"") + helpers.back() + "\"";
  }
  const std::string many = fx.approvedMandate(merAdmin, leuAdmin, procedureMandate(list + "]"));
  std::atomic<int> won{0}, lost{0}, other{0};
  std::vector<std::thread> threads;
  for (const auto& h : helpers)
    threads.emplace_back([&, token = fx.token(h, kLeuna, {"helper"})] {
      auto r = as(token, "POST", kItems + "/OA-T-005/claim", "", many);
      (r.status == 200 ? won : r.errorCode() == "already_claimed" ? lost : other)++;
    });
  for (auto& t : threads) t.join();
  BOOST_TEST(won.load() == 1);
  BOOST_TEST(lost.load() == 7);
  BOOST_TEST(other.load() == 0);
  BOOST_TEST(fx.db.scalar("SELECT count(*) FROM regfed.claims WHERE item_id = 'OA-T-005'") == "1");
  BOOST_TEST(fx.db.scalar("SELECT count(*) FROM regfed_audit.events WHERE action = 'item_claim' AND decision = "
                          "'allow' AND case_ref = 'OA-T-005'") == "1");
  BOOST_TEST(fx.db.scalar("SELECT count(*) FROM regfed_audit.events WHERE action = 'item_claim' AND reason = "
                          "'already_claimed'") == "7");
}

BOOST_FIXTURE_TEST_CASE(a_claim_is_released_or_lapses_and_only_its_holder_decides, ShortClaims) {
  BOOST_TEST_REQUIRE(helper(lena, "POST", kItems + "/OA-T-003/claim").status == 200);
  auto taken = helper(tom, "POST", kItems + "/OA-T-003/claim");
  BOOST_TEST(taken.status == 409);
  BOOST_TEST(taken.errorCode() == "already_claimed");
  BOOST_TEST(helper(tom, "POST", kItems + "/OA-T-003/release").errorCode() == "not_claimed");
  BOOST_TEST(helper(tom, "POST", kItems + "/OA-T-003/complete", R"({"decision":"approved"})").errorCode() ==
             "not_claimed");
  // Tom sees it is taken, not by whom; Lena sees it is hers.
  auto forTom = helper(tom, "GET", kItems + "/OA-T-003").json()->getObject("item")->getObject("claim");
  BOOST_TEST(!forTom->getValue<bool>("mine"));
  BOOST_TEST(!forTom->has("holder"));
  BOOST_TEST(helper(lena, "GET", kItems + "/OA-T-003").json()->getObject("item")->getObject("claim")->getValue<bool>("mine"));
  BOOST_TEST(helper(lena, "POST", kItems + "/OA-T-003/release").status == 200);
  BOOST_TEST(helper(tom, "POST", kItems + "/OA-T-003/claim").status == 200);

  // Two seconds without work: the claim lapses, someone else takes the item, the first holder cannot decide.
  BOOST_TEST_REQUIRE(helper(lena, "POST", kItems + "/OA-T-004/claim").status == 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  BOOST_TEST(helper(tom, "POST", kItems + "/OA-T-004/claim").status == 200);
  auto late = helper(lena, "POST", kItems + "/OA-T-004/complete", R"({"decision":"approved"})");
  BOOST_TEST(late.status == 409);
  BOOST_TEST(late.errorCode() == "not_claimed");
  // One left alone lapses too; the node's sweep notes it in the log.
  BOOST_TEST_REQUIRE(helper(lena, "POST", kItems + "/OA-T-006/claim").status == 200);
  auto swept = eventually(
      [&] {
        return HttpResponse{200, {}, fx.db.scalar("SELECT string_agg(reason || ':' || actor, ',') FROM "
                                                  "regfed_audit.events WHERE action = 'item_release' AND case_ref = "
                                                  "'OA-T-006'")};
      },
      "claim_lapsed");
  BOOST_TEST(swept.body == "claim_lapsed:regfed:test-node", swept.body);
}

BOOST_AUTO_TEST_CASE(a_decision_is_recorded_logged_first_and_the_item_leaves_the_inbox) {
  BOOST_TEST_REQUIRE(helper(lena, "POST", kItems + "/OA-T-007/claim").status == 200);
  auto noNote = helper(lena, "POST", kItems + "/OA-T-007/complete", R"({"decision":"needs_info"})");
  BOOST_TEST(noNote.status == 422);
  BOOST_TEST(noNote.errorCode() == "missing_note");
  BOOST_TEST(helper(lena, "POST", kItems + "/OA-T-007/complete", R"({"decision":"maybe"})").errorCode() ==
             "invalid_decision");
  BOOST_TEST(helper(lena, "POST", kItems + "/OA-T-007/complete", R"({"decision":"approved","why":1})").errorCode() ==
             "unknown_parameter");
  BOOST_TEST(helper(lena, "POST", kItems + "/OA-T-007/complete", "{").status == 400);
  const std::string note(2001, 'x');
  BOOST_TEST(helper(lena, "POST", kItems + "/OA-T-007/complete", R"({"decision":"rejected","note":")" + note + "\"}")
                 .errorCode() == "invalid_note");
  auto done = helper(lena, "POST", kItems + "/OA-T-007/complete",
                     R"({"decision":"needs_info","note":"Bitte Wohnungsgeberbestätigung nachreichen – \"Seite 2\"."})");
  BOOST_TEST_REQUIRE(done.status == 200, done.body);
  BOOST_TEST(audit(done, "action || ':' || decision || ':' || case_ref || ':' || criteria::text") ==
             R"(item_complete:allow:OA-T-007:{"decision":"needs_info"})");
  // Gone from the inbox; the clerk finds it waiting for the applicant, with the note in its history.
  BOOST_TEST(helper(lena, "GET", kItems + "?limit=200").body.find("OA-T-007") == std::string::npos);
  auto waiting = as(clerk, "GET", kItems + "/OA-T-007");
  BOOST_TEST(waiting.json()->getObject("item")->getValue<std::string>("status") == "needs_info");
  BOOST_TEST(waiting.body.find("Seite 2") != std::string::npos);
  // For helpers a decided item is gone, whichever way they ask.
  BOOST_TEST(helper(lena, "POST", kItems + "/OA-T-007/claim").errorCode() == "item_not_found");
  BOOST_TEST(helper(lena, "GET", kItems + "/OA-T-007").errorCode() == "item_not_found");
  // Every step of the item is in the log under its id.
  BOOST_TEST(fx.db.scalar("SELECT string_agg(DISTINCT action, ',') FROM regfed_audit.events WHERE case_ref = "
                          "'OA-T-007' AND decision = 'allow' AND actor = 'lena.wagner'") == "item_claim,item_complete");
}

BOOST_AUTO_TEST_CASE(lookups_while_holding_an_item_take_its_case_reference_and_open_the_records_it_names) {
  const std::map<std::string, std::string> mandateOnly = {{"Regfed-Mandate", mandate}};
  auto open = [&](const std::string& record) {
    auto headers = NodeFixture::bearer(lena);
    headers["Regfed-Mandate"] = mandate;
    return http(fx.node->port(), "GET", "/v1/registers/15088220/melderegister/records/" + record, "", headers);
  };
  // Without an item held, a lookup needs its own purpose and case reference.
  BOOST_TEST(open("MER-000002").errorCode() == "missing_purpose");
  BOOST_TEST_REQUIRE(helper(lena, "POST", kItems + "/OA-T-002/claim").status == 200);
  auto found = open("MER-000002");
  BOOST_TEST_REQUIRE(found.status == 200, found.body);
  BOOST_TEST(found.body.find("Meier") != std::string::npos);
  BOOST_TEST(audit(found, "action || ':' || decision || ':' || case_ref || ':' || purpose") ==
             "get:allow:OA-T-002:Bearbeitung Online-Anträge OA-T-002");
  BOOST_TEST(audit(found, "reason") == "found_by_case");
  // A record the item does not name still needs a search first.
  BOOST_TEST(open("MER-000003").errorCode() == "not_found");
  // The default is for lookups of the item's municipality under its mandate only: Lena's own register, or a
  // lookup of everyone, needs its own purpose and case reference.
  auto own = fx.query(fx.token("lena.wagner", kLeuna, {"helper", "clerk"}),
                      R"({"register":"melderegister","filter":{"familienname":"Müller"}})");
  BOOST_TEST(own.errorCode() == "missing_purpose", own.body);
  auto everyone = fx.query(lena, R"({"register":"melderegister","municipalities":["*"],"mandate":")" + mandate +
                                     R"(","filter":{"familienname":"Meier","vornamen":"Peter","anschrift":"x"}})");
  BOOST_TEST(everyone.errorCode() == "missing_purpose", everyone.body);
  // Which records an item refers to is the online service's word: the procedure's role cannot add any.
  pqxx::connection procedureRole(fx.db.dsn("regfed_reader"));
  pqxx::work tx(procedureRole);
  BOOST_CHECK_THROW(tx.exec("UPDATE antraege.items SET refs = '[]' WHERE id = 'OA-T-002'"), pqxx::sql_error);
  tx.abort();
  auto search = fx.query(lena, R"({"register":"melderegister","municipalities":["15088220"],"mandate":")" + mandate +
                                   R"(","filter":{"familienname":"Schmidt","vornamen":"Anne","anschrift":"Weiße Mauer 8, 06217 Merseburg"}})");
  BOOST_TEST_REQUIRE(search.status == 200, search.body);
  BOOST_TEST(audit(search, "case_ref") == "OA-T-002");
  // Holding two items, nothing is guessed.
  BOOST_TEST_REQUIRE(helper(lena, "POST", kItems + "/OA-T-008/claim").status == 200);
  BOOST_TEST(open("MER-000002").errorCode() == "missing_purpose");
  // Released, the record is closed again.
  BOOST_TEST(helper(lena, "POST", kItems + "/OA-T-008/release").status == 200);
  BOOST_TEST(helper(lena, "POST", kItems + "/OA-T-002/release").status == 200);
  auto headers = NodeFixture::bearer(lena);
  headers["Regfed-Mandate"] = mandate;
  headers["Regfed-Case-Ref"] = "OA-T-002";
  headers["Regfed-Purpose"] = "Bearbeitung";
  BOOST_TEST(http(fx.node->port(), "GET", "/v1/registers/15088220/melderegister/records/MER-000002", "", headers)
                 .errorCode() == "not_found");
}

BOOST_AUTO_TEST_CASE(a_mandate_revoked_mid_work_releases_the_claim_and_says_so) {
  BOOST_TEST_REQUIRE(helper(lena, "POST", kItems + "/OA-T-009/claim").status == 200);
  BOOST_TEST_REQUIRE(fx.post(merAdmin, "/v1/mandates/" + mandate + "/revoke").status == 200);
  auto told = helper(lena, "GET", kItems + "/OA-T-009");
  BOOST_TEST(told.status == 403);
  BOOST_TEST(told.errorCode() == "mandate_revoked");
  // Released by this request, or by the node's sweep just before it: either way the helper is told.
  BOOST_TEST((told.body.find("OA-T-009 was released") != std::string::npos ||
              told.body.find("go back to") != std::string::npos),
             told.body);
  auto item = as(clerk, "GET", kItems + "/OA-T-009");
  BOOST_TEST(item.json()->getObject("item")->get("claim").isEmpty(), item.body);
  BOOST_TEST(fx.db.scalar("SELECT reason FROM regfed_audit.events WHERE action = 'item_release' AND case_ref = "
                          "'OA-T-009'") == "mandate_revoked");

  // Nobody asking: the node's sweep releases what was held under a mandate revoked in the meantime.
  const std::string second = fx.approvedMandate(merAdmin, leuAdmin, procedureMandate(R"(["tom.berger"])"));
  BOOST_TEST_REQUIRE(as(tom, "POST", kItems + "/OA-T-010/claim", "", second).status == 200);
  BOOST_TEST_REQUIRE(fx.post(leuAdmin, "/v1/mandates/" + second + "/revoke").status == 200);
  auto swept = eventually(
      [&] {
        return HttpResponse{200, {}, fx.db.scalar("SELECT coalesce(string_agg(reason, ','), '') FROM "
                                                  "regfed_audit.events WHERE action = 'item_release' AND case_ref = "
                                                  "'OA-T-010'")};
      },
      "mandate_revoked");
  BOOST_TEST(swept.body == "mandate_revoked");
}

BOOST_AUTO_TEST_CASE(a_procedure_backend_that_fails_is_refused_audited_and_comes_back) {
  fx.db.exec("ALTER SCHEMA antraege RENAME TO antraege_away");
  auto down = helper(lena, "GET", kItems);
  BOOST_TEST(down.status == 503, down.body);
  BOOST_TEST(down.errorCode() == "procedure_unavailable");
  BOOST_TEST(audit(down, "decision || ':' || reason") == "error:procedure_unavailable");
  auto claim = helper(lena, "POST", kItems + "/OA-T-011/claim");
  BOOST_TEST(claim.status == 503);
  BOOST_TEST(claim.body.find("not claimed") != std::string::npos, claim.body);
  fx.db.exec("ALTER SCHEMA antraege_away RENAME TO antraege");
  BOOST_TEST(helper(lena, "GET", kItems).status == 200);
  BOOST_TEST(http(fx.node->port(), "GET", "/v1/health").body.find(R"("procedures":{"15088220/online-antraege":"ok"})") !=
             std::string::npos);
}

namespace {

// What the helper page's browser test needs of this node, as environment assignments.
std::vector<std::string> pageEnvironment(const Procedures& p) {
  return {"REGFED_URL=" + p.fx.node->url(),
          "REGFED_HELPER_TOKEN=" + p.lena,
          "REGFED_OTHER_HELPER_TOKEN=" + p.tom,
          "REGFED_MANDATE=" + p.mandate,
          "REGFED_OWNER_AGS=15088220",
          "REGFED_PROCEDURE=online-antraege",
          "REGFED_ADMIN_TOKEN=" + p.merAdmin};
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_helper_page_works_in_chromium) {
  const char* chromium = std::getenv("REGFED_CHROMIUM");
  const std::string browser = chromium ? chromium : "/usr/bin/chromium";
  BOOST_TEST_REQUIRE(std::ifstream(browser).good(),
                     browser + " is missing: `scripts/deps.sh --test` installs Debian's chromium");
  std::vector<std::string> command = {"env"};
  for (const auto& e : pageEnvironment(*this)) command.push_back(e);
  for (const std::string& e : {"REGFED_SCREENSHOT_DIR=" + binaryDir() + "/screenshots", "REGFED_CHROMIUM=" + browser,
                               "NODE_PATH=" + sourceDir() + "/tests/js/node_modules"})
    command.push_back(e);
  command.push_back("node");
  command.push_back(sourceDir() + "/tests/browser/helfer-page.mjs");
  std::string output;
  BOOST_TEST(run(command, output) == 0, output);
}

// Not part of the suite: run it by name to try the helper page by hand against a node with items and a mandate
// (REGFED_SERVE_FILE gets the environment of the browser test as shell exports; it serves REGFED_SERVE_SECONDS).
BOOST_AUTO_TEST_CASE(serve_the_helper_page_by_hand, *boost::unit_test::disabled()) {
  const char* file = std::getenv("REGFED_SERVE_FILE");
  BOOST_TEST_REQUIRE(file != nullptr, "set REGFED_SERVE_FILE");
  std::ofstream out(file);
  for (const auto& e : pageEnvironment(*this)) out << "export " << e << "\n";
  out.close();
  const char* seconds = std::getenv("REGFED_SERVE_SECONDS");
  std::this_thread::sleep_for(std::chrono::seconds(seconds ? std::stoi(seconds) : 600));
}

BOOST_AUTO_TEST_SUITE_END()
