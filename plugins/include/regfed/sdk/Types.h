#pragma once
// Data that crosses the adapter boundary. Plain values only (no pointers into adapter memory), so the same
// requests and results can later be serialised for out-of-process adapters without changing the core.

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace regfed::sdk {

/// A field value: absent (null), boolean, integer, or text. Text is UTF-8 (convert legacy encodings such as
/// Latin-1 in the adapter); dates travel as text "YYYY-MM-DD".
using Value = std::variant<std::monostate, bool, std::int64_t, std::string>;

/// Type of a register field.
enum class FieldType { String, Date, Integer, Boolean };

/// Protection class of a field (Leitlinie: intern, vertraulich, streng vertraulich).
enum class Classification { Intern, Vertraulich, StrengVertraulich };

/// Filter operators an adapter may support.
enum class Operator { Equals, Prefix, Range, In, Phonetic };

/// One field of a register as configured by the municipality: the adapter maps it to its source.
struct FieldSpec {
  std::string name;                    ///< Field name exposed by regfed, e.g. "familienname".
  FieldType type = FieldType::String;  ///< Value type.
  Classification classification = Classification::Vertraulich;  ///< Protection class.
  std::string source;  ///< Column, key or attribute in the backend; empty means same as name.
};

/// A key/value option from the register's configuration (like a PostgreSQL FDW option).
struct Option {
  std::string key;    ///< Option name, e.g. "table".
  std::string value;  ///< Option value as text.
};

/// Everything an adapter instance needs to open one register.
struct OpenRequest {
  std::string registerId;         ///< "AGS/name", for messages.
  std::string idField;            ///< Name of the field that identifies a record.
  std::vector<FieldSpec> fields;  ///< Configured schema.
  std::vector<Option> options;    ///< Adapter-specific options.
  std::string baseDirectory;      ///< Directory relative paths in options are resolved against.
};

/// What an adapter can do; the core pushes down what is declared and does the rest itself.
struct Capabilities {
  bool get = false;                 ///< Can fetch one record by id.
  bool search = false;              ///< Can search with filters.
  std::vector<Operator> operators;  ///< Filter operators evaluated by the adapter.
  std::int64_t maxLimit = 1000;     ///< Largest limit the adapter accepts in one search.
};

/// The adapter's description of the register it serves.
struct Description {
  std::vector<FieldSpec> fields;  ///< Fields served (normally the configured ones).
  Capabilities capabilities;      ///< What can be pushed down.
};

/// One condition of a filter; conditions of a search are combined with AND.
struct Condition {
  std::string field;               ///< Field name (never a raw source column).
  Operator op = Operator::Equals;  ///< Operator.
  std::vector<Value>
      values;  ///< Equals/Prefix/Phonetic: one value; In: one or more; Range: [from, to], either null.
};

/// Fetch one record.
struct GetRequest {
  std::string id;                   ///< Record id.
  std::vector<std::string> fields;  ///< Projection, in this order; always contains the id field.
  std::int64_t timeoutMs = 0;       ///< Time budget for the call; 0 means the adapter's default.
};

/// Search records.
struct SearchRequest {
  std::vector<Condition> conditions;  ///< Only operators the adapter declared.
  std::vector<std::string> fields;    ///< Projection, in this order; always contains the id field.
  std::int64_t limit = 100;           ///< Maximum rows to return.
  std::int64_t timeoutMs = 0;         ///< Time budget for the call; 0 means the adapter's default.
};

/// A row: values aligned with the request's projection.
using Row = std::vector<Value>;

/// Result of a get: the row, or nothing when the id is unknown.
struct GetResult {
  std::optional<Row> row;  ///< Present when found.
};

/// Result of a search.
struct SearchResult {
  std::vector<Row> rows;   ///< At most `limit` rows.
  bool truncated = false;  ///< True when more rows matched than were returned.
};

/// Outcome of an adapter call.
enum class StatusCode { Ok, InvalidArgument, Unsupported, Unavailable, Timeout, Internal };

/// Status of a call: a code and a plain sentence for the log and the caller.
struct Status {
  StatusCode code = StatusCode::Ok;  ///< Outcome.
  std::string message;               ///< Plain sentence; never contains record data.

  /// True when the call succeeded.
  bool ok() const { return code == StatusCode::Ok; }
  /// A successful status.
  static Status success() { return {}; }
  /// A failed status with a code and message.
  static Status error(StatusCode c, std::string m) { return Status{c, std::move(m)}; }
};

/// Health of the adapter's backend.
struct Health {
  bool healthy = true;  ///< False when the backend cannot serve.
  std::string detail;   ///< Plain sentence.
};

/// Text name of an operator as used in the HTTP API.
inline const char* operatorName(Operator op) {
  switch (op) {
    case Operator::Equals:
      return "equals";
    case Operator::Prefix:
      return "prefix";
    case Operator::Range:
      return "range";
    case Operator::In:
      return "in";
    case Operator::Phonetic:
      return "phonetic";
  }
  return "unknown";
}

/// Text name of a field type.
inline const char* fieldTypeName(FieldType t) {
  switch (t) {
    case FieldType::String:
      return "string";
    case FieldType::Date:
      return "date";
    case FieldType::Integer:
      return "integer";
    case FieldType::Boolean:
      return "boolean";
  }
  return "unknown";
}

/// Text name of a classification.
inline const char* classificationName(Classification c) {
  switch (c) {
    case Classification::Intern:
      return "intern";
    case Classification::Vertraulich:
      return "vertraulich";
    case Classification::StrengVertraulich:
      return "streng_vertraulich";
  }
  return "unknown";
}

/// Looks up an option by key.
inline std::optional<std::string> findOption(const std::vector<Option>& options, const std::string& key) {
  for (const auto& o : options)
    if (o.key == key) return o.value;
  return std::nullopt;
}

}  // namespace regfed::sdk
