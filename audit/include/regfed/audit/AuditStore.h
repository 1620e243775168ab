#pragma once
// The audit log in PostgreSQL: migrations (run with the owner role), and the reads and appends the node's own
// role may do (INSERT and SELECT only).

#include <regfed/audit/AuditEvent.h>
#include <regfed/audit/Migrations.h>
#include <regfed/audit/TreeHead.h>
#include <regfed/audit/Witness.h>

#include <functional>
#include <pqxx/connection>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace regfed::audit {

/// The audit schema's migrations (audit/migrations), in order.
const std::vector<Migration>& migrations();

/// Raised when the stored log is not what its signed heads say, or the node role has too many rights.
class IntegrityError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// An event as stored, with the leaf hash written at the time.
struct StoredEvent {
  AuditEvent event;  ///< Columns as read back.
  Hash leafHash{};   ///< Stored leaf hash.
  /// Set when retention cleared the event's payload (then only the stored leaf hash vouches for it).
  std::optional<std::string> prunedAt;
  /// Format 5: the digest of the personal part written with the event (32 bytes; empty before format 5).
  std::string personalDigest;
};

/// A key that signed tree heads of a node's log.
struct SigningKey {
  std::string keyId;      ///< See TreeHead::keyId.
  std::string publicKey;  ///< PEM.
  std::string firstUsed;  ///< UTC RFC 3339.
};

/// A peer's cosignature of this node's log at `size` (root as cosigned).
struct StoredCosignature {
  std::int64_t size = 0;
  Hash root{};
  Cosignature cosignature;
};

/// The newest head of a peer's log this node cosigned, with its cosignature (witness state).
struct WitnessedHead {
  std::string log;     ///< The peer node whose log it is.
  std::int64_t size = 0;
  Hash root{};
  std::string logKey;  ///< The log's tree-head public key (PEM), pinned at the first cosignature.
  Cosignature cosignature;  ///< timestamp and signature (the witness is this node).
};

/// The database roles besides the node's that the migrations give rights to, when they exist.
struct DatabaseRoles {
  std::string auditor;  ///< Read-only: SELECT on every audit table (DPOs, auditors, `regfed audit verify`).
  std::string pruner;   ///< Retention only: clears the payload of old events (`regfed audit prune`).
};

/// A statement that runs `grants` only when database role `role` exists (the auditor and pruning roles are made
/// by the cluster's administrator, scripts/db-init.sh; a node must start where they are not used).
std::string grantIfRoleExists(pqxx::connection& c, const std::string& role, const std::vector<std::string>& grants);

/// Connection to the audit schema.
class AuditStore {
 public:
  /// Applies missing migrations with the owner's connection string and grants INSERT and SELECT to
  /// `nodeRole`, SELECT to `roles.auditor` and the pruning rights to `roles.pruner` (each when it exists).
  /// Returns the versions applied now. Safe to run from several nodes at once.
  static std::vector<int> migrate(const std::string& ownerDsn, const std::string& nodeRole,
                                  const DatabaseRoles& roles = {});

  /// Connects with the node's connection string; throws pqxx::broken_connection.
  explicit AuditStore(const std::string& dsn);
  ~AuditStore();

  /// Throws IntegrityError when this role may UPDATE, DELETE or TRUNCATE audit rows.
  void requireAppendOnlyRole();

  /// Appends events (seq and leaf hashes set) and, if given, a signed tree head with the Merkle frontier at its
  /// size (MerkleTree::frontier()), in one transaction.
  void append(const std::vector<AuditEvent>& events, const std::vector<Hash>& leaves, const TreeHead* head,
              const std::string& frontier = "");

  /// Leaf hashes of the node's log in order; throws IntegrityError on a gap in the sequence.
  std::vector<Hash> leafHashes(const std::string& node);

  /// Leaf hashes of the events after `afterSeq`, in order; throws IntegrityError on a gap.
  std::vector<Hash> leafHashesAfter(const std::string& node, std::int64_t afterSeq);

  /// The size and stored Merkle frontier of the node's newest signed head; nullopt when there is no head or it
  /// was stored without one.
  std::optional<std::pair<std::int64_t, std::string>> newestFrontier(const std::string& node);

  /// Highest sequence number stored for the node (0 for an empty log).
  std::int64_t maxSeq(const std::string& node);

  /// All signed tree heads of the node, by size.
  std::vector<TreeHead> treeHeads(const std::string& node);

  /// Records the key the node signs its tree heads with (once per key).
  void recordSigningKey(const std::string& node, const std::string& keyId, const std::string& publicKeyPem);
  /// Every key that signed heads of `node`'s log, oldest first.
  std::vector<SigningKey> signingKeys(const std::string& node);

  /// Stores a peer's cosignature of this node's log at `size`/`root` (once per witness and size).
  void addCosignature(const std::string& node, std::int64_t size, const Hash& root, const Cosignature& c);
  /// Every cosignature of `node`'s log, by size.
  std::vector<StoredCosignature> cosignatures(const std::string& node);
  /// The largest size of `node`'s log that `witness` cosigned (0 when none).
  std::int64_t lastCosigned(const std::string& node, const std::string& witness);
  /// This node's witness state for peer log `log`.
  std::optional<WitnessedHead> witnessed(const std::string& log);
  void setWitnessed(const WitnessedHead& head);

  /// Up to `limit` events with seq > afterSeq, in order.
  std::vector<StoredEvent> events(const std::string& node, std::int64_t afterSeq, std::int64_t limit);

  /// Whether the connection is usable.
  bool isOpen() const;
  /// The connection string this store was opened with (for further connections of the same role).
  const std::string& dsn() const { return dsn_; }

 private:
  struct Connection;  // wraps pqxx::connection, kept out of this header
  std::unique_ptr<Connection> connection_;
  std::string dsn_;
};

}  // namespace regfed::audit
