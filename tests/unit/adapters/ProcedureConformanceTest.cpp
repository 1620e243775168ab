// The procedure conformance kit run against the real antraege module on the throwaway PostgreSQL (schema from
// schemas/antraege.sql, connecting as a role with only SELECT, INSERT and UPDATE, as in the demo) and against
// the template procedure module; plus what only antraege does: options, one municipality per instance,
// timeouts, reconnecting, and the history of claims.
#define BOOST_TEST_MODULE conformance_procedure_tests
#include <AdapterLoader.h>
#include <regfed/audit/AuditEvent.h>
#include <regfed/sdk/ProcedureAdapter.h>

#include <boost/mpl/list.hpp>
#include <boost/test/unit_test.hpp>
#include <fstream>
#include <pqxx/pqxx>
#include <sstream>

#include "TestSupport.h"

namespace sdk = regfed::sdk;

namespace {

constexpr const char* kAgs = "15088220";
constexpr const char* kRole = "regfed_procedures_test";

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The database with the antraege schema, as an operator would set it up: the schema file, then a role that
// may read, insert and update the three tables and nothing else.
regfed::test::TestDatabase& database() {
  static regfed::test::TestDatabase db;
  static bool ready = false;
  if (!ready) {
    db.exec(readFile(regfed::test::sourceDir() + "/schemas/antraege.sql"));
    db.exec(std::string("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '") + kRole +
            "') THEN CREATE ROLE " + kRole + " LOGIN; END IF; END $$");
    db.exec(std::string("GRANT USAGE ON SCHEMA antraege TO ") + kRole +
            "; GRANT SELECT, INSERT, UPDATE ON antraege.items, antraege.attachments, antraege.history TO " +
            kRole);
    ready = true;
  }
  return db;
}

void insertItem(pqxx::work& tx, const std::string& ags, const sdk::WorkItem& w) {
  const auto& s = w.summary;
  tx.exec_params(
      "INSERT INTO antraege.items (ags, id, kind, title, received, status, decision) VALUES "
      "($1, $2, $3, $4, $5::timestamptz, $6, CASE WHEN $6 = 'open' THEN NULL ELSE $6 END)",
      ags, s.id, s.kind, s.title, s.received, s.status);
  for (const auto& f : w.applicant)
    tx.exec_params(
        "UPDATE antraege.items SET applicant = applicant || jsonb_build_array(jsonb_build_object('name', "
        "$3::text, "
        "'label', $4::text, 'value', $5::text)) WHERE ags = $1 AND id = $2",
        ags, s.id, f.name, f.label, f.value);
  for (const auto& r : w.references)
    tx.exec_params(
        "UPDATE antraege.items SET refs = refs || jsonb_build_array(jsonb_build_object('register', $3::text, "
        "'id', $4::text, 'label', $5::text)) WHERE ags = $1 AND id = $2",
        ags, s.id, r.registerName, r.recordId, r.label);
  for (const auto& a : w.attachments)
    tx.exec_params(
        "INSERT INTO antraege.attachments (ags, item_id, name, media_type, size_bytes, sha256) "
        "VALUES ($1, $2, $3, $4, $5, nullif($6, ''))",
        ags, s.id, a.name, a.mediaType, a.sizeBytes, a.sha256);
  for (const auto& h : w.history)
    tx.exec_params(
        "INSERT INTO antraege.history (ags, item_id, at, status, actor, note) VALUES ($1, $2, "
        "$3::timestamptz, $4, "
        "$5, $6)",
        ags, s.id, h.at, h.status, h.by, h.note);
}

std::string json(const std::string& text) {
  std::string out;
  regfed::audit::appendJsonString(out, text);
  return out;
}

// One item as a line of the template procedure's JSON-lines file.
std::string jsonLine(const sdk::WorkItem& w) {
  const auto& s = w.summary;
  std::string line = "{\"id\":" + json(s.id) + ",\"kind\":" + json(s.kind) + ",\"title\":" + json(s.title) +
                     ",\"received\":" + json(s.received) + ",\"status\":" + json(s.status) +
                     ",\"applicant\":[";
  for (std::size_t i = 0; i < w.applicant.size(); ++i)
    line += std::string(i ? "," : "") + "{\"name\":" + json(w.applicant[i].name) +
            ",\"label\":" + json(w.applicant[i].label) + ",\"value\":" + json(w.applicant[i].value) + "}";
  line += "],\"references\":[";
  for (std::size_t i = 0; i < w.references.size(); ++i)
    line += std::string(i ? "," : "") + "{\"register\":" + json(w.references[i].registerName) +
            ",\"id\":" + json(w.references[i].recordId) + ",\"label\":" + json(w.references[i].label) + "}";
  line += "],\"attachments\":[";
  for (std::size_t i = 0; i < w.attachments.size(); ++i)
    line += std::string(i ? "," : "") + "{\"name\":" + json(w.attachments[i].name) +
            ",\"media_type\":" + json(w.attachments[i].mediaType) +
            ",\"size_bytes\":" + std::to_string(w.attachments[i].sizeBytes) +
            ",\"sha256\":" + json(w.attachments[i].sha256) + "}";
  line += "],\"history\":[";
  for (std::size_t i = 0; i < w.history.size(); ++i)
    line += std::string(i ? "," : "") + "{\"at\":" + json(w.history[i].at) +
            ",\"status\":" + json(w.history[i].status) + ",\"by\":" + json(w.history[i].by) +
            ",\"note\":" + json(w.history[i].note) + "}";
  return line + "]}";
}

}  // namespace

struct AntraegeProvider {
  static std::string modulePath() { return regfed::test::pluginDir() + "/regfed-procedure-antraege.so"; }
  static std::string adapterName() { return "antraege"; }
  static sdk::OpenRequest provision(const std::vector<sdk::WorkItem>& items) {
    auto& db = database();
    pqxx::connection conn(db.superuserDsn());
    pqxx::work tx(conn);
    tx.exec_params("DELETE FROM antraege.items WHERE ags = $1", kAgs);
    for (const auto& w : items) insertItem(tx, kAgs, w);
    tx.commit();
    return sdk::OpenRequest{std::string(kAgs) + "/online-antraege",
                            "",
                            {},
                            {{"conninfo", db.dsn(kRole)}, {"municipality", kAgs}, {"pool_size", "4"}},
                            "/"};
  }
};

struct TemplateProcedureProvider {
  static std::string modulePath() { return regfed::test::pluginDir() + "/regfed-procedure-template.so"; }
  static std::string adapterName() { return "template_procedure"; }
  static sdk::OpenRequest provision(const std::vector<sdk::WorkItem>& items) {
    static regfed::test::TempDir scratch;
    std::string lines;
    for (const auto& w : items) lines += jsonLine(w) + "\n";
    scratch.write("items.jsonl", lines);
    return sdk::OpenRequest{
        std::string(kAgs) + "/template", "", {}, {{"path", "items.jsonl"}}, scratch.path()};
  }
};

using RegfedProcedureProviders = boost::mpl::list<AntraegeProvider, TemplateProcedureProvider>;
#include <regfed/sdk/conformance/ProcedureConformance.h>

BOOST_AUTO_TEST_SUITE(antraege_specific)

using Fixture = regfed::sdk::conformance::ProcedureFixture<AntraegeProvider>;
using regfed::sdk::conformance::outcomeName;

int code(const sdk::Status& s) { return static_cast<int>(s.code); }

BOOST_AUTO_TEST_CASE(validate_options_names_each_bad_option) {
  auto adapter = Fixture::create();
  const sdk::Option conninfo{"conninfo", "host=127.0.0.1 dbname=x user=y"};
  const sdk::Option municipality{"municipality", kAgs};
  const std::vector<sdk::Option> good = {conninfo, municipality};
  const std::vector<std::pair<std::vector<sdk::Option>, std::string>> cases = {
      {{municipality}, "option 'conninfo' is required"},
      {{{"conninfo", "host='unterminated"}, municipality}, "option 'conninfo' is not a valid"},
      {{conninfo}, "option 'municipality' is required"},
      {{conninfo, {"municipality", "1508822"}}, "option 'municipality' must be an 8-digit AGS"},
      {{conninfo, {"municipality", "15O88220"}}, "option 'municipality' must be an 8-digit AGS"},
      {{conninfo, municipality, {"schema", "antraege; DROP SCHEMA x"}}, "option 'schema' must be"},
      {{conninfo, municipality, {"schema", "1st"}}, "option 'schema' must be"},
      {{conninfo, municipality, {"pool_size", "0"}}, "option 'pool_size' must be a number from 1 to 64"},
      {{conninfo, municipality, {"pool_size", "65"}}, "option 'pool_size' must be a number from 1 to 64"},
      {{conninfo, municipality, {"pool_size", "vier"}}, "option 'pool_size' must be a number from 1 to 64"},
      {{conninfo, municipality, {"tabel", "x"}}, "option 'tabel' is not known"},
      {{conninfo, municipality, municipality}, "option 'municipality' is given twice"},
  };
  std::vector<std::string> problems;
  adapter->validateOptions(good, problems);
  BOOST_TEST(problems.empty());
  for (const auto& [options, expected] : cases) {
    problems.clear();
    adapter->validateOptions(options, problems);
    BOOST_REQUIRE_MESSAGE(problems.size() == 1u, expected << ": " << problems.size() << " problems");
    BOOST_TEST(problems[0].find(expected) != std::string::npos, problems[0]);
    // open() refuses the same options with the same sentence, before connecting.
    sdk::Status s = Fixture::create()->open({"x/y", "", {}, options, "/"});
    BOOST_TEST(code(s) == static_cast<int>(sdk::StatusCode::InvalidArgument));
    BOOST_TEST(s.message.find(expected) != std::string::npos, s.message);
  }
}

BOOST_AUTO_TEST_CASE(open_tells_an_unreachable_database_from_a_wrong_schema) {
  auto request = AntraegeProvider::provision({});
  auto unreachable = request;
  unreachable.options[0].value = "host=127.0.0.1 port=1 dbname=x user=y connect_timeout=2";
  sdk::Status s = Fixture::create()->open(unreachable);
  BOOST_TEST(code(s) == static_cast<int>(sdk::StatusCode::Unavailable), s.message);
  auto wrongSchema = request;
  wrongSchema.options.push_back({"schema", "melde"});
  s = Fixture::create()->open(wrongSchema);
  BOOST_TEST(code(s) == static_cast<int>(sdk::StatusCode::InvalidArgument), s.message);
  BOOST_TEST(s.message.find("schema 'melde'") != std::string::npos, s.message);
  auto noPrivileges = request;
  noPrivileges.options[0].value = database().dsn("regfed_reader");
  s = Fixture::create()->open(noPrivileges);
  BOOST_TEST(code(s) == static_cast<int>(sdk::StatusCode::InvalidArgument), s.message);
  BOOST_TEST(Fixture::create()->health().healthy == false);
}

BOOST_AUTO_TEST_CASE(serves_only_its_own_municipality) {
  Fixture fx;
  {
    pqxx::connection conn(database().superuserDsn());
    pqxx::work tx(conn);
    auto other = regfed::sdk::conformance::workItem("OA-K-0001");
    insertItem(tx, "15088205", other);
    other.summary.id = "OA-LEU-0001";
    insertItem(tx, "15088205", other);
    tx.commit();
  }
  BOOST_TEST((fx.listIds("open") == regfed::sdk::conformance::workItemIds("open")));
  std::optional<sdk::WorkItem> item;
  BOOST_REQUIRE(fx.adapter->get({"OA-LEU-0001", 0}, item).ok());
  BOOST_TEST(!item.has_value());
  BOOST_TEST(outcomeName(fx.claim("OA-LEU-0001", "anna@15088220").outcome) == std::string("NotFound"));
  BOOST_TEST(outcomeName(fx.claim("OA-K-0001", "anna@15088220").outcome) == std::string("Claimed"));
  BOOST_TEST(
      database().scalar("SELECT count(*) FROM antraege.items WHERE ags = '15088205' AND claim_holder IS NOT "
                        "NULL") == "0");
  sdk::ListItemsResult page;
  BOOST_TEST(code(fx.adapter->list({"open", 10, "OA-LEU-0001", 0}, page)) ==
             static_cast<int>(sdk::StatusCode::InvalidArgument));
  database().exec("DELETE FROM antraege.items WHERE ags = '15088205'");
}

BOOST_AUTO_TEST_CASE(a_claim_waiting_on_a_lock_past_its_timeout_is_a_timeout) {
  Fixture fx;
  pqxx::connection conn(database().superuserDsn());
  {
    pqxx::work locker(conn);
    locker.exec("SELECT 1 FROM antraege.items WHERE id = 'OA-K-0001' FOR UPDATE");
    sdk::ClaimResult result;
    sdk::Status s = fx.adapter->claim({"OA-K-0001", "anna@15088220", 60, 300}, result);
    BOOST_TEST(code(s) == static_cast<int>(sdk::StatusCode::Timeout), s.message);
  }
  BOOST_TEST(outcomeName(fx.claim("OA-K-0001", "anna@15088220").outcome) == std::string("Claimed"));
}

BOOST_AUTO_TEST_CASE(a_note_that_is_not_utf8_is_an_invalid_argument) {
  Fixture fx;
  fx.claim("OA-K-0001", "anna@15088220");
  sdk::ChangeOutcome outcome = sdk::ChangeOutcome::NotFound;
  sdk::Status s = fx.adapter->complete({"OA-K-0001", "anna@15088220", sdk::Decision::Approved,
                                        "Pr\xfc"
                                        "fung",
                                        0},
                                       outcome);
  BOOST_TEST(code(s) == static_cast<int>(sdk::StatusCode::InvalidArgument), s.message);
  BOOST_TEST(fx.get("OA-K-0001").summary.claim.has_value());
}

BOOST_AUTO_TEST_CASE(recovers_when_its_connections_are_killed) {
  Fixture fx;
  BOOST_REQUIRE(fx.adapter->health().healthy);
  database().exec(std::string("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '") +
                  kRole + "'");
  BOOST_TEST(outcomeName(fx.claim("OA-K-0001", "anna@15088220").outcome) == std::string("Claimed"));
  BOOST_TEST(fx.adapter->health().healthy);
}

BOOST_AUTO_TEST_CASE(history_records_claims_and_releases_but_not_renewals) {
  Fixture fx;
  const std::size_t before = fx.get("OA-K-0001").history.size();
  fx.claim("OA-K-0001", "anna@15088220");
  BOOST_TEST(outcomeName(fx.claim("OA-K-0001", "anna@15088220").outcome) == std::string("Renewed"));
  BOOST_TEST(outcomeName(fx.release("OA-K-0001", "anna@15088220")) == std::string("Done"));
  const auto history = fx.get("OA-K-0001").history;
  BOOST_REQUIRE(history.size() == before + 2);
  BOOST_TEST(history[before].status == "claimed");
  BOOST_TEST(history[before].by == "anna@15088220");
  BOOST_TEST(history[before + 1].status == "released");
  BOOST_TEST(history[before + 1].by == "anna@15088220");
}

BOOST_AUTO_TEST_SUITE_END()
