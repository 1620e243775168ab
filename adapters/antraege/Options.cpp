#include "Options.h"

#include <libpq-fe.h>

#include <algorithm>
#include <cctype>
#include <set>

namespace regfed::adapters::antraege {

namespace {

constexpr std::size_t kMaxPoolSize = 64;

bool allDigits(const std::string& text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

// A schema name that needs no quoting rules beyond double quotes: it goes into every statement's text.
bool plainIdentifier(const std::string& name) {
  if (name.empty() || name.size() > 63 || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return (c >= 'a' && c <= 'z') || std::isdigit(c) != 0 || c == '_';
  });
}

// libpq parses the string without connecting. Its message is not passed on: it may quote a password.
bool parsableConninfo(const std::string& conninfo) {
  char* error = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(conninfo.c_str(), &error);
  if (error) PQfreemem(error);
  if (!parsed) return false;
  PQconninfoFree(parsed);
  return true;
}

void checkConninfo(const std::optional<std::string>& value, Options& out,
                   std::vector<std::string>& problems) {
  if (!value || value->empty())
    problems.push_back("option 'conninfo' is required: a libpq connection string, e.g. \"host=db dbname=x\"");
  else if (!parsableConninfo(*value))
    problems.push_back("option 'conninfo' is not a valid libpq connection string (key=value pairs or a URI)");
  else
    out.conninfo = *value;
}

void checkMunicipality(const std::optional<std::string>& value, Options& out,
                       std::vector<std::string>& problems) {
  if (!value)
    problems.push_back(
        "option 'municipality' is required: the 8-digit AGS whose items this procedure serves");
  else if (value->size() != 8 || !allDigits(*value))
    problems.push_back("option 'municipality' must be an 8-digit AGS, e.g. 15088220");
  else
    out.municipality = *value;
}

void checkSchema(const std::optional<std::string>& value, Options& out, std::vector<std::string>& problems) {
  if (!value) return;
  if (!plainIdentifier(*value))
    problems.push_back(
        "option 'schema' must be 1 to 63 lower-case letters, digits and '_', not starting with a "
        "digit");
  else
    out.schema = *value;
}

void checkPoolSize(const std::optional<std::string>& value, Options& out,
                   std::vector<std::string>& problems) {
  if (!value) return;
  const bool inRange = allDigits(*value) && value->size() <= 3 && std::stoul(*value) >= 1 &&
                       std::stoul(*value) <= kMaxPoolSize;
  if (!inRange)
    problems.push_back("option 'pool_size' must be a number from 1 to " + std::to_string(kMaxPoolSize));
  else
    out.poolSize = std::stoul(*value);
}

}  // namespace

std::vector<std::string> parseOptions(const std::vector<sdk::Option>& options, Options& out) {
  static const std::set<std::string> known = {"conninfo", "municipality", "schema", "pool_size"};
  std::vector<std::string> problems;
  std::set<std::string> seen;
  for (const auto& o : options) {
    if (!known.count(o.key))
      problems.push_back("option '" + o.key +
                         "' is not known to the antraege adapter (known: conninfo, municipality, schema, "
                         "pool_size)");
    else if (!seen.insert(o.key).second)
      problems.push_back("option '" + o.key + "' is given twice");
  }
  checkConninfo(sdk::findOption(options, "conninfo"), out, problems);
  checkMunicipality(sdk::findOption(options, "municipality"), out, problems);
  checkSchema(sdk::findOption(options, "schema"), out, problems);
  checkPoolSize(sdk::findOption(options, "pool_size"), out, problems);
  return problems;
}

}  // namespace regfed::adapters::antraege
