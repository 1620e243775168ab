#pragma once
// One-line log records on stderr: UTC time, level, message. Thread-safe.

#include <string>

namespace regfed::core::log {

/// Normal operation worth knowing.
void info(const std::string& message);
/// A degraded state that the node handles.
void warn(const std::string& message);
/// A failure needing attention.
void error(const std::string& message);

}  // namespace regfed::core::log
