// The conformance kit run against the real sql module on the throwaway PostgreSQL, plus what only sql does:
// identifier validation, missing columns, and recovery after the database connection breaks.
#define BOOST_TEST_MODULE conformance_sql_tests
#include <AdapterLoader.h>
#include <regfed/sdk/Types.h>

#include <boost/mpl/list.hpp>
#include <boost/test/unit_test.hpp>
#include <functional>
#include <pqxx/pqxx>

#include "TestSupport.h"

namespace sdk = regfed::sdk;

namespace {

regfed::test::TestDatabase& database() {
  static regfed::test::TestDatabase db;
  return db;
}

const char* sqlType(sdk::FieldType t) {
  switch (t) {
    case sdk::FieldType::Date:
      return "date";
    case sdk::FieldType::Integer:
      return "bigint";
    case sdk::FieldType::Boolean:
      return "boolean";
    default:
      return "text";
  }
}

}  // namespace

struct SqlProvider {
  static std::string modulePath() { return regfed::test::pluginDir() + "/regfed-adapter-sql.so"; }
  static std::string adapterName() { return "sql"; }
  static sdk::OpenRequest provision(const std::vector<sdk::FieldSpec>& fields,
                                    const std::vector<sdk::Row>& rows) {
    static bool loaded = false;
    auto& db = database();
    if (!loaded) {
      pqxx::connection conn(db.superuserDsn());
      pqxx::work tx(conn);
      std::string ddl = "CREATE TABLE conformance_register (";
      for (std::size_t i = 0; i < fields.size(); ++i)
        ddl += (i ? ", " : "") + tx.quote_name(fields[i].source.empty() ? fields[i].name : fields[i].source) +
               " " + sqlType(fields[i].type) + (i == 0 ? " PRIMARY KEY" : "");
      tx.exec(ddl + ")");
      for (const auto& row : rows) {
        std::string values;
        for (std::size_t i = 0; i < row.size(); ++i) {
          std::string v = "NULL";
          if (auto* s = std::get_if<std::string>(&row[i])) v = tx.quote(*s);
          if (auto* n = std::get_if<std::int64_t>(&row[i])) v = std::to_string(*n);
          if (auto* b = std::get_if<bool>(&row[i])) v = *b ? "true" : "false";
          values += (i ? ", " : "") + v;
        }
        tx.exec("INSERT INTO conformance_register VALUES (" + values + ")");
      }
      tx.exec("GRANT SELECT ON conformance_register TO regfed_reader");
      tx.commit();
      loaded = true;
    }
    return sdk::OpenRequest{
        "15088220/conformance",
        "id",
        fields,
        {{"conninfo", db.dsn("regfed_reader")}, {"table", "public.conformance_register"}, {"pool_size", "3"}},
        "/"};
  }
};

using RegfedConformanceProviders = boost::mpl::list<SqlProvider>;
#include <regfed/sdk/conformance/AdapterConformance.h>

BOOST_AUTO_TEST_SUITE(sql_specific)

std::unique_ptr<sdk::RegisterAdapter> makeAdapter() {
  static regfed::sdk::host::AdapterLoader loader;
  if (!loader.modules().count("sql")) loader.load(SqlProvider::modulePath());
  return loader.create("sql");
}

BOOST_AUTO_TEST_CASE(refuses_unsafe_identifiers_and_reports_missing_columns) {
  SqlProvider::provision(regfed::sdk::conformance::fields(), regfed::sdk::conformance::rows());
  auto base = SqlProvider::provision(regfed::sdk::conformance::fields(), regfed::sdk::conformance::rows());
  const std::vector<std::pair<std::function<void(sdk::OpenRequest&)>, std::string>> cases = {
      {[](sdk::OpenRequest& r) { r.options[1].value = "x; DROP TABLE y"; }, "option 'table' must be"},
      {[](sdk::OpenRequest& r) { r.options[1].value = "a.b.c"; }, "option 'table' must be"},
      {[](sdk::OpenRequest& r) { r.fields[1].source = "name\" --"; }, "is not a plain identifier"},
      {[](sdk::OpenRequest& r) { r.fields[1].source = "nachname"; }, "does not match the configured columns"},
      {[](sdk::OpenRequest& r) { r.options[1].value = "no_such_table"; },
       "does not match the configured columns"},
      {[](sdk::OpenRequest& r) { r.options[2].value = "0"; }, "option 'pool_size' must be"},
      {[](sdk::OpenRequest& r) { r.options.erase(r.options.begin()); },
       "option 'conninfo' or 'conninfo_env' is required"},
  };
  for (const auto& [edit, expected] : cases) {
    sdk::OpenRequest request = base;
    edit(request);
    sdk::Status s = makeAdapter()->open(request);
    BOOST_TEST(!s.ok());
    BOOST_TEST(s.message.find(expected) != std::string::npos, s.message);
  }
}

BOOST_AUTO_TEST_CASE(unreachable_database_is_unavailable_then_recovers_after_connections_are_killed) {
  auto request = SqlProvider::provision(regfed::sdk::conformance::fields(), regfed::sdk::conformance::rows());
  sdk::OpenRequest unreachable = request;
  unreachable.options[0].value = "host=127.0.0.1 port=1 dbname=x user=y connect_timeout=2";
  sdk::Status s = makeAdapter()->open(unreachable);
  BOOST_TEST(static_cast<int>(s.code) == static_cast<int>(sdk::StatusCode::Unavailable), s.message);

  auto adapter = makeAdapter();
  BOOST_REQUIRE(adapter->open(request).ok());
  sdk::GetResult r;
  BOOST_REQUIRE(adapter->get({"P-001", {"id"}, 0}, r).ok());
  // Kill every backend of the reader role: the next call may fail, the one after must succeed on a new
  // connection.
  database().exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'regfed_reader'");
  bool recovered = false;
  for (int attempt = 0; attempt < 5 && !recovered; ++attempt) {
    sdk::GetResult again;
    sdk::Status st = adapter->get({"P-001", {"id"}, 0}, again);
    if (!st.ok())
      BOOST_TEST(static_cast<int>(st.code) == static_cast<int>(sdk::StatusCode::Unavailable), st.message);
    recovered = st.ok() && again.row.has_value();
  }
  BOOST_TEST(recovered);
  BOOST_TEST(adapter->health().healthy);
}

BOOST_AUTO_TEST_CASE(more_query_shapes_than_the_statement_cache_holds_still_answer_correctly) {
  auto request = SqlProvider::provision(regfed::sdk::conformance::fields(), regfed::sdk::conformance::rows());
  auto adapter = makeAdapter();
  BOOST_REQUIRE(adapter->open(request).ok());
  std::vector<std::string> names = {"familienname", "vornamen", "geburtsdatum", "plz", "kinder", "aktiv"};
  int shapes = 0, wrong = 0;
  // 720 orderings of six fields, each a distinct statement; the cache stops preparing after 256.
  std::sort(names.begin(), names.end());
  do {
    sdk::GetRequest get{"P-001", {"id"}, 0};
    get.fields.insert(get.fields.end(), names.begin(), names.end());
    sdk::GetResult result;
    if (!adapter->get(get, result).ok() || !result.row || std::get<std::string>((*result.row)[0]) != "P-001")
      ++wrong;
    ++shapes;
  } while (std::next_permutation(names.begin(), names.end()) && shapes < 300);
  BOOST_TEST(shapes == 300);
  BOOST_TEST(wrong == 0);
}

BOOST_AUTO_TEST_SUITE_END()
