// libFuzzer target: bearer tokens. The input is used twice: as a raw token string, and as a JOSE header and a
// claims set (split at the first newline) that are signed with a trusted key, so the claim checks behind the
// signature are reached too.
#include <Poco/Base64Encoder.h>
#include <Poco/Crypto/ECKey.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <sstream>
#include <string>

#include "FuzzSupport.h"
#include "TokenVerifier.h"

using namespace regfed::core;

namespace {

std::string base64url(const std::string& bytes) {
  std::ostringstream out;
  Poco::Base64Encoder encoder(out, Poco::BASE64_URL_ENCODING | Poco::BASE64_NO_PADDING);
  encoder << bytes;
  encoder.close();
  return out.str();
}

struct Trusted {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  std::unique_ptr<TokenVerifier> verifier;
  Trusted() {
    const std::string dir = regfed::fuzz::tempDir();
    FILE* f = std::fopen((dir + "/pub.pem").c_str(), "w");
    PEM_write_PUBKEY(f, key);
    std::fclose(f);
    IssuerConfig issuer;
    issuer.iss = "https://idp.fuzz.test";
    issuer.municipalities = {"15088220"};
    issuer.algorithm = "ES256";
    issuer.publicKey = dir + "/pub.pem";
    issuer.audience = "regfed";
    issuer.tokenType = "Bearer";
    issuer.authorizedParties = {"regfed-helfer"};
    verifier = std::make_unique<TokenVerifier>(std::vector<IssuerConfig>{issuer}, nullptr);
  }
  // A JWS signature (r || s, 32 bytes each) over `input`.
  std::string sign(const std::string& input) {
    unsigned char digest[32];
    unsigned int length = 0;
    EVP_Digest(input.data(), input.size(), digest, &length, EVP_sha256(), nullptr);
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(key, nullptr);
    EVP_PKEY_sign_init(ctx);
    unsigned char der[80];
    std::size_t derLength = sizeof der;
    EVP_PKEY_sign(ctx, der, &derLength, digest, length);
    EVP_PKEY_CTX_free(ctx);
    const unsigned char* p = der;
    ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(derLength));
    unsigned char rs[64];
    BN_bn2binpad(ECDSA_SIG_get0_r(sig), rs, 32);
    BN_bn2binpad(ECDSA_SIG_get0_s(sig), rs + 32, 32);
    ECDSA_SIG_free(sig);
    return std::string(reinterpret_cast<char*>(rs), 64);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Trusted trusted;
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    trusted.verifier->verify(text);
  } catch (const AuthError&) {
  }
  const auto newline = text.find('\n');
  if (newline == std::string::npos) return 0;
  const std::string input = base64url(text.substr(0, newline)) + "." + base64url(text.substr(newline + 1));
  try {
    trusted.verifier->verify(input + "." + base64url(trusted.sign(input)));
  } catch (const AuthError&) {
  }
  return 0;
}
