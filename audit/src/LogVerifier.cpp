#include <regfed/audit/LogVerifier.h>
#include <regfed/audit/TreeHeadLog.h>
#include <regfed/audit/EventCopy.h>

#include <pqxx/pqxx>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>

#include <regfed/audit/EventCopy.h>

namespace regfed::audit {

namespace {

// The first problem found in a stretch of the log: the lowest sequence number wins.
struct Finding {
  std::mutex mutex;
  std::int64_t seq = 0;  // 0: none
  std::string problem;

  void report(std::int64_t at, std::string what) {
    std::lock_guard<std::mutex> lock(mutex);
    if (seq == 0 || at < seq) {
      seq = at;
      problem = std::move(what);
    }
  }
};

}  // namespace

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
  if (!heads.empty()) result.latestHead = heads.back();

  // 1. Every event is read back and hashed again from its columns, never trusting the stored hash. The table's
  //    pages are cut into stretches read at once over their own connections (binary COPY), one per core, all
  //    under one snapshot: events appended meanwhile are not part of this verification.
  pqxx::connection snapshotConnection(store.dsn());
  pqxx::transaction<pqxx::isolation_level::repeatable_read, pqxx::readwrite_policy::read_only> snap(
      snapshotConnection);
  const pqxx::row at = snap.exec_params1(
      "SELECT pg_export_snapshot(), pg_relation_size('regfed_audit.events') / current_setting('block_size')::int, "
      "(SELECT coalesce(max(seq), 0) FROM regfed_audit.events WHERE node = $1)",
      node);
  const std::string snapshot = at[0].as<std::string>();
  const std::int64_t pages = at[1].as<std::int64_t>() + 1;
  const std::int64_t total = at[2].as<std::int64_t>();
  std::vector<Hash> leaves(static_cast<std::size_t>(total));
  std::vector<unsigned char> seen(static_cast<std::size_t>(total), 0);
  std::mutex prunedMutex;
  std::vector<std::pair<std::int64_t, std::string>> prunedEvents;  // seq, time
  Finding finding;
  std::atomic<std::int64_t> done{0}, pruned{0};
  const std::int64_t workers =
      std::max<std::int64_t>(1, std::min<std::int64_t>(std::thread::hardware_concurrency(), total / 50000 + 1));
  std::vector<std::thread> threads;
  std::exception_ptr failure;
  std::mutex failureMutex;
  std::mutex finishedMutex;
  std::condition_variable finishedChanged;
  std::int64_t finished = 0;
  for (std::int64_t w = 0; w < workers; ++w) {
    const CopyStretch stretch{snapshot, pages * w / workers, pages * (w + 1) / workers};
    threads.emplace_back([&, stretch] {
      try {
        copyEvents(store.dsn(), node, stretch, [&](const StoredEvent& stored) {
          const std::int64_t seq = stored.event.seq;
          if (seq < 1 || seq > total) return;  // not in the snapshot's log
          // A pruned event's payload is gone by design: its stored leaf hash stands for it, and the signed
          // heads over it still prove that hash was not changed.
          // A pruned event's personal part is gone by design: the digest written with the event stands for
          // it, and everything else is still hashed from the columns (format 5; earlier formats are never
          // pruned, so one that looks pruned was changed).
          bool intact = true;
          if (stored.prunedAt) {
            ++pruned;
            {
              std::lock_guard<std::mutex> lock(prunedMutex);
              prunedEvents.emplace_back(seq, stored.event.time);
            }
            if (stored.event.format < 5 || stored.personalDigest.size() != 32) {
              intact = false;
            } else {
              AuditEvent e = stored.event;
              e.personalDigest = stored.personalDigest;
              intact = leafHash(canonicalForm(e)) == stored.leafHash;
            }
          } else {
            intact = leafHash(canonicalForm(stored.event)) == stored.leafHash &&
                     (stored.event.format < 5 || personalDigest(stored.event) == stored.personalDigest);
          }
          if (!intact) finding.report(seq, "event " + std::to_string(seq) + " was changed after it was written");
          leaves[static_cast<std::size_t>(seq - 1)] = stored.leafHash;
          seen[static_cast<std::size_t>(seq - 1)] = 1;
          ++done;
        });
      } catch (...) {
        std::lock_guard<std::mutex> lock(failureMutex);
        failure = std::current_exception();
      }
      std::lock_guard<std::mutex> lock(finishedMutex);
      ++finished;
      finishedChanged.notify_all();
    });
  }
  {
    // Progress while the stretches are read (a stretch that finishes wakes this at once).
    std::unique_lock<std::mutex> lock(finishedMutex);
    while (finished < workers) {
      if (progress) progress(done.load(), total);
      finishedChanged.wait_for(lock, std::chrono::milliseconds(500));
    }
  }
  for (auto& t : threads) t.join();
  // Pruned events must be covered by a recorded pruning run that cut off events older than them, and no run may
  // have cut off events newer than itself: a payload cleared any other way is reported like a changed event.
  if (!prunedEvents.empty()) {
    struct Run {
      std::int64_t first, last;
      std::string cutoff, at;
    };
    std::vector<Run> runs;
    for (const auto& r : snap.exec_params(
             "SELECT coalesce(first_seq, 0), coalesce(last_seq, 0), "
             "to_char(cutoff AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), "
             "to_char(pruned_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') "
             "FROM regfed_audit.prunings WHERE node = $1 AND cutoff <= pruned_at - interval '12 months'",
             node))
      runs.push_back(Run{r[0].as<std::int64_t>(), r[1].as<std::int64_t>(), r[2].as<std::string>(),
                         r[3].as<std::string>()});
    for (const auto& [seq, time] : prunedEvents) {
      bool covered = false;
      for (const Run& r : runs) covered = covered || (r.first <= seq && seq <= r.last && time < r.cutoff && r.cutoff <= r.at);
      if (!covered)
        finding.report(seq, "event " + std::to_string(seq) + " was pruned (its payload cleared) but no recorded "
                            "pruning run covers it with a cut-off after the event and at least 12 months before the run");
    }
  }
  snap.commit();
  if (failure) std::rethrow_exception(failure);
  for (std::int64_t seq = 1; seq <= total; ++seq)
    if (!seen[static_cast<std::size_t>(seq - 1)]) {
      finding.report(seq, "event " + std::to_string(seq) + " is missing from the log");
      break;
    }
  if (progress) progress(done.load(), total);
  result.prunedEvents = pruned.load();

  // 2. The tree over those leaves, in order, against every signed head: up to the first bad event.
  const std::int64_t good = finding.seq ? finding.seq - 1 : total;
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
  for (std::int64_t i = 0; i < good; ++i) {
    tree.append(leaves[static_cast<std::size_t>(i)]);
    while (nextHead < heads.size() && heads[nextHead].size == tree.size()) {
      const TreeHead& head = heads[nextHead++];
      if (!signedByKnownKey(head))
        return fail(lastGoodHead + 1, "the signed tree head at size " + std::to_string(head.size) +
                                          " has no valid signature by key " + keyIds);
      if (head.root != tree.root())
        return fail(lastGoodHead + 1, "events " + std::to_string(lastGoodHead + 1) + " to " +
                                          std::to_string(head.size) + " do not match the signed tree head at size " +
                                          std::to_string(head.size) + " (rows and hashes were rewritten)");
      lastGoodHead = head.size;
      ++result.headsChecked;
    }
  }
  if (finding.seq) return fail(finding.seq, finding.problem);
  if (nextHead < heads.size())
    return fail(tree.size() + 1, "the log ends at event " + std::to_string(tree.size()) +
                                     " but a signed tree head covers " + std::to_string(heads[nextHead].size) +
                                     " events (events were deleted)");
  result.ok = true;
  result.size = tree.size();
  result.root = tree.root();
  result.unsignedEvents = tree.size() - lastGoodHead;
  return result;
}

}  // namespace regfed::audit
