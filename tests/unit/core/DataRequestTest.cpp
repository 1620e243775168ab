// Parsing of POST /v1/query: valid shapes, and each refusal with its API code.
#include <boost/test/unit_test.hpp>

#include "DataRequest.h"

using namespace regfed::core;
using regfed::sdk::Classification;
using regfed::sdk::FieldSpec;
using regfed::sdk::FieldType;
using regfed::sdk::Operator;

namespace {

std::vector<FieldSpec> schema() {
  return {{"id", FieldType::String, Classification::Intern, ""},
          {"familienname", FieldType::String, Classification::Vertraulich, ""},
          {"geburtsdatum", FieldType::Date, Classification::Vertraulich, ""},
          {"kinder", FieldType::Integer, Classification::Vertraulich, ""},
          {"auskunftssperre", FieldType::Boolean, Classification::Vertraulich, ""}};
}

std::string wrap(const std::string& extra) {
  return R"({"register":"melderegister","purpose":"Bearbeitung Antrag","case_ref":"ANT-1")" +
         (extra.empty() ? "" : "," + extra) + "}";
}

// Parses and types; returns the error code, or "" when accepted.
std::string codeOf(const std::string& body) {
  try {
    QueryRequest q;
    parseQuery(body, q);
    if (q.fields) checkFieldNames(*q.fields, schema());
    typeFilter(q.filter, schema());
    return "";
  } catch (const RequestError& e) {
    return e.code;
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(data_request)

BOOST_AUTO_TEST_CASE(parses_the_api_example) {
  QueryRequest q;
  parseQuery(R"({"register":"melderegister","municipalities":["15088220","15088220"],
      "filter":{"familienname":"Müller","id":{"prefix":"MER"},"geburtsdatum":{"from":"1980-01-01","to":"1989-12-31"},
                "kinder":{"in":[1,2]}},
      "fields":["familienname","id"],"limit":50,"purpose":"Bearbeitung Online-Antrag","case_ref":"ANT-2026-000042",
      "mandate":"M-2026-0003","timeout_ms":3000})",
             q);
  BOOST_TEST(q.registerName == "melderegister");
  BOOST_TEST((q.municipalities == std::vector<std::string>{"15088220"}));
  BOOST_TEST(q.limit == 50);
  BOOST_TEST(q.mandate.value() == "M-2026-0003");
  BOOST_TEST(*q.criteria ==
             R"({"familienname":"Müller","geburtsdatum":{"from":"1980-01-01","to":"1989-12-31"},)"
             R"("id":{"prefix":"MER"},"kinder":{"in":[1,2]}})");
  auto conditions = typeFilter(q.filter, schema());
  BOOST_REQUIRE(conditions.size() == 4u);
  for (const auto& c : conditions) {
    if (c.field == "geburtsdatum") BOOST_TEST(static_cast<int>(c.op) == static_cast<int>(Operator::Range));
    if (c.field == "kinder")
      BOOST_TEST((c.values == std::vector<regfed::sdk::Value>{std::int64_t{1}, std::int64_t{2}}));
  }
}

BOOST_AUTO_TEST_CASE(open_ended_ranges_and_star_are_accepted) {
  BOOST_TEST(codeOf(wrap(R"("filter":{"geburtsdatum":{"from":"2000-02-29"}})")) == "");
  BOOST_TEST(codeOf(wrap(R"("filter":{"geburtsdatum":{"to":"2000-12-31"}})")) == "");
  BOOST_TEST(codeOf(wrap(R"("municipalities":["*"])")) == "");
  BOOST_TEST(codeOf(wrap(R"("filter":{"familienname":{"phonetic":"Maier"}},"limit":1000)")) == "");
}

BOOST_AUTO_TEST_CASE(each_bad_input_gets_its_code) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{", "malformed_json"},
      {"[1]", "malformed_json"},
      {"", "malformed_json"},
      {R"({"purpose":"Bearbeitung","case_ref":"A"})", "missing_register"},
      {R"({"register":5,"purpose":"Bearbeitung","case_ref":"A"})", "invalid_type"},
      {R"({"register":"melderegister","case_ref":"A"})", "missing_purpose"},
      {R"({"register":"melderegister","purpose":"ab","case_ref":"A"})", "invalid_purpose"},
      {R"({"register":"melderegister","purpose":")" + std::string(501, 'x') + R"(","case_ref":"A"})",
       "invalid_purpose"},
      {R"({"register":"melderegister","purpose":"Bearbeitung"})", "missing_case_ref"},
      {R"({"register":"melderegister","purpose":"Bearbeitung","case_ref":")" + std::string(101, 'x') +
           R"("})",
       "invalid_case_ref"},
      {wrap(R"("limit":0)"), "invalid_limit"},
      {wrap(R"("limit":1001)"), "invalid_limit"},
      {wrap(R"("limit":15802815088205051000)"), "invalid_limit"},  // above 2^63: an unsigned JSON number
      {wrap(R"("timeout_ms":18000000000000000000)"), "invalid_timeout_ms"},
      {wrap(R"("filter":{"kinder":18000000000000000000})"), "invalid_value"},
      {wrap(R"("limit":"10")"), "invalid_type"},
      {wrap(R"("limit":1.5)"), "invalid_type"},
      {wrap(R"("timeout_ms":0)"), "invalid_timeout"},
      {wrap(R"("purpse":"typo")"), "unknown_parameter"},
      {wrap(R"("municipalities":"15088220")"), "invalid_type"},
      {wrap(R"("municipalities":["1508822"])"), "invalid_municipalities"},
      {wrap(R"("municipalities":["*","15088220"])"), "invalid_municipalities"},
      {wrap(R"("municipalities":[])"), "invalid_municipalities"},
      {wrap(R"("filter":[])"), "invalid_type"},
      {wrap(R"("filter":{"nachname":"x"})"), "unknown_field"},
      {wrap(R"("filter":{"familienname; DROP TABLE x":"x"})"), "unknown_field"},
      {wrap(R"("filter":{"familienname":{"like":"M%"}})"), "unknown_operator"},
      {wrap(R"("filter":{"familienname":{"prefix":"M","in":["x"]}})"), "invalid_filter"},
      {wrap(R"("filter":{"familienname":{}})"), "invalid_filter"},
      {wrap(R"("filter":{"familienname":null})"), "invalid_filter"},
      {wrap(R"("filter":{"familienname":{"in":[]}})"), "invalid_filter"},
      {wrap(R"("filter":{"familienname":{"in":"x"}})"), "invalid_filter"},
      {wrap(R"("filter":{"familienname":{"prefix":""}})"), "invalid_filter"},
      {wrap(R"("filter":{"familienname":7})"), "invalid_value"},
      {wrap(R"("filter":{"geburtsdatum":"2026-02-30"})"), "invalid_value"},
      {wrap(R"("filter":{"geburtsdatum":"30.01.1980"})"), "invalid_value"},
      {wrap(R"("filter":{"geburtsdatum":{"from":"1990-01-01","to":"1980-01-01"}})"), "invalid_filter"},
      {wrap(R"("filter":{"geburtsdatum":{"prefix":"1980"}})"), "operator_not_applicable"},
      {wrap(R"("filter":{"kinder":"2"})"), "invalid_value"},
      {wrap(R"("filter":{"auskunftssperre":"true"})"), "invalid_value"},
      {wrap(R"("fields":[])"), "invalid_fields"},
      {wrap(R"("fields":"familienname")"), "invalid_type"},
      {wrap(R"("fields":["familienname","passwort"])"), "unknown_field"},
      {wrap(R"("mandate":"")"), "invalid_mandate"},
  };
  for (const auto& [body, code] : cases) BOOST_TEST(codeOf(body) == code, "body " << body.substr(0, 120));
}

BOOST_AUTO_TEST_CASE(malformed_json_is_malformed_and_the_rest_invalid) {
  QueryRequest q;
  try {
    parseQuery("{\"register\":", q);
    BOOST_FAIL("accepted malformed JSON");
  } catch (const RequestError& e) {
    BOOST_TEST((e.kind == Failure::Malformed));
  }
  try {
    parseQuery(wrap(R"("limit":0)"), q);
    BOOST_FAIL("accepted limit 0");
  } catch (const RequestError& e) {
    BOOST_TEST((e.kind == Failure::Invalid));
  }
}

BOOST_AUTO_TEST_CASE(what_was_read_before_a_refusal_is_kept_for_the_audit) {
  QueryRequest q;
  BOOST_CHECK_THROW(parseQuery(wrap(R"("limit":0)"), q), RequestError);
  BOOST_TEST(q.purpose == "Bearbeitung Antrag");
  BOOST_TEST(q.caseRef == "ANT-1");
  BOOST_TEST(q.registerName == "melderegister");
}

BOOST_AUTO_TEST_SUITE_END()
