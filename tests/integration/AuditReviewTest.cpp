// The DPO's side over real HTTP against a real node and PostgreSQL: who sees which events, filters and paging,
// a person's report (GDPR Art. 15), exports German Excel opens, alerts and their lifecycle, verification and
// RFC 6962 proofs checked here without trusting the node, the web page's headers, and the page itself in
// Chromium.
#define BOOST_TEST_MODULE audit_review
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>
#include <regfed/audit/AuditEvent.h>
#include <regfed/audit/TreeHeadSigner.h>
#include <regfed/audit/Witness.h>

#include <boost/test/unit_test.hpp>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "CalendarDate.h"
#include "NodeFixture.h"

using namespace regfed::test;
using Poco::JSON::Array;
using Poco::JSON::Object;
namespace audit = regfed::audit;

namespace {

NodeOptions options() {
  NodeOptions o;
  o.signIntervalMs = 200;
  // Small thresholds and a fast sweep, so the detectors fire within the test.
  o.rootExtra = R"(, "alerts": {"window_s": 600, "denials": 50, "outside_mandate": 3, "volume": 1000,
                                "sweep_interval_ms": 300})";
  return o;
}

NodeFixture& fx() {
  static NodeFixture fixture(options());
  return fixture;
}

struct Tokens {
  std::string merAdmin = fx().token("mer.admin", kMerseburg, {"admin"});
  std::string leuAdmin = fx().token("leu.admin", kLeuna, {"admin"});
  std::string merClerk = fx().token("anna.schulz", kMerseburg, {"clerk"});
  std::string leuClerk = fx().token("karl.beck", kLeuna, {"clerk"});
  std::string merDpo = fx().token("dora.dpo", kMerseburg, {"dpo"});
  std::string leuDpo = fx().token("lutz.dpo", kLeuna, {"dpo"});
  std::string helper = fx().token("lena.wagner", kLeuna, {"helper"});
};

Tokens& tokens() {
  static Tokens t;
  return t;
}

std::string ownSearch(const std::string& ags, const std::string& purpose = "Prüfung Wohnsitz") {
  return R"({"register":"melderegister","municipalities":[")" + ags +
         R"("],"filter":{"familienname":"Müller"},"purpose":")" + purpose + R"(","case_ref":"AZ-OWN-1"})";
}

// What happened before the DPO looks: clerks at home, a helper under a mandate (with a formula-like purpose),
// probing outside the mandate, and a hit on a blocked record.
struct History {
  std::string mandate;
  std::string helperSearchId;
  History() {
    auto& t = tokens();
    BOOST_REQUIRE(fx().query(t.merClerk, ownSearch(kMerseburg)).status == 200);
    BOOST_REQUIRE(fx().query(t.leuClerk, ownSearch(kLeuna)).status == 200);
    mandate = fx().approvedMandate(
        t.merAdmin, t.leuAdmin,
        mandateBody(R"(["lena.wagner"])", R"(["familienname","vornamen","ort","anschrift","geburtsdatum"])", 0, 1));
    auto found = fx().query(
        t.helper,
        R"({"register":"melderegister","municipalities":["15088220"],"filter":{"familienname":"Müller","vornamen":"Anna","anschrift":"Gotthardstraße 12, 06217 Merseburg"},"purpose":"=SUMME(A1) ; \"zitiert\"","case_ref":"ANT-REVIEW-1","mandate":")" +
            mandate + "\"}");
    BOOST_REQUIRE(found.body.find("MER-000001") != std::string::npos);
    helperSearchId = found.headers["X-Request-Id"];
    BOOST_REQUIRE(fx().get(t.helper, "/v1/registers/15088220/melderegister/records/MER-000001",
                           purposeHeaders(mandate))
                      .status == 200);
    // Guessing ids no search disclosed: the pattern of someone probing.
    for (const char* id : {"MER-000002", "MER-000003", "MER-000004"})
      BOOST_REQUIRE(fx().get(t.helper, std::string("/v1/registers/15088220/melderegister/records/") + id,
                             purposeHeaders(mandate))
                        .errorCode() == "not_found");
    // A blocked person: withheld, reviewed, alerted.
    fx().query(t.helper, mandateSearch(mandate, R"({"familienname":"Müller","vornamen":"Hans","ort":"Geusa","geburtsdatum":"1950-05-05"})"));
  }
};

History& history() {
  static History h;
  return h;
}

HttpResponse dpoGet(const std::string& token, const std::string& path) { return fx().get(token, path); }

Array::Ptr events(const HttpResponse& r) { return r.json()->getArray("events"); }

std::vector<Object::Ptr> objects(const Array::Ptr& a) {
  std::vector<Object::Ptr> out;
  for (std::size_t i = 0; a && i < a->size(); ++i) out.push_back(a->getObject(static_cast<unsigned>(i)));
  return out;
}

std::string text(const Object::Ptr& o, const std::string& key) {
  return o->isNull(key) ? "" : o->getValue<std::string>(key);
}

audit::Hash hash(const std::string& hex) {
  audit::Hash h{};
  BOOST_REQUIRE(audit::fromHex(hex, h));
  return h;
}

std::vector<audit::Hash> hashes(const Array::Ptr& a) {
  std::vector<audit::Hash> out;
  for (std::size_t i = 0; i < a->size(); ++i) out.push_back(hash(a->getElement<std::string>(static_cast<unsigned>(i))));
  return out;
}

audit::TreeHead headFrom(const Object::Ptr& o) {
  audit::TreeHead h;
  h.node = o->getValue<std::string>("node");
  h.size = o->getValue<std::int64_t>("size");
  h.root = hash(o->getValue<std::string>("root"));
  h.time = o->getValue<std::string>("time");
  h.keyId = o->getValue<std::string>("key_id");
  BOOST_REQUIRE(audit::hexToBytes(o->getValue<std::string>("signature"), h.signature));
  return h;
}

// The verification once a signed head covers the history (heads are signed every 200 ms here).
Object::Ptr signedVerification() {
  for (int i = 0; i < 100; ++i) {
    auto r = dpoGet(tokens().merDpo, "/v1/audit/verify");
    BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
    auto v = r.json();
    if (!v->isNull("tree_head") && v->getObject("tree_head")->getValue<std::int64_t>("size") > 10) return v;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  BOOST_FAIL("no signed tree head appeared");
  return nullptr;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(audit_review)

BOOST_AUTO_TEST_CASE(a_dpo_sees_events_about_their_municipality_only_and_reading_is_audited) {
  history();
  auto& t = tokens();
  BOOST_TEST(fx().get("", "/v1/audit/events").status == 401);
  BOOST_TEST(dpoGet(t.merClerk, "/v1/audit/events").errorCode() == "not_permitted");
  BOOST_TEST(dpoGet(t.merAdmin, "/v1/audit/subjects/15088220/melderegister/MER-000001").errorCode() == "not_permitted");
  BOOST_TEST(dpoGet(t.helper, "/v1/audit/export?format=csv").errorCode() == "not_permitted");

  auto mer = dpoGet(t.merDpo, "/v1/audit/events?limit=1000");
  BOOST_TEST_REQUIRE(mer.status == 200, mer.body);
  std::set<std::string> merActors;
  for (const auto& e : objects(events(mer))) {
    BOOST_TEST((text(e, "owner_ags") == kMerseburg || text(e, "actor_ags") == kMerseburg), e->getValue<std::int64_t>("seq"));
    merActors.insert(text(e, "actor"));
  }
  BOOST_TEST(merActors.count("anna.schulz") == 1u);
  BOOST_TEST(merActors.count("lena.wagner") == 1u);  // Leuna's helper, on Merseburg's data
  BOOST_TEST(merActors.count("karl.beck") == 0u);    // Leuna's clerk on Leuna's data

  auto leu = dpoGet(t.leuDpo, "/v1/audit/events?limit=1000");
  std::set<std::string> leuActors;
  for (const auto& e : objects(events(leu))) leuActors.insert(text(e, "actor"));
  BOOST_TEST(leuActors.count("karl.beck") == 1u);
  BOOST_TEST(leuActors.count("lena.wagner") == 1u);  // Leuna's own staff, wherever they asked
  BOOST_TEST(leuActors.count("anna.schulz") == 0u);

  // The read itself is an event, visible to the DPO's own municipality.
  const std::string id = mer.headers["X-Request-Id"];
  BOOST_TEST(fx().auditColumn(id, "action || '/' || reason || '/' || actor || '/' || result_count") ==
             "audit_read/events/dora.dpo/" + std::to_string(events(mer)->size()));
  BOOST_TEST(fx().auditColumn(id, "criteria") == R"({"limit":"1000"})");
}

BOOST_AUTO_TEST_CASE(filters_narrow_and_the_cursor_pages_without_gaps_or_repeats) {
  history();
  auto& t = tokens();
  auto all = [&](const std::string& q) { return objects(events(dpoGet(t.merDpo, "/v1/audit/events?limit=1000&" + q))); };
  const auto helperEvents = all("actor=lena.wagner");
  BOOST_TEST(helperEvents.size() >= 6u);
  for (const auto& e : helperEvents) BOOST_TEST(text(e, "actor") == "lena.wagner");
  const auto denied = all("actor=lena.wagner&decision=deny");
  BOOST_TEST(denied.size() >= 3u);
  for (const auto& e : denied) BOOST_TEST(text(e, "decision") == "deny");
  const auto byCase = all("case_ref=ANT-REVIEW-1");
  BOOST_TEST_REQUIRE(byCase.size() == 1u);
  BOOST_TEST(text(byCase[0], "mandate") == history().mandate);
  BOOST_TEST(byCase[0]->getObject("criteria")->getValue<std::string>("vornamen") == "Anna");
  const auto bySubject = all("subject=MER-000001&action=get");
  BOOST_TEST_REQUIRE(bySubject.size() == 1u);
  const auto withheld = all("subject=MER-000007&actor=lena.wagner");  // its own clerks see it disclosed
  BOOST_TEST_REQUIRE(withheld.size() == 1u);
  BOOST_TEST(withheld[0]->getArray("withheld")->getElement<std::string>(0) == "MER-000007");
  BOOST_TEST(all("mandate=" + history().mandate + "&reason=not_disclosed").size() == 3u);
  BOOST_TEST(all("register=gewerberegister").empty());
  BOOST_TEST(all("emergency=true").empty());
  const std::string today = regfed::core::formatDay(regfed::core::berlinToday());
  const std::string yesterday = regfed::core::formatDay(regfed::core::berlinToday() - 1);
  BOOST_TEST(all("actor=lena.wagner&from=" + today + "&to=" + today).size() == helperEvents.size());
  BOOST_TEST(all("actor=lena.wagner&to=" + yesterday).empty());
  BOOST_TEST(all("actor=lena.wagner&from=2000-01-01T00:00:00Z").size() == helperEvents.size());

  for (const auto& [query, code] : std::vector<std::pair<std::string, std::string>>{
           {"decision=maybe", "invalid_filter"},
           {"from=2026-02-30", "invalid_filter"},
           {"from=yesterday", "invalid_filter"},
           {"owner_ags=1508822", "invalid_filter"},
           {"emergency=yes", "invalid_filter"},
           {"limit=0", "invalid_limit"},
           {"limit=1001", "invalid_limit"},
           {"after=abc", "invalid_cursor"},
           {"after=-5", "invalid_cursor"},
           {"sort=seq", "unknown_parameter"}}) {
    auto r = dpoGet(t.merDpo, "/v1/audit/events?" + query);
    BOOST_TEST(r.status == 422, query);
    BOOST_TEST(r.errorCode() == code, query);
  }

  // Pages of 2, newest first, until `next` is null: the same events as one big page, no repeats.
  std::vector<std::int64_t> paged;
  std::string next;
  for (int page = 0; page < 100; ++page) {
    auto r = dpoGet(t.merDpo, "/v1/audit/events?actor=lena.wagner&limit=2" + (next.empty() ? "" : "&after=" + next));
    for (const auto& e : objects(events(r))) paged.push_back(e->getValue<std::int64_t>("seq"));
    if (r.json()->isNull("next")) break;
    next = r.json()->getValue<std::string>("next");
  }
  std::vector<std::int64_t> whole;
  for (const auto& e : helperEvents) whole.push_back(e->getValue<std::int64_t>("seq"));
  BOOST_TEST(paged == whole, boost::test_tools::per_element());
  for (std::size_t i = 1; i < paged.size(); ++i) BOOST_TEST(paged[i] < paged[i - 1]);
}

BOOST_AUTO_TEST_CASE(a_persons_report_lists_every_access_with_purpose_case_and_mandate) {
  history();
  auto& t = tokens();
  auto r = dpoGet(t.merDpo, "/v1/audit/subjects/15088220/melderegister/MER-000001");
  BOOST_TEST_REQUIRE(r.status == 200, r.body);
  auto report = r.json();
  BOOST_TEST(report->getObject("subject")->getValue<std::string>("municipality") == "Stadt Merseburg");
  std::map<std::string, Object::Ptr> byAction;
  for (const auto& a : objects(report->getArray("accesses")))
    if (text(a, "actor") == "lena.wagner") byAction[text(a, "action")] = a;
  BOOST_TEST_REQUIRE(byAction.count("search") == 1u);
  BOOST_TEST_REQUIRE(byAction.count("get") == 1u);
  const auto& search = byAction["search"];
  BOOST_TEST(text(search, "mandate") == history().mandate);
  BOOST_TEST(text(search, "case_ref") == "ANT-REVIEW-1");
  BOOST_TEST(text(search, "actor_municipality") == "Stadt Leuna");
  BOOST_TEST(text(search, "request_id") == history().helperSearchId);
  BOOST_TEST(search->getValue<bool>("disclosed"));
  BOOST_TEST(!search->getValue<bool>("withheld"));
  BOOST_TEST(search->getArray("fields")->size() > 0u);
  BOOST_TEST(byAction["get"]->getValue<bool>("disclosed"));

  // A blocked person's report shows the hit as withheld, nothing disclosed.
  auto blocked = dpoGet(t.merDpo, "/v1/audit/subjects/15088220/melderegister/MER-000007").json();
  bool sawWithheld = false;
  for (const auto& a : objects(blocked->getArray("accesses"))) {
    if (text(a, "actor") != "lena.wagner") continue;
    sawWithheld = sawWithheld || a->getValue<bool>("withheld");
    BOOST_TEST(!a->getValue<bool>("disclosed"));
    BOOST_TEST(a->getArray("fields")->size() == 0u);
  }
  BOOST_TEST(sawWithheld);

  // Only the DPO of the municipality holding the record; the report is itself on the record.
  BOOST_TEST(dpoGet(t.leuDpo, "/v1/audit/subjects/15088220/melderegister/MER-000001").errorCode() ==
             "not_your_municipality");
  BOOST_TEST(fx().auditColumn(r.headers["X-Request-Id"], "reason || '/' || array_to_string(subjects, ',')") ==
             "subject_report/MER-000001");
}

BOOST_AUTO_TEST_CASE(exports_open_in_german_excel_and_hold_every_matching_event) {
  history();
  auto& t = tokens();
  const auto count = events(dpoGet(t.merDpo, "/v1/audit/events?limit=1000&actor=lena.wagner"))->size();
  auto csv = dpoGet(t.merDpo, "/v1/audit/export?format=csv&actor=lena.wagner");
  BOOST_TEST_REQUIRE(csv.status == 200, csv.body.substr(0, 300));
  BOOST_TEST(csv.headers["Content-Type"].find("text/csv") == 0u);
  BOOST_TEST(csv.headers["Content-Disposition"].find("attachment; filename=\"regfed-audit-") == 0u);
  BOOST_TEST(csv.body.rfind("\xEF\xBB\xBFNr;Zeit (Berlin);", 0) == 0u);
  std::vector<std::string> lines;
  std::istringstream in(csv.body);
  for (std::string line; std::getline(in, line);) {
    BOOST_TEST((!line.empty() && line.back() == '\r'));  // CRLF
    lines.push_back(line);
  }
  BOOST_TEST(lines.size() == count + 1);
  // The helper's purpose started like a formula and held ; and quotes: quoted, doubled, defused.
  BOOST_TEST(csv.body.find(R"(;"'=SUMME(A1) ; ""zitiert""";)") != std::string::npos);
  // Berlin wall-clock time Excel reads as a date: "YYYY-MM-DD HH:MM:SS".
  const std::string second = lines.size() > 1 ? lines[1] : "";
  const auto firstCell = second.find(';');
  BOOST_TEST(second.substr(firstCell + 1, 11) == regfed::core::formatDay(regfed::core::berlinToday()) + " ");

  auto jsonl = dpoGet(t.merDpo, "/v1/audit/export?format=jsonl&actor=lena.wagner");
  BOOST_TEST_REQUIRE(jsonl.status == 200);
  std::istringstream lj(jsonl.body);
  std::size_t n = 0;
  for (std::string line; std::getline(lj, line); ++n) {
    auto e = Poco::JSON::Parser().parse(line).extract<Object::Ptr>();
    BOOST_TEST(e->getValue<std::string>("actor") == "lena.wagner");
  }
  BOOST_TEST(n == count);
  BOOST_TEST(dpoGet(t.merDpo, "/v1/audit/export?format=xml").errorCode() == "invalid_format");
  BOOST_TEST(dpoGet(t.merDpo, "/v1/audit/export?format=csv&limit=5").errorCode() == "unknown_parameter");
  // The export is on the record before its first row left.
  BOOST_TEST(fx().auditColumn(csv.headers["X-Request-Id"], "reason") == "export");
}

BOOST_AUTO_TEST_CASE(alerts_are_raised_once_acknowledged_and_closed_with_an_audit_trail) {
  history();
  auto& t = tokens();
  auto open = eventually([&] { return dpoGet(t.merDpo, "/v1/audit/alerts?status=open"); }, "outside_mandate");
  std::map<std::string, Object::Ptr> byKind;
  for (const auto& a : objects(open.json()->getArray("alerts"))) byKind[text(a, "kind")] = a;
  BOOST_TEST_REQUIRE(byKind.count("outside_mandate") == 1u);
  BOOST_TEST(byKind.count("blocked_record_hit") == 1u);
  BOOST_TEST(text(byKind["outside_mandate"], "actor") == "lena.wagner");
  BOOST_TEST(text(byKind["outside_mandate"], "detail").find("not_disclosed") != std::string::npos);
  BOOST_TEST(dpoGet(t.leuDpo, "/v1/audit/alerts?status=open").body.find("outside_mandate") == std::string::npos);

  // More probing within the window raises no second alert.
  fx().get(t.helper, "/v1/registers/15088220/melderegister/records/MER-000005", purposeHeaders(history().mandate));
  std::this_thread::sleep_for(std::chrono::milliseconds(900));
  int outside = 0;
  for (const auto& a : objects(dpoGet(t.merDpo, "/v1/audit/alerts?status=all").json()->getArray("alerts")))
    outside += text(a, "kind") == "outside_mandate";
  BOOST_TEST(outside == 1);

  // Open alerts are counted for monitoring.
  auto metrics = eventually([&] { return fx().get("", "/metrics"); },
                            "regfed_alerts_open{ags=\"15088220\",kind=\"outside_mandate\"} 1");
  BOOST_TEST(metrics.status == 200);

  const std::string id = std::to_string(byKind["outside_mandate"]->getValue<std::int64_t>("id"));
  const std::string base = "/v1/audit/alerts/" + id;
  BOOST_TEST(fx().post(t.leuDpo, base + "/acknowledge").errorCode() == "not_found");
  BOOST_TEST(fx().post(t.merClerk, base + "/acknowledge").errorCode() == "not_permitted");
  auto ack = fx().post(t.merDpo, base + "/acknowledge");
  BOOST_TEST_REQUIRE(ack.status == 200, ack.body);
  BOOST_TEST(ack.json()->getObject("alert")->getValue<std::string>("status") == "acknowledged");
  BOOST_TEST(ack.json()->getObject("alert")->getObject("acknowledged")->getValue<std::string>("by") == "dora.dpo");
  BOOST_TEST(fx().post(t.merDpo, base + "/acknowledge").errorCode() == "already_acknowledged");
  BOOST_TEST(fx().post(t.merDpo, base + "/close", "{}").errorCode() == "missing_outcome");
  auto closed = fx().post(t.merDpo, base + "/close", R"({"outcome":"Rücksprache mit Leuna: Tippfehler bei Aktenzeichen"})");
  BOOST_TEST_REQUIRE(closed.status == 200, closed.body);
  BOOST_TEST(closed.json()->getObject("alert")->getObject("closed")->getValue<std::string>("outcome") ==
             "Rücksprache mit Leuna: Tippfehler bei Aktenzeichen");
  BOOST_TEST(fx().post(t.merDpo, base + "/close", R"({"outcome":"noch einmal"})").errorCode() == "already_closed");
  BOOST_TEST(fx().auditColumn(closed.headers["X-Request-Id"], "action || '/' || (criteria::jsonb->>'alert')") ==
             "alert_close/" + id);
  BOOST_TEST(dpoGet(t.merDpo, "/v1/audit/alerts?status=closed").body.find("Tippfehler") != std::string::npos);
  BOOST_TEST(dpoGet(t.merDpo, "/v1/audit/alerts?status=maybe").errorCode() == "invalid_status");
  eventually([&] { return fx().get("", "/metrics"); },
             "regfed_alerts_open{ags=\"15088220\",kind=\"outside_mandate\"} 0");
}

BOOST_AUTO_TEST_CASE(the_dpo_page_is_served_with_a_strict_policy_and_nothing_outside_web) {
  auto page = fx().get("", "/dpo/");
  BOOST_TEST_REQUIRE(page.status == 200);
  BOOST_TEST(page.headers["Content-Type"].find("text/html") == 0u);
  BOOST_TEST(page.headers["Content-Security-Policy"].find("default-src 'self'") == 0u);
  BOOST_TEST(page.headers["Content-Security-Policy"].find("unsafe") == std::string::npos);
  BOOST_TEST(page.body.find("lang=\"de\"") != std::string::npos);
  BOOST_TEST(fx().get("", "/dpo/app.js").headers["Content-Type"].find("text/javascript") == 0u);
  BOOST_TEST(fx().get("", "/dpo").status == 301);
  for (const char* path : {"/dpo/../core/src/main.cpp", "/dpo/%2e%2e/%2e%2e/etc/passwd", "/dpo/.hidden",
                           "/dpo/nonexistent.js", "/dpo//etc/passwd", "/dpo/app.js.bak", "/helfer/../dpo/app.js"})
    BOOST_TEST(fx().get("", path).status == 404, path);
}

BOOST_AUTO_TEST_CASE(the_dpo_page_works_in_chromium) {
  history();
  signedVerification();
  const char* chromium = std::getenv("REGFED_CHROMIUM");
  const std::string browser = chromium ? chromium : "/usr/bin/chromium";
  BOOST_TEST_REQUIRE(std::ifstream(browser).good(),
                     browser + " is missing: `scripts/deps.sh --test` installs Debian's chromium");
  const std::string shots = binaryDir() + "/screenshots";
  std::string output;
  const int status = run({"env", "REGFED_URL=" + fx().node->url(), "REGFED_DPO_TOKEN=" + tokens().merDpo,
                          "REGFED_SUBJECT=15088220/melderegister/MER-000001", "REGFED_ACTOR=lena.wagner",
                          "REGFED_SCREENSHOT_DIR=" + shots, "REGFED_CHROMIUM=" + browser,
                          "NODE_PATH=" + sourceDir() + "/tests/js/node_modules", "node",
                          sourceDir() + "/tests/browser/dpo-page.mjs"},
                         output);
  BOOST_TEST(status == 0, output);
}

BOOST_AUTO_TEST_CASE(verification_and_proofs_hold_without_trusting_the_node_and_a_rewrite_is_found) {
  history();
  auto& t = tokens();
  const Object::Ptr v = signedVerification();
  BOOST_TEST(v->getValue<bool>("ok"));
  const audit::TreeHead head = headFrom(v->getObject("tree_head"));
  // The key comes from the node; the DPO compares its id with the one they were given at set-up.
  auto key = dpoGet(t.merDpo, "/v1/audit/key").json();
  const auto verifier = audit::TreeHeadSigner::fromPublicKeyPem(key->getValue<std::string>("public_key"));
  BOOST_TEST(key->getValue<std::string>("key_id") == verifier.keyId());
  BOOST_TEST(key->getArray("keys")->size() == 1u);
  BOOST_TEST(verifier.verify(head));

  // Inclusion of the helper's search in the signed head, from the event's own bytes up.
  const std::int64_t seq = std::stoll(fx().auditColumn(history().helperSearchId, "seq"));
  auto inc = dpoGet(t.merDpo, "/v1/audit/proof/inclusion?seq=" + std::to_string(seq) + "&size=" +
                                  std::to_string(head.size));
  BOOST_TEST_REQUIRE(inc.status == 200, inc.body);
  auto p = inc.json();
  const audit::Hash leaf = audit::leafHash(p->getValue<std::string>("leaf"));
  BOOST_TEST(audit::toHex(leaf) == p->getValue<std::string>("leaf_hash"));
  // The leaf holds the digest of the personal part; its bytes come along and must hash to it.
  const std::string personal = p->getValue<std::string>("personal");
  BOOST_TEST(personal.find("ANT-REVIEW-1") != std::string::npos);
  BOOST_TEST(p->getValue<std::string>("leaf").find("\"personal\":\"" + audit::toHex(audit::sha256Of(personal)) + "\"") !=
             std::string::npos);
  const auto path = hashes(p->getArray("audit_path"));
  BOOST_TEST(audit::verifyInclusion(seq - 1, head.size, leaf, path, head.root));
  BOOST_TEST(headFrom(p->getObject("tree_head")).root == head.root);
  // A corrupted path, leaf or position does not check out.
  auto bad = path;
  bad[0][0] ^= 1;
  BOOST_TEST(!audit::verifyInclusion(seq - 1, head.size, leaf, bad, head.root));
  BOOST_TEST(!audit::verifyInclusion(seq, head.size, leaf, path, head.root));
  BOOST_TEST(!audit::verifyInclusion(seq - 1, head.size, audit::leafHash("forged"), path, head.root));

  // Consistency from an early size to the signed head.
  auto con = dpoGet(t.merDpo, "/v1/audit/proof/consistency?from=3&to=" + std::to_string(head.size)).json();
  BOOST_TEST(audit::verifyConsistency(3, hash(con->getValue<std::string>("from_root")), head.size, head.root,
                                      hashes(con->getArray("proof"))));
  // An event about neither the DPO's data nor staff is not theirs to see, not even as a proof.
  const std::string leuSeq = fx().db.scalar(
      "SELECT min(seq) FROM regfed_audit.events WHERE actor = 'karl.beck' AND action = 'search'");
  BOOST_TEST(dpoGet(t.merDpo, "/v1/audit/proof/inclusion?seq=" + leuSeq).errorCode() == "not_found");
  BOOST_TEST(dpoGet(t.merDpo, "/v1/audit/proof/inclusion?seq=0").errorCode() == "invalid_proof_request");
  BOOST_TEST(dpoGet(t.merDpo, "/v1/audit/proof/consistency?from=9&to=3").errorCode() == "invalid_proof_request");

  // A superuser rewrites the helper's purpose in place: the next verification names that event. (Last case:
  // the log stays broken.)
  fx().db.exec("ALTER TABLE regfed_audit.events DISABLE TRIGGER USER; "
               "UPDATE regfed_audit.events SET purpose = 'Routineprüfung' WHERE seq = " + std::to_string(seq) +
               "; ALTER TABLE regfed_audit.events ENABLE TRIGGER USER");
  auto broken = dpoGet(t.merDpo, "/v1/audit/verify").json();
  BOOST_TEST(!broken->getValue<bool>("ok"));
  BOOST_TEST(broken->getValue<std::int64_t>("first_bad_seq") == seq);
  BOOST_TEST(broken->getValue<std::string>("problem").find("changed") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
