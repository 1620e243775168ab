#include "Config.h"

#include <Poco/File.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Path.h>
#include <libpq-fe.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "DataRequest.h"

namespace regfed::core {

using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;

bool isAgs(const std::string& text) {
  static const std::regex ags(R"(\d{8})");
  return std::regex_match(text, ags);
}

bool NetworkRange::contains(const Poco::Net::IPAddress& host) const {
  Poco::Net::IPAddress h = host;
  // An IPv4 client on an IPv6 socket shows as ::ffff:a.b.c.d.
  if (h.family() == Poco::Net::IPAddress::IPv6 && address.family() == Poco::Net::IPAddress::IPv4 &&
      h.isIPv4Mapped())
    h = Poco::Net::IPAddress(h.toString().substr(7));
  if (h.family() != address.family()) return false;
  const Poco::Net::IPAddress mask(prefix, address.family());
  return (h & mask) == (address & mask);
}

std::optional<NetworkRange> parseNetworkRange(const std::string& text) {
  const auto slash = text.find('/');
  Poco::Net::IPAddress address;
  if (!Poco::Net::IPAddress::tryParse(text.substr(0, slash), address)) return std::nullopt;
  const unsigned bits = address.family() == Poco::Net::IPAddress::IPv4 ? 32 : 128;
  unsigned prefix = bits;
  if (slash != std::string::npos) {
    const std::string p = text.substr(slash + 1);
    if (p.empty() || p.size() > 3 || p.find_first_not_of("0123456789") != std::string::npos)
      return std::nullopt;
    prefix = static_cast<unsigned>(std::stoi(p));
    if (prefix > bits) return std::nullopt;
  }
  return NetworkRange{address, prefix};
}

namespace {

bool isLocalHost(const std::string& host) {
  if (host.empty() || host[0] == '/' || host[0] == '@' || host == "localhost") return true;
  Poco::Net::IPAddress address;
  return Poco::Net::IPAddress::tryParse(host, address) && address.isLoopback();
}

std::vector<std::string> splitComma(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) out.push_back(item);
  if (text.empty()) out.push_back("");
  return out;
}

}  // namespace

std::vector<std::string> unprotectedDatabaseHosts(const std::string& dsn) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(dsn.c_str(), &error);
  if (!options) {
    if (error) PQfreemem(error);
    return {"(unparsable)"};
  }
  std::string host, hostaddr, sslmode, service;
  for (PQconninfoOption* o = options; o->keyword; ++o) {
    if (!o->val) continue;
    const std::string keyword = o->keyword;
    if (keyword == "host") host = o->val;
    if (keyword == "hostaddr") hostaddr = o->val;
    if (keyword == "sslmode") sslmode = o->val;
    if (keyword == "service") service = o->val;
  }
  PQconninfoFree(options);
  // What the string leaves open, libpq takes from the environment (and from pg_service.conf, which regfed
  // does not read: a service name hides where the connection goes).
  if (!service.empty()) return {"(service)"};
  auto fromEnvironment = [](std::string& value, const char* variable) {
    if (const char* v = std::getenv(variable); value.empty() && v) value = v;
  };
  fromEnvironment(host, "PGHOST");
  fromEnvironment(hostaddr, "PGHOSTADDR");
  fromEnvironment(sslmode, "PGSSLMODE");
  if (sslmode == "verify-ca" || sslmode == "verify-full") return {};
  std::vector<std::string> remote;
  // hostaddr, when given, is where libpq really connects.
  for (const auto& h : splitComma(hostaddr.empty() ? host : hostaddr))
    if (!isLocalHost(h)) remote.push_back(h);
  return remote;
}

std::string Config::municipalityName(const std::string& ags) const {
  for (const auto& m : municipalities)
    if (m.ags == ags) return m.name;
  return "";
}

std::string Config::federationMunicipalityName(const std::string& ags) const {
  if (auto name = municipalityName(ags); !name.empty()) return name;
  if (const PeerConfig* peer = peerHosting(ags))
    for (const auto& m : peer->municipalities)
      if (m.ags == ags) return m.name;
  return "";
}

namespace {

// Walks the JSON tree, collecting problems with their key paths instead of stopping at the first.
class Checker {
 public:
  Checker(std::vector<std::string>& problems, std::string baseDir)
      : problems_(problems), baseDir_(std::move(baseDir)) {}

  void problem(const std::string& path, const std::string& message) {
    problems_.push_back(path + ": " + message);
  }

  // Reports keys that are not part of the schema (usually typos).
  void onlyKeys(const Object::Ptr& o, const std::string& path, const std::set<std::string>& allowed) {
    std::vector<std::string> names;
    o->getNames(names);
    for (const auto& n : names)
      if (!allowed.count(n)) problem(join(path, n), "unknown key");
  }

  Object::Ptr object(const Object::Ptr& parent, const std::string& key, const std::string& path,
                     bool required) {
    if (!parent->has(key)) {
      if (required) problem(join(path, key), "is required");
      return nullptr;
    }
    Var v = parent->get(key);
    if (v.type() != typeid(Object::Ptr)) {
      problem(join(path, key), "must be an object");
      return nullptr;
    }
    return v.extract<Object::Ptr>();
  }

  Array::Ptr array(const Object::Ptr& parent, const std::string& key, const std::string& path,
                   bool required) {
    if (!parent->has(key)) {
      if (required) problem(join(path, key), "is required");
      return nullptr;
    }
    Var v = parent->get(key);
    if (v.type() != typeid(Array::Ptr)) {
      problem(join(path, key), "must be an array");
      return nullptr;
    }
    return v.extract<Array::Ptr>();
  }

  std::string text(const Object::Ptr& parent, const std::string& key, const std::string& path, bool required,
                   const std::string& fallback = "") {
    if (!parent->has(key) || parent->get(key).isEmpty()) {
      if (required) problem(join(path, key), "is required");
      return fallback;
    }
    Var v = parent->get(key);
    if (!v.isString()) {
      problem(join(path, key), "must be a string");
      return fallback;
    }
    std::string s = v.extract<std::string>();
    if (required && s.empty()) problem(join(path, key), "must not be empty");
    return s;
  }

  std::int64_t integer(const Object::Ptr& parent, const std::string& key, const std::string& path,
                       std::int64_t fallback, std::int64_t min, std::int64_t max) {
    if (!parent->has(key)) return fallback;
    Var v = parent->get(key);
    if (!v.isInteger()) {
      problem(join(path, key), "must be a whole number");
      return fallback;
    }
    Poco::Int64 n = 0;
    try {
      n = v.convert<Poco::Int64>();
    } catch (const Poco::RangeException&) {
      problem(join(path, key), "must be between " + std::to_string(min) + " and " + std::to_string(max));
      return fallback;
    }
    if (n < min || n > max) {
      problem(join(path, key), "must be between " + std::to_string(min) + " and " + std::to_string(max) +
                                   " (got " + std::to_string(n) + ")");
      return fallback;
    }
    return n;
  }

  // A file path, resolved against the config's folder; checked for existence when mustExist.
  std::string file(const Object::Ptr& parent, const std::string& key, const std::string& path, bool required,
                   bool mustExist) {
    std::string value = text(parent, key, path, required);
    if (value.empty()) return value;
    std::string resolved = Poco::Path(baseDir_).resolve(Poco::Path(value)).toString();
    if (mustExist && !Poco::File(resolved).exists()) problem(join(path, key), "file not found: " + resolved);
    return resolved;
  }

  static std::string join(const std::string& path, const std::string& key) {
    return path.empty() ? key : path + "." + key;
  }
  static std::string at(const std::string& path, std::size_t i) {
    return path + "[" + std::to_string(i) + "]";
  }

 private:
  std::vector<std::string>& problems_;
  std::string baseDir_;
};

template <class T>
bool oneOf(const std::string& value, const std::vector<std::pair<const char*, T>>& table, T& out) {
  for (const auto& [name, v] : table)
    if (value == name) {
      out = v;
      return true;
    }
  return false;
}

void loadFields(Checker& c, const Array::Ptr& fields, const std::string& path, RegisterConfig& reg) {
  static const std::regex fieldName(R"([a-z][a-z0-9_]{0,62})");
  using sdk::Classification;
  using sdk::FieldType;
  const std::vector<std::pair<const char*, FieldType>> types = {{"string", FieldType::String},
                                                                {"date", FieldType::Date},
                                                                {"integer", FieldType::Integer},
                                                                {"boolean", FieldType::Boolean}};
  const std::vector<std::pair<const char*, Classification>> classes = {
      {"intern", Classification::Intern},
      {"vertraulich", Classification::Vertraulich},
      {"streng_vertraulich", Classification::StrengVertraulich}};
  std::set<std::string> seen;
  for (std::size_t i = 0; i < fields->size(); ++i) {
    const std::string p = Checker::at(path, i);
    if (fields->get(static_cast<unsigned>(i)).type() != typeid(Object::Ptr)) {
      c.problem(p, "must be an object");
      continue;
    }
    auto f = fields->getObject(static_cast<unsigned>(i));
    c.onlyKeys(f, p, {"name", "type", "classification", "source"});
    sdk::FieldSpec spec;
    spec.name = c.text(f, "name", p, true);
    if (!spec.name.empty() && !std::regex_match(spec.name, fieldName))
      c.problem(p + ".name",
                "must be lower-case letters, digits and underscores (got \"" + spec.name + "\")");
    if (!spec.name.empty() && !seen.insert(spec.name).second)
      c.problem(p + ".name", "duplicate field \"" + spec.name + "\"");
    std::string type = c.text(f, "type", p, true);
    if (!type.empty() && !oneOf(type, types, spec.type))
      c.problem(p + ".type", "must be one of string, date, integer, boolean (got \"" + type + "\")");
    std::string cls = c.text(f, "classification", p, true);
    if (!cls.empty() && !oneOf(cls, classes, spec.classification))
      c.problem(p + ".classification",
                "must be one of intern, vertraulich, streng_vertraulich (got \"" + cls + "\")");
    spec.source = c.text(f, "source", p, false);
    reg.fields.push_back(spec);
  }
}

// An adapter's options: plain values, passed on as text.
std::vector<regfed::sdk::Option> adapterOptions(Checker& c, const Object::Ptr& o, const std::string& path) {
  std::vector<regfed::sdk::Option> out;
  if (auto options = c.object(o, "options", path, false)) {
    std::vector<std::string> names;
    options->getNames(names);
    for (const auto& n : names) {
      Var v = options->get(n);
      if (v.isString() || v.isNumeric() || v.isBoolean())
        out.push_back({n, v.toString()});
      else
        c.problem(path + ".options." + n, "must be a string, number or boolean");
    }
  }
  return out;
}

void loadRegisters(Checker& c, const Array::Ptr& registers, Config& config) {
  static const std::regex registerName(R"([a-z][a-z0-9_-]{0,62})");
  std::set<std::string> seen;
  for (std::size_t i = 0; i < registers->size(); ++i) {
    const std::string p = Checker::at("registers", i);
    if (registers->get(static_cast<unsigned>(i)).type() != typeid(Object::Ptr)) {
      c.problem(p, "must be an object");
      continue;
    }
    auto r = registers->getObject(static_cast<unsigned>(i));
    c.onlyKeys(r, p,
               {"ags", "name", "title", "adapter", "id_field", "options", "fields", "timeout_ms",
                "block_fields", "search_criteria", "phonetic_fields"});
    RegisterConfig reg;
    reg.ags = c.text(r, "ags", p, true);
    if (!reg.ags.empty() && config.municipalityName(reg.ags).empty())
      c.problem(p + ".ags",
                "\"" + reg.ags + "\" is not a municipality hosted by this node (see municipalities)");
    reg.name = c.text(r, "name", p, true);
    if (!reg.name.empty() && !std::regex_match(reg.name, registerName))
      c.problem(p + ".name", "must be lower-case letters, digits, '-' and '_' (got \"" + reg.name + "\")");
    if (!reg.ags.empty() && !reg.name.empty() && !seen.insert(reg.ags + "/" + reg.name).second)
      c.problem(p, "register " + reg.ags + "/" + reg.name + " is configured twice");
    reg.title = c.text(r, "title", p, false, reg.name);
    reg.adapter = c.text(r, "adapter", p, true);
    reg.idField = c.text(r, "id_field", p, false, "id");
    reg.timeoutMs = c.integer(r, "timeout_ms", p, 3000, 1, 60000);
    reg.options = adapterOptions(c, r, p);
    if (auto fields = c.array(r, "fields", p, true)) {
      if (fields->size() == 0) c.problem(p + ".fields", "must list at least the id field");
      if (fields->size() > kMaxFieldsPerRegister)
        c.problem(p + ".fields", "lists " + std::to_string(fields->size()) + " fields; at most " +
                                     std::to_string(kMaxFieldsPerRegister) + " are supported");
      loadFields(c, fields, p + ".fields", reg);
      bool hasId = false;
      for (const auto& f : reg.fields) hasId = hasId || f.name == reg.idField;
      if (!hasId && fields->size() > 0)
        c.problem(p + ".id_field", "\"" + reg.idField + "\" is not one of the fields");
    }
    auto fieldOf = [&](const std::string& name) -> const sdk::FieldSpec* {
      for (const auto& f : reg.fields)
        if (f.name == name) return &f;
      return nullptr;
    };
    if (auto blocks = c.array(r, "block_fields", p, false)) {
      for (std::size_t j = 0; j < blocks->size(); ++j) {
        const std::string bp = Checker::at(p + ".block_fields", j);
        std::string name = blocks->get(static_cast<unsigned>(j)).isString()
                               ? blocks->get(static_cast<unsigned>(j)).toString()
                               : "";
        const sdk::FieldSpec* f = fieldOf(name);
        if (!f || f->type != sdk::FieldType::Boolean)
          c.problem(bp, "must name a boolean field of this register");
        else
          reg.blockFields.push_back(name);
      }
    }
    if (auto sets = c.array(r, "search_criteria", p, false)) {
      for (std::size_t j = 0; j < sets->size(); ++j) {
        const std::string sp = Checker::at(p + ".search_criteria", j);
        Var v = sets->get(static_cast<unsigned>(j));
        if (v.type() != typeid(Array::Ptr) || v.extract<Array::Ptr>()->size() == 0) {
          c.problem(sp, "must be a non-empty list of field names");
          continue;
        }
        auto set = v.extract<Array::Ptr>();
        std::vector<std::string> names;
        for (std::size_t k = 0; k < set->size(); ++k) {
          std::string name = set->get(static_cast<unsigned>(k)).isString()
                                 ? set->get(static_cast<unsigned>(k)).toString()
                                 : "";
          if (!fieldOf(name))
            c.problem(Checker::at(sp, k), "\"" + name + "\" is not a field of this register");
          else if (name == reg.idField)
            c.problem(Checker::at(sp, k),
                      "the id field cannot be a search criterion: a record's id is what a search finds");
          else
            names.push_back(name);
        }
        reg.searchCriteria.push_back(names);
      }
    }
    if (auto names = c.array(r, "phonetic_fields", p, false)) {
      for (std::size_t j = 0; j < names->size(); ++j) {
        Var v = names->get(static_cast<unsigned>(j));
        const sdk::FieldSpec* f = v.isString() ? fieldOf(v.toString()) : nullptr;
        if (!f || f->type != sdk::FieldType::String)
          c.problem(Checker::at(p + ".phonetic_fields", j), "must name a text field of this register");
        else
          reg.phoneticFields.push_back(f->name);
      }
    }
    config.registers.push_back(std::move(reg));
  }
}

// A PostgreSQL connection string: database hosts beyond loopback need a verified TLS connection (BSI APP.4.3
// A16), unless the config names the host in database_hosts_without_tls with a reason.
void checkDatabaseTransport(Checker& c, const std::string& where, const std::string& dsn,
                            const Config& config) {
  if (dsn.empty()) return;
  for (const auto& host : unprotectedDatabaseHosts(dsn)) {
    if (host == "(unparsable)") {
      c.problem(where, "is not a PostgreSQL connection string libpq can parse");
      return;
    }
    if (host == "(service)") {
      c.problem(where,
                "names a service (pg_service.conf): give host and sslmode in the connection string, so the "
                "node can check that a database beyond this host is reached over verified TLS");
      return;
    }
    if (config.databaseHostsWithoutTls.count(host)) continue;
    c.problem(where,
              "reaches database host " + host +
                  " without verified TLS: add sslmode=verify-full (and sslrootcert), or name the host in "
                  "database_hosts_without_tls with the reason it is safe (e.g. a local socket or tunnel)");
  }
}

}  // namespace

ConfigLoad loadConfig(const std::string& path) {
  std::ifstream in(Poco::Path(path).absolute().toString());
  if (!in) {
    ConfigLoad load;
    load.config.file = Poco::Path(path).absolute().toString();
    load.problems.push_back("(file): cannot read " + load.config.file);
    return load;
  }
  std::stringstream text;
  text << in.rdbuf();
  return loadConfigText(text.str(), path);
}

namespace {

bool splitHostPort(const std::string& text, std::string& host, int& port) {
  static const std::regex hostPort(R"((.+):(\d{1,5}))");
  std::smatch m;
  if (!std::regex_match(text, m, hostPort) || std::stoi(m[2]) > 65535) return false;
  host = m[1];
  port = std::stoi(m[2]);
  return true;
}

std::vector<MunicipalityConfig> loadMunicipalities(Checker& c, const Array::Ptr& list,
                                                   const std::string& path, std::set<std::string>& seen) {
  std::vector<MunicipalityConfig> out;
  for (std::size_t i = 0; i < list->size(); ++i) {
    const std::string p = Checker::at(path, i);
    if (list->get(static_cast<unsigned>(i)).type() != typeid(Object::Ptr)) {
      c.problem(p, "must be an object");
      continue;
    }
    auto m = list->getObject(static_cast<unsigned>(i));
    c.onlyKeys(m, p, {"ags", "name"});
    MunicipalityConfig mc{c.text(m, "ags", p, true), c.text(m, "name", p, true)};
    if (!mc.ags.empty() && !isAgs(mc.ags)) c.problem(p + ".ags", "must be 8 digits (got \"" + mc.ags + "\")");
    if (!mc.ags.empty() && !seen.insert(mc.ags).second)
      c.problem(p + ".ags", "municipality " + mc.ags + " is hosted twice (each municipality has one node)");
    out.push_back(mc);
  }
  if (list->size() == 0) c.problem(path, "must list at least one municipality");
  return out;
}

void loadFederation(Checker& c, const Object::Ptr& f, Config& config) {
  FederationConfig& fed = config.federation;
  c.onlyKeys(f, "federation",
             {"listen", "ca", "certificate", "private_key", "peers", "max_connections", "max_calls_per_peer",
              "probe_interval_ms", "idle_timeout_ms", "witness_interval_ms"});
  const std::string listen = c.text(f, "listen", "federation", true);
  if (!listen.empty() && !splitHostPort(listen, fed.listenHost, fed.listenPort))
    c.problem("federation.listen", "must be host:port, e.g. 0.0.0.0:7443 (got \"" + listen + "\")");
  fed.ca = c.file(f, "ca", "federation", true, true);
  fed.certificate = c.file(f, "certificate", "federation", true, true);
  fed.privateKey = c.file(f, "private_key", "federation", true, true);
  fed.maxConnections = static_cast<int>(c.integer(f, "max_connections", "federation", 64, 2, 4096));
  fed.maxCallsPerPeer = static_cast<int>(c.integer(f, "max_calls_per_peer", "federation", 16, 1, 1024));
  fed.probeIntervalMs = c.integer(f, "probe_interval_ms", "federation", 5000, 100, 600000);
  fed.idleTimeoutMs = c.integer(f, "idle_timeout_ms", "federation", 60000, 1000, 3600000);
  fed.witnessIntervalMs = c.integer(f, "witness_interval_ms", "federation", 60000, 200, 86400000);
  std::set<std::string> hosted;
  for (const auto& m : config.municipalities) hosted.insert(m.ags);
  std::set<std::string> nodes = {config.nodeId};
  if (auto peers = c.array(f, "peers", "federation", true)) {
    for (std::size_t i = 0; i < peers->size(); ++i) {
      const std::string p = Checker::at("federation.peers", i);
      if (peers->get(static_cast<unsigned>(i)).type() != typeid(Object::Ptr)) {
        c.problem(p, "must be an object");
        continue;
      }
      auto o = peers->getObject(static_cast<unsigned>(i));
      c.onlyKeys(o, p, {"node", "address", "municipalities"});
      PeerConfig peer;
      peer.node = c.text(o, "node", p, true);
      if (!peer.node.empty() && !nodes.insert(peer.node).second)
        c.problem(p + ".node", "node \"" + peer.node + "\" appears twice (or is this node's own id)");
      const std::string address = c.text(o, "address", p, true);
      if (!address.empty() && !splitHostPort(address, peer.host, peer.port))
        c.problem(p + ".address", "must be host:port (got \"" + address + "\")");
      if (auto list = c.array(o, "municipalities", p, true))
        peer.municipalities = loadMunicipalities(c, list, p + ".municipalities", hosted);
      fed.peers.push_back(peer);
    }
  }
}

// Retention periods in months. The law's minimums: §40 BMG keeps register retrievals at least 12 months, §9
// IDNrG keeps IdNr transfers 2 years; nothing is kept longer than ten years.
void loadRetention(Checker& c, const Object::Ptr& r, RetentionConfig& out) {
  c.onlyKeys(r, "retention",
             {"register_access", "idnr_transfers", "idnr_fields", "audit_review", "mandates", "alerts",
              "reviews", "emergency_windows"});
  auto months = [&](const char* key, std::int64_t fallback, std::int64_t minimum, const char* law) {
    std::int64_t n = c.integer(r, key, "retention", fallback, 1, 120);
    if (n < minimum) {
      c.problem(std::string("retention.") + key, "must be at least " + std::to_string(minimum) + " months (" +
                                                     law + "), got " + std::to_string(n));
      n = fallback;
    }
    return n;
  };
  out.registerAccessMonths = months("register_access", out.registerAccessMonths, 12,
                                    "§40 BMG keeps register retrievals at least 12 months");
  out.idnrTransfersMonths = months("idnr_transfers", out.idnrTransfersMonths, 24,
                                   "§9 IDNrG keeps transfers using the ID number 2 years");
  out.auditReviewMonths = months("audit_review", out.auditReviewMonths, 1, "");
  out.mandatesMonths = months("mandates", out.mandatesMonths, 1, "");
  out.alertsMonths = months("alerts", out.alertsMonths, 1, "");
  out.reviewsMonths = months("reviews", out.reviewsMonths, 1, "");
  out.emergencyWindowsMonths = months("emergency_windows", out.emergencyWindowsMonths, 1, "");
  if (auto list = c.array(r, "idnr_fields", "retention", false)) {
    static const std::regex fieldName(R"([a-z][a-z0-9_]{0,62})");
    out.idnrFields.clear();
    for (std::size_t i = 0; i < list->size(); ++i) {
      Var v = list->get(static_cast<unsigned>(i));
      if (!v.isString() || !std::regex_match(v.toString(), fieldName))
        c.problem(Checker::at("retention.idnr_fields", i), "must be a field name");
      else
        out.idnrFields.push_back(v.toString());
    }
  }
}

}  // namespace

const PeerConfig* Config::peerHosting(const std::string& ags) const {
  for (const auto& peer : federation.peers)
    for (const auto& m : peer.municipalities)
      if (m.ags == ags) return &peer;
  return nullptr;
}

std::string withoutComments(const std::string& text) {
  std::string out = text;
  bool inString = false;
  for (std::size_t i = 0; i < out.size(); ++i) {
    const char c = out[i];
    if (inString) {
      if (c == '\\')
        ++i;  // the escaped character, a quote among them
      else if (c == '"')
        inString = false;
    } else if (c == '"') {
      inString = true;
    } else if (c == '/' && i + 1 < out.size() && out[i + 1] == '/') {
      // Blanked, not cut: the parser's positions stay those of the file.
      for (; i < out.size() && out[i] != '\n'; ++i) out[i] = ' ';
    }
  }
  return out;
}

ConfigLoad loadConfigText(const std::string& text, const std::string& path) {
  ConfigLoad load;
  Config& config = load.config;
  config.file = Poco::Path(path).absolute().toString();
  Object::Ptr root;
  try {
    Poco::JSON::Parser parser;
    Var parsed = parser.parse(withoutComments(text));
    if (parsed.type() != typeid(Object::Ptr)) {
      load.problems.push_back("(root): must be a JSON object");
      return load;
    }
    root = parsed.extract<Object::Ptr>();
  } catch (const Poco::Exception& e) {
    load.problems.push_back("(file): not valid JSON: " + e.message());
    return load;
  }
  Checker c(load.problems, Poco::Path(config.file).parent().toString());
  c.onlyKeys(
      root, "",
      {"node", "municipalities", "plugin_dir", "audit", "issuers", "registers", "agreements", "procedures",
       "emergency_window_minutes", "database_hosts_without_tls", "federation", "alerts", "retention"});
  config.emergencyWindowMinutes = c.integer(root, "emergency_window_minutes", "", 240, 1, 1440);
  if (auto hosts = c.object(root, "database_hosts_without_tls", "", false)) {
    std::vector<std::string> names;
    hosts->getNames(names);
    for (const auto& host : names) {
      const std::string reason = c.text(hosts, host, "database_hosts_without_tls", true);
      if (!reason.empty() && reason.size() < 10)
        c.problem(
            "database_hosts_without_tls." + host,
            "say why this host may be reached without TLS (e.g. \"IPsec tunnel to the database server\")");
      config.databaseHostsWithoutTls[host] = reason;
    }
  }

  if (auto node = c.object(root, "node", "", true)) {
    c.onlyKeys(
        node, "node",
        {"id", "listen", "max_threads", "tls", "tls_terminated_by", "limits", "metrics_clients", "web_dir"});
    if (node->has("web_dir")) config.webDir = c.file(node, "web_dir", "node", false, true);
    if (auto tls = c.object(node, "tls", "node", false)) {
      c.onlyKeys(tls, "node.tls", {"certificate", "private_key"});
      config.tlsCertificate = c.file(tls, "certificate", "node.tls", true, true);
      config.tlsPrivateKey = c.file(tls, "private_key", "node.tls", true, true);
    }
    config.tlsTerminatedBy = c.text(node, "tls_terminated_by", "node", false);
    config.maxThreads = static_cast<int>(c.integer(node, "max_threads", "node", 64, 2, 1024));
    // One client address may hold at most half the workers by default, so others are always served.
    config.limits.connectionsPerClient = std::max(1, config.maxThreads / 2);
    if (auto limits = c.object(node, "limits", "node", false)) {
      c.onlyKeys(limits, "node.limits",
                 {"connections_per_client", "max_queued", "header_timeout_ms", "body_timeout_ms",
                  "idle_timeout_ms"});
      HttpLimits& l = config.limits;
      l.connectionsPerClient = static_cast<int>(c.integer(limits, "connections_per_client", "node.limits",
                                                          l.connectionsPerClient, 1, config.maxThreads));
      l.maxQueued = static_cast<int>(c.integer(limits, "max_queued", "node.limits", 64, 1, 100000));
      l.headerTimeoutMs = c.integer(limits, "header_timeout_ms", "node.limits", 5000, 100, 120000);
      l.bodyTimeoutMs = c.integer(limits, "body_timeout_ms", "node.limits", 10000, 100, 300000);
      l.idleTimeoutMs = c.integer(limits, "idle_timeout_ms", "node.limits", 5000, 100, 300000);
    }
    config.metricsClients = {*parseNetworkRange("127.0.0.0/8"), *parseNetworkRange("::1")};
    if (auto clients = c.array(node, "metrics_clients", "node", false)) {
      config.metricsClients.clear();
      for (std::size_t i = 0; i < clients->size(); ++i) {
        Var v = clients->get(static_cast<unsigned>(i));
        auto range = v.isString() ? parseNetworkRange(v.toString()) : std::nullopt;
        if (!range)
          c.problem(Checker::at("node.metrics_clients", i), "must be an address or range such as 10.0.0.0/8");
        else
          config.metricsClients.push_back(*range);
      }
    }
    config.nodeId = c.text(node, "id", "node", true);
    static const std::regex nodeId(R"([A-Za-z0-9][A-Za-z0-9._-]{0,63})");
    if (!config.nodeId.empty() && !std::regex_match(config.nodeId, nodeId))
      c.problem("node.id", "must be letters, digits, '.', '_' and '-' (got \"" + config.nodeId + "\")");
    std::string listen = c.text(node, "listen", "node", true);
    static const std::regex hostPort(R"((.+):(\d{1,5}))");
    std::smatch m;
    if (!listen.empty()) {
      if (std::regex_match(listen, m, hostPort) && std::stoi(m[2]) <= 65535) {
        config.listenHost = m[1];
        config.listenPort = std::stoi(m[2]);
      } else {
        c.problem("node.listen", "must be host:port, e.g. 127.0.0.1:8080 (got \"" + listen + "\")");
      }
    }
    if (!config.listenHost.empty() && config.tlsCertificate.empty() && !isLocalHost(config.listenHost) &&
        config.tlsTerminatedBy.empty())
      c.problem("node.listen",
                "serves plain HTTP on " + config.listenHost +
                    ", beyond loopback: tokens and register data would cross the network unencrypted. Set "
                    "node.tls (certificate and private_key), or node.tls_terminated_by naming the "
                    "TLS-terminating proxy in front of the node");
  }

  if (auto list = c.array(root, "municipalities", "", true)) {
    std::set<std::string> seen;
    config.municipalities = loadMunicipalities(c, list, "municipalities", seen);
  }

  config.pluginDir = c.file(root, "plugin_dir", "", true, true);

  if (auto audit = c.object(root, "audit", "", true)) {
    c.onlyKeys(audit, "audit",
               {"dsn", "owner_dsn", "node_role", "signing_key", "verify_key", "head_log", "witness_key",
                "batch_max_events", "sign_every_events", "sign_interval_ms", "commit_timeout_ms",
                "auditor_role", "pruner_role"});
    AuditConfig& a = config.audit;
    a.dsn = c.text(audit, "dsn", "audit", true);
    a.ownerDsn = c.text(audit, "owner_dsn", "audit", false);
    a.nodeRole = c.text(audit, "node_role", "audit", !a.ownerDsn.empty());
    if (audit->has("auditor_role")) a.auditorRole = c.text(audit, "auditor_role", "audit", false);
    if (audit->has("pruner_role")) a.prunerRole = c.text(audit, "pruner_role", "audit", false);
    if (!a.nodeRole.empty() && (a.nodeRole == a.auditorRole || a.nodeRole == a.prunerRole))
      c.problem("audit.node_role", "must differ from audit.auditor_role and audit.pruner_role");
    a.signingKey = c.file(audit, "signing_key", "audit", true, false);
    a.verifyKey = c.file(audit, "verify_key", "audit", false, true);
    a.headLog = c.file(audit, "head_log", "audit", false, false);
    if (a.headLog.empty() && !a.signingKey.empty()) a.headLog = a.signingKey + ".heads";
    a.witnessKey = c.file(audit, "witness_key", "audit", false, false);
    if (a.witnessKey.empty() && !a.signingKey.empty()) a.witnessKey = a.signingKey + ".witness";
    a.batchMaxEvents = c.integer(audit, "batch_max_events", "audit", 1024, 1, 100000);
    a.signEveryEvents = c.integer(audit, "sign_every_events", "audit", 1000, 1, 10000000);
    a.signIntervalMs = c.integer(audit, "sign_interval_ms", "audit", 10000, 100, 3600000);
    a.commitTimeoutMs = c.integer(audit, "commit_timeout_ms", "audit", 5000, 100, 60000);
    checkDatabaseTransport(c, "audit.dsn", a.dsn, config);
    checkDatabaseTransport(c, "audit.owner_dsn", a.ownerDsn, config);
  }

  if (auto list = c.array(root, "issuers", "", true)) {
    std::set<std::string> seen;
    for (std::size_t i = 0; i < list->size(); ++i) {
      const std::string p = Checker::at("issuers", i);
      if (list->get(static_cast<unsigned>(i)).type() != typeid(Object::Ptr)) {
        c.problem(p, "must be an object");
        continue;
      }
      auto o = list->getObject(static_cast<unsigned>(i));
      c.onlyKeys(o, p,
                 {"iss", "municipalities", "algorithm", "public_key", "jwks", "private_key", "audience",
                  "token_type", "authorized_parties"});
      IssuerConfig issuer;
      issuer.iss = c.text(o, "iss", p, true);
      issuer.audience = c.text(o, "audience", p, true);
      issuer.tokenType = c.text(o, "token_type", p, false);
      if (auto parties = c.array(o, "authorized_parties", p, false)) {
        for (std::size_t j = 0; j < parties->size(); ++j) {
          Var v = parties->get(static_cast<unsigned>(j));
          if (!v.isString() || v.toString().empty())
            c.problem(Checker::at(p + ".authorized_parties", j), "must be a client id (a non-empty string)");
          else
            issuer.authorizedParties.push_back(v.toString());
        }
      }
      if (!issuer.iss.empty() && !seen.insert(issuer.iss).second) c.problem(p + ".iss", "duplicate issuer");
      issuer.jwks = c.file(o, "jwks", p, false, true);
      const bool pem = o->has("public_key");
      if (pem == !issuer.jwks.empty())
        c.problem(p, "give exactly one of public_key (a PEM file) and jwks (a JWKS file)");
      issuer.algorithm = c.text(o, "algorithm", p, pem);
      if (!issuer.algorithm.empty() && issuer.algorithm != "ES256" && issuer.algorithm != "RS256")
        c.problem(p + ".algorithm", "must be ES256 or RS256 (got \"" + issuer.algorithm + "\")");
      issuer.publicKey = c.file(o, "public_key", p, false, true);
      issuer.privateKey = c.file(o, "private_key", p, false, true);
      if (auto ags = c.array(o, "municipalities", p, true)) {
        for (std::size_t j = 0; j < ags->size(); ++j) {
          Var v = ags->get(static_cast<unsigned>(j));
          if (!v.isString() || !isAgs(v.toString()))
            c.problem(Checker::at(p + ".municipalities", j), "must be an 8-digit AGS");
          else
            issuer.municipalities.push_back(v.toString());
        }
      }
      config.issuers.push_back(issuer);
    }
  }

  if (auto list = c.array(root, "registers", "", true)) loadRegisters(c, list, config);
  for (std::size_t i = 0; i < config.registers.size(); ++i)
    for (const auto& option : config.registers[i].options) {
      const std::string where = Checker::at("registers", i) + ".options." + option.key;
      if (option.key == "conninfo") checkDatabaseTransport(c, where, option.value, config);
      // The variable is read when the node starts; check it when this environment has it.
      if (option.key == "conninfo_env")
        if (const char* value = std::getenv(option.value.c_str()))
          checkDatabaseTransport(c, where + " ($" + option.value + ")", value, config);
    }

  if (auto federation = c.object(root, "federation", "", false)) loadFederation(c, federation, config);
  if (auto alerts = c.object(root, "alerts", "", false)) {
    c.onlyKeys(alerts, "alerts", {"window_s", "denials", "outside_mandate", "volume", "sweep_interval_ms"});
    AlertConfig& a = config.alerts;
    a.windowSeconds = c.integer(alerts, "window_s", "alerts", a.windowSeconds, 10, 86400);
    a.denials = c.integer(alerts, "denials", "alerts", a.denials, 1, 1000000);
    a.outsideMandate = c.integer(alerts, "outside_mandate", "alerts", a.outsideMandate, 1, 1000000);
    a.volume = c.integer(alerts, "volume", "alerts", a.volume, 1, 100000000);
    a.sweepIntervalMs = c.integer(alerts, "sweep_interval_ms", "alerts", a.sweepIntervalMs, 100, 3600000);
  }
  if (auto retention = c.object(root, "retention", "", false)) loadRetention(c, retention, config.retention);

  if (auto list = c.array(root, "agreements", "", false)) {
    std::set<std::string> seen;
    for (std::size_t i = 0; i < list->size(); ++i) {
      const std::string p = Checker::at("agreements", i);
      if (list->get(static_cast<unsigned>(i)).type() != typeid(Object::Ptr)) {
        c.problem(p, "must be an object");
        continue;
      }
      auto o = list->getObject(static_cast<unsigned>(i));
      c.onlyKeys(o, p, {"id", "title", "support_days_per_year"});
      AgreementConfig a;
      a.id = c.text(o, "id", p, true);
      if (!a.id.empty() && !seen.insert(a.id).second) c.problem(p + ".id", "duplicate agreement " + a.id);
      a.title = c.text(o, "title", p, false, a.id);
      a.supportDaysPerYear = c.integer(o, "support_days_per_year", p, 10, 0, 366);
      config.agreements.push_back(a);
    }
  }
  if (auto list = c.array(root, "procedures", "", false)) {
    for (std::size_t i = 0; i < list->size(); ++i) {
      const std::string p = Checker::at("procedures", i);
      if (list->get(static_cast<unsigned>(i)).type() != typeid(Object::Ptr)) {
        c.problem(p, "must be an object");
        continue;
      }
      auto o = list->getObject(static_cast<unsigned>(i));
      c.onlyKeys(o, p, {"ags", "name", "title", "adapter", "options", "timeout_ms", "claim_idle_s"});
      ProcedureConfig pc;
      pc.ags = c.text(o, "ags", p, true);
      pc.name = c.text(o, "name", p, true);
      pc.title = c.text(o, "title", p, false, pc.name);
      pc.adapter = c.text(o, "adapter", p, true);
      pc.options = adapterOptions(c, o, p);
      pc.timeoutMs = c.integer(o, "timeout_ms", p, pc.timeoutMs, 1, 60000);
      pc.claimIdleSeconds = c.integer(o, "claim_idle_s", p, pc.claimIdleSeconds, 1, 24 * 3600);
      if (!pc.ags.empty() && config.municipalityName(pc.ags).empty())
        c.problem(p + ".ags", "\"" + pc.ags + "\" is not a municipality hosted by this node");
      if (!pc.name.empty() && !std::regex_match(pc.name, std::regex("[a-z0-9_-]{1,64}")))
        c.problem(p + ".name",
                  "must be 1 to 64 lower-case letters, digits, '-' and '_' (got \"" + pc.name + "\")");
      for (const auto& other : config.procedures)
        if (other.ags == pc.ags && other.name == pc.name)
          c.problem(p, "procedure " + pc.ags + "/" + pc.name + " is configured twice");
      for (const auto& option : pc.options)
        if (option.key == "conninfo")
          checkDatabaseTransport(c, p + ".options.conninfo", option.value, config);
      config.procedures.push_back(pc);
    }
  }
  return load;
}

}  // namespace regfed::core
