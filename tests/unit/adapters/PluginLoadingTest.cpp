// Plugin loading: the real modules load, incompatible or foreign ones are refused with clear messages, and
// the adapter host contains a misbehaving adapter.
#define BOOST_TEST_MODULE plugin_loading_tests
#include <AdapterLoader.h>
#include <Poco/File.h>
#include <Poco/SharedLibrary.h>

#include <boost/test/unit_test.hpp>

#include "AdapterHost.h"
#include "Metrics.h"
#include "TestSupport.h"

using regfed::sdk::host::AdapterLoader;
using regfed::sdk::host::PluginLoadError;
namespace sdk = regfed::sdk;

namespace {

std::string fixture(const std::string& name) {
  return regfed::test::binaryDir() + "/test-plugins/" + name + "/" + name + ".so";
}

std::string loadError(const std::string& path) {
  AdapterLoader loader;
  try {
    loader.load(path);
  } catch (const PluginLoadError& e) {
    return e.what();
  }
  return "";
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// A counter a fixture module exports; the loader's handle keeps the module loaded, this one shares it.
int exportedCounter(const std::string& path, const std::string& symbol) {
  Poco::SharedLibrary library(path);
  return *static_cast<int*>(library.getSymbol(symbol));
}

template <class Create>
std::string createError(Create create) {
  try {
    create();
  } catch (const PluginLoadError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(plugin_loading)

BOOST_AUTO_TEST_CASE(shipped_adapters_load_and_report_themselves) {
  AdapterLoader loader;
  BOOST_TEST(loader.loadDirectory(regfed::test::pluginDir()).empty());
  for (const char* name : {"sql", "jsonl", "template"}) {
    BOOST_REQUIRE_MESSAGE(loader.modules().count(name), name << " not loaded");
    const auto& m = loader.modules().at(name);
    BOOST_TEST(m.sdkMajor == sdk::kSdkVersionMajor);
    BOOST_TEST(!m.description.empty());
    auto adapter = loader.create(name);
    BOOST_REQUIRE(adapter);
    BOOST_TEST(adapter->describe().capabilities.get);
  }
}

BOOST_AUTO_TEST_CASE(shipped_procedure_adapters_load_and_describe_themselves_before_open) {
  AdapterLoader loader;
  BOOST_TEST(loader.loadDirectory(regfed::test::pluginDir()).empty());
  for (const char* name : {"antraege", "template_procedure"}) {
    BOOST_REQUIRE_MESSAGE(loader.modules().count(name), name << " not loaded");
    const auto& m = loader.modules().at(name);
    BOOST_TEST((m.kind == regfed::sdk::host::ModuleKind::Procedure));
    BOOST_TEST(m.sdkMinor >= regfed::sdk::host::kSinceProcedures);
    BOOST_TEST(!m.description.empty());
    auto adapter = loader.createProcedure(name);
    BOOST_REQUIRE(adapter);
    BOOST_TEST(adapter->describe().capabilities.claim);
  }
}

BOOST_AUTO_TEST_CASE(validate_options_is_called_only_on_modules_that_have_it) {
  using regfed::sdk::host::validateOptions;
  AdapterLoader loader;
  const std::vector<sdk::Option> options = {{"x", "y"}};
  // A 1.0 module: its virtual table would have no validateOptions, so the host must not call it.
  const auto& old = loader.load(fixture("sdk10_validating_adapter"));
  BOOST_TEST(old.sdkMinor == 0);
  BOOST_TEST(validateOptions(old, *loader.create("validating10"), options).empty());
  BOOST_TEST(exportedCounter(fixture("sdk10_validating_adapter"), "fixtureValidateCalls10") == 0);
  // A 1.1 module is asked, and its problems come back.
  const auto& current = loader.load(fixture("sdk11_validating_adapter"));
  const auto problems = validateOptions(current, *loader.create("validating11"), options);
  BOOST_TEST(exportedCounter(fixture("sdk11_validating_adapter"), "fixtureValidateCalls11") == 1);
  BOOST_REQUIRE(problems.size() == 1u);
  BOOST_TEST(problems[0] == "option 'x' was checked by the adapter");
  // The procedure side: a 1.1 module is asked; the same adapter seen as a 1.0 module would not be.
  const auto& antraege = loader.load(regfed::test::pluginDir() + "/regfed-procedure-antraege.so");
  auto procedure = loader.createProcedure("antraege");
  BOOST_TEST(!validateOptions(antraege, *procedure, {}).empty());
  regfed::sdk::host::LoadedModule older = antraege;
  older.sdkMinor = 0;
  BOOST_TEST(validateOptions(older, *procedure, {}).empty());
}

BOOST_AUTO_TEST_CASE(refuses_a_procedure_module_stating_an_sdk_before_procedures) {
  const std::string message = loadError(fixture("sdk10_procedure"));
  BOOST_TEST(contains(message, "states SDK 1.0"), message);
  BOOST_TEST(contains(message, "since " + std::to_string(sdk::kSdkVersionMajor) + "." +
                                   std::to_string(regfed::sdk::host::kSinceProcedures)),
             message);
}

BOOST_AUTO_TEST_CASE(refuses_a_module_that_is_both_kinds) {
  const std::string message = loadError(fixture("both_kinds_adapter"));
  BOOST_TEST(contains(message, "exports both a register and a procedure adapter"), message);
}

BOOST_AUTO_TEST_CASE(creating_the_wrong_kind_names_what_the_adapter_is) {
  AdapterLoader loader;
  loader.load(regfed::test::pluginDir() + "/regfed-adapter-template.so");
  loader.load(regfed::test::pluginDir() + "/regfed-procedure-template.so");
  const std::string asProcedure = createError([&] { loader.createProcedure("template"); });
  BOOST_TEST(contains(asProcedure,
                      "no procedure adapter named 'template' is loaded ('template' is a register "
                      "adapter) (loaded: template_procedure)"),
             asProcedure);
  const std::string asRegister = createError([&] { loader.create("template_procedure"); });
  BOOST_TEST(contains(asRegister,
                      "no register adapter named 'template_procedure' is loaded ('template_procedure' "
                      "is a procedure adapter) (loaded: template)"),
             asRegister);
  BOOST_TEST(
      contains(createError([&] { loader.createProcedure("nosuch"); }), "(loaded: template_procedure)"));
}

BOOST_AUTO_TEST_CASE(refuses_a_plugin_built_for_another_sdk_major_naming_both_versions) {
  const std::string message = loadError(fixture("future_major_adapter"));
  BOOST_TEST(contains(message, "built against regfed SDK 99.0"), message);
  BOOST_TEST(contains(message, "this node provides SDK " + std::to_string(sdk::kSdkVersionMajor) + "." +
                                   std::to_string(sdk::kSdkVersionMinor)),
             message);
}

BOOST_AUTO_TEST_CASE(refuses_a_plugin_needing_a_newer_minor_sdk) {
  const std::string message = loadError(fixture("newer_minor_adapter"));
  BOOST_TEST(contains(message, "built against regfed SDK " + std::to_string(sdk::kSdkVersionMajor) + "." +
                                   std::to_string(sdk::kSdkVersionMinor + 1)),
             message);
}

BOOST_AUTO_TEST_CASE(refuses_libraries_that_are_not_adapters_and_missing_files) {
  BOOST_TEST(contains(loadError(fixture("not_an_adapter")), "is not a regfed adapter"));
  BOOST_TEST(contains(loadError("/nonexistent/x.so"), "plugin file not found"));
  regfed::test::TempDir dir;
  BOOST_TEST(contains(loadError(dir.write("junk.so", "not an ELF file")), "cannot load plugin"));
}

BOOST_AUTO_TEST_CASE(a_duplicate_adapter_name_is_an_error_not_an_override) {
  AdapterLoader loader;
  loader.load(regfed::test::pluginDir() + "/regfed-adapter-template.so");
  try {
    loader.load(fixture("duplicate_name_adapter"));
    BOOST_FAIL("duplicate accepted");
  } catch (const PluginLoadError& e) {
    BOOST_TEST(contains(e.what(), "adapter name 'template' is provided by both"), e.what());
  }
  BOOST_TEST(loader.modules().at("template").description.find("impostor") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(the_host_contains_a_misbehaving_adapter) {
  regfed::test::TempDir dir;
  Poco::File(fixture("faulty_adapter")).copyTo(dir.path() + "/faulty_adapter.so");
  regfed::core::Config config;
  config.file = dir.path() + "/node.json";
  config.pluginDir = dir.path();
  for (const char* mode : {"ok", "throw", "slow", "error", "fail_open", "throw_open"}) {
    regfed::core::RegisterConfig r;
    r.ags = "15088220";
    r.name = mode;
    r.adapter = "faulty";
    r.idField = "id";
    r.fields = {{"id", sdk::FieldType::String, sdk::Classification::Intern, ""}};
    r.options = {{"mode", mode}};
    r.timeoutMs = 100;
    config.registers.push_back(r);
  }
  regfed::core::Metrics metrics;
  regfed::core::AdapterHost host(config, &metrics);
  BOOST_REQUIRE(host.start().empty());
  auto get = [&](const char* name) {
    sdk::GetResult result;
    return host.get(*host.find("15088220", name), sdk::GetRequest{"R-1", {"id"}, 100}, result).code;
  };
  BOOST_TEST(static_cast<int>(get("ok")) == static_cast<int>(sdk::StatusCode::Ok));
  BOOST_TEST(static_cast<int>(get("throw")) == static_cast<int>(sdk::StatusCode::Internal));
  BOOST_TEST(static_cast<int>(get("slow")) == static_cast<int>(sdk::StatusCode::Timeout));
  BOOST_TEST(static_cast<int>(get("error")) == static_cast<int>(sdk::StatusCode::Internal));
  BOOST_TEST(static_cast<int>(get("fail_open")) == static_cast<int>(sdk::StatusCode::Unavailable));
  BOOST_TEST(static_cast<int>(get("throw_open")) == static_cast<int>(sdk::StatusCode::Unavailable));
  BOOST_TEST(!host.find("15088220", "fail_open")->up());
  BOOST_TEST(host.find("15088220", "fail_open")->problem() == "backend is down");
  BOOST_TEST(host.find("15088220", "ok")->up());
  const std::string text = metrics.render();
  BOOST_TEST(contains(text, "regfed_plugin_errors_total{register=\"15088220/throw\",code=\"internal\"} 1"),
             text);
  BOOST_TEST(contains(text, "regfed_register_up{register=\"15088220/fail_open\"} 0"), text);
  // After all of that, the healthy register still answers.
  BOOST_TEST(static_cast<int>(get("ok")) == static_cast<int>(sdk::StatusCode::Ok));
}

BOOST_AUTO_TEST_CASE(plugin_check_command_reports_and_refuses) {
  std::string out;
  BOOST_TEST(regfed::test::run({regfed::test::regfedBinary(), "plugin", "check",
                                regfed::test::pluginDir() + "/regfed-adapter-sql.so"},
                               out) == 0,
             out);
  BOOST_TEST(contains(out, "adapter:     sql"), out);
  BOOST_TEST(contains(out, "operators=[equals, prefix, range, in]"), out);
  out.clear();
  BOOST_TEST(
      regfed::test::run({regfed::test::regfedBinary(), "plugin", "check", fixture("future_major_adapter")},
                        out) == 1,
      out);
  BOOST_TEST(contains(out, "SDK 99.0"), out);
}

BOOST_AUTO_TEST_CASE(config_check_command_lists_every_problem_and_exits_1) {
  regfed::test::TempDir dir;
  const std::string bad = dir.write("bad.json", R"({"node": {"id": "n", "listen": "nowhere"},
    "municipalities": [{"ags": "123", "name": "X"}], "plugin_dir": ")" +
                                                    regfed::test::pluginDir() + R"(",
    "audit": {"dsn": "dbname=x", "signing_key": "k.pem"}, "issuers": [],
    "registers": [{"ags": "123", "name": "r", "adapter": "nosuch", "fields": [{"name": "id", "type": "string",
                   "classification": "geheim"}]}]})");
  std::string out;
  BOOST_TEST(regfed::test::run({regfed::test::regfedBinary(), "config", "check", bad}, out) == 1, out);
  for (const char* expected :
       {"node.listen: must be host:port", "municipalities[0].ags: must be 8 digits",
        "registers[0].fields[0].classification: must be one of", "registers[0].adapter: no plugin in"})
    BOOST_TEST(contains(out, expected), expected << " not in:\n" << out);
  out.clear();
  BOOST_TEST(regfed::test::run({regfed::test::regfedBinary(), "config", "check", dir.path() + "/none.json"},
                               out) == 1);
  BOOST_TEST(contains(out, "cannot read"), out);
}

BOOST_AUTO_TEST_SUITE_END()
