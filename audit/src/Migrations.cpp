#include <regfed/audit/Migrations.h>

#include <map>
#include <pqxx/pqxx>
#include <set>
#include <stdexcept>

namespace regfed::audit {

namespace {

// The versions recorded in the schema (version, name) that `migrations` does not know.
std::string unknownVersions(const std::map<int, std::string>& recorded,
                            const std::vector<Migration>& migrations) {
  std::set<int> known;
  for (const auto& m : migrations) known.insert(m.version);
  std::string out;
  for (const auto& [version, name] : recorded)
    if (!known.count(version)) out += (out.empty() ? "" : ", ") + std::to_string(version) + " (" + name + ")";
  return out;
}

SchemaVersionError newerSchema(const std::string& schema, const std::string& unknown,
                               const std::vector<Migration>& migrations) {
  return SchemaVersionError(
      "the database's schema " + schema + " has migrations this regfed does not know: " + unknown +
      "; a newer regfed migrated it (this one knows up to " +
      std::to_string(migrations.empty() ? 0 : migrations.back().version) +
      "). Migrations only go forward: run the newer regfed, or restore the database from before the upgrade");
}

}  // namespace

std::vector<int> applyMigrations(const std::string& ownerDsn, const std::string& schema,
                                 const std::vector<Migration>& migrations,
                                 const std::vector<std::string>& grants) {
  pqxx::connection conn(ownerDsn);
  pqxx::work tx(conn);
  const std::string s = tx.quote_name(schema);
  // One migrator at a time across all nodes sharing this database.
  tx.exec("SELECT pg_advisory_xact_lock(hashtext(" + tx.quote("regfed_migrations_" + schema) + "))");
  tx.exec("CREATE SCHEMA IF NOT EXISTS " + s);
  tx.exec("CREATE TABLE IF NOT EXISTS " + s +
          ".schema_migrations (version integer PRIMARY KEY, "
          "name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())");
  std::set<int> done;
  std::map<int, std::string> recorded;
  for (const auto& row : tx.exec("SELECT version, name FROM " + s + ".schema_migrations")) {
    done.insert(row[0].as<int>());
    recorded[row[0].as<int>()] = row[1].as<std::string>();
  }
  if (const std::string unknown = unknownVersions(recorded, migrations); !unknown.empty())
    throw newerSchema(schema, unknown, migrations);
  std::vector<int> applied;
  for (const auto& m : migrations) {
    if (done.count(m.version)) continue;
    tx.exec(m.sql);
    tx.exec("INSERT INTO " + s + ".schema_migrations (version, name) VALUES (" + tx.quote(m.version) + ", " +
            tx.quote(std::string(m.name)) + ")");
    applied.push_back(m.version);
  }
  for (const auto& g : grants) tx.exec(g);
  tx.commit();
  return applied;
}

bool requireKnownSchema(const std::string& dsn, const std::string& schema,
                        const std::vector<Migration>& migrations) {
  pqxx::connection conn(dsn);
  pqxx::read_transaction tx(conn);
  const std::string table = tx.quote_name(schema) + ".schema_migrations";
  // Read from the catalog: a role without USAGE on the schema may not even name the table.
  const pqxx::result readable = tx.exec_params(
      "SELECT has_schema_privilege(n.oid, 'USAGE') AND has_table_privilege(c.oid, 'SELECT') FROM "
      "pg_namespace n "
      "JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = 'schema_migrations' WHERE n.nspname = $1",
      schema);
  if (readable.empty() || !readable[0][0].as<bool>()) return false;
  std::map<int, std::string> recorded;
  for (const auto& row : tx.exec("SELECT version, name FROM " + table))
    recorded[row[0].as<int>()] = row[1].as<std::string>();
  if (const std::string unknown = unknownVersions(recorded, migrations); !unknown.empty())
    throw newerSchema(schema, unknown, migrations);
  std::string pending;
  for (const auto& m : migrations)
    if (!recorded.count(m.version)) pending += (pending.empty() ? "" : ", ") + std::to_string(m.version);
  if (!pending.empty())
    throw SchemaVersionError(
        "the database's schema " + schema + " lacks migrations " + pending +
        ": give the node audit.owner_dsn (the schema owner's role) so it applies them at start");
  return true;
}

}  // namespace regfed::audit
