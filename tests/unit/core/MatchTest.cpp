// Kölner Phonetik and the reference filter semantics shared by adapters and the host.
#include <regfed/sdk/Match.h>

#include <boost/test/unit_test.hpp>

using namespace regfed::sdk;

BOOST_AUTO_TEST_SUITE(match)

BOOST_AUTO_TEST_CASE(cologne_phonetics_known_codes) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"Müller", "657"},  {"Mueller", "657"},    {"Möller", "657"},      {"Meier", "67"},
      {"Mayr", "67"},     {"Maier", "67"},       {"Meyer", "67"},        {"Schmidt", "862"},
      {"Schmitt", "862"}, {"Wikipedia", "3412"}, {"Breschnew", "17863"}, {"Müller-Lüdenscheidt", "65752682"},
      {"Weiß", "38"},     {"Xaver", "4837"},     {"Christoph", "47823"}, {"", ""},
      {"123", ""}};
  for (const auto& [name, code] : cases) BOOST_TEST(colognePhonetic(name) == code, name);
}

BOOST_AUTO_TEST_CASE(phonetic_matches_any_word_of_a_value) {
  Condition c{"vornamen", Operator::Phonetic, {std::string("Maier")}};
  BOOST_TEST(matches(c, Value{std::string("Anna Meyer")}));
  BOOST_TEST(!matches(c, Value{std::string("Müller")}));
  BOOST_TEST(!matches(c, Value{}));
}

BOOST_AUTO_TEST_CASE(operators_follow_the_reference_semantics) {
  using S = std::string;
  BOOST_TEST(matches({"f", Operator::Equals, {S("a")}}, S("a")));
  BOOST_TEST(!matches({"f", Operator::Equals, {S("a")}}, S("A")));
  BOOST_TEST(matches({"f", Operator::Prefix, {S("Mü")}}, S("Müller")));
  BOOST_TEST(!matches({"f", Operator::Prefix, {S("%")}}, S("Müller")));
  BOOST_TEST(matches({"f", Operator::Range, {S("1980-01-01"), Value{}}}, S("1980-01-01")));
  BOOST_TEST(!matches({"f", Operator::Range, {Value{}, S("1979-12-31")}}, S("1980-01-01")));
  BOOST_TEST(matches({"f", Operator::Range, {std::int64_t{1}, std::int64_t{3}}}, std::int64_t{3}));
  BOOST_TEST(matches({"f", Operator::In, {S("x"), S("y")}}, S("y")));
  BOOST_TEST(matches({"f", Operator::Equals, {true}}, true));
  BOOST_TEST(!matches({"f", Operator::Equals, {true}}, Value{}));
}

BOOST_AUTO_TEST_SUITE_END()
