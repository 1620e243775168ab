#pragma once
// The adapter conformance kit: Boost.Test cases every register adapter must pass. An adapter's test provides
// one or more providers and includes this header:
//
//   struct MyProvider {
//     static std::string modulePath();     // the built .so
//     static std::string adapterName();    // name the module exports
//     static regfed::sdk::OpenRequest provision(const std::vector<regfed::sdk::FieldSpec>& fields,
//                                               const std::vector<regfed::sdk::Row>& rows);  // load the data
//                                               set
//   };
//   using RegfedConformanceProviders = boost::mpl::list<MyProvider>;
//   #include <regfed/sdk/conformance/AdapterConformance.h>
//
// The data set holds umlauts, SQL and LIKE metacharacters, nulls and every field type, so pushed-down filters
// are checked against the reference semantics in regfed/sdk/Match.h.

#include <AdapterLoader.h>
#include <regfed/sdk/Match.h>

#include <algorithm>
#include <atomic>
#include <boost/mpl/list.hpp>
#include <boost/test/unit_test.hpp>
#include <memory>
#include <set>
#include <thread>

namespace regfed::sdk::conformance {

/// The conformance register's fields: one of every type; `plz` is mapped from a differently named source
/// column.
inline std::vector<FieldSpec> fields() {
  return {{"id", FieldType::String, Classification::Intern, ""},
          {"familienname", FieldType::String, Classification::Vertraulich, ""},
          {"vornamen", FieldType::String, Classification::Vertraulich, ""},
          {"geburtsdatum", FieldType::Date, Classification::Vertraulich, ""},
          {"plz", FieldType::String, Classification::Intern, "postleitzahl"},
          {"kinder", FieldType::Integer, Classification::Vertraulich, ""},
          {"aktiv", FieldType::Boolean, Classification::Intern, ""}};
}

/// The conformance data set, rows aligned with fields().
inline std::vector<Row> rows() {
  using S = std::string;
  const Value null{};
  return {
      {S("P-001"), S("Müller"), S("Anna"), S("1984-03-02"), S("06217"), std::int64_t{2}, true},
      {S("P-002"), S("Mueller"), S("Anne"), S("1990-11-30"), S("06217"), std::int64_t{0}, false},
      {S("P-003"), S("Möller"), S("Hans-Peter"), S("1975-01-15"), S("06237"), std::int64_t{3}, true},
      {S("P-004"), S("Schmidt"), S("Anneliese"), S("1989-12-31"), S("06618"), null, true},
      {S("P-005"), S("O'Brien; DROP TABLE x;--"), S("Robert \"Bob\" \\ 100%_"), S("2001-07-04"), S("06686"),
       std::int64_t{1}, false},
      {S("P-006"), S("Weiß"), S("Jürgen"), S("1980-01-01"), S("04229"), std::int64_t{0}, true},
      {S("P-007"), S("Schmitt"), null, null, S("06217"), std::int64_t{5}, false},
  };
}

/// Loads the provider's module once per process and opens a fresh adapter on the conformance data set.
template <class Provider>
struct Fixture {
  Fixture() {
    static std::unique_ptr<host::AdapterLoader> loader = [] {
      auto l = std::make_unique<host::AdapterLoader>();
      l->load(Provider::modulePath());
      return l;
    }();
    adapter = loader->create(Provider::adapterName());
    BOOST_REQUIRE(adapter);
    OpenRequest request = Provider::provision(fields(), rows());
    Status status = adapter->open(request);
    BOOST_REQUIRE_MESSAGE(status.ok(), "open failed: " << status.message);
    description = adapter->describe();
  }

  bool supports(Operator op) const {
    const auto& ops = description.capabilities.operators;
    return std::find(ops.begin(), ops.end(), op) != ops.end();
  }

  std::vector<std::string> allFields() const {
    std::vector<std::string> names;
    for (const auto& f : fields()) names.push_back(f.name);
    return names;
  }

  std::set<std::string> ids(std::vector<Condition> conditions, std::int64_t limit = 100) {
    SearchRequest request;
    request.conditions = std::move(conditions);
    request.fields = {"id"};
    request.limit = limit;
    SearchResult result;
    Status status = adapter->search(request, result);
    BOOST_REQUIRE_MESSAGE(status.ok(), "search failed: " << status.message);
    std::set<std::string> out;
    for (const auto& row : result.rows) out.insert(std::get<std::string>(row.at(0)));
    BOOST_CHECK_EQUAL(out.size(), result.rows.size());
    return out;
  }

  /// The ids the reference semantics select, so every filter test is checked against Match.h.
  static std::set<std::string> expected(const std::vector<Condition>& conditions) {
    std::set<std::string> out;
    const auto f = fields();
    for (const auto& row : rows()) {
      bool all = true;
      for (const auto& c : conditions) {
        auto it = std::find_if(f.begin(), f.end(), [&](const FieldSpec& s) { return s.name == c.field; });
        if (!matches(c, row[static_cast<std::size_t>(it - f.begin())])) all = false;
      }
      if (all) out.insert(std::get<std::string>(row[0]));
    }
    return out;
  }

  std::unique_ptr<RegisterAdapter> adapter;
  Description description;
};

inline Condition cond(std::string field, Operator op, std::vector<Value> values) {
  return Condition{std::move(field), op, std::move(values)};
}

}  // namespace regfed::sdk::conformance

BOOST_AUTO_TEST_SUITE(adapter_conformance)

using regfed::sdk::conformance::cond;
using regfed::sdk::conformance::Fixture;
namespace rsdk = regfed::sdk;

BOOST_AUTO_TEST_CASE_TEMPLATE(describes_configured_fields_and_capabilities, P, RegfedConformanceProviders) {
  Fixture<P> fx;
  BOOST_TEST(fx.description.capabilities.get);
  BOOST_TEST(fx.description.capabilities.search);
  BOOST_TEST(fx.description.capabilities.maxLimit >= 1000);
  for (const auto& expected : regfed::sdk::conformance::fields()) {
    auto& got = fx.description.fields;
    auto it = std::find_if(got.begin(), got.end(),
                           [&](const rsdk::FieldSpec& f) { return f.name == expected.name; });
    BOOST_REQUIRE_MESSAGE(it != got.end(), "field " << expected.name << " missing from describe()");
    BOOST_TEST(static_cast<int>(it->type) == static_cast<int>(expected.type));
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(get_returns_the_projected_row_with_every_type, P, RegfedConformanceProviders) {
  Fixture<P> fx;
  rsdk::GetRequest request{"P-001", fx.allFields(), 0};
  rsdk::GetResult result;
  BOOST_REQUIRE(fx.adapter->get(request, result).ok());
  BOOST_REQUIRE(result.row.has_value());
  BOOST_TEST((*result.row == regfed::sdk::conformance::rows()[0]));

  request = {"P-006", {"vornamen", "id", "plz"}, 0};
  result = {};
  BOOST_REQUIRE(fx.adapter->get(request, result).ok());
  BOOST_REQUIRE(result.row.has_value());
  BOOST_TEST((*result.row == rsdk::Row{std::string("Jürgen"), std::string("P-006"), std::string("04229")}));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(get_returns_nulls_and_metacharacters_unchanged, P, RegfedConformanceProviders) {
  Fixture<P> fx;
  const auto all = regfed::sdk::conformance::rows();
  for (std::size_t i : {3u, 4u, 6u}) {
    const auto& row = all[i];
    rsdk::GetRequest request{std::get<std::string>(row[0]), fx.allFields(), 0};
    rsdk::GetResult result;
    BOOST_REQUIRE(fx.adapter->get(request, result).ok());
    BOOST_REQUIRE(result.row.has_value());
    BOOST_TEST((*result.row == row), "row " << std::get<std::string>(row[0]) << " differs");
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(get_of_unknown_or_hostile_id_finds_nothing, P, RegfedConformanceProviders) {
  Fixture<P> fx;
  for (const char* id : {"P-999", "", "P-001' OR '1'='1", "P-00%", "P-00_", "p-001"}) {
    rsdk::GetRequest request{id, {"id"}, 0};
    rsdk::GetResult result;
    BOOST_REQUIRE(fx.adapter->get(request, result).ok());
    BOOST_TEST(!result.row.has_value(), "id '" << id << "' matched a record");
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(filters_match_the_reference_semantics, P, RegfedConformanceProviders) {
  Fixture<P> fx;
  using O = rsdk::Operator;
  using S = std::string;
  using I = std::int64_t;
  const rsdk::Value none{};
  const std::vector<std::vector<rsdk::Condition>> cases = {
      {},
      {cond("familienname", O::Equals, {S("Müller")})},
      {cond("familienname", O::Equals, {S("O'Brien; DROP TABLE x;--")})},
      {cond("aktiv", O::Equals, {true})},
      {cond("kinder", O::Equals, {I{0}})},
      {cond("geburtsdatum", O::Equals, {S("1989-12-31")})},
      {cond("vornamen", O::Prefix, {S("Ann")})},
      {cond("vornamen", O::Prefix, {S("Robert \"Bob\" \\ 100%")})},
      {cond("vornamen", O::Prefix, {S("%")})},
      {cond("vornamen", O::Prefix, {S("_")})},
      {cond("familienname", O::Prefix, {S("M")})},
      {cond("geburtsdatum", O::Range, {S("1980-01-01"), S("1989-12-31")})},
      {cond("geburtsdatum", O::Range, {S("1990-01-01"), none})},
      {cond("geburtsdatum", O::Range, {none, S("1979-12-31")})},
      {cond("kinder", O::Range, {I{1}, I{3}})},
      {cond("familienname", O::Range, {S("M"), S("N")})},
      {cond("plz", O::In, {S("06217"), S("06686")})},
      {cond("id", O::In, {S("P-003"), S("nope"), S("P-001")})},
      {cond("kinder", O::In, {I{5}, I{2}})},
      {cond("plz", O::Equals, {S("06217")}), cond("kinder", O::Range, {I{1}, none})},
      {cond("plz", O::In, {S("06217"), S("06237")}), cond("vornamen", O::Prefix, {S("Ann")}),
       cond("aktiv", O::Equals, {true})},
  };
  for (const auto& conditions : cases) {
    bool pushable = true;
    for (const auto& c : conditions) pushable = pushable && fx.supports(c.op);
    if (!pushable) continue;
    auto got = fx.ids(conditions);
    auto want = Fixture<P>::expected(conditions);
    BOOST_TEST((got == want), "case with " << conditions.size() << " condition(s), first on '"
                                           << (conditions.empty() ? "" : conditions[0].field) << "'");
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(limit_caps_rows_and_reports_truncation, P, RegfedConformanceProviders) {
  Fixture<P> fx;
  for (std::int64_t limit : {1, 3, 6, 7, 100}) {
    rsdk::SearchRequest request;
    request.fields = {"id", "familienname"};
    request.limit = limit;
    rsdk::SearchResult result;
    BOOST_REQUIRE(fx.adapter->search(request, result).ok());
    const std::int64_t expected = std::min<std::int64_t>(limit, 7);
    BOOST_TEST(static_cast<std::int64_t>(result.rows.size()) == expected);
    BOOST_TEST(result.truncated == (limit < 7), "limit " << limit);
    for (const auto& row : result.rows) BOOST_TEST(row.size() == 2u);
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(unknown_field_is_an_invalid_argument, P, RegfedConformanceProviders) {
  Fixture<P> fx;
  rsdk::SearchRequest request;
  request.fields = {"id"};
  request.conditions = {cond("nachname\"; --", rsdk::Operator::Equals, {std::string("x")})};
  rsdk::SearchResult result;
  rsdk::Status status = fx.adapter->search(request, result);
  BOOST_TEST(!status.ok());
  BOOST_TEST(static_cast<int>(status.code) == static_cast<int>(rsdk::StatusCode::InvalidArgument));
  BOOST_TEST(result.rows.empty());
}

BOOST_AUTO_TEST_CASE_TEMPLATE(reports_healthy_backend, P, RegfedConformanceProviders) {
  Fixture<P> fx;
  BOOST_TEST(fx.adapter->health().healthy);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(serves_concurrent_callers_consistently, P, RegfedConformanceProviders) {
  Fixture<P> fx;
  const auto expectedRows = regfed::sdk::conformance::rows();
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 100; ++i) {
        const auto& row = expectedRows[static_cast<std::size_t>((i + t) % 7)];
        rsdk::GetRequest request{std::get<std::string>(row[0]), fx.allFields(), 0};
        rsdk::GetResult result;
        if (!fx.adapter->get(request, result).ok() || !result.row || *result.row != row) ++failures;
      }
    });
  for (auto& th : threads) th.join();
  BOOST_TEST(failures.load() == 0);
}

BOOST_AUTO_TEST_SUITE_END()
