// RFC 6962 hashing: known vectors and the incremental tree against the recursive definition.
#include <regfed/audit/MerkleTree.h>

#include <boost/test/unit_test.hpp>

using namespace regfed::audit;

namespace {

// MTH(D[n]) exactly as RFC 6962 section 2.1 defines it.
Hash referenceRoot(const std::vector<Hash>& leaves, std::size_t begin, std::size_t end) {
  if (end - begin == 1) return leaves[begin];
  std::size_t k = 1;
  while (k * 2 < end - begin) k *= 2;
  return nodeHash(referenceRoot(leaves, begin, begin + k), referenceRoot(leaves, begin + k, end));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(merkle_tree)

BOOST_AUTO_TEST_CASE(matches_rfc6962_vectors) {
  // Leaf hash of the empty string and the empty tree's hash, as in the RFC 6962 / certificate transparency
  // tests.
  BOOST_TEST(toHex(leafHash("")) == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
  BOOST_TEST(toHex(MerkleTree().root()) ==
             "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  // The eight-leaf tree from the certificate-transparency reference test data.
  const std::vector<std::string> inputs = {
      std::string(""),
      std::string("\x00", 1),
      std::string("\x10", 1),
      std::string("\x20\x21", 2),
      std::string("\x30\x31", 2),
      std::string("\x40\x41\x42\x43", 4),
      std::string("\x50\x51\x52\x53\x54\x55\x56\x57", 8),
      std::string("\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f", 16)};
  MerkleTree tree;
  for (const auto& in : inputs) tree.append(leafHash(in));
  BOOST_TEST(toHex(tree.root()) == "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328");
}

BOOST_AUTO_TEST_CASE(incremental_root_equals_recursive_definition_for_every_size) {
  std::vector<Hash> leaves;
  MerkleTree tree;
  for (int n = 1; n <= 130; ++n) {
    leaves.push_back(leafHash("event " + std::to_string(n)));
    tree.append(leaves.back());
    BOOST_TEST(tree.size() == n);
    BOOST_TEST((tree.root() == referenceRoot(leaves, 0, leaves.size())), "size " << n);
  }
}

BOOST_AUTO_TEST_CASE(roots_at_many_sizes_equal_the_recursive_definition) {
  // rootsAt() builds the two sides of the largest tree at once: check every largest size up to 70 with every
  // smaller size asked for, including the split itself and the sizes next to it.
  std::vector<Hash> leaves;
  for (int i = 0; i < 70; ++i) leaves.push_back(leafHash("event " + std::to_string(i)));
  for (std::int64_t n = 1; n <= 70; ++n) {
    std::vector<std::int64_t> sizes;
    for (std::int64_t s = 1; s <= n; ++s) sizes.push_back(s);
    const std::vector<Hash> roots = rootsAt(leaves, sizes);
    BOOST_REQUIRE(roots.size() == sizes.size());
    for (std::size_t k = 0; k < sizes.size(); ++k)
      BOOST_TEST((roots[k] == referenceRoot(leaves, 0, static_cast<std::size_t>(sizes[k]))),
                 "size " << sizes[k] << " of " << n);
    const std::vector<Hash> last = rootsAt(leaves, {n});
    BOOST_TEST((last.at(0) == roots.back()), "only the largest size " << n);
  }
  BOOST_TEST(rootsAt(leaves, {}).empty());
}

BOOST_AUTO_TEST_CASE(any_changed_leaf_changes_the_root) {
  std::vector<Hash> leaves;
  for (int i = 0; i < 37; ++i) leaves.push_back(leafHash("e" + std::to_string(i)));
  MerkleTree original;
  for (const auto& l : leaves) original.append(l);
  for (std::size_t i = 0; i < leaves.size(); ++i) {
    MerkleTree changed;
    for (std::size_t j = 0; j < leaves.size(); ++j) changed.append(j == i ? leafHash("tampered") : leaves[j]);
    BOOST_TEST((changed.root() != original.root()), "leaf " << i);
  }
}

BOOST_AUTO_TEST_CASE(hex_round_trips_and_rejects_garbage) {
  Hash h = leafHash("x"), back{};
  BOOST_TEST(fromHex(toHex(h), back));
  BOOST_TEST((back == h));
  BOOST_TEST(!fromHex("zz", back));
  BOOST_TEST(!fromHex(std::string(64, 'g'), back));
}

BOOST_AUTO_TEST_SUITE_END()
