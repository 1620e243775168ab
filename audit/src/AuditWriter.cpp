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
}

void AuditWriter::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  queued_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void AuditWriter::connectAndLoad() {
  auto store = std::make_unique<AuditStore>(options_.dsn);
  store->requireAppendOnlyRole();
  store->recordSigningKey(options_.node, signer_.keyId(), signer_.publicKeyPem());
  const std::int64_t stored = store->maxSeq(options_.node);
  if (!loaded_ || stored != tree_.size()) {
    // First start, or a commit whose outcome was unknown when the connection broke: rebuild from the
    // database and check it against every signed head, including the copies outside it (an emptied log
    // must not start afresh).
    MerkleTree tree;
    std::vector<Hash> leaves = store->leafHashes(options_.node);
    std::vector<TreeHead> heads = store->treeHeads(options_.node);
    if (!options_.headLog.empty())
      heads = mergeHeads(heads, TreeHeadLog(options_.headLog).read(options_.node));
    std::size_t nextHead = 0;
    for (const Hash& leaf : leaves) {
      tree.append(leaf);
      while (nextHead < heads.size() && heads[nextHead].size == tree.size()) {
        const TreeHead& h = heads[nextHead++];
        if (!signer_.verify(h) || h.root != tree.root())
          throw IntegrityError("audit log of node " + options_.node +
                               " does not match its signed tree head at size " + std::to_string(h.size) +
                               "; run `regfed audit verify` to find the first bad event");
      }
    }
    if (nextHead < heads.size())
      throw IntegrityError("audit log of node " + options_.node + " ends at event " +
                           std::to_string(tree.size()) + " but a signed tree head covers " +
                           std::to_string(heads[nextHead].size) + " events");
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
  if (!available_.load()) return false;
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
  if (!committed_.wait_for(lock, options_.commitTimeout, [&] { return pending->done; })) return false;
  if (pending->ok) events = std::move(pending->events);
  return pending->ok;
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
      // Fail closed while down: queued requests are answered at once, then try to reconnect.
      finish(batch, false);
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
    store_->append(events, leaves, head.get());
  } catch (const std::exception& e) {
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
    store_->append({}, {}, &head);
  } catch (const std::exception& e) {
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
