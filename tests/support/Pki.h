#pragma once
// A small certificate authority for federation tests: a CA and node certificates (CN = node id), also expired
// ones and ones from a CA nobody trusts, written as PEM files.

#include <string>

namespace regfed::test {

/// A CA in a folder: ca.pem and ca.key.
class TestCa {
 public:
  /// Creates a new CA named `name` with its files in `dir`.
  TestCa(const std::string& dir, const std::string& name);
  ~TestCa();
  TestCa(const TestCa&) = delete;
  TestCa& operator=(const TestCa&) = delete;

  /// PEM file of the CA certificate.
  const std::string& certificateFile() const { return certFile_; }
  /// A node certificate and key signed by this CA: {cert path, key path}. `validDays` < 0 makes one that
  /// expired that many days ago.
  std::pair<std::string, std::string> issue(const std::string& node, int validDays = 30) const;

 private:
  std::string dir_;
  std::string certFile_;
  void* key_ = nullptr;   // EVP_PKEY*
  void* cert_ = nullptr;  // X509*
};

}  // namespace regfed::test
