// Consistency proofs (RFC 6962/9162) and cosignatures (C2SP cosignature/v1).
#include <regfed/audit/Witness.h>

#include <boost/test/unit_test.hpp>

#include "TestSupport.h"

using namespace regfed::audit;

namespace {

std::vector<Hash> leaves(int n) {
  std::vector<Hash> out;
  for (int i = 0; i < n; ++i) out.push_back(leafHash("event " + std::to_string(i)));
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(witness)

BOOST_AUTO_TEST_CASE(roots_match_the_incremental_tree) {
  const auto l = leaves(33);
  MerkleTree tree;
  for (int n = 1; n <= 33; ++n) {
    tree.append(l[static_cast<std::size_t>(n - 1)]);
    BOOST_TEST(toHex(rootOf(l, n)) == toHex(tree.root()));
  }
}

BOOST_AUTO_TEST_CASE(every_consistency_proof_verifies_and_no_tampered_one_does) {
  const auto l = leaves(40);
  for (int n = 1; n <= 40; ++n)
    for (int m = 1; m <= n; ++m) {
      const Hash oldRoot = rootOf(l, m), newRoot = rootOf(l, n);
      auto proof = consistencyProof(l, m, n);
      BOOST_TEST_REQUIRE(verifyConsistency(m, oldRoot, n, newRoot, proof), "m=" << m << " n=" << n);
      // A different old root (a rewritten history), a different new root, or a changed proof all fail.
      Hash forged = oldRoot;
      forged[0] ^= 1;
      BOOST_TEST(!verifyConsistency(m, forged, n, newRoot, proof));
      if (m < n) {
        BOOST_TEST(!verifyConsistency(m, oldRoot, n, forged, proof));
        auto bad = proof;
        bad.back()[5] ^= 0x80;
        BOOST_TEST(!verifyConsistency(m, oldRoot, n, newRoot, bad));
        bad = proof;
        bad.pop_back();
        BOOST_TEST(!verifyConsistency(m, oldRoot, n, newRoot, bad));
      }
    }
  // The leaves of a different log of the same size are not consistent with this one.
  auto other = leaves(12);
  other[3] = leafHash("rewritten");
  BOOST_TEST(!verifyConsistency(8, rootOf(other, 8), 12, rootOf(l, 12), consistencyProof(l, 8, 12)));
}

BOOST_AUTO_TEST_CASE(cosignatures_follow_c2sp_and_bind_the_checkpoint) {
  regfed::test::TempDir dir;
  const std::string path = dir.path() + "/witness.pem";
  WitnessKey key = WitnessKey::loadOrCreate(path, "leuna");
  WitnessKey again = WitnessKey::loadOrCreate(path, "leuna");
  BOOST_TEST(again.publicKey() == key.publicKey());  // kept across restarts
  const auto l = leaves(5);
  const std::string body = checkpointBody("merseburg", 5, rootOf(l, 5));
  BOOST_TEST(body.rfind("regfed.audit/merseburg\n5\n", 0) == 0);
  BOOST_TEST(body.back() == '\n');
  Cosignature c = key.cosign(body);
  BOOST_TEST(c.verify(body));
  BOOST_TEST(!c.verify(checkpointBody("merseburg", 5, rootOf(l, 4))));
  BOOST_TEST(!c.verify(checkpointBody("merseburg", 6, rootOf(l, 5))));
  Cosignature shifted = c;
  shifted.timestamp += 1;
  BOOST_TEST(!shifted.verify(body));
  // The note line: em dash, key name, base64(4-byte key id || 8-byte timestamp || 64-byte signature).
  const std::string line = c.noteLine();
  BOOST_TEST(line.rfind("\xE2\x80\x94 regfed.witness/leuna ", 0) == 0);
  BOOST_TEST(line.size() == std::string("\xE2\x80\x94 regfed.witness/leuna ").size() + 4 * ((4 + 8 + 64 + 2) / 3));
}

BOOST_AUTO_TEST_SUITE_END()
