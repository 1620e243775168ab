#include <regfed/audit/TreeHeadSigner.h>

#include <boost/test/unit_test.hpp>

#include "TestSupport.h"

using namespace regfed::audit;

BOOST_AUTO_TEST_SUITE(tree_head_signer)

BOOST_AUTO_TEST_CASE(signs_and_verifies_and_detects_every_change) {
  regfed::test::TempDir dir;
  TreeHeadSigner::generatePrivateKeyFile(dir.path() + "/k.pem");
  TreeHeadSigner signer = TreeHeadSigner::fromPrivateKeyFile(dir.path() + "/k.pem");
  TreeHead head;
  head.node = "n1";
  head.size = 42;
  head.root = leafHash("root");
  head.time = "2026-11-26T20:31:05.123456Z";
  signer.sign(head);
  BOOST_TEST(head.keyId == signer.keyId());
  BOOST_TEST(signer.verify(head));

  TreeHead changed = head;
  changed.size = 43;
  BOOST_TEST(!signer.verify(changed));
  changed = head;
  changed.root = leafHash("other");
  BOOST_TEST(!signer.verify(changed));
  changed = head;
  changed.node = "n2";
  BOOST_TEST(!signer.verify(changed));
  changed = head;
  changed.time = "2026-11-26T20:31:06.000000Z";
  BOOST_TEST(!signer.verify(changed));
}

BOOST_AUTO_TEST_CASE(another_key_does_not_verify_and_a_public_key_cannot_sign) {
  regfed::test::TempDir dir;
  TreeHeadSigner::generatePrivateKeyFile(dir.path() + "/a.pem");
  auto [otherPriv, otherPub] = regfed::test::writeKeyPair(dir.path(), "b");
  TreeHeadSigner a = TreeHeadSigner::fromPrivateKeyFile(dir.path() + "/a.pem");
  TreeHeadSigner b = TreeHeadSigner::fromPublicKeyFile(otherPub);
  TreeHead head;
  head.node = "n";
  head.size = 1;
  a.sign(head);
  BOOST_TEST(!b.verify(head));
  BOOST_CHECK_THROW(b.sign(head), KeyError);
  BOOST_TEST(a.keyId() != b.keyId());
}

BOOST_AUTO_TEST_CASE(refuses_unsuitable_key_files) {
  regfed::test::TempDir dir;
  auto [rsaPriv, rsaPub] = regfed::test::writeKeyPair(dir.path(), "rsa", true);
  BOOST_CHECK_THROW(TreeHeadSigner::fromPrivateKeyFile(rsaPriv), KeyError);
  BOOST_CHECK_THROW(TreeHeadSigner::fromPrivateKeyFile(dir.path() + "/missing.pem"), KeyError);
  BOOST_CHECK_THROW(TreeHeadSigner::fromPrivateKeyFile(dir.write("junk.pem", "not a key")), KeyError);
}

BOOST_AUTO_TEST_SUITE_END()
