// Issuer keys from JWKS files (as Keycloak publishes them): key selection by kid, rotation, malformed sets.
#include <Poco/Base64Encoder.h>
#include <Poco/Crypto/ECKey.h>
#include <Poco/Crypto/RSAKey.h>
#include <Poco/JWT/Signer.h>
#include <Poco/JWT/Token.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cstdio>
#include <sstream>

#include "IssuerKeys.h"
#include "TestSupport.h"
#include "TokenVerifier.h"

using namespace regfed::core;

namespace {

std::string b64url(const unsigned char* data, std::size_t n) {
  std::ostringstream out;
  Poco::Base64Encoder enc(out, Poco::BASE64_URL_ENCODING | Poco::BASE64_NO_PADDING);
  enc.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(n));
  enc.close();
  return out.str();
}

EVP_PKEY* readPublic(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "r");
  EVP_PKEY* k = PEM_read_PUBKEY(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  return k;
}

std::string bnParam(EVP_PKEY* k, const char* name) {
  BIGNUM* bn = nullptr;
  EVP_PKEY_get_bn_param(k, name, &bn);
  std::string bytes(static_cast<std::size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(bytes.data()));
  BN_free(bn);
  return b64url(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
}

// A JWK for a PEM public key (EC P-256 or RSA).
std::string jwk(const std::string& publicPem, const std::string& kid, bool rsa,
                const std::string& use = "sig") {
  EVP_PKEY* k = readPublic(publicPem);
  std::string out;
  if (rsa) {
    out = R"({"kty":"RSA","kid":")" + kid + R"(","use":")" + use + R"(","alg":"RS256","n":")" +
          bnParam(k, OSSL_PKEY_PARAM_RSA_N) + R"(","e":")" + bnParam(k, OSSL_PKEY_PARAM_RSA_E) + R"("})";
  } else {
    unsigned char point[65];
    std::size_t len = 0;
    EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point, &len);
    out = R"({"kty":"EC","crv":"P-256","kid":")" + kid + R"(","use":")" + use + R"(","x":")" +
          b64url(point + 1, 32) + R"(","y":")" + b64url(point + 33, 32) + R"("})";
  }
  EVP_PKEY_free(k);
  return out;
}

std::string signWithKid(const std::string& priv, const std::string& pub, const std::string& alg,
                        const std::string& kid) {
  Poco::JWT::Token token;
  token.setType("JWT");
  if (!kid.empty()) token.header().set("kid", kid);
  token.setIssuer("https://keycloak.test/realms/merseburg");
  token.setSubject("anna");
  token.setAudience(std::vector<std::string>{"account", "regfed"});  // Keycloak lists several audiences
  const long long now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  token.payload().set("exp", now + 600);
  token.payload().set("ags", std::string("15088220"));
  Poco::JSON::Array::Ptr roles = new Poco::JSON::Array;
  roles->add(std::string("clerk"));
  token.payload().set("roles", roles);
  if (alg == "RS256") {
    Poco::JWT::Signer s(Poco::SharedPtr<Poco::Crypto::RSAKey>(new Poco::Crypto::RSAKey(pub, priv, "")));
    return s.sign(token, alg);
  }
  Poco::JWT::Signer s(Poco::SharedPtr<Poco::Crypto::ECKey>(new Poco::Crypto::ECKey(pub, priv, "")));
  return s.sign(token, alg);
}

std::string codeOf(TokenVerifier& v, const std::string& jwt) {
  try {
    v.verify(jwt);
    return "";
  } catch (const AuthError& e) {
    return e.code();
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(issuer_keys)

BOOST_AUTO_TEST_CASE(jwks_keys_verify_tokens_selected_by_kid) {
  regfed::test::TempDir dir;
  auto [ecPriv, ecPub] = regfed::test::writeKeyPair(dir.path(), "ec");
  auto [rsaPriv, rsaPub] = regfed::test::writeKeyPair(dir.path(), "rsa", true);
  auto [oldPriv, oldPub] = regfed::test::writeKeyPair(dir.path(), "old");
  auto [encPriv, encPub] = regfed::test::writeKeyPair(dir.path(), "enc");
  const std::string jwks = dir.write("realm.jwks", R"({"keys":[)" + jwk(ecPub, "ec-2026", false) + "," +
                                                       jwk(rsaPub, "rsa-2026", true) + "," +
                                                       jwk(encPub, "enc-1", false, "enc") + "]}");
  auto keys = loadJwks(jwks);
  BOOST_REQUIRE(keys.size() == 2u);  // the encryption key is skipped
  BOOST_TEST(keys[0].kid == "ec-2026");
  BOOST_TEST(keys[0].algorithm == "ES256");
  BOOST_TEST(keys[1].algorithm == "RS256");

  IssuerConfig issuer;
  issuer.iss = "https://keycloak.test/realms/merseburg";
  issuer.municipalities = {"15088220"};
  issuer.jwks = jwks;
  issuer.audience = "regfed";
  TokenVerifier verifier({issuer}, nullptr);
  BOOST_TEST(verifier.verify(signWithKid(ecPriv, ecPub, "ES256", "ec-2026")).id == "anna");
  BOOST_TEST(verifier.verify(signWithKid(rsaPriv, rsaPub, "RS256", "rsa-2026")).ags == "15088220");
  BOOST_TEST(verifier.verify(signWithKid(ecPriv, ecPub, "ES256", "")).id == "anna", "no kid: any ES256 key");
  // A key that was rotated out, and a kid naming the wrong key, are refused.
  BOOST_TEST(codeOf(verifier, signWithKid(oldPriv, oldPub, "ES256", "ec-2025")) == "unknown_key");
  BOOST_TEST(codeOf(verifier, signWithKid(oldPriv, oldPub, "ES256", "ec-2026")) == "invalid_token");
  BOOST_TEST(codeOf(verifier, signWithKid(encPriv, encPub, "ES256", "enc-1")) == "unknown_key");
}

BOOST_AUTO_TEST_CASE(malformed_jwks_files_are_refused_with_the_reason) {
  regfed::test::TempDir dir;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"not json", "is not a JWKS document"},
      {R"({"nokeys":[]})", "has no \"keys\" array"},
      {R"({"keys":[]})", "contains no ES256"},
      {R"({"keys":[{"kty":"EC","crv":"P-384","x":"AA","y":"AA"}]})", "contains no ES256"},
      {R"({"keys":[{"kty":"EC","crv":"P-256","x":"AAAA","y":"AAAA"}]})", "is not a valid ES256 public key"},
      {R"({"keys":[{"kty":"RSA","n":"","e":"AQAB"}]})", "keys[0].n is empty"},
  };
  for (const auto& [content, expected] : cases) {
    try {
      loadJwks(dir.write("k.jwks", content));
      BOOST_FAIL("accepted: " << content);
    } catch (const std::runtime_error& e) {
      BOOST_TEST(std::string(e.what()).find(expected) != std::string::npos, e.what());
    }
  }
  BOOST_CHECK_THROW(loadJwks(dir.path() + "/missing.jwks"), std::runtime_error);
}

BOOST_AUTO_TEST_SUITE_END()
