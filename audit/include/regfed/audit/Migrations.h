#pragma once
// Versioned schema migrations, embedded from .sql files at build time and applied with the schema owner's
// role.

#include <stdexcept>
#include <string>
#include <vector>

namespace regfed::audit {

/// A schema at another version than this program's: retrying does not help, a person must act.
class SchemaVersionError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// One versioned schema migration.
struct Migration {
  int version;       ///< Ordering number from the file name.
  const char* name;  ///< File name without extension.
  const char* sql;   ///< Statements, run in the migrating transaction.
};

/// Migrations only go forward: a schema that a newer regfed migrated (versions this program does not know) is
/// refused, before anything is applied: SchemaVersionError, saying what to do.
///
/// Applies the migrations of `schema` that are missing, in one transaction serialised across nodes by an
/// advisory lock, then runs `grants`. Creates the schema and its `schema_migrations` table. Returns the
/// versions applied.
std::vector<int> applyMigrations(const std::string& ownerDsn, const std::string& schema,
                                 const std::vector<Migration>& migrations,
                                 const std::vector<std::string>& grants);

/// Checks, with any role that may read `schema`.schema_migrations, that the schema is exactly at the version
/// this program knows: throws SchemaVersionError naming the versions when it is newer (migrated by a newer
/// regfed) or older (migrations pending: the node needs audit.owner_dsn to apply them). Returns false,
/// checking nothing, when the role may not read the table (the caller says so).
bool requireKnownSchema(const std::string& dsn, const std::string& schema,
                        const std::vector<Migration>& migrations);

}  // namespace regfed::audit
