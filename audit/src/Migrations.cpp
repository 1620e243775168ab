#include <regfed/audit/Migrations.h>

#include <pqxx/pqxx>
#include <set>

namespace regfed::audit {

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
  for (const auto& row : tx.exec("SELECT version FROM " + s + ".schema_migrations"))
    done.insert(row[0].as<int>());
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

}  // namespace regfed::audit
