// The conformance kit run against the real template and jsonl modules.
#define BOOST_TEST_MODULE conformance_template_jsonl_tests
#include <AdapterLoader.h>
#include <regfed/audit/AuditEvent.h>
#include <regfed/sdk/Types.h>

#include <boost/mpl/list.hpp>
#include <boost/test/unit_test.hpp>
#include <fstream>

#include "TestSupport.h"

namespace sdk = regfed::sdk;

namespace {

regfed::test::TempDir& scratch() {
  static regfed::test::TempDir dir;
  return dir;
}

std::string text(const sdk::Value& v) {
  if (auto* s = std::get_if<std::string>(&v)) return *s;
  if (auto* i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
  if (auto* b = std::get_if<bool>(&v)) return *b ? "true" : "false";
  return "";
}

const std::string& sourceOf(const sdk::FieldSpec& f) { return f.source.empty() ? f.name : f.source; }

}  // namespace

struct TemplateProvider {
  static std::string modulePath() { return regfed::test::pluginDir() + "/regfed-adapter-template.so"; }
  static std::string adapterName() { return "template"; }
  static sdk::OpenRequest provision(const std::vector<sdk::FieldSpec>& fields,
                                    const std::vector<sdk::Row>& rows) {
    std::string tsv;
    for (std::size_t i = 0; i < fields.size(); ++i) tsv += (i ? "\t" : "") + sourceOf(fields[i]);
    tsv += "\n";
    for (const auto& row : rows) {
      for (std::size_t i = 0; i < row.size(); ++i) tsv += (i ? "\t" : "") + text(row[i]);
      tsv += "\n";
    }
    scratch().write("register.tsv", tsv);
    return sdk::OpenRequest{
        "15088220/conformance", "id", fields, {{"path", "register.tsv"}}, scratch().path()};
  }
};

struct JsonlProvider {
  static std::string modulePath() { return regfed::test::pluginDir() + "/regfed-adapter-jsonl.so"; }
  static std::string adapterName() { return "jsonl"; }
  static sdk::OpenRequest provision(const std::vector<sdk::FieldSpec>& fields,
                                    const std::vector<sdk::Row>& rows) {
    std::string lines;
    for (const auto& row : rows) {
      std::string line = "{";
      for (std::size_t i = 0; i < row.size(); ++i) {
        if (std::holds_alternative<std::monostate>(row[i])) continue;  // absent key reads as null
        if (line.size() > 1) line += ",";
        regfed::audit::appendJsonString(line, sourceOf(fields[i]));
        line += ":";
        if (std::holds_alternative<std::string>(row[i]))
          regfed::audit::appendJsonString(line, text(row[i]));
        else
          line += text(row[i]);
      }
      lines += line + "}\n";
    }
    scratch().write("register.jsonl", lines);
    return sdk::OpenRequest{
        "15088220/conformance", "id", fields, {{"path", scratch().path() + "/register.jsonl"}}, "/"};
  }
};

using RegfedConformanceProviders = boost::mpl::list<TemplateProvider, JsonlProvider>;
#include <regfed/sdk/conformance/AdapterConformance.h>

BOOST_AUTO_TEST_SUITE(jsonl_specific)

BOOST_AUTO_TEST_CASE(bad_lines_are_reported_with_file_and_line_number) {
  regfed::sdk::host::AdapterLoader loader;
  loader.load(JsonlProvider::modulePath());
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{\"id\":\"a\"}\nnot json\n", "line 2: not a JSON object"},
      {"{\"id\":\"a\"}\n{\"id\":\"a\"}\n", "line 2: duplicate id 'a'"},
      {"{\"id\":\"a\",\"kinder\":\"zwei\"}\n", "line 1: field 'kinder' must be an integer"},
      {"{\"id\":\"a\",\"geburtsdatum\":\"1.1.1980\"}\n",
       "line 1: field 'geburtsdatum' must be a date YYYY-MM-DD"},
      {"{\"kinder\":1}\n", "line 1: missing id 'id'"}};
  for (const auto& [content, expected] : cases) {
    auto adapter = loader.create("jsonl");
    regfed::test::TempDir dir;
    dir.write("r.jsonl", content);
    sdk::OpenRequest request{"x/y",
                             "id",
                             {{"id", sdk::FieldType::String, sdk::Classification::Intern, ""},
                              {"kinder", sdk::FieldType::Integer, sdk::Classification::Intern, ""},
                              {"geburtsdatum", sdk::FieldType::Date, sdk::Classification::Intern, ""}},
                             {{"path", "r.jsonl"}},
                             dir.path()};
    sdk::Status s = adapter->open(request);
    BOOST_TEST(!s.ok());
    BOOST_TEST(s.message.find(expected) != std::string::npos, s.message);
  }
}

BOOST_AUTO_TEST_SUITE_END()
