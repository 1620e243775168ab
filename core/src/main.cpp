// regfed: the node and its command line (see shared API.md, "Command line").

#include <Poco/File.h>
#include <Poco/Util/HelpFormatter.h>
#include <Poco/Util/Option.h>
#include <Poco/Util/OptionSet.h>
#include <Poco/Util/ServerApplication.h>
#include <pthread.h>
#include <regfed/audit/Migrations.h>
#include <regfed/sdk/Version.h>

#include <csignal>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>

#include "AdapterHost.h"
#include "AuditCli.h"
#include "Config.h"
#include "Log.h"
#include "Node.h"
#include "Reports.h"
#include "SetupCli.h"
#include "SystemdNotify.h"
#include "TokenVerifier.h"

using namespace regfed::core;

namespace {

const char* kUsage =
    "usage:\n"
    "  regfed serve --config FILE [--ready-file FILE]\n"
    "      run a node; --ready-file receives the node's URL once it listens\n"
    "  regfed init --node ID [--keys DIR] [--federation DIR] [--dns NAME]... [--ip ADDR]...\n"
    "              [--database-admin DSN [--database NAME] [--owner-role R] [--node-role R] ...]\n"
    "      set a node up: audit signing and witness keys (--keys, default /var/lib/regfed/keys), the "
    "federation\n"
    "      key and a certificate request with CN=ID (--federation, default /etc/regfed/federation), with\n"
    "      --database-admin the database roles, the database and its schemas; prints what to hand to the "
    "DPO,\n"
    "      the federation's coordinator and the peers. Keeps what is there: safe to run again\n"
    "  regfed ca init --dir DIR [--name NAME] [--days 3650]\n"
    "  regfed ca sign --dir DIR --csr NODE.csr --out NODE.pem [--days 825] [--dns NAME]... [--ip ADDR]...\n"
    "      the federation coordinator's CA: make it (DIR/ca.pem, DIR/ca.key), sign a node's request (CN = "
    "node\n"
    "      id; the names from the request unless given)\n"
    "  regfed config check FILE            (or: regfed config check --config FILE)\n"
    "      check a configuration: every problem with its key path, exit 1; or OK, exit 0\n"
    "  regfed token --config FILE --user ID --ags AGS --roles R[,R] [--ttl 8h] [--name NAME]\n"
    "      print a signed token (needs the issuer's private_key: development and demo only);\n"
    "      roles: clerk, helper, dpo, admin, responder; --ttl takes s, m, h or d\n"
    "  regfed audit key --config FILE   |   regfed audit key --dsn DSN [--node ID]\n"
    "      the node's tree-head public key (PEM on stdout, key id on stderr), derived from its signing key;\n"
    "      with --dsn: every key that signed the log, from the database\n"
    "  regfed audit head (--config FILE | --dsn DSN [--node ID] [--key PUB.pem])\n"
    "      the newest signed tree head as one JSON object: keep it, and check the log later with --since\n"
    "  regfed audit verify --dsn AUDITOR_DSN --key PUB.pem [--key OLDER.pem ...] [--node ID] [--heads FILE]\n"
    "                      [--since HEAD.json]\n"
    "  regfed audit verify --config FILE [--node ID] [--heads FILE] [--since HEAD.json]\n"
    "      recompute the audit log and check every signed tree head; exit 1 and the first bad event on a\n"
    "      mismatch. --dsn: as the read-only auditor role, no config needed (--node defaults to the only "
    "node\n"
    "      in the log); --heads: a copy of the head file; --since: a head kept earlier (regfed audit head),\n"
    "      which must be signed by one of the keys and be part of the log now (truncation, rewriting). With\n"
    "      --config, in a federation also against the peers' cosignatures\n"
    "  regfed audit checkpoint --config FILE\n"
    "      print the newest cosigned checkpoint of the node's log with its cosignatures (C2SP checkpoint "
    "and\n"
    "      cosignature/v1), and this node's witness verifier key (C2SP vkey) on stderr\n"
    "  regfed audit proof check FILE --key PUB.pem [--since HEAD.json]\n"
    "      check an inclusion or consistency proof saved from GET /v1/audit/proof/... (FILE - : stdin) "
    "without\n"
    "      trusting the node: leaf, audit path, root and signed heads; --since: a consistency proof must "
    "start\n"
    "      at this kept head. Prints OK or FAILED: reason (exit 1)\n"
    "  regfed audit prune --config FILE --dsn PRUNER_DSN [--dry-run] [--today YYYY-MM-DD]\n"
    "      retention (config \"retention\", months): clears who/why/whom of events older than their "
    "category's\n"
    "      period (register_access 12, idnr_transfers 24, audit_review 24, mandates 36) and deletes closed\n"
    "      alerts and reviews and past emergency windows (24). Leaf hashes stay: verify still passes. Run "
    "it\n"
    "      daily (e.g. 23:30): retrievals are then kept 12 months (§40 BMG) and gone before the end of\n"
    "      the calendar year after they were stored; a monthly run can miss that for December's events\n"
    "  regfed report --config FILE --dsn AUDITOR_DSN --year Y [--format csv|html] [--out FILE]\n"
    "      the yearly figures per municipality for the steering board (support days against quota, "
    "mandates,\n"
    "      data requests and denials, emergency activations, alerts)\n"
    "  regfed report --processing-record --config FILE [--out FILE]\n"
    "      the GDPR Art. 30 record of processing entries the configuration implies, as an HTML page\n"
    "  regfed plugin check PATH.so\n"
    "      load an adapter module and print its name, SDK version and capabilities\n"
    "  regfed --version | --help\n";

std::int64_t parseTtl(const std::string& text) {
  std::size_t used = 0;
  long long n = std::stoll(text, &used);
  const std::string unit = text.substr(used);
  if (n <= 0) throw std::invalid_argument("--ttl must be positive");
  if (unit.empty() || unit == "s") return n;
  if (unit == "m") return n * 60;
  if (unit == "h") return n * 3600;
  if (unit == "d") return n * 86400;
  throw std::invalid_argument("--ttl takes a number with s, m, h or d, e.g. 8h");
}

int configCheck(const std::string& path) {
  ConfigLoad load = loadConfig(path);
  std::vector<std::string> problems = load.problems;
  const Config& c = load.config;
  // Plugins are checked whenever their folder is usable, so unknown adapters are reported with the other
  // problems.
  if (!c.pluginDir.empty() && Poco::File(c.pluginDir).exists()) {
    regfed::sdk::host::AdapterLoader loader;
    for (const auto& p : loader.loadDirectory(c.pluginDir)) problems.push_back("plugin_dir: " + p);
    using regfed::sdk::host::ModuleKind;
    // Each adapter checks its own options without connecting (modules of SDK 1.1 and newer).
    auto check = [&](const std::string& where, const std::string& adapter, ModuleKind kind,
                     const std::vector<regfed::sdk::Option>& options) {
      const regfed::sdk::host::LoadedModule* module = loader.module(adapter);
      if (adapter.empty()) return;
      if (!module || module->kind != kind) {
        problems.push_back(where + ".adapter: no plugin in " + c.pluginDir + " provides the " +
                           (kind == ModuleKind::Register ? "register" : "procedure") + " adapter '" +
                           adapter + "'");
        return;
      }
      try {
        std::vector<std::string> found;
        if (kind == ModuleKind::Register)
          found = regfed::sdk::host::validateOptions(*module, *loader.create(adapter), options);
        else
          found = regfed::sdk::host::validateOptions(*module, *loader.createProcedure(adapter), options);
        for (const auto& p : found) problems.push_back(where + ".options: " + p);
      } catch (const std::exception& e) {
        problems.push_back(where + ".adapter: checking its options failed: " + e.what());
      }
    };
    for (std::size_t i = 0; i < c.registers.size(); ++i)
      check("registers[" + std::to_string(i) + "]", c.registers[i].adapter, ModuleKind::Register,
            c.registers[i].options);
    for (std::size_t i = 0; i < c.procedures.size(); ++i)
      check("procedures[" + std::to_string(i) + "]", c.procedures[i].adapter, ModuleKind::Procedure,
            c.procedures[i].options);
  }
  if (load.problems.empty()) {
    try {
      TokenVerifier verifier(c.issuers, nullptr);
    } catch (const std::exception& e) {
      problems.push_back(std::string("issuers: ") + e.what());
    }
  }
  if (!problems.empty()) {
    std::cerr << path << ": " << problems.size() << " problem(s):\n";
    for (const auto& p : problems) std::cerr << "  " << p << "\n";
    return 1;
  }
  std::cout << path << ": OK (node " << c.nodeId << ", " << c.municipalities.size() << " municipalities, "
            << c.registers.size() << " registers, " << c.procedures.size() << " procedures, "
            << c.issuers.size() << " trusted issuers)\n";
  return 0;
}

int token(const cli::Flags& f) {
  Config c = cli::loadOrExit(f.required("config"));
  std::vector<std::string> roles;
  std::string list = f.required("roles"), item;
  std::stringstream ss(list);
  while (std::getline(ss, item, ',')) {
    if (!knownRoles().count(item))
      throw std::invalid_argument("unknown role '" + item +
                                  "' (known: clerk, helper, dpo, admin, responder)");
    roles.push_back(item);
  }
  const std::string ags = f.required("ags");
  if (!isAgs(ags)) throw std::invalid_argument("--ags must be an 8-digit AGS");
  std::cout << mintToken(c, f.required("user"), ags, roles, parseTtl(f.get("ttl", "8h")), f.get("name"))
            << "\n";
  return 0;
}

int pluginCheck(const std::string& path) {
  regfed::sdk::host::AdapterLoader loader;
  int failures = 0;
  auto check = [&](bool ok, const std::string& what) {
    std::cout << (ok ? "  ok    " : "  FAIL  ") << what << "\n";
    if (!ok) ++failures;
  };
  const regfed::sdk::host::LoadedModule* module = nullptr;
  try {
    module = &loader.load(path);
  } catch (const std::exception& e) {
    std::cout << "  FAIL  " << e.what() << "\n";
    return 1;
  }
  std::cout << "plugin:      " << module->path << "\n"
            << "adapter:     " << module->adapter << " (kind: register adapter, class " << module->className
            << ")\n"
            << "description: " << module->description << "\n"
            << "SDK:         built against " << module->sdkMajor << "." << module->sdkMinor
            << ", host provides " << regfed::sdk::kSdkVersionMajor << "." << regfed::sdk::kSdkVersionMinor
            << "\n";
  check(true, "SDK version is compatible");
  std::unique_ptr<regfed::sdk::RegisterAdapter> adapter;
  try {
    adapter = loader.create(module->adapter);
  } catch (const std::exception& e) {
    check(false, std::string("creating an instance: ") + e.what());
    return 1;
  }
  check(adapter != nullptr, "creates an adapter instance");
  try {
    auto caps = adapter->describe().capabilities;
    std::string ops;
    for (auto op : caps.operators)
      ops += std::string(ops.empty() ? "" : ", ") + regfed::sdk::operatorName(op);
    std::cout << "capabilities: get=" << (caps.get ? "yes" : "no")
              << " search=" << (caps.search ? "yes" : "no") << " operators=[" << ops
              << "] max_limit=" << caps.maxLimit << "\n";
    check(caps.get || caps.search, "declares get or search");
    check(caps.maxLimit >= 1, "declares a positive maximum limit");
  } catch (const std::exception& e) {
    check(false, std::string("describe() before open threw: ") + e.what());
  }
  try {
    regfed::sdk::Status s = adapter->open(regfed::sdk::OpenRequest{});
    check(!s.ok(), "refuses to open without options (said: " + s.message + ")");
  } catch (const std::exception& e) {
    check(false, std::string("open() with no options threw instead of returning an error: ") + e.what());
  }
  std::cout << (failures ? "FAILED" : "OK") << "\n";
  return failures ? 1 : 0;
}

// A node that cannot tell systemd it is ready goes on serving (systemd then stops it after TimeoutStartSec,
// and says why); the reason is logged.
void tellSystemd(const std::string& state) {
  try {
    notifySystemd(state);
  } catch (const std::exception& e) {
    log::error(e.what());
  }
}

class NodeApplication : public Poco::Util::ServerApplication {
 protected:
  void defineOptions(Poco::Util::OptionSet& options) override {
    ServerApplication::defineOptions(options);
    options.addOption(
        Poco::Util::Option("config", "", "node configuration file").required(true).argument("FILE"));
    options.addOption(
        Poco::Util::Option("ready-file", "", "write the node's URL here once it listens").argument("FILE"));
  }

  void handleOption(const std::string& name, const std::string& value) override {
    ServerApplication::handleOption(name, value);
    if (name == "config") configPath_ = value;
    if (name == "ready-file") readyFile_ = value;
  }

  int main(const std::vector<std::string>&) override {
    Config config = cli::loadOrExit(configPath_);
    // SIGTERM/SIGINT/SIGQUIT wait, blocked in every thread, until waitForTerminationRequest takes them: one
    // sent as soon as the node said it is ready still stops it cleanly.
    sigset_t stopSignals;
    sigemptyset(&stopSignals);
    for (int sig : {SIGTERM, SIGINT, SIGQUIT}) sigaddset(&stopSignals, sig);
    pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);
    Node node(config);
    try {
      node.start();
    } catch (const regfed::audit::SchemaVersionError& e) {
      // Not to be retried: systemd's unit does not restart on this exit status (RestartPreventExitStatus).
      log::error(std::string("node did not start: ") + e.what());
      return Poco::Util::Application::EXIT_CONFIG;
    } catch (const std::exception& e) {
      log::error(std::string("node did not start: ") + e.what());
      return Poco::Util::Application::EXIT_SOFTWARE;
    }
    if (!readyFile_.empty()) {
      std::ofstream(readyFile_ + ".tmp") << node.url() << "\n";
      std::rename((readyFile_ + ".tmp").c_str(), readyFile_.c_str());
    }
    // Under systemd (Type=notify) the unit counts as started only now, when the node listens.
    tellSystemd("READY=1\nSTATUS=serving at " + node.url());
    waitForTerminationRequest();
    log::info("stopping");
    tellSystemd("STOPPING=1");
    node.stop();
    return Poco::Util::Application::EXIT_OK;
  }

 private:
  std::string configPath_;
  std::string readyFile_;
};

}  // namespace

int main(int argc, char** argv) {
  // OpenSSL and sockets write with send(): a vanished peer must not kill the node.
  std::signal(SIGPIPE, SIG_IGN);
  const std::string a1 = argc > 1 ? argv[1] : "", a2 = argc > 2 ? argv[2] : "";
  try {
    if (a1 == "serve") {
      NodeApplication app;
      return app.run(argc - 1, argv + 1);
    }
    if (a1 == "--help" || a1 == "-h" || a1 == "help") {
      std::cout << kUsage;
      return 0;
    }
    if (a1 == "config" && a2 == "check" && argc == 4 && std::string(argv[3]).rfind("--", 0) != 0)
      return configCheck(argv[3]);
    if (a1 == "config" && a2 == "check" && argc == 5)
      return configCheck(cli::Flags(argc, argv, 3, {"config"}).required("config"));
    if (a1 == "token")
      return token(cli::Flags(argc, argv, 2, {"config", "user", "ags", "roles", "ttl", "name"}));
    if (a1 == "audit") return cli::runAudit(argc, argv);
    if (a1 == "report") return cli::runReport(argc, argv);
    if (a1 == "init") return cli::runInit(argc, argv);
    if (a1 == "ca") return cli::runCa(argc, argv);
    if (a1 == "plugin" && a2 == "check" && argc == 4) return pluginCheck(argv[3]);
    if (a1 == "--version") {
      std::cout << "regfed 0.1.0 (adapter SDK " << regfed::sdk::kSdkVersionMajor << "."
                << regfed::sdk::kSdkVersionMinor << ")\n";
      return 0;
    }
  } catch (const std::invalid_argument& e) {
    std::cerr << "regfed: " << e.what() << "\n" << kUsage;
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "regfed: " << e.what() << "\n";
    return 1;
  }
  std::cerr << kUsage;
  return 2;
}
