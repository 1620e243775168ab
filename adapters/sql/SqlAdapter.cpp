// sql adapter: a register living in a PostgreSQL table or view. Columns are mapped from configuration,
// filters and limits are pushed down as prepared statements, connections come from a pool and are replaced
// when they break.
//
// Options: "conninfo" (libpq connection string) or "conninfo_env" (name of an environment variable holding
// it),
//          "table" (name or schema.name), "pool_size" (default 8), "statement_timeout_ms" (default 5000),
//          "pool_wait_ms" (default 2000).

#include <regfed/sdk/Export.h>

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <unordered_map>

#include "ConnectionPool.h"
#include "SqlBuilder.h"

namespace regfed::adapters::sql {

using namespace regfed::sdk;

namespace {

constexpr std::size_t kMaxPreparedShapes = 256;

bool parsePositive(const std::optional<std::string>& text, std::int64_t fallback, std::int64_t& out) {
  if (!text) {
    out = fallback;
    return true;
  }
  try {
    std::size_t used = 0;
    out = std::stoll(*text, &used);
    return used == text->size() && out > 0;
  } catch (...) {
    return false;
  }
}

Value toValue(FieldType type, const pqxx::field& field) {
  if (field.is_null()) return std::monostate{};
  switch (type) {
    case FieldType::Integer:
      return static_cast<std::int64_t>(field.as<long long>());
    case FieldType::Boolean:
      return field.c_str()[0] == 't';
    default:
      return std::string(field.c_str(), field.size());
  }
}

}  // namespace

class SqlAdapter : public RegisterAdapter {
 public:
  Status open(const OpenRequest& request) override {
    std::optional<std::string> conninfo = findOption(request.options, "conninfo");
    if (auto env = findOption(request.options, "conninfo_env")) {
      const char* value = std::getenv(env->c_str());
      if (!value)
        return Status::error(StatusCode::InvalidArgument, "environment variable " + *env + " is not set");
      conninfo = value;
    }
    if (!conninfo)
      return Status::error(StatusCode::InvalidArgument, "option 'conninfo' or 'conninfo_env' is required");
    auto table = findOption(request.options, "table");
    if (!table || !isValidIdentifier(*table))
      return Status::error(StatusCode::InvalidArgument,
                           "option 'table' must be a name or schema.name of letters, digits and underscores");
    std::int64_t poolSize = 0, timeoutMs = 0;
    if (!parsePositive(findOption(request.options, "pool_size"), 8, poolSize) || poolSize > 256)
      return Status::error(StatusCode::InvalidArgument, "option 'pool_size' must be a number from 1 to 256");
    if (!parsePositive(findOption(request.options, "statement_timeout_ms"), 5000, timeoutMs))
      return Status::error(StatusCode::InvalidArgument,
                           "option 'statement_timeout_ms' must be a positive number");
    if (!parsePositive(findOption(request.options, "pool_wait_ms"), 2000, poolWaitMs_))
      return Status::error(StatusCode::InvalidArgument, "option 'pool_wait_ms' must be a positive number");

    std::map<std::string, FieldSpec> byName;
    for (const auto& f : request.fields) {
      const std::string& source = f.source.empty() ? f.name : f.source;
      if (!isValidIdentifier(source) || source.find('.') != std::string::npos)
        return Status::error(StatusCode::InvalidArgument,
                             "column '" + source + "' of field '" + f.name + "' is not a plain identifier");
      byName[f.name] = f;
    }
    if (!byName.count(request.idField))
      return Status::error(StatusCode::InvalidArgument,
                           "id field '" + request.idField + "' is not configured");
    fields_ = request.fields;
    builder_ = std::make_unique<SqlBuilder>(*table, byName, request.idField);
    pool_ = std::make_unique<ConnectionPool>(
        *conninfo, static_cast<std::size_t>(poolSize),
        "SET statement_timeout = " + std::to_string(timeoutMs) +
            "; SET DateStyle = ISO; SET default_transaction_read_only = on; SET application_name = 'regfed " +
            request.registerId + "'");
    try {
      auto lease = pool_->acquire(std::chrono::milliseconds(poolWaitMs_));
      pqxx::nontransaction tx(lease.connection());
      tx.exec(builder_->probe());
    } catch (const pqxx::broken_connection& e) {
      return Status::error(StatusCode::Unavailable, std::string("cannot connect: ") + e.what());
    } catch (const pqxx::sql_error& e) {
      return Status::error(
          StatusCode::InvalidArgument,
          "table " + *table + " does not match the configured columns: " + firstLine(e.what()));
    } catch (const std::exception& e) {
      return Status::error(StatusCode::Unavailable, e.what());
    }
    return Status::success();
  }

  Description describe() const override {
    Description d;
    d.fields = fields_;
    d.capabilities.get = true;
    d.capabilities.search = true;
    d.capabilities.operators = {Operator::Equals, Operator::Prefix, Operator::Range, Operator::In};
    d.capabilities.maxLimit = 10000;
    return d;
  }

  Status get(const GetRequest& request, GetResult& result) override {
    return run([&] { return builder_->get(request.fields, request.id); },
               [&](const pqxx::result& rows) {
                 if (!rows.empty()) result.row = toRow(rows[0], request.fields);
               },
               /*dataErrorMeansNoMatch=*/true);
  }

  Status search(const SearchRequest& request, SearchResult& result) override {
    return run([&] { return builder_->search(request); },
               [&](const pqxx::result& rows) {
                 const auto limit = static_cast<pqxx::result::size_type>(request.limit);
                 result.truncated = rows.size() > limit;
                 for (pqxx::result::size_type i = 0; i < rows.size() && i < limit; ++i)
                   result.rows.push_back(toRow(rows[i], request.fields));
               },
               false);
  }

  Health health() override {
    try {
      auto lease = pool_->acquire(std::chrono::milliseconds(poolWaitMs_));
      try {
        pqxx::nontransaction tx(lease.connection());
        tx.exec("SELECT 1");
      } catch (const pqxx::broken_connection&) {
        lease.discard();
        throw;
      }
      return Health{true, "database reachable"};
    } catch (const std::exception& e) {
      return Health{false, firstLine(e.what())};
    }
  }

 private:
  static std::string firstLine(const std::string& text) { return text.substr(0, text.find('\n')); }

  // Prepares (once per connection) and runs a statement; maps failures to statuses. Statement names come from
  // a shared SQL-text cache, so every distinct query shape is planned once per connection.
  template <class Build, class Consume>
  Status run(Build build, Consume consume, bool dataErrorMeansNoMatch) {
    Statement st;
    try {
      st = build();
    } catch (const std::invalid_argument& e) {
      return Status::error(StatusCode::InvalidArgument, e.what());
    }
    const std::string name = statementName(st.sql);
    try {
      auto lease = pool_->acquire(std::chrono::milliseconds(poolWaitMs_));
      // A pooled connection may have died while idle (PostgreSQL restarted): the first failure on it discards
      // it and the call is repeated once on a fresh connection. Safe because every call is a read.
      for (int attempt = 0;; ++attempt) {
        try {
          if (name.empty()) {
            // Past the cache limit: still parameterised, just not prepared.
            pqxx::nontransaction tx(lease.connection());
            consume(tx.exec_params(st.sql, pqxx::prepare::make_dynamic_params(st.parameters)));
            return Status::success();
          }
          lease.ensurePrepared(name, st.sql);
          pqxx::nontransaction tx(lease.connection());
          consume(tx.exec_prepared(name, pqxx::prepare::make_dynamic_params(st.parameters)));
          return Status::success();
        } catch (const pqxx::broken_connection& e) {
          lease.discard();
          if (attempt == 0) continue;
          return Status::error(StatusCode::Unavailable, "database connection lost: " + firstLine(e.what()));
        } catch (const pqxx::sql_error& e) {
          const std::string state = e.sqlstate();
          if (state == "57014") return Status::error(StatusCode::Timeout, "statement timed out");
          if (state.rfind("22", 0) == 0) {
            // A value that cannot be a value of the column (e.g. a date out of range) matches nothing.
            if (dataErrorMeansNoMatch) return Status::success();
            return Status::error(StatusCode::InvalidArgument, "a filter value does not fit its column");
          }
          lease.discard();
          if (state.rfind("08", 0) == 0 || state.rfind("57", 0) == 0) {
            if (attempt == 0) continue;
            return Status::error(StatusCode::Unavailable, "database unavailable: " + firstLine(e.what()));
          }
          return Status::error(StatusCode::Internal, "database error " + state + ": " + firstLine(e.what()));
        }
      }
    } catch (const pqxx::broken_connection& e) {
      return Status::error(StatusCode::Unavailable, "cannot connect: " + firstLine(e.what()));
    } catch (const std::runtime_error& e) {
      return Status::error(StatusCode::Unavailable, firstLine(e.what()));
    }
  }

  // Name of the prepared statement for this SQL, or "" once the cache is full: projections come in any order
  // a client chooses, so the number of shapes is bounded here rather than by the clients.
  std::string statementName(const std::string& sql) {
    std::lock_guard<std::mutex> lock(namesMutex_);
    auto it = names_.find(sql);
    if (it != names_.end()) return it->second;
    if (names_.size() >= kMaxPreparedShapes) return "";
    std::string name = "regfed_" + std::to_string(names_.size() + 1);
    names_.emplace(sql, name);
    return name;
  }

  Row toRow(const pqxx::row& row, const std::vector<std::string>& projection) const {
    Row out;
    out.reserve(projection.size());
    for (std::size_t i = 0; i < projection.size(); ++i)
      out.push_back(toValue(typeOf(projection[i]), row[static_cast<pqxx::row::size_type>(i)]));
    return out;
  }

  FieldType typeOf(const std::string& field) const {
    for (const auto& f : fields_)
      if (f.name == field) return f.type;
    return FieldType::String;
  }

  std::vector<FieldSpec> fields_;
  std::unique_ptr<SqlBuilder> builder_;
  std::unique_ptr<ConnectionPool> pool_;
  std::int64_t poolWaitMs_ = 2000;
  std::mutex namesMutex_;
  std::unordered_map<std::string, std::string> names_;
};

}  // namespace regfed::adapters::sql

REGFED_EXPORT_ADAPTER(
    regfed::adapters::sql::SqlAdapter, "sql",
    "Register in PostgreSQL tables or views, with filters pushed down as prepared statements")
