#pragma once
// Turns requests into parameterised SQL. Identifiers come only from validated configuration and are quoted;
// every value travels as a statement parameter.

#include <regfed/sdk/Types.h>

#include <map>
#include <string>
#include <vector>

namespace regfed::adapters::sql {

/// True for `name` or `schema.name` made of letters, digits and underscores (not starting with a digit).
bool isValidIdentifier(const std::string& identifier);

/// Double-quotes an identifier (or each part of a schema-qualified one).
std::string quoteIdentifier(const std::string& identifier);

/// Formats values as a PostgreSQL array literal, e.g. {"a","b\"c"}.
std::string arrayLiteral(const std::vector<regfed::sdk::Value>& values);

/// Text form of a value as a statement parameter.
std::string parameterText(const regfed::sdk::Value& value);

/// A statement and its parameters.
struct Statement {
  std::string sql;                      ///< SQL text with $n placeholders.
  std::vector<std::string> parameters;  ///< Values for $1..$n.
};

/// Builds statements for one table.
class SqlBuilder {
 public:
  /// `columns` maps field names to source columns; `idField` names the id field.
  SqlBuilder(std::string table, std::map<std::string, regfed::sdk::FieldSpec> fields, std::string idField);

  /// SELECT of one record by id; throws std::invalid_argument for an unknown field.
  Statement get(const std::vector<std::string>& projection, const std::string& id) const;

  /// SELECT with conditions, ordered by id, limited to limit+1 rows to detect truncation.
  Statement search(const regfed::sdk::SearchRequest& request) const;

  /// SELECT that returns no rows but fails when a configured column is missing.
  std::string probe() const;

 private:
  std::string column(const std::string& field) const;
  std::string selectList(const std::vector<std::string>& projection) const;

  std::string table_;
  std::map<std::string, regfed::sdk::FieldSpec> fields_;
  std::string idField_;
};

}  // namespace regfed::adapters::sql
