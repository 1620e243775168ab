#include <regfed/audit/AuditWriter.h>
#include <regfed/audit/TreeHeadLog.h>

#include <pqxx/pqxx>

namespace regfed::audit {

AuditWriter::AuditWriter(AuditWriterOptions options, TreeHeadSigner signer, AuditWriterObserver* observer)
    : options_(std::move(options)), signer_(std::move(signer)), observer_(observer) {}

AuditWriter::~AuditWriter() { stop(); }

void AuditWriter::start() {
  connectAndLoad();
  setAvailable(true);
  thread_ = std::thread([this] { run(); });
  if (!headsToCheck_.empty())
    checker_ = std::thread([this, heads = std::move(headsToCheck_)]() mutable { checkWholeLog(std::move(heads)); });
}

bool AuditWriter::awaitWholeLogCheck() {
  if (checker_.joinable()) checker_.join();
  return !integrityFailed_.load();
}

void AuditWriter::checkWholeLog(std::vector<TreeHead> heads) {
  std::string problem;
  try {
    AuditStore store(options_.dsn);
    MerkleTree tree;
    std::size_t next = 0;
    for (const Hash& leaf : store.leafHashes(options_.node)) {
      tree.append(leaf);
      while (next < heads.size() && heads[next].size == tree.size()) {
        const TreeHead& h = heads[next++];
        if (!signer_.verify(h) || h.root != tree.root())
          problem = "audit log of node " + options_.node + " does not match its signed tree head at size " +
                    std::to_string(h.size) + "; run `regfed audit verify` to find the first bad event";
        if (!problem.empty()) break;
      }
      if (!problem.empty() || next == heads.size()) break;
    }
    if (problem.empty() && next < heads.size())
      problem = "audit log of node " + options_.node + " is shorter than its signed tree head at size " +
                std::to_string(heads[next].size);
  } catch (const IntegrityError& e) {
    problem = e.what();
  } catch (const std::exception& e) {
    // Not a finding: the check could not run (the database went away); the next start checks again.
    if (observer_) observer_->writeFailed(std::string("background check of the audit log did not finish: ") + e.what());
    return;
  }
  if (problem.empty()) return;
  integrityFailed_ = true;
  setAvailable(false);
  if (observer_) observer_->writeFailed(problem + " (found after start; no more events are written)");
}

void AuditWriter::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  queued_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (checker_.joinable()) checker_.join();
}

void AuditWriter::connectAndLoad() {
  auto store = std::make_unique<AuditStore>(options_.dsn);
  store->requireAppendOnlyRole();
  store->recordSigningKey(options_.node, signer_.keyId(), signer_.publicKeyPem());
  const std::int64_t stored = store->maxSeq(options_.node);
  if (!loaded_ || stored != tree_.size()) {
    // First start, or a commit whose outcome was unknown when the connection broke: rebuild from the
    // database and check it against the signed heads, including the copies outside it (an emptied log must
    // not start afresh).
    std::vector<TreeHead> heads = store->treeHeads(options_.node);
    if (!options_.headLog.empty())
      heads = mergeHeads(heads, TreeHeadLog(options_.headLog).read(options_.node));
    MerkleTree tree;
    std::size_t nextHead = 0;
    // A long log continues from the frontier stored with its newest head (the newest anywhere: a head only
    // the file still holds means events were deleted, and the full path below says so). The frontier must
    // reproduce the signed root; everything before it is `regfed audit verify`'s to recompute.
    auto frontier = store->newestFrontier(options_.node);
    // (Only at start: a reconnect after a commit of unknown outcome is rare, and reads every leaf.)
    if (options_.resumeFromFrontier && !loaded_ && frontier && !heads.empty() &&
        frontier->first == heads.back().size) {
      auto resumed = MerkleTree::fromFrontier(frontier->first, frontier->second);
      const TreeHead& h = heads.back();
      if (!resumed || !signer_.verify(h) || resumed->root() != h.root)
        throw IntegrityError("audit log of node " + options_.node + ": the stored frontier at size " +
                             std::to_string(h.size) + " does not reproduce its signed tree head; run `regfed audit "
                             "verify` to find the first bad event");
      tree = *resumed;
      nextHead = heads.size();
      headsToCheck_ = heads;
    }
    for (const Hash& leaf : store->leafHashesAfter(options_.node, tree.size())) {
      tree.append(leaf);
      while (nextHead < heads.size() && heads[nextHead].size == tree.size()) {
        const TreeHead& h = heads[nextHead++];
        if (!signer_.verify(h) || h.root != tree.root())
          throw IntegrityError("audit log of node " + options_.node +
                               " does not match its signed tree head at size " + std::to_string(h.size) +
                               "; run `regfed audit verify` to find the first bad event");
      }
    }
    if (nextHead < heads.size() || store->maxSeq(options_.node) != tree.size())
      throw IntegrityError("audit log of node " + options_.node + " ends at event " +
                           std::to_string(store->maxSeq(options_.node)) + " but a signed tree head covers " +
                           std::to_string(heads.empty() ? 0 : heads.back().size) + " events");
    tree_ = tree;
    loaded_ = true;
    lastHeadSize_ = heads.empty() ? 0 : heads.back().size;
    signedSize_ = lastHeadSize_;
    committedSize_ = tree_.size();
  }
  lastHeadTime_ = std::chrono::steady_clock::now();
  store_ = std::move(store);
}

bool AuditWriter::record(std::vector<AuditEvent>& events) {
  if (!available_.load() || integrityFailed_.load()) return false;
  if (stalled()) {
    reportStall();
    return false;
  }
  // PostgreSQL cannot store NUL or invalid UTF-8, and one such event would fail the whole batch: those bytes become
  // U+FFFD before the event is hashed, so the attempt is still recorded, visibly (callers refuse such input first;
  // this is the last line of defence).
  for (auto& e : events)
    if (hasUnstorableText(e)) makeStorable(e);
  auto pending = std::make_shared<Pending>();
  pending->events = events;
  std::unique_lock<std::mutex> lock(mutex_);
  if (stopping_) return false;
  queue_.push_back(pending);
  queued_.notify_one();
  if (!committed_.wait_for(lock, options_.commitTimeout, [&] { return pending->done; })) {
    lock.unlock();
    if (stalled()) reportStall();
    return false;
  }
  if (pending->ok) events = std::move(pending->events);
  return pending->ok;
}

namespace {
std::int64_t steadyNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
}  // namespace

bool AuditWriter::stalled() const {
  const std::int64_t since = commitSince_.load();
  return since != 0 && steadyNanos() - since > std::chrono::nanoseconds(options_.commitTimeout).count();
}

void AuditWriter::commitStarted() { commitSince_ = steadyNanos(); }

void AuditWriter::commitEnded(bool ok) {
  std::lock_guard<std::mutex> lock(stallMutex_);
  const std::int64_t took = steadyNanos() - commitSince_.exchange(0);
  if (!stallReported_) return;
  stallReported_ = false;
  if (!observer_) return;
  observer_->writeFailed("the stalled audit commit " + std::string(ok ? "completed" : "failed") + " after " +
                         std::to_string(took / 1000000000) + " s");
  if (ok && available()) observer_->availabilityChanged(true);
}

void AuditWriter::reportStall() {
  // Under the lock a stall seen here is still the one in flight: commitEnded cannot clear it in between.
  std::lock_guard<std::mutex> lock(stallMutex_);
  if (stallReported_ || !stalled()) return;
  stallReported_ = true;
  if (!observer_) return;
  observer_->writeFailed("an audit commit has waited over " + std::to_string(options_.commitTimeout.count()) +
                         " ms for PostgreSQL (is a synchronous standby unreachable?); data requests get 503 "
                         "audit_unavailable until it completes");
  observer_->availabilityChanged(false);
}

void AuditWriter::finish(std::vector<std::shared_ptr<Pending>>& batch, bool ok) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& p : batch) {
      p->ok = ok;
      p->done = true;
    }
  }
  committed_.notify_all();
  batch.clear();
}

void AuditWriter::setAvailable(bool available) {
  if (available_.exchange(available) != available && observer_) observer_->availabilityChanged(available);
}

void AuditWriter::run() {
  std::vector<std::shared_ptr<Pending>> batch;
  for (;;) {
    bool stopping = false;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      queued_.wait_for(lock, available_ ? options_.signInterval : options_.retryInterval,
                       [&] { return stopping_ || !queue_.empty(); });
      stopping = stopping_;
      std::size_t events = 0;
      while (!queue_.empty() &&
             (batch.empty() || events + queue_.front()->events.size() <= options_.maxBatchEvents)) {
        events += queue_.front()->events.size();
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    if (!available_) {
      // Fail closed while down: queued requests are answered at once, then try to reconnect (unless the log
      // itself was found altered: then it stays closed until someone looks).
      finish(batch, false);
      if (integrityFailed_) {
        if (stopping) return;
        continue;
      }
      try {
        connectAndLoad();
        setAvailable(true);
      } catch (const IntegrityError& e) {
        if (observer_) observer_->writeFailed(e.what());
      } catch (const std::exception& e) {
        if (observer_) observer_->writeFailed(std::string("audit store still unreachable: ") + e.what());
      }
      if (stopping) return;
      continue;
    }
    if (!batch.empty()) commitBatch(batch);
    if (available_) signIfDue(stopping);
    if (stopping) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (queue_.empty()) return;
    }
  }
}

void AuditWriter::commitBatch(std::vector<std::shared_ptr<Pending>>& batch) {
  const auto started = std::chrono::steady_clock::now();
  MerkleTree tree = tree_;
  std::vector<AuditEvent> events;
  std::vector<Hash> leaves;
  for (auto& p : batch)
    for (auto& e : p->events) {
      e.seq = tree.size() + 1;
      if (e.node.empty()) e.node = options_.node;
      leaves.push_back(leafHash(canonicalForm(e)));
      tree.append(leaves.back());
      events.push_back(e);
    }
  std::unique_ptr<TreeHead> head;
  if (tree.size() - lastHeadSize_ >= options_.signEveryEvents) {
    head = std::make_unique<TreeHead>();
    head->node = options_.node;
    head->size = tree.size();
    head->root = tree.root();
    head->time = utcNow();
    signer_.sign(*head);
  }
  try {
    commitStarted();
    store_->append(events, leaves, head.get(), head ? tree.frontier() : std::string());
    commitEnded(true);
  } catch (const std::exception& e) {
    commitEnded(false);
    // Keep the committed state; if the commit did land after all, connectAndLoad() notices the larger log.
    store_.reset();
    setAvailable(false);
    if (observer_) observer_->writeFailed(std::string("audit commit failed: ") + e.what());
    finish(batch, false);
    return;
  }
  tree_ = tree;
  committedSize_ = tree_.size();
  if (head) {
    keepCopy(*head);
    lastHeadSize_ = head->size;
    signedSize_ = lastHeadSize_;
    lastHeadTime_ = std::chrono::steady_clock::now();
    if (observer_) observer_->treeHeadSigned(head->size);
  }
  if (observer_)
    observer_->batchCommitted(
        events, std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  finish(batch, true);
}

void AuditWriter::signIfDue(bool force) {
  if (tree_.size() == lastHeadSize_) return;
  if (!force && std::chrono::steady_clock::now() - lastHeadTime_ < options_.signInterval) return;
  TreeHead head;
  head.node = options_.node;
  head.size = tree_.size();
  head.root = tree_.root();
  head.time = utcNow();
  signer_.sign(head);
  try {
    commitStarted();
    store_->append({}, {}, &head, tree_.frontier());
    commitEnded(true);
  } catch (const std::exception& e) {
    commitEnded(false);
    store_.reset();
    setAvailable(false);
    if (observer_) observer_->writeFailed(std::string("storing tree head failed: ") + e.what());
    return;
  }
  keepCopy(head);
  lastHeadSize_ = head.size;
  signedSize_ = lastHeadSize_;
  lastHeadTime_ = std::chrono::steady_clock::now();
  if (observer_) observer_->treeHeadSigned(head.size);
}

void AuditWriter::keepCopy(const TreeHead& head) {
  if (options_.headLog.empty()) return;
  try {
    TreeHeadLog(options_.headLog).append(head);
  } catch (const std::exception& e) {
    // The head is in the database; the copy is a second line of defence, so report but keep serving.
    if (observer_)
      observer_->writeFailed(std::string("cannot keep a copy of the signed tree head: ") + e.what());
  }
}

}  // namespace regfed::audit
