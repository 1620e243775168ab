#include <regfed/audit/LogVerifier.h>
#include <regfed/audit/TreeHeadLog.h>

namespace regfed::audit {

VerifyResult verifyLog(AuditStore& store, const std::string& node, const TreeHeadSigner& verifier,
                       const std::function<void(std::int64_t, std::int64_t)>& progress,
                       const std::vector<TreeHead>& fileHeads) {
  return verifyLog(store, node, std::vector<const TreeHeadSigner*>{&verifier}, progress, fileHeads);
}

VerifyResult verifyLog(AuditStore& store, const std::string& node, const std::vector<const TreeHeadSigner*>& keys,
                       const std::function<void(std::int64_t, std::int64_t)>& progress,
                       const std::vector<TreeHead>& fileHeads) {
  VerifyResult result;
  std::string keyIds;
  for (const TreeHeadSigner* k : keys) keyIds += (keyIds.empty() ? "" : ", ") + k->keyId();
  auto signedByKnownKey = [&](const TreeHead& head) {
    for (const TreeHeadSigner* k : keys)
      if (head.keyId == k->keyId()) return k->verify(head);
    return false;
  };
  std::vector<TreeHead> heads;
  try {
    heads = mergeHeads(store.treeHeads(node), fileHeads);
  } catch (const IntegrityError& e) {
    result.firstBadSeq = 1;
    result.problem = e.what();
    return result;
  }
  const std::int64_t total = store.maxSeq(node);
  if (!heads.empty()) result.latestHead = heads.back();
  MerkleTree tree;
  std::size_t nextHead = 0;
  std::int64_t lastGoodHead = 0;
  auto fail = [&](std::int64_t seq, std::string problem) {
    result.firstBadSeq = seq;
    result.problem = std::move(problem);
    result.size = tree.size();
    result.root = tree.root();
    return result;
  };
  std::int64_t after = 0;
  for (;;) {
    std::vector<StoredEvent> page = store.events(node, after, 5000);
    if (page.empty()) break;
    for (const StoredEvent& stored : page) {
      const std::int64_t expected = tree.size() + 1;
      if (stored.event.seq != expected)
        return fail(expected, "event " + std::to_string(expected) + " is missing from the log");
      // A pruned event's payload is gone by design: its stored leaf hash stands for it, and the signed heads
      // over it still prove that hash was not changed.
      const Hash leaf = stored.prunedAt ? stored.leafHash : leafHash(canonicalForm(stored.event));
      if (stored.prunedAt) ++result.prunedEvents;
      if (leaf != stored.leafHash)
        return fail(expected, "event " + std::to_string(expected) + " was changed after it was written");
      tree.append(leaf);
      while (nextHead < heads.size() && heads[nextHead].size == tree.size()) {
        const TreeHead& head = heads[nextHead++];
        if (!signedByKnownKey(head))
          return fail(lastGoodHead + 1, "the signed tree head at size " + std::to_string(head.size) +
                                            " has no valid signature by key " + keyIds);
        if (head.root != tree.root())
          return fail(lastGoodHead + 1, "events " + std::to_string(lastGoodHead + 1) + " to " +
                                            std::to_string(head.size) +
                                            " do not match the signed tree head at size " +
                                            std::to_string(head.size) + " (rows and hashes were rewritten)");
        lastGoodHead = head.size;
        ++result.headsChecked;
      }
      if (progress && tree.size() % 5000 == 0) progress(tree.size(), total);
    }
    after = page.back().event.seq;
  }
  if (progress) progress(tree.size(), total);
  if (nextHead < heads.size())
    return fail(tree.size() + 1, "the log ends at event " + std::to_string(tree.size()) +
                                     " but a signed tree head covers " +
                                     std::to_string(heads[nextHead].size) + " events (events were deleted)");
  result.ok = true;
  result.size = tree.size();
  result.root = tree.root();
  result.unsignedEvents = tree.size() - lastGoodHead;
  return result;
}

}  // namespace regfed::audit
