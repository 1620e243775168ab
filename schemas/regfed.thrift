// regfed node-to-node contract: what one node asks another over Thrift (binary protocol, framed) on TLS 1.2+
// with mutual authentication against the federation's CA. The calling node is known by its certificate; it
// may speak only for the municipalities the federation config says it hosts.
//
// Versioning: every request carries the caller's contract version. A node answers versions from
// MIN_CONTRACT_VERSION to CONTRACT_VERSION and refuses others with VersionMismatch; `ping` tells a caller which
// versions a peer speaks before it sends anything else, and a caller then speaks the newest version both speak
// (a federation is upgraded one node at a time). New methods and new optional fields raise CONTRACT_VERSION;
// removing or renumbering a field raises MIN_CONTRACT_VERSION too. When CONTRACT_VERSION is raised, the released
// contract goes to tests/compat/regfed-contract-N.thrift, verbatim: contract_compat_tests plays a node of the
// previous release against this one.
//
// Version 2 adds mandate forwarding (a helper municipality's admin acts at their home node, which forwards to the
// owning node), the mandate list a helper's node keeps its copy from, and witnessing of audit logs. Version 3
// adds procedures: the owning node's procedures in its catalog, and a helper's steps on their work items
// (inbox, item, claim, release, decision), forwarded by the helper's home node with the helper's own token.

namespace cpp regfed.wire

const i32 CONTRACT_VERSION = 3
const i32 MIN_CONTRACT_VERSION = 1

/// A value of a register field or filter; no member set means null.
union Value {
  1: string text
  2: i64 integer
  3: double real
  4: bool flag
}

enum Operator {
  EQUALS = 0,
  PREFIX = 1,
  RANGE = 2,
  IN = 3,
  PHONETIC = 4,
}

/// One filter condition as the person wrote it (typed by the owning node against its own schema).
struct FilterTerm {
  1: required string field
  2: required Operator op
  3: required list<Value> values  // RANGE: [from, to], either may be null
}

/// Who asks and why; the same for every call that touches data.
struct Caller {
  1: required i32 contract_version
  2: required string token            // the person's own bearer token: the owning node verifies it itself
  3: required string request_id       // the home node's request id: both nodes log it
  4: optional string correlation_id   // the client's X-Request-Id
  5: required i64 deadline_ms         // time left for the whole call at the moment it was sent
}

struct SearchRequest {
  1: required Caller caller
  2: required string register_name
  3: required list<string> municipalities   // AGS hosted by the asked node
  4: required list<FilterTerm> filter
  5: optional list<string> fields
  6: required i64 limit
  7: required string purpose
  8: required string case_ref
  9: optional string mandate
}

/// Why something was refused or failed: a kind (malformed, unauthenticated, forbidden, not_found, conflict,
/// timeout, too_large, invalid, unavailable, internal), a stable snake_case code and a plain message.
struct Problem {
  1: required string kind
  2: required string code
  3: required string message
  4: optional list<string> fields
  5: optional string details          // JSON object with figures
}

/// One municipality's part of a search.
struct MunicipalityResult {
  1: required string ags
  2: required string register_name
  3: required string status           // ok, denied, unavailable, timeout, error
  4: optional Problem problem         // when status is not ok
  5: optional list<string> fields     // disclosed fields, the id field first
  6: optional list<list<Value>> rows
  7: optional bool truncated
}

struct SearchResponse {
  1: optional Problem refused         // the request as a whole was refused by the owning node
  2: required list<MunicipalityResult> results
}

struct RecordRequest {
  1: required Caller caller
  2: required string ags
  3: required string register_name
  4: required string id
  5: optional list<string> fields
  6: required string purpose
  7: required string case_ref
  8: optional string mandate
}

struct RecordResponse {
  1: optional Problem refused         // not_found is also the neutral answer for a withheld record
  2: optional list<string> fields
  3: optional list<Value> row
}

struct FieldInfo {
  1: required string name
  2: required string type             // string, date, integer, boolean
  3: required string classification   // intern, vertraulich, streng_vertraulich
}

struct RegisterInfo {
  1: required string ags
  2: required string municipality
  3: required string register_name
  4: required string title
  5: required string status           // ok, unavailable
  6: required string id_field
  7: required list<FieldInfo> fields
  8: required list<string> operations
}

/// A procedure (Fachverfahren with work items) a node serves (version 3).
struct ProcedureInfo {
  1: required string ags
  2: required string name
  3: required string title
  4: required string status           // ok, unavailable
  5: required list<string> kinds
  6: required list<string> decisions  // approved, rejected, needs_info
}

struct Catalog {
  1: required string node
  2: required list<string> municipalities
  3: required list<RegisterInfo> registers
  4: optional list<ProcedureInfo> procedures   // version 3
}

struct Pong {
  1: required string node
  2: required i32 contract_version
  3: required i32 min_contract_version
}

/// A mandate as its owning node stores it (dates YYYY-MM-DD, Europe/Berlin; times UTC RFC 3339; empty when
/// not yet done).
struct MandateInfo {
  1: required string id
  2: required string kind             // support, emergency
  3: required string owner_ags
  4: required string helper_ags
  5: required list<string> helpers
  6: required list<string> registers
  7: required list<string> procedures
  8: required list<string> operations
  9: required list<string> fields
  10: required string purpose
  11: required string agreement
  12: required string valid_from
  13: required string valid_until
  14: required string created_by
  15: required string created_at
  16: required string owner_approved_by
  17: required string owner_approved_at
  18: required string helper_approved_by
  19: required string helper_approved_at
  20: required string revoked_by
  21: required string revoked_at
  22: optional string revoked_on
}

/// A responder's activation of an emergency mandate, forwarded by their home node with their own token (which
/// travels with every request under the mandate anyway): the owning node verifies it and decides.
struct MandateChange {
  1: required Caller caller
  2: required string mandate
  3: required string action           // activate
  4: optional string reason           // why
}

/// The helper municipality's decision on a mandate — its admin's approval or revocation — made at the helper's
/// node, which verified the admin's token, checked four eyes and its quota, and logged it. Node-authenticated:
/// an admin's token never leaves their own node (a node that got it could replay it there, where the admin may
/// create and approve mandates of the admin's own municipality). The owner accepts it only for the helper side of
/// its own mandates, from the node hosting the helper municipality. A revocation can be delivered later, when
/// the owner was unreachable.
struct MandateDecision {
  1: required i32 contract_version
  2: required string mandate
  3: required string action           // approve, revoke
  4: required string by               // the admin's user id
  5: required string by_ags           // the helper municipality
  6: required string request_id       // the helper's node's request id (both nodes log it)
  7: required i64 deadline_ms         // an approval is not applied after this
}

struct MandateAnswer {
  1: optional Problem refused
  2: optional MandateInfo mandate     // the mandate after the change (also with some refusals)
  3: optional string payload          // the JSON the owning node's API answers with
}

/// A node's signed tree head shown to a peer acting as its witness (C2SP tlog-witness), with the RFC 6962
/// consistency proof from the head that peer cosigned last. The checkpoint cosigned is the C2SP checkpoint body
/// "regfed.audit/<node>\n<size>\n<base64 root>\n".
struct CosignRequest {
  1: required i32 contract_version
  2: required i64 old_size                // the size this witness cosigned last (0: never)
  3: required list<binary> consistency_proof
  4: required i64 size
  5: required binary root
  6: required string head_time
  7: required string head_key_id
  8: required binary head_signature       // the log's own ECDSA P-256 signature of the tree head
  9: required string head_public_key      // PEM; pinned by the witness at its first cosignature
}

/// A cosignature/v1 (C2SP tlog-cosignature): Ed25519 over "cosignature/v1\ntime <timestamp>\n" + checkpoint.
struct CosignatureInfo {
  1: required string witness              // key name, "regfed.witness/<node>"
  2: required binary public_key           // 32-byte Ed25519 key
  3: required i64 timestamp
  4: required binary signature            // 64 bytes
}

struct CosignAnswer {
  1: optional Problem refused             // old_size_mismatch (then witnessed_size), inconsistent_head, ...
  2: optional CosignatureInfo cosignature
  3: optional i64 witnessed_size          // the size this witness cosigned last
}

/// The newest head of the calling node's log this node cosigned (size 0: none).
struct WitnessedHeadInfo {
  1: required i64 size
  2: required binary root
  3: optional CosignatureInfo cosignature
}

/// A person's step on a procedure's work items, forwarded by their home node (version 3). The owning node
/// verifies the token, checks its own mandates and logs the step under the same request id.
struct ItemCall {
  1: required Caller caller
  2: required string action           // list, view, claim, release, complete
  3: required string ags
  4: required string procedure
  5: optional string item_id          // all but list
  6: optional string mandate
  7: optional string status           // list
  8: optional string after            // list
  9: optional i64 limit               // list
  10: optional string body            // complete: {"decision": …, "note": …}
}

struct ItemAnswer {
  1: optional Problem refused
  2: optional string payload          // the JSON the owning node's API answers with
}

/// The caller's contract version is one this node does not speak.
exception VersionMismatch {
  1: required i32 min_contract_version
  2: required i32 contract_version
  3: required string message
}

/// The calling node may not ask this (not a configured peer, or it speaks for a municipality it does not host).
exception PeerRefused {
  1: required string code
  2: required string message
}

service RegfedNode {
  Pong ping(1: i32 contract_version) throws (1: PeerRefused refused)
  Catalog catalog(1: i32 contract_version) throws (1: VersionMismatch mismatch, 2: PeerRefused refused)
  SearchResponse search(1: SearchRequest request) throws (1: VersionMismatch mismatch, 2: PeerRefused refused)
  RecordResponse get_record(1: RecordRequest request) throws (1: VersionMismatch mismatch, 2: PeerRefused refused)

  // Version 2: mandates across nodes.
  /// The owning node's mandates whose helper municipality the calling node hosts.
  list<MandateInfo> mandates(1: i32 contract_version) throws (1: VersionMismatch mismatch, 2: PeerRefused refused)
  MandateAnswer change_mandate(1: MandateChange change) throws (1: VersionMismatch mismatch, 2: PeerRefused refused)
  MandateAnswer decide_mandate(1: MandateDecision decision)
      throws (1: VersionMismatch mismatch, 2: PeerRefused refused)

  // Version 2: witnessing. The log is always the calling node's own (known by its certificate).
  CosignAnswer cosign(1: CosignRequest request) throws (1: VersionMismatch mismatch, 2: PeerRefused refused)
  WitnessedHeadInfo witnessed_head(1: i32 contract_version)
      throws (1: VersionMismatch mismatch, 2: PeerRefused refused)

  // Version 3: procedures.
  ItemAnswer item_call(1: ItemCall call) throws (1: VersionMismatch mismatch, 2: PeerRefused refused)
}
