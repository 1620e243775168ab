// The policy decision, table-driven over roles x municipality x requested fields, without a server.
#include <boost/test/unit_test.hpp>

#include "Policy.h"

using namespace regfed::core;
using regfed::sdk::Classification;
using regfed::sdk::FieldSpec;
using regfed::sdk::FieldType;

namespace {

const std::string kMerseburg = "15088220";
const std::string kLeuna = "15088205";

std::vector<FieldSpec> schema() {
  return {{"id", FieldType::String, Classification::Vertraulich, ""},
          {"familienname", FieldType::String, Classification::Vertraulich, ""},
          {"ort", FieldType::String, Classification::Intern, ""},
          {"religion", FieldType::String, Classification::StrengVertraulich, ""}};
}

Principal person(const std::string& ags, std::set<std::string> roles) {
  Principal p;
  p.id = "someone";
  p.ags = ags;
  p.roles = std::move(roles);
  return p;
}

struct Case {
  const char* name;
  std::string ags;
  std::set<std::string> roles;
  std::optional<std::vector<std::string>> fields;
  std::optional<std::string> mandate;
  bool allowed;
  const char* reason;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(policy)

BOOST_AUTO_TEST_CASE(decides_every_role_and_municipality_combination) {
  const std::vector<Case> cases = {
      {"own clerk", kMerseburg, {"clerk"}, std::nullopt, std::nullopt, true, "own_municipality"},
      {"own clerk with other roles", kMerseburg, {"clerk", "dpo"}, std::nullopt, std::nullopt, true, "own_municipality"},
      {"own clerk sees streng_vertraulich explicitly", kMerseburg, {"clerk"},
       std::vector<std::string>{"religion"}, std::nullopt, true, "own_municipality"},
      {"no roles", kMerseburg, {}, std::nullopt, std::nullopt, false, "no_role"},
      {"own dpo", kMerseburg, {"dpo"}, std::nullopt, std::nullopt, false, "role_without_data_access"},
      {"own admin", kMerseburg, {"admin"}, std::nullopt, std::nullopt, false, "role_without_data_access"},
      {"own helper only", kMerseburg, {"helper"}, std::nullopt, std::nullopt, false, "no_clerk_role"},
      {"own responder only", kMerseburg, {"responder"}, std::nullopt, std::nullopt, false, "no_clerk_role"},
      {"other clerk", kLeuna, {"clerk"}, std::nullopt, std::nullopt, false, "other_municipality"},
      {"other dpo", kLeuna, {"dpo"}, std::nullopt, std::nullopt, false, "other_municipality"},
      {"other helper", kLeuna, {"helper"}, std::nullopt, std::nullopt, false, "no_mandate"},
      {"other responder", kLeuna, {"responder"}, std::nullopt, std::nullopt, false, "no_mandate"},
      {"other clerk naming a mandate", kLeuna, {"clerk"}, std::nullopt, std::string("M-2026-0001"), false, "no_mandate"},
      {"other helper naming a mandate", kLeuna, {"helper"}, std::nullopt, std::string("M-2026-0001"), false, "no_mandate"},
  };
  for (const auto& c : cases) {
    AccessRequest request;
    request.ownerAgs = kMerseburg;
    request.registerName = "melderegister";
    request.fields = c.fields;
    request.mandate = c.mandate;
    for (auto op : {Operation::Get, Operation::Search}) {
      request.operation = op;
      PolicyDecision d = decide(person(c.ags, c.roles), request, schema());
      BOOST_TEST(d.allowed == c.allowed, c.name);
      BOOST_TEST(d.reason == c.reason, c.name << ": got " << d.reason);
      BOOST_TEST(!d.message.empty(), c.name);
      if (!d.allowed) BOOST_TEST(d.fields.empty(), c.name << ": a denial discloses no fields");
    }
  }
}

BOOST_AUTO_TEST_CASE(default_projection_is_every_visible_field_in_schema_order) {
  AccessRequest request;
  request.ownerAgs = kMerseburg;
  request.registerName = "melderegister";
  PolicyDecision d = decide(person(kMerseburg, {"clerk"}), request, schema());
  BOOST_TEST((d.fields == std::vector<std::string>{"id", "familienname", "ort", "religion"}));
}

BOOST_AUTO_TEST_CASE(explicit_projection_is_kept_in_request_order) {
  AccessRequest request;
  request.ownerAgs = kMerseburg;
  request.registerName = "melderegister";
  request.fields = std::vector<std::string>{"ort", "familienname"};
  PolicyDecision d = decide(person(kMerseburg, {"clerk"}), request, schema());
  BOOST_TEST((d.fields == std::vector<std::string>{"ort", "familienname"}));
}

BOOST_AUTO_TEST_CASE(fields_outside_the_schema_are_refused_by_name) {
  AccessRequest request;
  request.ownerAgs = kMerseburg;
  request.registerName = "melderegister";
  request.fields = std::vector<std::string>{"familienname", "passwort"};
  request.filterFields = {"geheim"};
  PolicyDecision d = decide(person(kMerseburg, {"clerk"}), request, schema());
  BOOST_TEST(!d.allowed);
  BOOST_TEST(d.reason == "field_not_permitted");
  BOOST_TEST((d.refusedFields == std::vector<std::string>{"passwort", "geheim"}));
}

BOOST_AUTO_TEST_SUITE_END()
