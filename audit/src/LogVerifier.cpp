#include <regfed/audit/EventCopy.h>
#include <regfed/audit/LogVerifier.h>
#include <regfed/audit/TreeHeadLog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <exception>
#include <mutex>
#include <pqxx/pqxx>
#include <thread>

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

VerifyResult verifyLog(AuditStore& store, const std::string& node,
                       const std::vector<const TreeHeadSigner*>& keys,
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

  // 1. Every event is read back and hashed again from its columns, never trusting the stored hash. The
  // table's
  //    pages are cut into stretches read at once over their own connections (binary COPY), one per core, all
  //    under one snapshot: events appended meanwhile are not part of this verification.
  pqxx::connection snapshotConnection(store.dsn());
  pqxx::transaction<pqxx::isolation_level::repeatable_read, pqxx::readwrite_policy::read_only> snap(
      snapshotConnection);
  const pqxx::row at = snap.exec_params1(
      "SELECT pg_export_snapshot(), pg_relation_size('regfed_audit.events') / "
      "current_setting('block_size')::int, "
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
  const std::int64_t workers = std::max<std::int64_t>(
      1, std::min<std::int64_t>(std::thread::hardware_concurrency(), total / 50000 + 1));
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
        std::string form;  // this thread's canonical form, reused
        copyEvents(store.dsn(), node, stretch, [&](StoredEvent& stored) {
          const std::int64_t seq = stored.event.seq;
          if (seq < 1 || seq > total) return;  // not in the snapshot's log
          // Format 5 hashes the personal part (who asked, why, about whom) on its own; its digest, stored
          // with the event, enters the leaf. An intact event's personal part must hash to that digest. A
          // pruned event's personal part is gone by design: the digest stands for it, and everything else is
          // still hashed from the columns (earlier formats are never pruned, so one that looks pruned was
          // changed).
          bool intact = true;
          if (stored.prunedAt) {
            ++pruned;
            {
              std::lock_guard<std::mutex> lock(prunedMutex);
              prunedEvents.emplace_back(seq, stored.event.time);
            }
            intact = stored.event.format >= 5 && stored.personalDigest.size() == 32;
          } else if (stored.event.format >= 5) {
            personalFormInto(stored.event, form);
            const Hash digest = sha256Of(form);
            intact = stored.personalDigest.size() == digest.size() &&
                     std::memcmp(stored.personalDigest.data(), digest.data(), digest.size()) == 0;
          }
          if (intact) {
            stored.event.personalDigest =
                stored.personalDigest;  // checked above, or standing for a pruned part
            canonicalFormInto(stored.event, form);
            intact = leafHash(form) == stored.leafHash;
          }
          if (!intact)
            finding.report(seq, "event " + std::to_string(seq) + " was changed after it was written");
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
  // Pruned events must be covered by a recorded pruning run that cut off events older than them, and no run
  // may have cut off events newer than itself: a payload cleared any other way is reported like a changed
  // event.
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
      for (const Run& r : runs)
        covered = covered || (r.first <= seq && seq <= r.last && time < r.cutoff && r.cutoff <= r.at);
      if (!covered)
        finding.report(
            seq,
            "event " + std::to_string(seq) +
                " was pruned (its payload cleared) but no recorded "
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
  std::vector<std::int64_t> sizes;
  std::size_t checkable = 0;
  while (checkable < heads.size() && heads[checkable].size <= good) sizes.push_back(heads[checkable++].size);
  if (good > 0) sizes.push_back(good);
  const std::vector<Hash> roots = rootsAt(leaves, sizes);
  const Hash rootAtGood = good > 0 ? roots.back() : MerkleTree().root();
  auto fail = [&](std::int64_t seq, std::string problem, std::int64_t size, const Hash& root) {
    result.firstBadSeq = seq;
    result.problem = std::move(problem);
    result.size = size;
    result.root = root;
    return result;
  };
  std::int64_t lastGoodHead = 0;
  for (std::size_t h = 0; h < checkable; ++h) {
    const TreeHead& head = heads[h];
    if (!signedByKnownKey(head))
      return fail(lastGoodHead + 1,
                  "the signed tree head at size " + std::to_string(head.size) +
                      " has no valid signature by key " + keyIds,
                  head.size, roots[h]);
    if (head.root != roots[h])
      return fail(lastGoodHead + 1,
                  "events " + std::to_string(lastGoodHead + 1) + " to " + std::to_string(head.size) +
                      " do not match the signed tree head at size " + std::to_string(head.size) +
                      " (rows and hashes were rewritten)",
                  head.size, roots[h]);
    lastGoodHead = head.size;
    ++result.headsChecked;
  }
  if (finding.seq) return fail(finding.seq, finding.problem, good, rootAtGood);
  if (checkable < heads.size())
    return fail(good + 1,
                "the log ends at event " + std::to_string(good) + " but a signed tree head covers " +
                    std::to_string(heads[checkable].size) + " events (events were deleted)",
                good, rootAtGood);
  result.ok = true;
  result.size = good;
  result.root = rootAtGood;
  result.unsignedEvents = good - lastGoodHead;
  return result;
}

}  // namespace regfed::audit
