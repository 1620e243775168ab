// The policy decision, table-driven over roles x municipality x mandate states x classifications x blocks x
// §38 x search-before-get x emergency mandates, without a server.
#include <boost/test/unit_test.hpp>
#include <functional>

#include "Policy.h"

using namespace regfed::core;
using regfed::sdk::Classification;
using regfed::sdk::FieldSpec;
using regfed::sdk::FieldType;
using regfed::sdk::Operator;

namespace {

const std::string kMer = "15088220";
const std::string kLeu = "15088205";
const Day kToday = *parseDay("2026-12-02");

RegisterRules rules() {
  RegisterRules r;
  r.schema = {{"id", FieldType::String, Classification::Vertraulich, ""},
              {"familienname", FieldType::String, Classification::Vertraulich, ""},
              {"vornamen", FieldType::String, Classification::Vertraulich, ""},
              {"ort", FieldType::String, Classification::Intern, ""},
              {"religion", FieldType::String, Classification::StrengVertraulich, ""},
              {"auskunftssperre", FieldType::Boolean, Classification::Vertraulich, ""}};
  r.idField = "id";
  r.searchCriteria = {{"familienname", "vornamen", "ort"}, {"familienname", "vornamen", "geburtsdatum"}};
  r.phoneticFields = {"familienname", "vornamen"};
  return r;
}

Mandate mandate() {
  Mandate m;
  m.id = "M-2026-0001";
  m.ownerAgs = kMer;
  m.helperAgs = kLeu;
  m.helpers = {"lena.wagner"};
  m.registers = {"melderegister"};
  m.operations = {"get", "search"};
  m.fields = {"familienname", "vornamen", "ort",
              "religion"};  // religion named by mistake: must still never leave
  m.agreement = "ZV-2026-01";
  m.validFrom = *parseDay("2026-12-01");
  m.validUntil = *parseDay("2026-12-03");
  m.ownerApprovedBy = "mer.admin";
  m.helperApprovedBy = "leu.admin";
  return m;
}

Principal person(const std::string& id, const std::string& ags, std::set<std::string> roles) {
  Principal p;
  p.id = id;
  p.ags = ags;
  p.roles = std::move(roles);
  return p;
}

using Edit = std::function<void(Mandate&)>;

struct Case {
  const char* name;
  Principal principal;
  Operation op;
  std::optional<std::string> mandateId;  // what the request names
  std::optional<Edit> mandateState;      // nullopt: the named mandate does not exist
  std::optional<std::vector<std::string>> fields;
  std::vector<FilterUse> filter;
  bool allowed;
  const char* reason;
  int refusalStatus;
  std::vector<std::string> disclosed;  // checked when allowed
  bool withholdBlocked;
};

const std::vector<FilterUse> kFullCriteria = {
    {"familienname", Operator::Equals}, {"vornamen", Operator::Phonetic}, {"ort", Operator::Equals}};

// The status a whole-request refusal gets over HTTP (0: none).
int refusalStatus(const PolicyDecision& d) {
  return d.outcome == Outcome::Forbidden ? 403 : d.outcome == Outcome::Invalid ? 422 : 0;
}

PolicyDecision decideFor(const Principal& p, Operation op, const Mandate* m, const PolicyContext& base,
                         std::vector<FilterUse> filter = {}) {
  AccessRequest request;
  request.operation = op;
  request.ownerAgs = kMer;
  request.registerName = "melderegister";
  request.filter = std::move(filter);
  if (m) request.mandate = m->id;
  PolicyContext context = base;
  context.mandate = m;
  return decide(p, request, rules(), context);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(policy)

BOOST_AUTO_TEST_CASE(decides_every_combination_as_the_table_says) {
  const Principal clerk = person("anna", kMer, {"clerk"});
  const Principal helper = person("lena.wagner", kLeu, {"helper"});
  const Principal otherHelper = person("max.mustermann", kLeu, {"helper"});
  const Edit asIs = [](Mandate&) {};
  const std::vector<std::string> helperView = {"id", "familienname", "vornamen", "ort"};
  const std::vector<std::string> clerkView = {"id",  "familienname", "vornamen",
                                              "ort", "religion",     "auskunftssperre"};
  const std::string M = "M-2026-0001";

  const std::vector<Case> cases = {
      // Own municipality.
      {"own clerk sees everything, blocks included",
       clerk,
       Operation::Search,
       std::nullopt,
       std::nullopt,
       std::nullopt,
       {},
       true,
       "own_municipality",
       0,
       clerkView,
       false},
      {"own clerk may filter on streng_vertraulich",
       clerk,
       Operation::Search,
       std::nullopt,
       std::nullopt,
       std::nullopt,
       {{"religion", Operator::Equals}},
       true,
       "own_municipality",
       0,
       clerkView,
       false},
      {"own clerk needs no §38 criteria",
       clerk,
       Operation::Search,
       std::nullopt,
       std::nullopt,
       std::nullopt,
       {{"vornamen", Operator::Prefix}},
       true,
       "own_municipality",
       0,
       clerkView,
       false},
      {"no roles",
       person("x", kMer, {}),
       Operation::Get,
       std::nullopt,
       std::nullopt,
       std::nullopt,
       {},
       false,
       "no_role",
       0,
       {},
       false},
      {"own dpo",
       person("d", kMer, {"dpo"}),
       Operation::Get,
       std::nullopt,
       std::nullopt,
       std::nullopt,
       {},
       false,
       "role_without_data_access",
       0,
       {},
       false},
      {"own admin",
       person("a", kMer, {"admin"}),
       Operation::Get,
       std::nullopt,
       std::nullopt,
       std::nullopt,
       {},
       false,
       "role_without_data_access",
       0,
       {},
       false},
      {"own helper-only role",
       person("h", kMer, {"helper"}),
       Operation::Get,
       std::nullopt,
       std::nullopt,
       std::nullopt,
       {},
       false,
       "no_clerk_role",
       0,
       {},
       false},
      // Other municipality without a mandate.
      {"other clerk",
       person("c", kLeu, {"clerk"}),
       Operation::Get,
       std::nullopt,
       std::nullopt,
       std::nullopt,
       {},
       false,
       "other_municipality",
       0,
       {},
       false},
      {"other helper, no mandate named",
       helper,
       Operation::Get,
       std::nullopt,
       std::nullopt,
       std::nullopt,
       {},
       false,
       "no_mandate",
       0,
       {},
       false},
      {"other dpo, no mandate",
       person("d", kLeu, {"dpo"}),
       Operation::Get,
       std::nullopt,
       std::nullopt,
       std::nullopt,
       {},
       false,
       "other_municipality",
       0,
       {},
       false},
      // Mandate states.
      {"helper under approved mandate: get",
       helper,
       Operation::Get,
       M,
       asIs,
       std::nullopt,
       {},
       true,
       "mandate",
       0,
       helperView,
       true},
      {"helper under approved mandate: search with §38 criteria", helper, Operation::Search, M, asIs,
       std::nullopt, kFullCriteria, true, "mandate", 0, helperView, true},
      {"unknown mandate",
       helper,
       Operation::Get,
       M,
       std::nullopt,
       std::nullopt,
       {},
       false,
       "mandate_not_found",
       0,
       {},
       false},
      {"mandate not naming this helper",
       otherHelper,
       Operation::Get,
       M,
       asIs,
       std::nullopt,
       {},
       false,
       "mandate_not_yours",
       0,
       {},
       false},
      {"someone else's mandate from a third municipality",
       person("lena.wagner", "15084590", {"helper"}),
       Operation::Get,
       M,
       asIs,
       std::nullopt,
       {},
       false,
       "mandate_not_yours",
       0,
       {},
       false},
      {"named helper without helper role",
       person("lena.wagner", kLeu, {"clerk"}),
       Operation::Get,
       M,
       asIs,
       std::nullopt,
       {},
       false,
       "no_helper_role",
       0,
       {},
       false},
      {"pending: only owner approved",
       helper,
       Operation::Get,
       M,
       Edit([](Mandate& m) { m.helperApprovedBy.clear(); }),
       std::nullopt,
       {},
       false,
       "mandate_not_approved",
       0,
       {},
       false},
      {"pending: only helper side approved",
       helper,
       Operation::Get,
       M,
       Edit([](Mandate& m) { m.ownerApprovedBy.clear(); }),
       std::nullopt,
       {},
       false,
       "mandate_not_approved",
       0,
       {},
       false},
      {"revoked",
       helper,
       Operation::Get,
       M,
       Edit([](Mandate& m) { m.revokedBy = "mer.admin"; }),
       std::nullopt,
       {},
       false,
       "mandate_revoked",
       0,
       {},
       false},
      {"not yet in force",
       helper,
       Operation::Get,
       M,
       Edit([](Mandate& m) {
         m.validFrom = kToday + 1;
         m.validUntil = kToday + 3;
       }),
       std::nullopt,
       {},
       false,
       "mandate_not_in_force",
       0,
       {},
       false},
      {"expired",
       helper,
       Operation::Get,
       M,
       Edit([](Mandate& m) {
         m.validFrom = kToday - 5;
         m.validUntil = kToday - 1;
       }),
       std::nullopt,
       {},
       false,
       "mandate_not_in_force",
       0,
       {},
       false},
      {"mandate of another owner",
       helper,
       Operation::Get,
       M,
       Edit([](Mandate& m) { m.ownerAgs = "15084590"; }),
       std::nullopt,
       {},
       false,
       "mandate_scope",
       0,
       {},
       false},
      {"register not covered",
       helper,
       Operation::Get,
       M,
       Edit([](Mandate& m) { m.registers = {"gewerberegister"}; }),
       std::nullopt,
       {},
       false,
       "mandate_scope",
       0,
       {},
       false},
      {"operation not covered",
       helper,
       Operation::Search,
       M,
       Edit([](Mandate& m) { m.operations = {"get"}; }),
       std::nullopt,
       kFullCriteria,
       false,
       "mandate_scope",
       0,
       {},
       false},
      // Classification.
      {"streng_vertraulich asked for explicitly",
       helper,
       Operation::Get,
       M,
       asIs,
       std::vector<std::string>{"religion"},
       {},
       false,
       "field_not_permitted",
       403,
       {},
       false},
      {"vertraulich field not named by the mandate",
       helper,
       Operation::Get,
       M,
       asIs,
       std::vector<std::string>{"familienname", "auskunftssperre"},
       {},
       false,
       "field_not_permitted",
       403,
       {},
       false},
      {"filter on a field the helper may not see",
       helper,
       Operation::Search,
       M,
       asIs,
       std::nullopt,
       {{"familienname", Operator::Equals},
        {"vornamen", Operator::Equals},
        {"ort", Operator::Equals},
        {"religion", Operator::Equals}},
       false,
       "field_not_permitted",
       403,
       {},
       false},
      {"explicit projection within the mandate",
       helper,
       Operation::Get,
       M,
       asIs,
       std::vector<std::string>{"ort"},
       {},
       true,
       "mandate",
       0,
       {"id", "ort"},
       true},
      // §38 BMG.
      {"search with surname only",
       helper,
       Operation::Search,
       M,
       asIs,
       std::nullopt,
       {{"familienname", Operator::Equals}},
       false,
       "insufficient_criteria",
       422,
       {},
       false},
      {"prefix does not count as a given name",
       helper,
       Operation::Search,
       M,
       asIs,
       std::nullopt,
       {{"familienname", Operator::Equals}, {"vornamen", Operator::Prefix}, {"ort", Operator::Equals}},
       false,
       "insufficient_criteria",
       422,
       {},
       false},
      {"get by id needs no criteria",
       helper,
       Operation::Get,
       M,
       asIs,
       std::nullopt,
       {},
       true,
       "mandate",
       0,
       helperView,
       true},
  };
  for (const auto& c : cases) {
    std::optional<Mandate> m;
    if (c.mandateState) {
      m = mandate();
      (*c.mandateState)(*m);
    }
    AccessRequest request;
    request.operation = c.op;
    request.ownerAgs = kMer;
    request.registerName = "melderegister";
    request.fields = c.fields;
    request.filter = c.filter;
    request.mandate = c.mandateId;
    // Every get in this table opens a record an earlier search disclosed (search-before-get has its own test).
    PolicyContext context{kToday, m ? &*m : nullptr, false, true};
    PolicyDecision d = decide(c.principal, request, rules(), context);
    BOOST_TEST(d.allowed() == c.allowed, c.name << ": " << d.reason);
    BOOST_TEST(d.reason == c.reason, c.name << ": got " << d.reason);
    BOOST_TEST(refusalStatus(d) == c.refusalStatus, c.name);
    BOOST_TEST(!d.message.empty(), c.name);
    if (c.allowed)
      BOOST_TEST((d.fields == c.disclosed), c.name);
    else
      BOOST_TEST(d.fields.empty(), c.name << ": a denial discloses no fields");
    BOOST_TEST(d.withholdBlocked == c.withholdBlocked, c.name);
    for (const auto& f : d.fields)
      BOOST_TEST((c.principal.ags == kMer || f != "religion"), c.name << ": " << f);
  }
}

BOOST_AUTO_TEST_CASE(insufficient_criteria_names_every_usable_set_and_what_the_closest_lacks) {
  AccessRequest request;
  request.ownerAgs = kMer;
  request.registerName = "melderegister";
  request.mandate = "M-2026-0001";
  request.filter = {{"familienname", Operator::Equals}, {"vornamen", Operator::Equals}};
  Mandate m = mandate();
  PolicyDecision d = decide(person("lena.wagner", kLeu, {"helper"}), request, rules(),
                            PolicyContext{kToday, &m, false, false});
  BOOST_TEST(d.reason == "insufficient_criteria");
  BOOST_TEST((d.outcome == Outcome::Invalid));
  BOOST_TEST((d.missingCriteria == std::vector<std::string>{"ort"}));
  BOOST_TEST(d.message.find("Missing for the closest: ort.") != std::string::npos, d.message);
  // geburtsdatum is not among the mandate's fields: only the set the helper can use is offered.
  BOOST_REQUIRE(d.criteriaSets.size() == 1u);
  BOOST_TEST(d.message.find("familienname + vornamen + ort") != std::string::npos, d.message);
  BOOST_TEST(d.message.find("geburtsdatum") == std::string::npos, d.message);

  // With both sets usable, both are named; a range does not count and the message says so.
  m.fields.push_back("geburtsdatum");
  RegisterRules withBirthDate = rules();
  withBirthDate.schema.push_back(
      {"geburtsdatum", regfed::sdk::FieldType::Date, Classification::Vertraulich, ""});
  request.filter.push_back({"geburtsdatum", Operator::Range});
  d = decide(person("lena.wagner", kLeu, {"helper"}), request, withBirthDate,
             PolicyContext{kToday, &m, false, false});
  BOOST_TEST(d.criteriaSets.size() == 2u);
  BOOST_TEST(d.message.find("familienname + vornamen + ort; or familienname + vornamen + geburtsdatum") !=
                 std::string::npos,
             d.message);
  BOOST_TEST(d.message.find("A prefix, range or list on geburtsdatum does not count") != std::string::npos,
             d.message);
}

BOOST_AUTO_TEST_CASE(a_phonetic_match_counts_only_on_name_fields_and_nothing_is_browsed) {
  const Principal helper = person("lena.wagner", kLeu, {"helper"});
  Mandate m = mandate();
  // "Straße" sounds like a word of half of all addresses: it is no address.
  PolicyDecision d = decideFor(helper, Operation::Search, &m, PolicyContext{kToday},
                               {{"familienname", Operator::Equals},
                                {"vornamen", Operator::Equals},
                                {"ort", Operator::Phonetic}});
  BOOST_TEST(d.reason == "insufficient_criteria");
  BOOST_TEST(d.message.find("a phonetic search counts on familienname, vornamen only") != std::string::npos,
             d.message);
  // A register without criteria sets is not searched or opened from outside at all: any exact value (an id, a
  // status) would browse it.
  RegisterRules unguarded = rules();
  unguarded.searchCriteria.clear();
  AccessRequest browse;
  browse.operation = Operation::Search;
  browse.ownerAgs = kMer;
  browse.registerName = "melderegister";
  browse.mandate = m.id;
  browse.filter = {{"id", Operator::Equals}};
  d = decide(helper, browse, unguarded, PolicyContext{kToday, &m});
  BOOST_TEST((d.outcome == Outcome::Denied));
  BOOST_TEST(d.reason == "no_search_criteria");
  browse.operation = Operation::Get;
  BOOST_TEST(decide(helper, browse, unguarded, PolicyContext{kToday, &m, false, true}).reason ==
             "no_search_criteria");
  // The owner's clerks are not affected.
  BOOST_TEST(decide(person("anna", kMer, {"clerk"}), browse, unguarded, PolicyContext{kToday}).allowed());
}

BOOST_AUTO_TEST_CASE(outside_the_owner_a_record_opens_only_after_a_search_disclosed_it) {
  const Principal helper = person("lena.wagner", kLeu, {"helper"});
  Mandate m = mandate();
  PolicyDecision guessed = decideFor(helper, Operation::Get, &m, PolicyContext{kToday, nullptr, false, false});
  BOOST_TEST((guessed.outcome == Outcome::NotFound));
  BOOST_TEST(guessed.reason == "not_disclosed");
  BOOST_TEST(guessed.fields.empty());
  PolicyDecision found = decideFor(helper, Operation::Get, &m, PolicyContext{kToday, nullptr, false, true});
  BOOST_TEST(found.allowed());
  // Mandate problems are reported as such (they say nothing about the record).
  m.revokedBy = "mer.admin";
  BOOST_TEST(decideFor(helper, Operation::Get, &m, PolicyContext{kToday, nullptr, false, false}).reason ==
             "mandate_revoked");
  // The owner's clerks are not affected.
  BOOST_TEST(decideFor(person("anna", kMer, {"clerk"}), Operation::Get, nullptr,
                       PolicyContext{kToday, nullptr, false, false})
                 .allowed());
}

BOOST_AUTO_TEST_CASE(emergency_mandates_need_a_named_responder_and_an_active_window_and_are_flagged) {
  Mandate m = mandate();
  m.kind = MandateKind::Emergency;
  m.helpers = {"rita"};
  const Principal responder = person("rita", kLeu, {"responder"});
  const PolicyContext active{kToday, nullptr, true, true};
  PolicyDecision d = decideFor(responder, Operation::Get, &m, active);
  BOOST_TEST(d.allowed(), d.reason);
  BOOST_TEST(d.reason == "emergency_mandate");
  BOOST_TEST(d.emergency);
  BOOST_TEST(d.withholdBlocked);
  BOOST_TEST((d.fields == std::vector<std::string>{"id", "familienname", "vornamen", "ort"}),
             "the mandate's fields, never streng_vertraulich");
  // Not activated (or the window ended): nothing.
  d = decideFor(responder, Operation::Get, &m, PolicyContext{kToday, nullptr, false, true});
  BOOST_TEST(d.reason == "emergency_not_active");
  BOOST_TEST(!d.allowed());
  // §38 applies in an emergency too.
  d = decideFor(responder, Operation::Search, &m, active, {{"familienname", Operator::Equals}});
  BOOST_TEST(d.reason == "insufficient_criteria");
  d = decideFor(responder, Operation::Search, &m, active, kFullCriteria);
  BOOST_TEST(d.allowed());
  BOOST_TEST(d.emergency);
  // Search-before-get too.
  BOOST_TEST((decideFor(responder, Operation::Get, &m, PolicyContext{kToday, nullptr, true, false}).outcome ==
              Outcome::NotFound));
  // Only named responders; a helper role does not do.
  BOOST_TEST(decideFor(person("rita", kLeu, {"helper"}), Operation::Get, &m, active).reason ==
             "no_responder_role");
  BOOST_TEST(decideFor(person("otto", kLeu, {"responder"}), Operation::Get, &m, active).reason ==
             "mandate_not_yours");
  // Without a mandate a responder has no access at all, whatever the reason.
  BOOST_TEST(decideFor(responder, Operation::Get, nullptr, active).reason == "no_mandate");
  // A support mandate is not usable with the responder role alone.
  Mandate support = mandate();
  support.helpers = {"rita"};
  BOOST_TEST(decideFor(responder, Operation::Get, &support, active).reason == "no_helper_role");
}

BOOST_AUTO_TEST_CASE(refusal_messages_name_the_callers_roles) {
  PolicyDecision d = decideFor(person("d", kMer, {"dpo"}), Operation::Get, nullptr, PolicyContext{kToday});
  BOOST_TEST(d.message.find("Your roles (dpo)") != std::string::npos, d.message);
  d = decideFor(person("a", kMer, {"admin", "dpo"}), Operation::Get, nullptr, PolicyContext{kToday});
  BOOST_TEST(d.message.find("Your roles (admin, dpo)") != std::string::npos, d.message);
  d = decideFor(person("h", kLeu, {"helper"}), Operation::Get, nullptr, PolicyContext{kToday});
  BOOST_TEST(d.message.find("\"mandate\"") != std::string::npos, d.message);
  BOOST_TEST(d.message.find("Regfed-Mandate") != std::string::npos, d.message);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(mandate_days)

BOOST_AUTO_TEST_CASE(support_days_count_helpers_times_days_per_year_and_stop_at_revocation) {
  Mandate m = mandate();
  m.helpers = {"a", "b"};
  m.validFrom = *parseDay("2026-12-30");
  m.validUntil = *parseDay("2027-01-02");
  BOOST_TEST(m.supportDays() == 8);
  BOOST_TEST(m.supportDaysIn(2026) == 4);
  BOOST_TEST(m.supportDaysIn(2027) == 4);
  m.revokedOn = *parseDay("2026-12-30");
  BOOST_TEST(m.supportDaysIn(2026) == 2);
  BOOST_TEST(m.supportDaysIn(2027) == 0);
}

BOOST_AUTO_TEST_CASE(berlin_days_follow_cet_and_cest) {
  // 2026-03-29 01:00 UTC summer time starts; 2026-10-25 01:00 UTC it ends.
  BOOST_TEST(formatDay(berlinDay(*parseDay("2026-06-30") * 86400 + 22 * 3600 + 30 * 60)) ==
             "2026-07-01");  // 00:30 CEST
  BOOST_TEST(formatDay(berlinDay(*parseDay("2026-12-31") * 86400 + 22 * 3600 + 59 * 60)) ==
             "2026-12-31");                                                                       // 23:59 CET
  BOOST_TEST(formatDay(berlinDay(*parseDay("2026-12-31") * 86400 + 23 * 3600)) == "2027-01-01");  // 00:00 CET
  BOOST_TEST(!parseDay("2026-02-29"));
  BOOST_TEST(parseDay("2028-02-29").has_value());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_CASE(a_mandate_id_names_its_owner) {
  BOOST_TEST(ownerOfMandateId("M-15088220-2026-0001") == "15088220");
  BOOST_TEST(ownerOfMandateId("M-2026-0001") == "");
  BOOST_TEST(ownerOfMandateId("M-1508822x-2026-0001") == "");
  BOOST_TEST(ownerOfMandateId("") == "");
}
