#pragma once
// Versioned schema migrations, embedded from .sql files at build time and applied with the schema owner's
// role.

#include <string>
#include <vector>

namespace regfed::audit {

/// One versioned schema migration.
struct Migration {
  int version;       ///< Ordering number from the file name.
  const char* name;  ///< File name without extension.
  const char* sql;   ///< Statements, run in the migrating transaction.
};

/// Applies the migrations of `schema` that are missing, in one transaction serialised across nodes by an
/// advisory lock, then runs `grants`. Creates the schema and its `schema_migrations` table. Returns the
/// versions applied.
std::vector<int> applyMigrations(const std::string& ownerDsn, const std::string& schema,
                                 const std::vector<Migration>& migrations,
                                 const std::vector<std::string>& grants);

}  // namespace regfed::audit
