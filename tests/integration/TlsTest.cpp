// HTTPS for clients: the node serves TLS 1.2+ with its configured certificate; a client that trusts it gets
// the same API; older protocols and plain HTTP are refused.
#define BOOST_TEST_MODULE tls_tests
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/StreamCopier.h>

#include <boost/test/unit_test.hpp>

#include "NodeFixture.h"

using namespace regfed::test;

BOOST_AUTO_TEST_SUITE(tls)

BOOST_AUTO_TEST_CASE(serves_https_with_its_certificate_and_refuses_old_protocols) {
  NodeOptions options;
  options.tls = true;
  NodeFixture fx(options);
  BOOST_TEST(fx.node->url().rfind("https://127.0.0.1:", 0) == 0u, fx.node->url());

  Poco::Net::Context::Params params;
  params.caLocation = fx.dir.path() + "/cert.pem";
  params.verificationMode = Poco::Net::Context::VERIFY_STRICT;
  Poco::Net::Context::Ptr context = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, params);
  Poco::Net::HTTPSClientSession session("127.0.0.1", static_cast<Poco::UInt16>(fx.node->port()), context);
  Poco::Net::HTTPRequest request("GET", "/v1/registers", Poco::Net::HTTPMessage::HTTP_1_1);
  request.set("Authorization", "Bearer " + fx.token("anna.schulz", kMerseburg, {"clerk"}));
  session.sendRequest(request);
  Poco::Net::HTTPResponse response;
  std::string body;
  Poco::StreamCopier::copyToString(session.receiveResponse(response), body);
  BOOST_TEST(static_cast<int>(response.getStatus()) == 200, body);
  BOOST_TEST(body.find("Stadt Merseburg") != std::string::npos);

  std::string out;
  const std::string target = "127.0.0.1:" + std::to_string(fx.node->port());
  BOOST_TEST(run({"/usr/bin/openssl", "s_client", "-connect", target, "-tls1_1", "-brief"}, out) != 0,
             "TLS 1.1 must be refused: " << out);
  out.clear();
  BOOST_TEST(run({"/usr/bin/openssl", "s_client", "-connect", target, "-tls1_3", "-brief", "-CAfile",
                  fx.dir.path() + "/cert.pem"},
                 out) == 0,
             out);
  BOOST_TEST(out.find("TLSv1.3") != std::string::npos, out);
  BOOST_CHECK_THROW(http(fx.node->port(), "GET", "/v1/health"), std::exception);
}

BOOST_AUTO_TEST_SUITE_END()
