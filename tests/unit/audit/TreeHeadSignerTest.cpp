#include <regfed/audit/TreeHeadSigner.h>

#include <sys/stat.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>

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

BOOST_AUTO_TEST_CASE(a_key_file_is_written_whole_for_its_owner_only_and_never_through_a_link) {
  regfed::test::TempDir dir;
  const std::string path = dir.path() + "/k.pem";
  const mode_t old = ::umask(0);  // what a careless service manager might leave
  TreeHeadSigner::generatePrivateKeyFile(path);
  ::umask(old);
  struct stat st {};
  BOOST_REQUIRE(::stat(path.c_str(), &st) == 0);
  BOOST_TEST((st.st_mode & 0777) == 0600u);
  // Nothing half-written or temporary is left beside it.
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir.path())) ++files;
  BOOST_TEST(files == 1u);
  // A link planted where the key goes is replaced; its target is untouched.
  const std::string target = dir.write("target.txt", "not a key\n");
  const std::string link = dir.path() + "/linked.pem";
  BOOST_REQUIRE(::symlink(target.c_str(), link.c_str()) == 0);
  TreeHeadSigner::generatePrivateKeyFile(link);
  BOOST_TEST(std::filesystem::is_symlink(link) == false);
  std::ifstream in(target);
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  BOOST_TEST(content == "not a key\n");
  BOOST_TEST(!TreeHeadSigner::fromPrivateKeyFile(link).keyId().empty());
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
