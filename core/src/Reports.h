#pragma once
// `regfed report`: the yearly figures for the steering board of the cooperation (CSV or HTML), and the GDPR
// Art. 30 record of processing activities the node's configuration implies (HTML). Read with the auditor
// role.

namespace regfed::core::cli {

/// Runs `regfed report …` (argv[1] == "report"); returns the exit code. Throws std::invalid_argument on bad
/// usage.
int runReport(int argc, char** argv);

}  // namespace regfed::core::cli
