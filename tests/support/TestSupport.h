#pragma once
// Test support: the throwaway PostgreSQL started by the ctest fixture, fresh databases, key pairs, node
// processes on OS-picked ports, and a small HTTP client.

#include <Poco/JSON/Object.h>
#include <Poco/Process.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace regfed::test {

/// Paths known at build time.
std::string sourceDir();
std::string binaryDir();
std::string regfedBinary();
std::string pluginDir();

/// A folder removed at destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  /// Writes a file below the folder and returns its path.
  std::string write(const std::string& name, const std::string& content) const;

 private:
  std::string path_;
};

/// The cluster started by the `postgres` ctest fixture (REGFED_TEST_PG names its folder).
class TestDatabase {
 public:
  /// Creates a fresh database owned by regfed_owner.
  TestDatabase();
  ~TestDatabase();
  const std::string& name() const { return name_; }
  int port() const { return port_; }
  std::string dsn(const std::string& user) const;
  std::string superuserDsn() const { return dsn("postgres"); }
  /// Runs SQL as superuser.
  void exec(const std::string& sql) const;
  /// Runs a query as superuser and returns the first column of the first row ("" if none, "NULL" for null).
  std::string scalar(const std::string& sql) const;
  /// Folder of the cluster (for pg.sh stop/start).
  static std::string clusterDir();

 private:
  std::string name_;
  int port_ = 0;
};

/// Generates an EC P-256 (or RSA 2048) key pair; returns {private PEM path, public PEM path}.
std::pair<std::string, std::string> writeKeyPair(const std::string& dir, const std::string& name,
                                                 bool rsa = false);

/// The audience the test nodes' issuers expect.
constexpr const char* kAudience = "regfed";

/// A JWT signed with a PEM private key, with arbitrary claims (for tests of refusals). `audience` nullopt: no
/// `aud` claim; `extraClaims` is a JSON object whose members are set last (e.g. {"typ":"ID"} or {"roles":[null]}).
std::string signToken(const std::string& privateKeyPem, const std::string& publicKeyPem,
                      const std::string& alg, const std::string& iss, const std::string& sub,
                      const std::string& ags, const std::vector<std::string>& roles,
                      long long expOffsetSeconds, const std::optional<std::string>& audience = kAudience,
                      const std::string& extraClaims = "{}");

/// A `regfed serve` process on an OS-picked port.
class NodeProcess {
 public:
  NodeProcess(const std::string& configPath, const std::string& workDir);
  ~NodeProcess();
  /// Base URL as the node wrote it (http:// or https://).
  const std::string& url() const { return url_; }
  int port() const { return port_; }
  /// The process id (e.g. to SIGSTOP a node that should hang).
  long pid() const;
  /// Sends SIGTERM and waits; returns the exit code.
  int stop();
  /// The node's log so far.
  std::string log() const;

 private:
  std::unique_ptr<Poco::ProcessHandle> handle_;
  std::string url_;
  std::string logPath_;
  int port_ = 0;
  bool stopped_ = false;
};

/// An HTTP response.
struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;
  std::string body;
  /// The body parsed as a JSON object (throws if it is not one).
  Poco::JSON::Object::Ptr json() const;
  /// error.code of an error body, or "".
  std::string errorCode() const;
};

/// Sends one request to 127.0.0.1:port (from `sourceAddress` when given, e.g. 127.0.0.2, to act as another
/// client), waiting at most `timeoutSeconds` for each read.
HttpResponse http(int port, const std::string& method, const std::string& path, const std::string& body = "",
                  const std::map<std::string, std::string>& headers = {}, const std::string& sourceAddress = "",
                  int timeoutSeconds = 30);

/// Runs a command, returns its exit code and puts stdout+stderr into `output`.
int run(const std::vector<std::string>& argv, std::string& output);

}  // namespace regfed::test
