#include "TestSupport.h"

#include <Poco/Crypto/ECKey.h>
#include <Poco/Crypto/RSAKey.h>
#include <Poco/File.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JWT/Signer.h>
#include <Poco/JWT/Token.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Pipe.h>
#include <Poco/PipeStream.h>
#include <Poco/StreamCopier.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <pqxx/pqxx>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace regfed::test {

std::string sourceDir() { return REGFED_SOURCE_DIR; }
std::string binaryDir() { return REGFED_BINARY_DIR; }
std::string regfedBinary() { return binaryDir() + "/bin/regfed"; }
std::string pluginDir() { return binaryDir() + "/plugins-out"; }

namespace {

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string randomSuffix() {
  static std::mt19937_64 rng(std::random_device{}() ^ static_cast<unsigned long>(::getpid()));
  static std::atomic<int> counter{0};
  return std::to_string(::getpid()) + "_" + std::to_string(++counter) + "_" + std::to_string(rng() % 100000);
}

}  // namespace

TempDir::TempDir() {
  char pattern[] = "/tmp/regfed-test.XXXXXX";
  if (!::mkdtemp(pattern)) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  try {
    Poco::File(path_).remove(true);
  } catch (...) {
  }
}

std::string TempDir::write(const std::string& name, const std::string& content) const {
  const std::string file = path_ + "/" + name;
  std::ofstream(file) << content;
  return file;
}

std::string TestDatabase::clusterDir() {
  const char* dir = std::getenv("REGFED_TEST_PG");
  if (!dir)
    throw std::runtime_error("REGFED_TEST_PG is not set: run the tests through ctest (fixture 'postgres')");
  return dir;
}

TestDatabase::TestDatabase() {
  const std::string env = readFile(clusterDir() + "/env");
  auto pos = env.find("PGPORT=");
  if (pos == std::string::npos) throw std::runtime_error("no PGPORT in " + clusterDir() + "/env");
  port_ = std::stoi(env.substr(pos + 7));
  name_ = "regfed_test_" + randomSuffix();
  pqxx::connection conn("host=127.0.0.1 port=" + std::to_string(port_) + " dbname=postgres user=postgres");
  pqxx::nontransaction tx(conn);
  tx.exec("CREATE DATABASE " + name_ + " OWNER regfed_owner");
}

TestDatabase::~TestDatabase() {
  try {
    pqxx::connection conn("host=127.0.0.1 port=" + std::to_string(port_) + " dbname=postgres user=postgres");
    pqxx::nontransaction tx(conn);
    tx.exec("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  } catch (...) {
  }
}

std::string TestDatabase::dsn(const std::string& user) const {
  return "host=127.0.0.1 port=" + std::to_string(port_) + " dbname=" + name_ + " user=" + user;
}

void TestDatabase::exec(const std::string& sql) const {
  pqxx::connection conn(superuserDsn());
  pqxx::nontransaction tx(conn);
  tx.exec(sql);
}

std::string TestDatabase::scalar(const std::string& sql) const {
  pqxx::connection conn(superuserDsn());
  pqxx::nontransaction tx(conn);
  auto r = tx.exec(sql);
  if (r.empty()) return "";
  return r[0][0].is_null() ? "NULL" : r[0][0].as<std::string>();
}

std::pair<std::string, std::string> writeKeyPair(const std::string& dir, const std::string& name, bool rsa) {
  EVP_PKEY* key = rsa ? EVP_RSA_gen(2048) : EVP_EC_gen("P-256");
  if (!key) throw std::runtime_error("key generation failed");
  const std::string priv = dir + "/" + name + ".pem", pub = dir + "/" + name + ".pub.pem";
  FILE* f = std::fopen(priv.c_str(), "w");
  PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(f);
  f = std::fopen(pub.c_str(), "w");
  PEM_write_PUBKEY(f, key);
  std::fclose(f);
  EVP_PKEY_free(key);
  return {priv, pub};
}

std::string signToken(const std::string& privateKeyPem, const std::string& publicKeyPem,
                      const std::string& alg, const std::string& iss, const std::string& sub,
                      const std::string& ags, const std::vector<std::string>& roles,
                      long long expOffsetSeconds, const std::optional<std::string>& audience,
                      const std::string& extraClaims) {
  Poco::JWT::Token token;
  token.setType("JWT");
  token.setIssuer(iss);
  token.setSubject(sub);
  const long long now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  token.payload().set("iat", now);
  token.payload().set("exp", now + expOffsetSeconds);
  token.payload().set("ags", ags);
  Poco::JSON::Array::Ptr list = new Poco::JSON::Array;
  for (const auto& r : roles) list->add(r);
  token.payload().set("roles", list);
  if (audience) token.setAudience(*audience);
  Poco::JSON::Parser parser;
  auto extra = parser.parse(extraClaims).extract<Poco::JSON::Object::Ptr>();
  std::vector<std::string> names;
  extra->getNames(names);
  for (const auto& k : names) token.payload().set(k, extra->get(k));
  if (alg == "HS256") {
    Poco::JWT::Signer signer("a-shared-secret-an-attacker-might-guess");
    return signer.sign(token, alg);
  }
  if (alg == "RS256") {
    Poco::JWT::Signer signer(
        Poco::SharedPtr<Poco::Crypto::RSAKey>(new Poco::Crypto::RSAKey(publicKeyPem, privateKeyPem, "")));
    return signer.sign(token, alg);
  }
  Poco::JWT::Signer signer(
      Poco::SharedPtr<Poco::Crypto::ECKey>(new Poco::Crypto::ECKey(publicKeyPem, privateKeyPem, "")));
  return signer.sign(token, alg);
}

NodeProcess::NodeProcess(const std::string& configPath, const std::string& workDir) {
  const std::string ready = workDir + "/ready-" + randomSuffix();
  logPath_ = workDir + "/node-" + randomSuffix() + ".log";
  // The node logs to stderr; a shell redirect keeps the log in a file the test can show on failure.
  Poco::Process::Args args = {
      "-c",           "exec \"$0\" serve --config \"$1\" --ready-file \"$2\" 2>\"$3\"",
      regfedBinary(), configPath,
      ready,          logPath_};
  handle_ = std::make_unique<Poco::ProcessHandle>(Poco::Process::launch("/bin/sh", args));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!Poco::File(ready).exists()) {
    if (!Poco::Process::isRunning(*handle_)) throw std::runtime_error("node exited during start:\n" + log());
    if (std::chrono::steady_clock::now() > deadline)
      throw std::runtime_error("node did not start in 60 s:\n" + log());
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::string url = readFile(ready);
  url_ = url.substr(0, url.find('\n'));
  port_ = std::stoi(url_.substr(url_.rfind(':') + 1));
}

NodeProcess::~NodeProcess() { stop(); }

long NodeProcess::pid() const { return static_cast<long>(handle_->id()); }

int NodeProcess::stop() {
  if (stopped_) return 0;
  stopped_ = true;
  ::kill(static_cast<pid_t>(handle_->id()), SIGTERM);
  const int code = handle_->wait();
  // A node must stop cleanly; under the sanitizers a report (leak, undefined behaviour) makes it exit with an
  // error, and the test run must fail on it even when no assertion looked at the node's end.
  const std::string text = log();
  for (const char* report : {"ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"})
    if (code != 0 || text.find(report) != std::string::npos) {
      std::fprintf(stderr, "regfed node exited with code %d; its log:\n%s\n", code, text.c_str());
      std::fflush(stderr);
      std::_Exit(70);
    }
  return code;
}

std::string NodeProcess::log() const { return readFile(logPath_); }

Poco::JSON::Object::Ptr HttpResponse::json() const {
  Poco::JSON::Parser parser;
  return parser.parse(body).extract<Poco::JSON::Object::Ptr>();
}

std::string HttpResponse::errorCode() const {
  try {
    auto o = json();
    if (!o->has("error")) return "";
    return o->getObject("error")->getValue<std::string>("code");
  } catch (...) {
    return "";
  }
}

HttpResponse http(int port, const std::string& method, const std::string& path, const std::string& body,
                  const std::map<std::string, std::string>& headers, const std::string& sourceAddress,
                  int timeoutSeconds) {
  Poco::Net::StreamSocket socket(Poco::Net::SocketAddress::IPv4);
  if (!sourceAddress.empty()) socket.impl()->bind(Poco::Net::SocketAddress(sourceAddress, 0), false);
  socket.connect(Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(port)),
                 Poco::Timespan(timeoutSeconds, 0));
  Poco::Net::HTTPClientSession session(socket);
  session.setTimeout(Poco::Timespan(timeoutSeconds, 0));
  Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
  for (const auto& [k, v] : headers) request.set(k, v);
  if (!body.empty() || method == "POST") {
    request.setContentType("application/json");
    request.setContentLength(static_cast<std::streamsize>(body.size()));
  }
  session.sendRequest(request) << body;
  Poco::Net::HTTPResponse response;
  std::istream& in = session.receiveResponse(response);
  HttpResponse out;
  out.status = static_cast<int>(response.getStatus());
  for (const auto& [k, v] : response) out.headers[k] = v;
  Poco::StreamCopier::copyToString(in, out.body);
  return out;
}

int run(const std::vector<std::string>& argv, std::string& output) {
  Poco::Pipe outPipe;
  Poco::Process::Args args(argv.begin() + 1, argv.end());
  Poco::ProcessHandle handle = Poco::Process::launch(argv[0], args, nullptr, &outPipe, &outPipe);
  Poco::PipeInputStream in(outPipe);
  Poco::StreamCopier::copyToString(in, output);
  return handle.wait();
}

}  // namespace regfed::test
