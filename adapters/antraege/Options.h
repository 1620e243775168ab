#pragma once
// The antraege adapter's options, checked without connecting (validateOptions) and again by open().

#include <regfed/sdk/Types.h>

#include <string>
#include <vector>

namespace regfed::adapters::antraege {

/// The options of one configured procedure.
struct Options {
  std::string conninfo;             ///< libpq connection string (required).
  std::string municipality;         ///< 8-digit AGS whose items this instance serves (required).
  std::string schema = "antraege";  ///< Schema holding items, attachments and history.
  std::size_t poolSize = 4;         ///< Connections kept open.
};

/// Reads `options` into `out`; returns one plain sentence per problem, naming the option.
std::vector<std::string> parseOptions(const std::vector<sdk::Option>& options, Options& out);

}  // namespace regfed::adapters::antraege
