#pragma once
// Setting a node up from nothing: `regfed init` (a node's keys, its certificate request, its database roles
// and schemas) and `regfed ca` (the federation coordinator's CA, which signs node certificates). Every
// command says what it made and what it kept, and may be run again.

namespace regfed::core::cli {

/// `regfed init …`; returns the exit code. Throws std::invalid_argument on bad usage.
int runInit(int argc, char** argv);

/// `regfed ca init|sign …`; returns the exit code. Throws std::invalid_argument on bad usage.
int runCa(int argc, char** argv);

}  // namespace regfed::core::cli
