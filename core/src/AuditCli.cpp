#include "AuditCli.h"

#include <Poco/File.h>
#include <Poco/JSON/Parser.h>
#include <regfed/audit/AuditStore.h>
#include <regfed/audit/LogVerifier.h>
#include <regfed/audit/MerkleTree.h>
#include <regfed/audit/Retention.h>
#include <regfed/audit/TreeHeadLog.h>
#include <regfed/audit/Witness.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <pqxx/pqxx>
#include <sstream>

#include "CalendarDate.h"
#include "Federation.h"
#include "Json.h"
#include "Log.h"
#include "Metrics.h"

namespace regfed::core::cli {

namespace audit = regfed::audit;
using Poco::JSON::Object;

Flags::Flags(int argc, char** argv, int from, const std::set<std::string>& valued,
             const std::set<std::string>& switches, const std::set<std::string>& repeatable) {
  for (int i = from; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--", 0) != 0) throw std::invalid_argument("unexpected argument '" + arg + "'");
    const std::string name = arg.substr(2);
    if (switches.count(name)) {
      values_[name].push_back("");
      continue;
    }
    if (!valued.count(name)) throw std::invalid_argument("unknown option '" + arg + "'");
    if (i + 1 >= argc) throw std::invalid_argument(arg + " needs a value");
    if (values_.count(name) && !repeatable.count(name))
      throw std::invalid_argument(arg + " may be given only once");
    values_[name].push_back(argv[++i]);
  }
}

std::string Flags::get(const std::string& name, const std::string& fallback) const {
  auto it = values_.find(name);
  return it == values_.end() ? fallback : it->second.front();
}

std::string Flags::required(const std::string& name) const {
  const std::string value = get(name);
  if (value.empty()) throw std::invalid_argument("--" + name + " is required");
  return value;
}

std::vector<std::string> Flags::all(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
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

void writeOutput(const std::string& path, const std::string& text) {
  if (path.empty()) {
    std::cout << text;
    return;
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out.flush()) throw std::runtime_error("cannot write " + path);
}

namespace {

// A proof or head file that is not what it claims: reported as FAILED, not as bad usage.
struct Malformed : std::runtime_error {
  using std::runtime_error::runtime_error;
};

Object::Ptr readJsonFile(const std::string& path) {
  std::stringstream text;
  if (path == "-") {
    text << std::cin.rdbuf();
  } else {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::invalid_argument("cannot read " + path);
    text << in.rdbuf();
  }
  try {
    Poco::Dynamic::Var v = Poco::JSON::Parser().parse(text.str());
    if (v.type() == typeid(Object::Ptr)) return v.extract<Object::Ptr>();
  } catch (const Poco::Exception&) {
  }
  throw Malformed(path + " is not a JSON object");
}

std::string textOf(const Object::Ptr& o, const std::string& key) {
  if (!o->has(key) || !o->get(key).isString()) throw Malformed("\"" + key + "\" must be a string");
  return o->get(key).extract<std::string>();
}

std::int64_t numberOf(const Object::Ptr& o, const std::string& key) {
  if (!o->has(key) || !o->get(key).isInteger()) throw Malformed("\"" + key + "\" must be a whole number");
  try {
    return o->get(key).convert<Poco::Int64>();
  } catch (const Poco::Exception&) {
    throw Malformed("\"" + key + "\" is out of range");
  }
}

audit::Hash hashOf(const std::string& hex, const std::string& what) {
  audit::Hash h{};
  if (!audit::fromHex(hex, h)) throw Malformed(what + " is not 64 hex digits");
  return h;
}

std::vector<audit::Hash> hashesOf(const Object::Ptr& o, const std::string& key) {
  auto list = o->has(key) ? o->getArray(key) : nullptr;
  if (!list) throw Malformed("\"" + key + "\" must be an array of hashes");
  std::vector<audit::Hash> out;
  for (std::size_t i = 0; i < list->size(); ++i) {
    const auto v = list->get(static_cast<unsigned>(i));
    if (!v.isString()) throw Malformed("\"" + key + "\" must be an array of hashes");
    out.push_back(hashOf(v.extract<std::string>(), key + "[" + std::to_string(i) + "]"));
  }
  return out;
}

// A tree head as the API shows it (`tree_head`) and as `regfed audit head` writes it.
audit::TreeHead headOf(const Object::Ptr& o) {
  audit::TreeHead h;
  h.node = textOf(o, "node");
  h.size = numberOf(o, "size");
  h.root = hashOf(textOf(o, "root"), "root");
  h.time = textOf(o, "time");
  h.keyId = textOf(o, "key_id");
  if (!audit::hexToBytes(textOf(o, "signature"), h.signature)) throw Malformed("signature is not hex");
  return h;
}

// The optional head member `key` of a proof: nullopt when null or absent.
std::optional<audit::TreeHead> optionalHead(const Object::Ptr& o, const std::string& key) {
  if (!o->has(key) || o->isNull(key)) return std::nullopt;
  auto head = o->getObject(key);
  if (!head) throw Malformed("\"" + key + "\" must be an object or null");
  try {
    return headOf(head);
  } catch (const Malformed& e) {
    throw Malformed(key + ": " + e.what());
  }
}

std::string headJson(const audit::TreeHead& h) {
  JsonWriter w;
  w.beginObject().key("node").value(h.node).key("size").value(h.size).key("root").value(audit::toHex(h.root));
  w.key("time")
      .value(h.time)
      .key("key_id")
      .value(h.keyId)
      .key("signature")
      .value(audit::bytesToHex(h.signature));
  w.endObject();
  return w.str();
}

// The key a node's config names for verification: audit.verify_key when set, else the signing key's public
// half.
audit::TreeHeadSigner configKey(const Config& c) {
  return c.audit.verifyKey.empty() ? audit::TreeHeadSigner::fromPrivateKeyFile(c.audit.signingKey)
                                   : audit::TreeHeadSigner::fromPublicKeyFile(c.audit.verifyKey);
}

std::vector<audit::TreeHeadSigner> keysOf(const Flags& f, const Config* c) {
  std::vector<audit::TreeHeadSigner> keys;
  for (const auto& path : f.all("key")) keys.push_back(audit::TreeHeadSigner::fromPublicKeyFile(path));
  if (keys.empty() && c) keys.push_back(configKey(*c));
  if (keys.empty())
    throw std::invalid_argument(
        "--key is required: the node's tree-head public key (regfed audit key prints it)");
  return keys;
}

std::string keyIds(const std::vector<audit::TreeHeadSigner>& keys) {
  std::string out;
  for (const auto& k : keys) out += (out.empty() ? "" : ", ") + k.keyId();
  return out;
}

// Empty when `head` is signed by one of `keys`, else why not.
std::string signatureProblem(const audit::TreeHead& head, const std::vector<audit::TreeHeadSigner>& keys) {
  for (const auto& k : keys)
    if (k.keyId() == head.keyId)
      return k.verify(head) ? "" : "its signature does not verify under key " + k.keyId();
  return "it names key " + head.keyId + ", which is none of the keys given (" + keyIds(keys) + ")";
}

// The only node with events in the log; a usage error naming them when there are several.
std::string soleNode(const std::string& dsn) {
  pqxx::connection c(dsn);
  pqxx::nontransaction tx(c);
  std::vector<std::string> nodes;
  for (const auto& row : tx.exec("SELECT DISTINCT node FROM regfed_audit.events ORDER BY node"))
    nodes.push_back(row[0].as<std::string>());
  if (nodes.empty()) throw std::runtime_error("the audit log in this database has no events");
  if (nodes.size() > 1) {
    std::string list;
    for (const auto& n : nodes) list += (list.empty() ? "" : ", ") + n;
    throw std::invalid_argument("the database holds the logs of several nodes (" + list +
                                "): say which with --node");
  }
  return nodes.front();
}

// Verification needs no rights to change anything; say so when the connection has them.
void warnIfWritable(const std::string& dsn) {
  pqxx::connection c(dsn);
  pqxx::nontransaction tx(c);
  auto row = tx.exec(
      "SELECT current_user, has_table_privilege('regfed_audit.events', 'INSERT') OR "
      "has_any_column_privilege('regfed_audit.events', 'UPDATE') OR "
      "has_table_privilege('regfed_audit.events', 'DELETE')")[0];
  if (row[1].as<bool>())
    std::cerr << "note: connected as " << row[0].as<std::string>()
              << ", which may change audit rows; verification needs only the read-only auditor role\n";
}

// The node's log against what its peers cosigned: each peer's own record of the newest head it cosigned
// (asked over the federation, so a log rewritten together with its stored cosignatures is still caught), and
// every cosignature stored with the log, made with the key its witness uses. Returns the first problem, or
// ""; `witnesses` says how many peers vouched for the log.
std::string checkWitnesses(const Config& c, audit::AuditStore& store, int& witnesses) {
  witnesses = 0;
  const std::vector<audit::Hash> leaves = store.leafHashes(c.nodeId);  // checked against the events just now
  const auto size = static_cast<std::int64_t>(leaves.size());
  auto stored = store.cosignatures(c.nodeId);  // by size
  // The log's root at every size someone cosigned, in one pass over the leaves.
  std::map<std::int64_t, audit::Hash> roots;
  for (const auto& s : stored) roots[s.size];
  log::setInfo(false);                          // the peers' connection chatter is not this command's output
  std::map<std::string, std::string> liveKeys;  // witness name -> public key, as the peer says over mTLS
  std::vector<std::pair<std::string, WitnessedView>> views;
  std::unique_ptr<Federation> federation;
  try {
    Metrics metrics;
    federation = std::make_unique<Federation>(c, metrics);
    for (const auto& peer : c.federation.peers) {
      std::string why;
      auto view = federation->witnessedHead(peer.node,
                                            std::chrono::steady_clock::now() + std::chrono::seconds(10), why);
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
             ": events were removed, or the database was restored from an older backup (the events since are "
             "lost)";
    if (roots.at(at) != root)
      return who + " cosigned a different log at " + std::to_string(at) + " events (root " +
             audit::toHex(root) + ", the log now " + audit::toHex(roots.at(at)) + "): the log was rewritten";
    if (!cosignature.verify(audit::checkpointBody(c.nodeId, at, root)))
      return "the cosignature of " + who + " at " + std::to_string(at) + " events does not verify";
    return "";
  };
  for (const auto& [node, view] : views) {
    if (auto problem = matches(view.size, view.root, *view.cosignature, "witness " + node); !problem.empty())
      return problem;
    std::cerr << "  witness " << node << ": its newest cosignature (" << view.size
              << " events) matches the log\n";
    ++witnesses;
  }
  for (const auto& s : stored) {
    // A stored cosignature counts only with the key its witness uses (a forger could store their own).
    if (auto key = liveKeys.find(s.cosignature.witness);
        key != liveKeys.end() && key->second != s.cosignature.publicKey)
      return "the stored cosignature of " + s.cosignature.witness + " at " + std::to_string(s.size) +
             " events was made with another key than that witness uses";
    if (auto problem = matches(s.size, s.root, s.cosignature, s.cosignature.witness); !problem.empty())
      return problem;
  }
  std::cerr << "  " << stored.size() << " stored cosignatures match the log\n";
  return "";
}

// The newest cosigned checkpoint as a C2SP note: body, then one cosignature/v1 line per witness.
int auditCheckpoint(const Flags& f) {
  Config c = loadOrExit(f.required("config"));
  audit::AuditStore store(c.audit.dsn);
  const auto all = store.cosignatures(c.nodeId);
  if (!c.audit.witnessKey.empty() && Poco::File(c.audit.witnessKey).exists()) {
    audit::WitnessKey key = audit::WitnessKey::loadOrCreate(c.audit.witnessKey, c.nodeId);
    std::cerr << "witness key of this node (vkey): " << audit::verifierKey(key.name(), key.publicKey())
              << "\n";
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

// The tree-head key from the node's config (PEM on stdout, key id on stderr), or the key history of a log.
int auditKey(const Flags& f) {
  if (f.has("config") == f.has("dsn")) throw std::invalid_argument("give either --config or --dsn");
  if (f.has("config")) {
    Config c = loadOrExit(f.required("config"));
    // Derived from the signing key itself where this host has it.
    const audit::TreeHeadSigner key = Poco::File(c.audit.signingKey).exists()
                                          ? audit::TreeHeadSigner::fromPrivateKeyFile(c.audit.signingKey)
                                          : configKey(c);
    std::cout << key.publicKeyPem();
    std::cerr << "key id " << key.keyId() << " (tree heads of node " << c.nodeId << ")\n";
    return 0;
  }
  const std::string dsn = f.required("dsn");
  const std::string node = f.has("node") ? f.required("node") : soleNode(dsn);
  audit::AuditStore store(dsn);
  const auto keys = store.signingKeys(node);
  if (keys.empty()) {
    std::cerr << "no signing key is recorded for node " << node << "\n";
    return 1;
  }
  for (const auto& k : keys)
    std::cout << "key " << k.keyId << " first used " << k.firstUsed << "\n" << k.publicKey;
  return 0;
}

// The newest signed head as one JSON object: what a DPO keeps for `audit verify --since`.
int auditHead(const Flags& f) {
  std::optional<Config> c;
  if (f.has("config")) c = loadOrExit(f.required("config"));
  if (!c && !f.has("dsn")) throw std::invalid_argument("--dsn (or --config) is required");
  const std::string dsn = f.has("dsn") ? f.required("dsn") : c->audit.dsn;
  const std::string node = f.has("node") ? f.required("node") : c ? c->nodeId : soleNode(dsn);
  audit::AuditStore store(dsn);
  const auto heads = store.treeHeads(node);
  if (heads.empty()) {
    std::cerr << "node " << node << " has no signed tree head yet\n";
    return 1;
  }
  const audit::TreeHead& head = heads.back();
  // Keep nothing unchecked: with a key at hand, the head must carry its signature.
  if (c || f.has("key")) {
    const auto keys = keysOf(f, c ? &*c : nullptr);
    if (auto problem = signatureProblem(head, keys); !problem.empty()) {
      std::cerr << "the newest tree head (size " << head.size << ") is not valid: " << problem << "\n";
      return 1;
    }
  }
  std::cout << headJson(head) << "\n";
  return 0;
}

int auditVerify(const Flags& f) {
  std::optional<Config> c;
  if (f.has("config")) c = loadOrExit(f.required("config"));
  if (!c && !f.has("dsn")) throw std::invalid_argument("--dsn (with --key) or --config is required");
  const std::string dsn = f.has("dsn") ? f.required("dsn") : c->audit.dsn;
  const std::vector<audit::TreeHeadSigner> keys = keysOf(f, c ? &*c : nullptr);
  const std::string node = f.has("node") ? f.required("node") : c ? c->nodeId : soleNode(dsn);
  // Heads kept outside the database: the node's own file, a copy the DPO holds (--heads), a head kept
  // (--since).
  const std::string headFile = f.has("heads") ? f.required("heads") : c ? c->audit.headLog : "";
  std::vector<audit::TreeHead> fileHeads;
  if (!headFile.empty()) fileHeads = audit::TreeHeadLog(headFile).read(node);
  std::optional<audit::TreeHead> kept;
  if (f.has("since")) {
    try {
      kept = headOf(readJsonFile(f.required("since")));
    } catch (const Malformed& e) {
      std::cout << "FAILED: the kept head " << f.get("since") << " is malformed: " << e.what() << "\n";
      return 1;
    }
    if (kept->node != node) {
      std::cout << "FAILED: the kept head is of node " << kept->node << ", not of node " << node << "\n";
      return 1;
    }
    if (auto problem = signatureProblem(*kept, keys); !problem.empty()) {
      std::cout << "FAILED: forged head: the kept head (size " << kept->size
                << ") is not the node's: " << problem << "\n";
      return 1;
    }
    fileHeads.push_back(*kept);
  }
  if (!c) warnIfWritable(dsn);
  audit::AuditStore store(dsn);
  std::string outside;
  if (!headFile.empty())
    outside =
        "the head file " + headFile + " (" + std::to_string(fileHeads.size() - (kept ? 1 : 0)) + " heads)";
  if (kept)
    outside += (outside.empty() ? "" : " and ") + std::string("the kept head of ") +
               std::to_string(kept->size) + " events";
  std::cerr << "verifying the audit log of node " << node << " with key " << keyIds(keys) << ", also against "
            << (outside.empty() ? "no heads kept outside the database" : outside) << "\n";
  // One line updated in place on a terminal; otherwise at most one line a second (logs stay readable).
  const bool terminal = ::isatty(STDERR_FILENO) == 1;
  auto lastReport = std::chrono::steady_clock::now();
  std::vector<const audit::TreeHeadSigner*> keyList;
  for (const auto& k : keys) keyList.push_back(&k);
  const auto result = audit::verifyLog(
      store, node, keyList,
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
    std::cout << "FAILED: first bad event " << *result.firstBadSeq << ": " << result.problem;
    if (kept && result.problem.find("two different signed tree heads") != std::string::npos)
      std::cout << "; the head kept with --since is signed but not part of this log: the log was rewritten "
                   "or forked";
    std::cout << "\n";
    return 1;
  }
  std::string witnessed;
  if (c && c->federation.enabled() && node == c->nodeId) {
    int witnesses = 0;
    const std::string problem = checkWitnesses(*c, store, witnesses);
    if (!problem.empty()) {
      std::cout << "FAILED: " << problem << "\n";
      return 1;
    }
    witnessed = witnesses > 0 ? "; " + std::to_string(witnesses) + " of " +
                                    std::to_string(c->federation.peers.size()) + " peers' cosignatures match"
                              : "; NOT checked against any peer's cosignature (none could be asked)";
  }
  std::cout << "OK: " << result.size << " events, root " << audit::toHex(result.root) << ", "
            << result.headsChecked << " signed tree heads verified";
  if (result.latestHead)
    std::cout << ", newest covers " << result.latestHead->size << " events (signed "
              << result.latestHead->time << ")";
  if (kept)
    std::cout << "; the kept head of " << kept->size << " events (signed " << kept->time << ") is in the log";
  if (result.unsignedEvents > 0)
    std::cout << "; " << result.unsignedEvents
              << " newer events are hash-checked and await the next signed head";
  if (result.prunedEvents > 0)
    std::cout
        << "; " << result.prunedEvents
        << " events were pruned by retention (their payload is gone, their stored leaf hashes are checked "
           "against the signed heads)";
  std::cout << witnessed << "\n";
  return 0;
}

// Why a head that comes with a proof does not vouch for (size, root), or "".
std::string headProblem(const std::string& what, const audit::TreeHead& h, const std::string& node,
                        std::int64_t size, const audit::Hash& root,
                        const std::vector<audit::TreeHeadSigner>& keys) {
  if (h.node != node) return what + " is of node " + h.node + ", the proof of node " + node;
  if (h.size != size)
    return what + " covers " + std::to_string(h.size) + " events, the proof " + std::to_string(size);
  if (h.root != root) return what + " has another root than the proof at " + std::to_string(size) + " events";
  if (auto problem = signatureProblem(h, keys); !problem.empty()) return what + " is forged: " + problem;
  return "";
}

// Checks a proof as the API serves it, trusting nothing the node says. Returns "" and fills `ok`, or the
// reason.
std::string checkProof(const Object::Ptr& p, const std::vector<audit::TreeHeadSigner>& keys,
                       const std::optional<audit::TreeHead>& kept, std::string& ok) {
  const std::string node = textOf(p, "node");
  std::vector<std::string> vouched;
  if (p->has("leaf_index")) {
    const std::int64_t size = numberOf(p, "size"), index = numberOf(p, "leaf_index");
    if (size < 1 || index < 0 || index >= size)
      return "leaf_index " + std::to_string(index) + " is not in a tree of " + std::to_string(size);
    if (p->has("seq") && numberOf(p, "seq") != index + 1) return "seq and leaf_index disagree";
    const audit::Hash leafHash = hashOf(textOf(p, "leaf_hash"), "leaf_hash");
    const audit::Hash root = hashOf(textOf(p, "root"), "root");
    if (p->has("leaf") && !p->isNull("leaf")) {
      const std::string leaf = textOf(p, "leaf");
      if (audit::leafHash(leaf) != leafHash)
        return "the leaf does not hash to leaf_hash (the event was changed)";
      Object::Ptr event;
      try {
        event = Poco::JSON::Parser().parse(leaf).extract<Object::Ptr>();
      } catch (const Poco::Exception&) {
        return "the leaf is not an audit event";
      }
      // Format 5: the personal part that came along must be what the leaf's digest says.
      if (p->has("personal") && !p->isNull("personal") &&
          (!event->has("personal") ||
           audit::toHex(audit::sha256Of(textOf(p, "personal"))) != textOf(event, "personal")))
        return "the personal part does not hash to the leaf's \"personal\" (it was changed)";
      if (numberOf(event, "seq") != index + 1 || textOf(event, "node") != node)
        return "the leaf is event " + std::to_string(numberOf(event, "seq")) + " of node " +
               textOf(event, "node") + ", not event " + std::to_string(index + 1) + " of node " + node;
    }
    if (!audit::verifyInclusion(index, size, leafHash, hashesOf(p, "audit_path"), root))
      return "the audit path does not lead from the leaf to the root";
    if (auto head = optionalHead(p, "tree_head")) {
      if (auto problem = headProblem("tree_head", *head, node, size, root, keys); !problem.empty())
        return problem;
      vouched.push_back("signed head of " + head->time + " verified with key " + head->keyId);
    }
    if (kept) {
      if (kept->size != size || kept->root != root)
        return "the proof's tree (" + std::to_string(size) + " events) is not the kept head's (" +
               std::to_string(kept->size) + " events, root " + audit::toHex(kept->root) + ")";
      vouched.push_back("the root is the kept head's");
    }
    ok = "event " + std::to_string(index + 1) + " is in the log of node " + node + " at " +
         std::to_string(size) + " events, root " + audit::toHex(root);
  } else if (p->has("from") && p->has("to")) {
    const std::int64_t from = numberOf(p, "from"), to = numberOf(p, "to");
    const audit::Hash fromRoot = hashOf(textOf(p, "from_root"), "from_root");
    const audit::Hash toRoot = hashOf(textOf(p, "to_root"), "to_root");
    if (!audit::verifyConsistency(from, fromRoot, to, toRoot, hashesOf(p, "proof")))
      return "the log at " + std::to_string(to) + " events is not an extension of the log at " +
             std::to_string(from) + " events (the consistency proof does not verify)";
    if (auto head = optionalHead(p, "from_head")) {
      if (auto problem = headProblem("from_head", *head, node, from, fromRoot, keys); !problem.empty())
        return problem;
      vouched.push_back("from_head verified with key " + head->keyId);
    }
    if (auto head = optionalHead(p, "to_head")) {
      if (auto problem = headProblem("to_head", *head, node, to, toRoot, keys); !problem.empty())
        return problem;
      vouched.push_back("to_head verified with key " + head->keyId);
    }
    if (kept) {
      if (kept->node != node) return "the kept head is of node " + kept->node + ", the proof of node " + node;
      if (kept->size != from)
        return "the proof starts at " + std::to_string(from) + " events, the kept head covers " +
               std::to_string(kept->size) + " (ask for ?from=" + std::to_string(kept->size) + ")";
      if (kept->root != fromRoot)
        return "fork: the log's root at " + std::to_string(from) + " events is not the kept head's root " +
               audit::toHex(kept->root) + " (the log was rewritten, or the proof replays another log)";
      vouched.push_back("it starts at the kept head");
    }
    ok = "the log of node " + node + " at " + std::to_string(to) + " events extends the log at " +
         std::to_string(from) + " events";
  } else {
    return "neither an inclusion proof (leaf_index) nor a consistency proof (from, to)";
  }
  if (vouched.empty())
    ok += "; NOTE: no signed head vouches for the root, the proof only shows consistency with it";
  for (const auto& v : vouched) ok += "; " + v;
  return "";
}

int auditProofCheck(const std::string& file, const Flags& f) {
  const std::vector<audit::TreeHeadSigner> keys = keysOf(f, nullptr);
  std::string reason, ok;
  try {
    std::optional<audit::TreeHead> kept;
    if (f.has("since")) {
      kept = headOf(readJsonFile(f.required("since")));
      if (auto problem = signatureProblem(*kept, keys); !problem.empty())
        reason = "forged head: the kept head is not the node's: " + problem;
    }
    if (reason.empty()) reason = checkProof(readJsonFile(file), keys, kept, ok);
  } catch (const Malformed& e) {
    reason = std::string("malformed: ") + e.what();
  }
  if (!reason.empty()) {
    std::cout << "FAILED: " << reason << "\n";
    return 1;
  }
  std::cout << "OK: " << ok << "\n";
  return 0;
}

// Closed alerts, closed reviews and past emergency activations older than their retention, from the node's
// own tables; one regfed_audit.prunings row per table with rows deleted.
std::vector<audit::PruneResult> pruneOversight(const std::string& dsn, const Config& c,
                                               const std::string& today, bool dryRun) {
  struct Table {
    const char* category;
    std::int64_t months;
    const char* from;
    const char* where;
  };
  const RetentionConfig& r = c.retention;
  const std::vector<Table> tables = {
      {"alerts", r.alertsMonths, "regfed.alerts", "status = 'closed' AND closed_at < $1::timestamptz"},
      {"reviews", r.reviewsMonths, "regfed.reviews", "status = 'closed' AND closed_at < $1::timestamptz"},
      {"emergency_windows", r.emergencyWindowsMonths, "regfed.emergency_activations",
       "ends_at < $1::timestamptz"}};
  pqxx::connection conn(dsn);
  std::vector<audit::PruneResult> out;
  for (const auto& t : tables) {
    audit::PruneResult result;
    result.category = t.category;
    result.months = t.months;
    pqxx::work tx(conn);
    const std::string utc = " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')";
    result.cutoff =
        (today.empty()
             ? tx.exec_params("SELECT to_char((now() - make_interval(months => $1::int))" + utc,
                              static_cast<int>(t.months))
             : tx.exec_params("SELECT to_char((($1::date - make_interval(months => $2::int))::timestamp "
                              "AT TIME ZONE 'Europe/Berlin')" +
                                  utc,
                              today, static_cast<int>(t.months)))[0][0]
            .as<std::string>();
    const std::string sql = dryRun ? std::string("SELECT count(*) FROM ") + t.from + " WHERE " + t.where
                                   : std::string("WITH gone AS (DELETE FROM ") + t.from + " WHERE " +
                                         t.where + " RETURNING 1) SELECT count(*) FROM gone";
    result.events = tx.exec_params(sql, result.cutoff)[0][0].as<std::int64_t>();
    if (!dryRun && result.events > 0)
      tx.exec_params(
          "INSERT INTO regfed_audit.prunings (node, category, cutoff, events) VALUES ($1, $2, "
          "$3::timestamptz, $4)",
          c.nodeId, result.category, result.cutoff, result.events);
    tx.commit();
    out.push_back(result);
  }
  return out;
}

int auditPrune(const Flags& f) {
  Config c = loadOrExit(f.required("config"));
  const std::string dsn = f.required("dsn");
  const bool dryRun = f.has("dry-run");
  const std::string today = f.get("today");
  // A date in the future would clear what the law says to keep (the database refuses it anyway).
  if (!today.empty() && today > formatDay(berlinToday()))
    throw std::invalid_argument("--today " + today + " is in the future; retention counts back from today");
  audit::RetentionPolicy policy;
  policy.registerAccessMonths = c.retention.registerAccessMonths;
  policy.idnrTransfersMonths = c.retention.idnrTransfersMonths;
  policy.idnrFields = c.retention.idnrFields;
  policy.auditReviewMonths = c.retention.auditReviewMonths;
  policy.mandatesMonths = c.retention.mandatesMonths;
  std::vector<audit::PruneResult> results = audit::pruneEvents(dsn, c.nodeId, policy, today, dryRun);
  for (auto& r : pruneOversight(dsn, c, today, dryRun)) results.push_back(r);
  std::cout << (dryRun ? "retention (dry run, nothing changed)" : "retention") << " of node " << c.nodeId
            << (today.empty() ? "" : " as of " + today) << ":\n";
  std::int64_t total = 0;
  for (const auto& r : results) {
    const bool isEvents =
        r.category != "alerts" && r.category != "reviews" && r.category != "emergency_windows";
    std::string line =
        "  " + r.category + std::string(20 - std::min<std::size_t>(19, r.category.size()), ' ') +
        std::to_string(r.months) + " months, before " + r.cutoff + ": " + std::to_string(r.events) +
        (isEvents ? (r.events == 1 ? " event" : " events") : (r.events == 1 ? " row" : " rows")) +
        (isEvents ? (dryRun ? " to prune" : " pruned") : (dryRun ? " to delete" : " deleted"));
    if (r.firstSeq)
      line += " (seq " + std::to_string(*r.firstSeq) + " to " + std::to_string(*r.lastSeq) + ")";
    std::cout << line << "\n";
    total += r.events;
  }
  std::cout << (dryRun ? "would change " : "changed ") << total << " in all\n";
  return 0;
}

}  // namespace

int runAudit(int argc, char** argv) {
  const std::string sub = argc > 2 ? argv[2] : "";
  if (sub == "key") return auditKey(Flags(argc, argv, 3, {"config", "dsn", "node"}));
  if (sub == "head") return auditHead(Flags(argc, argv, 3, {"config", "dsn", "node", "key"}, {}, {"key"}));
  if (sub == "verify")
    return auditVerify(Flags(argc, argv, 3, {"config", "dsn", "key", "node", "heads", "since"}, {}, {"key"}));
  if (sub == "checkpoint") return auditCheckpoint(Flags(argc, argv, 3, {"config"}));
  if (sub == "proof") {
    if (argc < 5 || std::string(argv[3]) != "check" || std::string(argv[4]).rfind("--", 0) == 0)
      throw std::invalid_argument("usage: regfed audit proof check FILE --key PUB.pem");
    return auditProofCheck(argv[4], Flags(argc, argv, 5, {"key", "since"}, {}, {"key"}));
  }
  if (sub == "prune") return auditPrune(Flags(argc, argv, 3, {"config", "dsn", "today"}, {"dry-run"}));
  throw std::invalid_argument(sub.empty() ? "regfed audit needs a subcommand"
                                          : "unknown subcommand 'audit " + sub + "'");
}

}  // namespace regfed::core::cli
