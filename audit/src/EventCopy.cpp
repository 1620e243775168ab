#include <libpq-fe.h>
#include <regfed/audit/EventCopy.h>

#include <cstring>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace regfed::audit {

namespace {

// The columns an event is made of. The stretch is read as `SELECT *` (PostgreSQL then sends the stored tuples
// without a projection, about a fifth less server time than naming the columns); the table's own column order
// is looked up first and mapped onto these.
enum Column {
  kNode,
  kSeq,
  kTime,
  kRequestId,
  kActor,
  kActorAgs,
  kRoles,
  kAction,
  kOwnerAgs,
  kRegister,
  kPurpose,
  kCaseRef,
  kMandate,
  kCriteria,
  kSubjects,
  kFields,
  kResultCount,
  kDecision,
  kReason,
  kEmergency,
  kLeafHash,
  kFormat,
  kWithheld,
  kCorrelationId,
  kPeer,
  kPrunedAt,
  kPersonalHash,
  kColumnCount
};
constexpr const char* kColumnNames[kColumnCount] = {
    "node",     "seq",       "time",           "request_id", "actor",     "actor_ags",    "roles",
    "action",   "owner_ags", "register",       "purpose",    "case_ref",  "mandate",      "criteria",
    "subjects", "fields",    "result_count",   "decision",   "reason",    "emergency",    "leaf_hash",
    "format",   "withheld",  "correlation_id", "peer",       "pruned_at", "personal_hash"};

std::int64_t be(const char* p, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  if (bytes < 8 && (v >> (8 * bytes - 1)) & 1) v |= ~std::uint64_t{0} << (8 * bytes);  // sign-extend
  return static_cast<std::int64_t>(v);
}

// One field of a binary COPY row: its bytes, or data == nullptr for NULL.
struct Field {
  const char* data = nullptr;
  int size = 0;
};

// Reads a binary COPY row (or an array value, which has the same length-prefixed layout).
class Reader {
 public:
  Reader(const char* data, int size) : p_(data), end_(data + size) {}

  std::int64_t take(int bytes) {
    if (end_ - p_ < bytes) throw std::runtime_error("truncated binary COPY row");
    const std::int64_t v = be(p_, bytes);
    p_ += bytes;
    return v;
  }
  Field field() {
    Field f;
    const auto length = take(4);
    if (length < 0) return f;
    if (end_ - p_ < length) throw std::runtime_error("truncated binary COPY row");
    f.data = p_;
    f.size = static_cast<int>(length);
    p_ += length;
    return f;
  }

 private:
  const char* p_;
  const char* end_;
};

// The conversions below write into the event of the previous row, so strings and lists keep their capacity
// and a stretch of a million events allocates almost nothing.
void text(const Field& f, std::string& out) {
  if (f.data)
    out.assign(f.data, static_cast<std::size_t>(f.size));
  else
    out.clear();
}

void optionalText(const Field& f, std::optional<std::string>& out) {
  if (!f.data)
    out.reset();
  else if (out)
    out->assign(f.data, static_cast<std::size_t>(f.size));
  else
    out.emplace(f.data, static_cast<std::size_t>(f.size));
}

std::int64_t integer(const Field& f) {
  if (!f.data || (f.size != 2 && f.size != 4 && f.size != 8))
    throw std::runtime_error("unexpected integer field");
  return be(f.data, f.size);
}

void textArray(const Field& f, std::vector<std::string>& out) {
  std::size_t used = 0;
  if (f.data) {
    Reader a(f.data, f.size);
    const auto dims = a.take(4);
    a.take(4);  // has-null flag
    a.take(4);  // element type
    if (dims > 1) throw std::runtime_error("unexpected array dimensions");
    const auto count = dims == 0 ? 0 : a.take(4);
    if (dims == 1) a.take(4);  // lower bound
    for (std::int64_t i = 0; i < count; ++i) {
      const Field e = a.field();
      if (!e.data) continue;  // NULL elements are skipped, as when parsed as text
      if (used == out.size()) out.emplace_back();
      out[used++].assign(e.data, static_cast<std::size_t>(e.size));
    }
  }
  out.resize(used);
}

// Microseconds since 2000-01-01 UTC as "YYYY-MM-DDTHH:MM:SS.ffffffZ" (what to_char(…, 'US') prints). A time no
// writer stores ('infinity', or beyond the year 9999: only an edit puts it there) comes out as text no signed event
// has, so the verifier names the event as changed instead of stopping.
void utcText(std::int64_t micros, std::string& out) {
  constexpr std::int64_t kEpoch2000 = 946684800;  // seconds from 1970 to 2000
  constexpr std::int64_t kYear10000 = 252455616000000000;  // 10000-01-01 in microseconds since 2000
  constexpr std::int64_t kYear0 = -63113904000000000;      // 0000-01-01 in microseconds since 2000
  if (micros >= kYear10000 || micros < kYear0) {
    out = micros == std::numeric_limits<std::int64_t>::max()   ? "infinity"
          : micros == std::numeric_limits<std::int64_t>::min() ? "-infinity"
                                                               : "out of range: " + std::to_string(micros);
    return;
  }
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
  if (y < 0 || y > 9999) throw std::runtime_error("a time outside the years 0 to 9999");
  char buf[] = "0000-00-00T00:00:00.000000Z";
  auto put = [&buf](int at, int width, std::int64_t value) {
    for (int i = at + width - 1; i >= at; --i, value /= 10) buf[i] = static_cast<char>('0' + value % 10);
  };
  put(0, 4, y);
  put(5, 2, m);
  put(8, 2, d);
  put(11, 2, rest / 3600);
  put(14, 2, rest / 60 % 60);
  put(17, 2, rest % 60);
  put(20, 6, fraction);
  out.assign(buf, sizeof buf - 1);
}

// `layout[i]`: which Column the table's i-th column is (kColumnCount: one this reader does not use).
void parse(const char* data, int size, const std::vector<int>& layout, StoredEvent& s) {
  Reader r(data, size);
  if (r.take(2) != static_cast<std::int64_t>(layout.size()))
    throw std::runtime_error("unexpected number of columns in binary COPY row");
  Field f[kColumnCount + 1];
  for (const int column : layout) f[column] = r.field();
  AuditEvent& e = s.event;
  text(f[kNode], e.node);
  e.seq = integer(f[kSeq]);
  if (!f[kTime].data || f[kTime].size != 8) throw std::runtime_error("unexpected timestamp field");
  utcText(be(f[kTime].data, 8), e.time);
  text(f[kRequestId], e.requestId);
  text(f[kActor], e.actor);
  text(f[kActorAgs], e.actorAgs);
  textArray(f[kRoles], e.roles);
  text(f[kAction], e.action);
  optionalText(f[kOwnerAgs], e.ownerAgs);
  optionalText(f[kRegister], e.registerName);
  optionalText(f[kPurpose], e.purpose);
  optionalText(f[kCaseRef], e.caseRef);
  optionalText(f[kMandate], e.mandate);
  optionalText(f[kCriteria], e.criteria);
  textArray(f[kSubjects], e.subjects);
  textArray(f[kFields], e.fields);
  e.resultCount = integer(f[kResultCount]);
  text(f[kDecision], e.decision);
  text(f[kReason], e.reason);
  e.emergency = f[kEmergency].data && f[kEmergency].size == 1 && *f[kEmergency].data != 0;
  if (f[kLeafHash].data && f[kLeafHash].size == 32)
    std::memcpy(s.leafHash.data(), f[kLeafHash].data, 32);
  else
    s.leafHash.fill(0);
  e.format = static_cast<int>(integer(f[kFormat]));
  textArray(f[kWithheld], e.withheld);
  optionalText(f[kCorrelationId], e.correlationId);
  optionalText(f[kPeer], e.peer);
  if (const Field& pruned = f[kPrunedAt]; pruned.data) {
    if (pruned.size != 8) throw std::runtime_error("unexpected timestamp field");
    if (!s.prunedAt) s.prunedAt.emplace();
    utcText(be(pruned.data, 8), *s.prunedAt);
  } else {
    s.prunedAt.reset();
  }
  text(f[kPersonalHash], s.personalDigest);
  e.personalDigest.clear();
}

}  // namespace

void copyEvents(const std::string& dsn, const std::string& node, const CopyStretch& stretch,
                const std::function<void(StoredEvent&)>& each) {
  std::unique_ptr<PGconn, decltype(&PQfinish)> conn(PQconnectdb(dsn.c_str()), PQfinish);
  if (PQstatus(conn.get()) != CONNECTION_OK)
    throw std::runtime_error(std::string("cannot connect to the audit database: ") +
                             PQerrorMessage(conn.get()));
  std::unique_ptr<char, decltype(&PQfreemem)> quoted(PQescapeLiteral(conn.get(), node.c_str(), node.size()),
                                                     PQfreemem);
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
  // The table's columns in their stored order.
  std::vector<int> layout;
  {
    std::unique_ptr<PGresult, decltype(&PQclear)> columns(
        PQexec(conn.get(),
               "SELECT attname FROM pg_attribute WHERE attrelid = 'regfed_audit.events'::regclass AND attnum "
               "> 0 "
               "AND NOT attisdropped ORDER BY attnum"),
        PQclear);
    if (PQresultStatus(columns.get()) != PGRES_TUPLES_OK)
      throw std::runtime_error(std::string("cannot read the audit log's columns: ") +
                               PQerrorMessage(conn.get()));
    std::vector<bool> present(kColumnCount, false);
    for (int i = 0; i < PQntuples(columns.get()); ++i) {
      const std::string name = PQgetvalue(columns.get(), i, 0);
      int column = 0;
      while (column < kColumnCount && name != kColumnNames[column]) ++column;
      if (column < kColumnCount) present[static_cast<std::size_t>(column)] = true;
      layout.push_back(column);
    }
    for (int column = 0; column < kColumnCount; ++column)
      if (!present[static_cast<std::size_t>(column)])
        throw std::runtime_error(std::string("the audit log has no column ") + kColumnNames[column] +
                                 " (its schema is older than this program)");
  }
  // A TID range scan: each stretch reads its own pages once, with no index and no sort.
  const std::string sql = std::string("COPY (SELECT * FROM regfed_audit.events WHERE node = ") +
                          quoted.get() + " AND ctid >= '(" + std::to_string(stretch.fromPage) +
                          ",0)'::tid AND ctid < '(" + std::to_string(stretch.toPage) +
                          ",0)'::tid) TO STDOUT (FORMAT binary)";
  std::unique_ptr<PGresult, decltype(&PQclear)> started(PQexec(conn.get(), sql.c_str()), PQclear);
  if (PQresultStatus(started.get()) != PGRES_COPY_OUT)
    throw std::runtime_error(std::string("cannot read the audit log: ") + PQerrorMessage(conn.get()));
  bool header = true;
  StoredEvent event;  // reused from row to row
  for (;;) {
    char* buffer = nullptr;
    const int n = PQgetCopyData(conn.get(), &buffer, 0);
    if (n == -1) break;
    if (n < 0)
      throw std::runtime_error(std::string("reading the audit log failed: ") + PQerrorMessage(conn.get()));
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
    parse(p, size, layout, event);
    each(event);
  }
  std::unique_ptr<PGresult, decltype(&PQclear)> done(PQgetResult(conn.get()), PQclear);
  if (PQresultStatus(done.get()) != PGRES_COMMAND_OK)
    throw std::runtime_error(std::string("reading the audit log failed: ") + PQerrorMessage(conn.get()));
  while (PGresult* rest = PQgetResult(conn.get())) PQclear(rest);
  run("COMMIT");
}

}  // namespace regfed::audit
