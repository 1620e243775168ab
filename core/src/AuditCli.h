#pragma once
// `regfed audit …`: the audit log's key, newest head, verification (with a head the DPO kept), proofs checked
// offline, cosigned checkpoints and retention; and the flag parser every subcommand uses. Bad usage throws
// std::invalid_argument (exit 2); a failed check returns 1.

#include <map>
#include <set>
#include <string>
#include <vector>

#include "Config.h"

namespace regfed::core::cli {

/// The "--name value" flags and "--switch" switches after a command's words.
class Flags {
 public:
  /// Parses argv[from, argc): `valued` names take one value each (those in `repeatable` may come more than
  /// once), `switches` none. Anything else throws std::invalid_argument.
  Flags(int argc, char** argv, int from, const std::set<std::string>& valued,
        const std::set<std::string>& switches = {}, const std::set<std::string>& repeatable = {});

  /// Whether the flag or switch was given.
  bool has(const std::string& name) const { return values_.count(name) > 0; }
  /// The value of a flag, or `fallback`.
  std::string get(const std::string& name, const std::string& fallback = "") const;
  /// The value of a flag; throws std::invalid_argument when it is missing or empty.
  std::string required(const std::string& name) const;
  /// Every value of a repeatable flag, in order.
  std::vector<std::string> all(const std::string& name) const;

 private:
  std::map<std::string, std::vector<std::string>> values_;
};

/// Loads a config; prints every problem and exits 1 when it is not usable.
Config loadOrExit(const std::string& path);

/// Writes `text` to the file `path`, or to stdout when `path` is empty; throws std::runtime_error.
void writeOutput(const std::string& path, const std::string& text);

/// Runs `regfed audit <argv[2]> …`; returns the exit code. Throws std::invalid_argument on bad usage.
int runAudit(int argc, char** argv);

}  // namespace regfed::core::cli
