#pragma once
// Recomputes a node's whole audit log from its rows and checks it against every signed tree head, without
// trusting the stored hashes: rewritten rows, recomputed hashes, gaps and truncation are all found.

#include <regfed/audit/AuditStore.h>
#include <regfed/audit/TreeHeadSigner.h>

#include <functional>
#include <optional>

namespace regfed::audit {

/// Outcome of a verification.
struct VerifyResult {
  bool ok = false;                     ///< True when every event and every signed head checks out.
  std::int64_t size = 0;               ///< Events read.
  Hash root{};                         ///< Root recomputed over all events read.
  std::int64_t headsChecked = 0;       ///< Signed heads verified.
  std::optional<TreeHead> latestHead;  ///< Newest signed head, if any.
  std::int64_t unsignedEvents = 0;     ///< Events after the newest signed head (covered by the next one).
  std::int64_t prunedEvents = 0;       ///< Events whose payload retention removed (checked by leaf hash).
  std::optional<std::int64_t> firstBadSeq;  ///< First event that cannot be trusted.
  std::string problem;                      ///< Plain sentence when not ok.
};

/// Verifies the log of `node` against the heads in the database and `fileHeads` (copies kept outside it);
/// `progress(done, total)` is called every few thousand events.
VerifyResult verifyLog(AuditStore& store, const std::string& node, const TreeHeadSigner& verifier,
                       const std::function<void(std::int64_t, std::int64_t)>& progress = {},
                       const std::vector<TreeHead>& fileHeads = {});

/// The same with every key the log may have been signed with (a head must verify under the key its key id
/// names, and that key must be one of `keys`).
VerifyResult verifyLog(AuditStore& store, const std::string& node, const std::vector<const TreeHeadSigner*>& keys,
                       const std::function<void(std::int64_t, std::int64_t)>& progress = {},
                       const std::vector<TreeHead>& fileHeads = {});

}  // namespace regfed::audit
