// regfed: the node and its command line (see shared API.md, "Command line").

#include <Poco/File.h>
#include <Poco/Util/HelpFormatter.h>
#include <Poco/Util/Option.h>
#include <Poco/Util/OptionSet.h>
#include <Poco/Util/ServerApplication.h>
#include <regfed/audit/LogVerifier.h>
#include <regfed/audit/TreeHeadLog.h>
#include <regfed/audit/Witness.h>
#include <regfed/audit/MerkleTree.h>
#include <regfed/sdk/Version.h>
#include <unistd.h>

#include <chrono>
#include <pthread.h>

#include <csignal>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>

#include "AdapterHost.h"
#include "Federation.h"
#include "Config.h"
#include "Log.h"
#include "Node.h"
#include "TokenVerifier.h"

using namespace regfed::core;

namespace {

const char* kUsage =
    "usage:\n"
    "  regfed serve --config FILE [--ready-file FILE]\n"
    "      run a node; --ready-file receives the node's URL once it listens\n"
    "  regfed config check FILE            (or: regfed config check --config FILE)\n"
    "      check a configuration: every problem with its key path, exit 1; or OK, exit 0\n"
    "  regfed token --config FILE --user ID --ags AGS --roles R[,R] [--ttl 8h] [--name NAME]\n"
    "      print a signed token (needs the issuer's private_key: development and demo only);\n"
    "      roles: clerk, helper, dpo, admin, responder; --ttl takes s, m, h or d\n"
    "  regfed audit verify --config FILE [--node ID] [--heads FILE]\n"
    "      recompute the audit log and check every signed tree head; --node: another node's log in the\n"
    "      same database, --heads: a copy of the head file kept by the data protection officer; in a\n"
    "      federation also against the cosignatures stored and each peer's newest cosigned head\n"
    "  regfed audit checkpoint --config FILE\n"
    "      print the newest cosigned checkpoint of the node's log with its cosignatures (C2SP checkpoint and\n"
    "      cosignature/v1), and this node's witness verifier key (C2SP vkey) on stderr\n"
    "  regfed plugin check PATH.so\n"
    "      load an adapter module and print its name, SDK version and capabilities\n"
    "  regfed --version | --help\n";

// --key value pairs after the subcommand words.
std::map<std::string, std::string> flags(int argc, char** argv, int from) {
  std::map<std::string, std::string> out;
  for (int i = from; i < argc; ++i) {
    std::string key = argv[i];
    if (key.rfind("--", 0) != 0 || i + 1 >= argc)
      throw std::invalid_argument("unexpected argument '" + key + "'");
    out[key.substr(2)] = argv[++i];
  }
  return out;
}

std::string required(const std::map<std::string, std::string>& f, const std::string& key) {
  auto it = f.find(key);
  if (it == f.end() || it->second.empty()) throw std::invalid_argument("--" + key + " is required");
  return it->second;
}

Config loadOrExit(const std::string& path) {
  ConfigLoad load = loadConfig(path);
  if (!load.problems.empty()) {
    std::cerr << path << ": " << load.problems.size() << " problem(s):\n";
    for (const auto& p : load.problems) std::cerr << "  " << p << "\n";
    std::exit(1);
  }
  return load.config;
}

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
    for (std::size_t i = 0; i < c.registers.size(); ++i)
      if (!c.registers[i].adapter.empty() && !loader.modules().count(c.registers[i].adapter))
        problems.push_back("registers[" + std::to_string(i) + "].adapter: no plugin in " + c.pluginDir +
                           " provides adapter '" + c.registers[i].adapter + "'");
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
            << c.registers.size() << " registers, " << c.issuers.size() << " trusted issuers)\n";
  return 0;
}

int token(const std::map<std::string, std::string>& f) {
  Config c = loadOrExit(required(f, "config"));
  std::vector<std::string> roles;
  std::string list = required(f, "roles"), item;
  std::stringstream ss(list);
  while (std::getline(ss, item, ',')) {
    if (!knownRoles().count(item))
      throw std::invalid_argument("unknown role '" + item +
                                  "' (known: clerk, helper, dpo, admin, responder)");
    roles.push_back(item);
  }
  const std::string ags = required(f, "ags");
  if (!isAgs(ags)) throw std::invalid_argument("--ags must be an 8-digit AGS");
  std::cout << mintToken(c, required(f, "user"), ags, roles, parseTtl(f.count("ttl") ? f.at("ttl") : "8h"),
                         f.count("name") ? f.at("name") : "")
            << "\n";
  return 0;
}

// The node's log against what its peers cosigned: each peer's own record of the newest head it cosigned (asked
// over the federation, so a log rewritten together with its stored cosignatures is still caught), and every
// cosignature stored with the log, made with the key its witness uses. Returns the first problem, or "";
// `witnesses` says how many peers vouched for the log.
std::string checkWitnesses(const Config& c, regfed::audit::AuditStore& store, int& witnesses) {
  namespace audit = regfed::audit;
  witnesses = 0;
  const std::vector<audit::Hash> leaves = store.leafHashes(c.nodeId);  // checked against the events just now
  const auto size = static_cast<std::int64_t>(leaves.size());
  auto stored = store.cosignatures(c.nodeId);  // by size
  // The log's root at every size someone cosigned, in one pass over the leaves.
  std::map<std::int64_t, audit::Hash> roots;
  for (const auto& s : stored) roots[s.size];
  regfed::core::log::setInfo(false);  // the peers' connection chatter is not this command's output
  std::map<std::string, std::string> liveKeys;  // witness name -> public key, as the peer says over mTLS
  std::vector<std::pair<std::string, WitnessedView>> views;
  std::unique_ptr<regfed::core::Federation> federation;
  try {
    regfed::core::Metrics metrics;
    federation = std::make_unique<regfed::core::Federation>(c, metrics);
    for (const auto& peer : c.federation.peers) {
      std::string why;
      auto view =
          federation->witnessedHead(peer.node, std::chrono::steady_clock::now() + std::chrono::seconds(10), why);
      if (!view) {
        std::cerr << "  witness " << peer.node << ": not reachable (" << why << ")\n";
        continue;
      }
      if (view->size == 0) {
        std::cerr << "  witness " << peer.node << ": has cosigned nothing of this log yet\n";
        continue;
      }
      if (!view->cosignature || view->cosignature->witness != audit::witnessName(peer.node))
        return "witness " + peer.node + " sent no cosignature of its own";
      liveKeys[view->cosignature->witness] = view->cosignature->publicKey;
      roots[view->size];
      views.emplace_back(peer.node, *view);
    }
  } catch (const std::exception& e) {
    std::cerr << "  the peers cannot be asked from here (" << e.what() << ")\n";
  }
  audit::MerkleTree tree;
  for (auto& [at, root] : roots) {
    if (at > size) continue;
    while (tree.size() < at) tree.append(leaves[static_cast<std::size_t>(tree.size())]);
    root = tree.root();
  }
  auto matches = [&](std::int64_t at, const audit::Hash& root, const audit::Cosignature& cosignature,
                     const std::string& who) -> std::string {
    if (at > size)
      return who + " cosigned " + std::to_string(at) + " events, but the log has " + std::to_string(size) +
             ": events were removed";
    if (roots.at(at) != root)
      return who + " cosigned a different log at " + std::to_string(at) + " events (root " + audit::toHex(root) +
             ", the log now " + audit::toHex(roots.at(at)) + "): the log was rewritten";
    if (!cosignature.verify(audit::checkpointBody(c.nodeId, at, root)))
      return "the cosignature of " + who + " at " + std::to_string(at) + " events does not verify";
    return "";
  };
  for (const auto& [node, view] : views) {
    if (auto problem = matches(view.size, view.root, *view.cosignature, "witness " + node); !problem.empty())
      return problem;
    std::cerr << "  witness " << node << ": its newest cosignature (" << view.size << " events) matches the log\n";
    ++witnesses;
  }
  for (const auto& s : stored) {
    // A stored cosignature counts only with the key its witness uses (a forger could store their own).
    if (auto key = liveKeys.find(s.cosignature.witness); key != liveKeys.end() && key->second != s.cosignature.publicKey)
      return "the stored cosignature of " + s.cosignature.witness + " at " + std::to_string(s.size) +
             " events was made with another key than that witness uses";
    if (auto problem = matches(s.size, s.root, s.cosignature, s.cosignature.witness); !problem.empty()) return problem;
  }
  std::cerr << "  " << stored.size() << " stored cosignatures match the log\n";
  return "";
}

// The newest cosigned checkpoint as a C2SP note: body, then one cosignature/v1 line per witness.
int auditCheckpoint(const std::map<std::string, std::string>& f) {
  namespace audit = regfed::audit;
  Config c = loadOrExit(required(f, "config"));
  audit::AuditStore store(c.audit.dsn);
  const auto all = store.cosignatures(c.nodeId);
  if (!c.audit.witnessKey.empty() && Poco::File(c.audit.witnessKey).exists()) {
    audit::WitnessKey key = audit::WitnessKey::loadOrCreate(c.audit.witnessKey, c.nodeId);
    std::cerr << "witness key of this node (vkey): " << audit::verifierKey(key.name(), key.publicKey()) << "\n";
  }
  if (all.empty()) {
    std::cerr << "no peer has cosigned this node's log yet\n";
    return 1;
  }
  const std::int64_t newest = all.back().size;
  std::cout << audit::checkpointBody(c.nodeId, newest, all.back().root) << "\n";
  for (const auto& s : all)
    if (s.size == newest) std::cout << s.cosignature.noteLine() << "\n";
  return 0;
}

int auditVerify(const std::map<std::string, std::string>& f) {
  Config c = loadOrExit(required(f, "config"));
  const std::string node = f.count("node") ? f.at("node") : c.nodeId;
  regfed::audit::TreeHeadSigner key =
      c.audit.verifyKey.empty() ? regfed::audit::TreeHeadSigner::fromPrivateKeyFile(c.audit.signingKey)
                                : regfed::audit::TreeHeadSigner::fromPublicKeyFile(c.audit.verifyKey);
  regfed::audit::AuditStore store(c.audit.dsn);
  // Heads kept outside the database: the node's own file, or a copy the DPO holds (--heads).
  const std::string headFile = f.count("heads") ? f.at("heads") : c.audit.headLog;
  std::vector<regfed::audit::TreeHead> fileHeads;
  if (!headFile.empty()) fileHeads = regfed::audit::TreeHeadLog(headFile).read(node);
  std::cerr << "verifying the audit log of node " << node << " with key " << key.keyId() << " ("
            << fileHeads.size() << " signed heads also from "
            << (headFile.empty() ? "no head file" : headFile) << ")\n";
  // One line updated in place on a terminal; otherwise at most one line a second (logs stay readable).
  const bool terminal = ::isatty(STDERR_FILENO) == 1;
  auto lastReport = std::chrono::steady_clock::now();
  auto result = regfed::audit::verifyLog(
      store, node, key,
      [&](std::int64_t done, std::int64_t total) {
        const auto now = std::chrono::steady_clock::now();
        if (done != total && now - lastReport < std::chrono::seconds(1)) return;
        lastReport = now;
        std::cerr << (terminal ? "\r" : "") << "  " << done << " / " << total << " events checked"
                  << (terminal ? "" : "\n");
        if (terminal && done == total) std::cerr << "\n";
      },
      fileHeads);
  if (!result.ok) {
    std::cout << "FAILED: first bad event " << *result.firstBadSeq << ": " << result.problem << "\n";
    return 1;
  }
  std::string witnessed;
  if (c.federation.enabled() && node == c.nodeId) {
    int witnesses = 0;
    const std::string problem = checkWitnesses(c, store, witnesses);
    if (!problem.empty()) {
      std::cout << "FAILED: " << problem << "\n";
      return 1;
    }
    witnessed = witnesses > 0 ? "; " + std::to_string(witnesses) + " of " +
                                    std::to_string(c.federation.peers.size()) + " peers' cosignatures match"
                              : "; NOT checked against any peer's cosignature (none could be asked)";
  }
  std::cout << "OK: " << result.size << " events, root " << regfed::audit::toHex(result.root) << ", "
            << result.headsChecked << " signed tree heads verified";
  if (result.latestHead)
    std::cout << ", newest covers " << result.latestHead->size << " events (signed "
              << result.latestHead->time << ")";
  if (result.unsignedEvents > 0)
    std::cout << "; " << result.unsignedEvents
              << " newer events are hash-checked and await the next signed head";
  std::cout << witnessed << "\n";
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
    Config config = loadOrExit(configPath_);
    // SIGTERM/SIGINT/SIGQUIT wait, blocked in every thread, until waitForTerminationRequest takes them: one sent
    // as soon as the node said it is ready still stops it cleanly.
    sigset_t stopSignals;
    sigemptyset(&stopSignals);
    for (int sig : {SIGTERM, SIGINT, SIGQUIT}) sigaddset(&stopSignals, sig);
    pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);
    Node node(config);
    try {
      node.start();
    } catch (const std::exception& e) {
      log::error(std::string("node did not start: ") + e.what());
      return Poco::Util::Application::EXIT_SOFTWARE;
    }
    if (!readyFile_.empty()) {
      std::ofstream(readyFile_ + ".tmp") << node.url() << "\n";
      std::rename((readyFile_ + ".tmp").c_str(), readyFile_.c_str());
    }
    waitForTerminationRequest();
    log::info("stopping");
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
    if (a1 == "config" && a2 == "check" && argc == 5) return configCheck(required(flags(argc, argv, 3), "config"));
    if (a1 == "token") return token(flags(argc, argv, 2));
    if (a1 == "audit" && a2 == "verify") return auditVerify(flags(argc, argv, 3));
    if (a1 == "audit" && a2 == "checkpoint") return auditCheckpoint(flags(argc, argv, 3));
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
