#include <regfed/audit/EventCopy.h>

#include <libpq-fe.h>

#include <cstring>
#include <memory>
#include <stdexcept>

namespace regfed::audit {

namespace {

// The columns in the order eventFrom() expects them, as COPY sends them in binary.
constexpr const char* kColumns =
    "node, seq, time, request_id, actor, actor_ags, roles, action, owner_ags, register, purpose, case_ref, "
    "mandate, criteria, subjects, fields, result_count, decision, reason, emergency, leaf_hash, format, withheld, "
    "correlation_id, peer, pruned_at, personal_hash";

std::int64_t be(const char* p, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  if (bytes < 8 && (v >> (8 * bytes - 1)) & 1) v |= ~std::uint64_t{0} << (8 * bytes);  // sign-extend
  return static_cast<std::int64_t>(v);
}

// Reads one tuple's fields from a binary COPY row.
class Row {
 public:
  Row(const char* data, int size) : p_(data), end_(data + size) {}

  int fields() { return static_cast<int>(take(2)); }
  // Next field: its bytes, or nullptr for NULL.
  const char* field(int& length) {
    length = static_cast<int>(take(4));
    if (length < 0) return nullptr;
    if (end_ - p_ < length) throw std::runtime_error("truncated binary COPY row");
    const char* f = p_;
    p_ += length;
    return f;
  }
  std::string text() {
    int n = 0;
    const char* f = field(n);
    return f ? std::string(f, static_cast<std::size_t>(n)) : std::string();
  }
  std::optional<std::string> optionalText() {
    int n = 0;
    const char* f = field(n);
    if (!f) return std::nullopt;
    return std::string(f, static_cast<std::size_t>(n));
  }
  std::int64_t integer() {
    int n = 0;
    const char* f = field(n);
    if (!f || (n != 2 && n != 4 && n != 8)) throw std::runtime_error("unexpected integer field");
    return be(f, n);
  }
  bool boolean() {
    int n = 0;
    const char* f = field(n);
    return f && n == 1 && *f != 0;
  }
  std::optional<std::int64_t> timestamp() {
    int n = 0;
    const char* f = field(n);
    if (!f) return std::nullopt;
    if (n != 8) throw std::runtime_error("unexpected timestamp field");
    return be(f, 8);
  }
  std::vector<std::string> textArray() {
    int n = 0;
    const char* f = field(n);
    std::vector<std::string> out;
    if (!f) return out;
    Row a(f, n);
    const auto dims = a.take(4);
    a.take(4);  // has-null flag
    a.take(4);  // element type
    if (dims == 0) return out;
    if (dims != 1) throw std::runtime_error("unexpected array dimensions");
    const auto count = a.take(4);
    a.take(4);  // lower bound
    for (std::int64_t i = 0; i < count; ++i) {
      int len = 0;
      const char* e = a.field(len);
      if (e) out.emplace_back(e, static_cast<std::size_t>(len));  // NULL elements are skipped, as when parsed as text
    }
    return out;
  }

 private:
  std::int64_t take(int bytes) {
    if (end_ - p_ < bytes) throw std::runtime_error("truncated binary COPY row");
    const std::int64_t v = be(p_, bytes);
    p_ += bytes;
    return v;
  }
  const char* p_;
  const char* end_;
};

// Microseconds since 2000-01-01 UTC as "YYYY-MM-DDTHH:MM:SS.ffffffZ" (what to_char(…, 'US') prints).
std::string utcText(std::int64_t micros) {
  constexpr std::int64_t kEpoch2000 = 946684800;  // seconds from 1970 to 2000
  std::int64_t seconds = micros / 1000000, fraction = micros % 1000000;
  if (fraction < 0) {
    fraction += 1000000;
    --seconds;
  }
  seconds += kEpoch2000;
  std::int64_t days = seconds / 86400, rest = seconds % 86400;
  if (rest < 0) {
    rest += 86400;
    --days;
  }
  // Howard Hinnant's civil_from_days.
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const std::int64_t doe = days - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const std::int64_t m = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t y = yoe + era * 400 + (m <= 2);
  char out[128];
  std::snprintf(out, sizeof out, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld.%06lldZ", static_cast<long long>(y),
                static_cast<long long>(m), static_cast<long long>(d), static_cast<long long>(rest / 3600),
                static_cast<long long>(rest / 60 % 60), static_cast<long long>(rest % 60),
                static_cast<long long>(fraction));
  return out;
}

StoredEvent parse(const char* data, int size) {
  Row r(data, size);
  if (r.fields() != 27) throw std::runtime_error("unexpected number of columns in binary COPY row");
  StoredEvent s;
  AuditEvent& e = s.event;
  e.node = r.text();
  e.seq = r.integer();
  e.time = utcText(r.timestamp().value_or(0));
  e.requestId = r.text();
  e.actor = r.text();
  e.actorAgs = r.text();
  e.roles = r.textArray();
  e.action = r.text();
  e.ownerAgs = r.optionalText();
  e.registerName = r.optionalText();
  e.purpose = r.optionalText();
  e.caseRef = r.optionalText();
  e.mandate = r.optionalText();
  e.criteria = r.optionalText();
  e.subjects = r.textArray();
  e.fields = r.textArray();
  e.resultCount = r.integer();
  e.decision = r.text();
  e.reason = r.text();
  e.emergency = r.boolean();
  int n = 0;
  const char* hash = r.field(n);
  if (hash && n == 32) std::memcpy(s.leafHash.data(), hash, 32);
  e.format = static_cast<int>(r.integer());
  e.withheld = r.textArray();
  e.correlationId = r.optionalText();
  e.peer = r.optionalText();
  if (auto pruned = r.timestamp()) s.prunedAt = utcText(*pruned);
  int digestLength = 0;
  if (const char* digest = r.field(digestLength)) s.personalDigest.assign(digest, static_cast<std::size_t>(digestLength));
  return s;
}

}  // namespace

void copyEvents(const std::string& dsn, const std::string& node, const CopyStretch& stretch,
                const std::function<void(const StoredEvent&)>& each) {
  std::unique_ptr<PGconn, decltype(&PQfinish)> conn(PQconnectdb(dsn.c_str()), PQfinish);
  if (PQstatus(conn.get()) != CONNECTION_OK)
    throw std::runtime_error(std::string("cannot connect to the audit database: ") + PQerrorMessage(conn.get()));
  std::unique_ptr<char, decltype(&PQfreemem)> quoted(
      PQescapeLiteral(conn.get(), node.c_str(), node.size()), PQfreemem);
  auto run = [&](const std::string& sql) {
    std::unique_ptr<PGresult, decltype(&PQclear)> r(PQexec(conn.get(), sql.c_str()), PQclear);
    if (PQresultStatus(r.get()) != PGRES_COMMAND_OK)
      throw std::runtime_error(std::string("cannot read the audit log: ") + PQerrorMessage(conn.get()));
  };
  run("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  if (!stretch.snapshot.empty()) {
    std::unique_ptr<char, decltype(&PQfreemem)> id(
        PQescapeLiteral(conn.get(), stretch.snapshot.c_str(), stretch.snapshot.size()), PQfreemem);
    run(std::string("SET TRANSACTION SNAPSHOT ") + id.get());
  }
  // A TID range scan: each stretch reads its own pages once, with no index and no sort.
  const std::string sql = std::string("COPY (SELECT ") + kColumns + " FROM regfed_audit.events WHERE node = " +
                          quoted.get() + " AND ctid >= '(" + std::to_string(stretch.fromPage) +
                          ",0)'::tid AND ctid < '(" + std::to_string(stretch.toPage) +
                          ",0)'::tid) TO STDOUT (FORMAT binary)";
  std::unique_ptr<PGresult, decltype(&PQclear)> started(PQexec(conn.get(), sql.c_str()), PQclear);
  if (PQresultStatus(started.get()) != PGRES_COPY_OUT)
    throw std::runtime_error(std::string("cannot read the audit log: ") + PQerrorMessage(conn.get()));
  bool header = true;
  for (;;) {
    char* buffer = nullptr;
    const int n = PQgetCopyData(conn.get(), &buffer, 0);
    if (n == -1) break;
    if (n < 0) throw std::runtime_error(std::string("reading the audit log failed: ") + PQerrorMessage(conn.get()));
    std::unique_ptr<char, decltype(&PQfreemem)> row(buffer, PQfreemem);
    const char* p = buffer;
    int size = n;
    if (header) {
      // "PGCOPY\n\377\r\n\0", flags, header extension length (and its bytes).
      if (size < 19 || std::memcmp(p, "PGCOPY\n\377\r\n\0", 11) != 0)
        throw std::runtime_error("unexpected binary COPY header");
      const auto extension = static_cast<int>(be(p + 15, 4));
      p += 19 + extension;
      size -= 19 + extension;
      header = false;
      if (size == 0) continue;
    }
    if (size == 2 && be(p, 2) == -1) continue;  // trailer
    each(parse(p, size));
  }
  std::unique_ptr<PGresult, decltype(&PQclear)> done(PQgetResult(conn.get()), PQclear);
  if (PQresultStatus(done.get()) != PGRES_COMMAND_OK)
    throw std::runtime_error(std::string("reading the audit log failed: ") + PQerrorMessage(conn.get()));
  while (PGresult* rest = PQgetResult(conn.get())) PQclear(rest);
  run("COMMIT");
}

}  // namespace regfed::audit
