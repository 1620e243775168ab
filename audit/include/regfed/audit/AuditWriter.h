#pragma once
// The node's single audit writer. Requests hand their events to it and wait; it commits whatever has queued
// up in one transaction (group commit), extends the Merkle tree, and signs a tree head every N events or T
// seconds. When PostgreSQL is unreachable it fails requests at once (fail closed) and reconnects in the
// background. A commit that PostgreSQL holds longer than the commit timeout (a synchronous standby that does
// not confirm) makes the writer unavailable until it returns: requests fail at once instead of each waiting.

#include <regfed/audit/AuditSink.h>
#include <regfed/audit/AuditStore.h>
#include <regfed/audit/MerkleTree.h>
#include <regfed/audit/TreeHeadSigner.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

namespace regfed::audit {

/// Settings of the writer.
struct AuditWriterOptions {
  std::string dsn;                                ///< Node role's connection string.
  std::string node;                               ///< Node id; one log per node.
  std::size_t maxBatchEvents = 1024;              ///< Most events in one transaction.
  std::int64_t signEveryEvents = 1000;            ///< Sign a tree head after this many new events...
  std::chrono::milliseconds signInterval{10000};  ///< ...or this long after the last head, if events came.
  std::chrono::milliseconds commitTimeout{5000};  ///< How long a request waits for its batch.
  std::chrono::milliseconds retryInterval{500};   ///< Pause between reconnect attempts.
  std::string headLog;                            ///< File receiving a copy of every signed head ("" = none).
  /// Open a log from the frontier stored with its newest signed head, reading only the leaves after it (false:
  /// read and check every leaf against every head, as `regfed audit verify` does).
  bool resumeFromFrontier = true;
};

/// Receives the writer's measurements (metrics, logs); called on the writer thread, except for the start and end
/// of a stalled commit (reported by the request that notices it, and serialised with the end).
class AuditWriterObserver {
 public:
  virtual ~AuditWriterObserver() = default;
  /// A batch was committed; `events` are its events.
  virtual void batchCommitted(const std::vector<AuditEvent>& events, double seconds) = 0;
  /// A batch or a reconnect failed.
  virtual void writeFailed(const std::string& message) = 0;
  /// The store became reachable (true) or unreachable (false).
  virtual void availabilityChanged(bool available) = 0;
  /// A tree head was signed and stored.
  virtual void treeHeadSigned(std::int64_t size) = 0;
};

/// Group-committing writer; see the file comment.
class AuditWriter : public AuditSink {
 public:
  /// The observer must outlive the writer; it may be null.
  AuditWriter(AuditWriterOptions options, TreeHeadSigner signer, AuditWriterObserver* observer);
  ~AuditWriter() override;

  /// Connects, loads the log and checks it against its latest signed head; throws IntegrityError when they
  /// disagree or the role may change rows, pqxx errors when the database is unreachable. Then starts the
  /// thread. A log opened from its stored frontier is checked leaf by leaf against every signed head in the
  /// background; a mismatch found there makes the writer unavailable for good (fail closed) and is reported
  /// through the observer's writeFailed().
  void start();
  /// Waits for the background check of a log opened from its frontier; true when it passed (or none ran).
  bool awaitWholeLogCheck();

  /// Commits what is queued, signs a final head, and stops the thread.
  void stop();

  bool record(std::vector<AuditEvent>& events) override;
  bool available() const override { return available_.load() && !stalled(); }
  /// A commit has been waiting longer than the commit timeout (PostgreSQL holds it, e.g. for a synchronous
  /// standby that does not confirm). It is not cancelled: a cancelled wait would leave the events committed on
  /// the primary alone.
  bool stalled() const;

  /// Events committed so far.
  std::int64_t size() const { return committedSize_.load(); }
  /// Size covered by the newest signed tree head.
  std::int64_t signedSize() const { return signedSize_.load(); }

 private:
  struct Pending {
    std::vector<AuditEvent> events;
    bool done = false;
    bool ok = false;
  };

  void run();
  void connectAndLoad();
  void commitBatch(std::vector<std::shared_ptr<Pending>>& batch);
  void signIfDue(bool force);
  void finish(std::vector<std::shared_ptr<Pending>>& batch, bool ok);
  void setAvailable(bool available);
  // Around every write to the store: marks the commit in flight, and reports the end of a stall.
  void commitStarted();
  void commitEnded(bool ok);
  // Reports a stall once (from a request's thread: the writer's is the one waiting).
  void reportStall();
  void keepCopy(const TreeHead& head);
  // Reads every leaf and checks it against `heads` (those known when the log was opened from its frontier).
  void checkWholeLog(std::vector<TreeHead> heads);

  AuditWriterOptions options_;
  TreeHeadSigner signer_;
  AuditWriterObserver* observer_;
  std::unique_ptr<AuditStore> store_;
  MerkleTree tree_;
  bool loaded_ = false;  // the log has been read and checked once
  std::int64_t lastHeadSize_ = 0;
  std::chrono::steady_clock::time_point lastHeadTime_;
  std::atomic<std::int64_t> committedSize_{0};
  std::atomic<std::int64_t> signedSize_{0};
  std::atomic<bool> available_{false};
  std::atomic<std::int64_t> commitSince_{0};     // steady-clock ns when the commit in flight began; 0: none
  std::mutex stallMutex_;  // serialises reporting a stall with its end
  bool stallReported_ = false;
  std::atomic<bool> integrityFailed_{false};  // the background check found a mismatch: never available again
  std::vector<TreeHead> headsToCheck_;        // set by connectAndLoad when it resumed from a frontier
  std::thread checker_;

  std::mutex mutex_;
  std::condition_variable queued_;
  std::condition_variable committed_;
  std::deque<std::shared_ptr<Pending>> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace regfed::audit
