#pragma once
// One-line log records on stderr: UTC time, level, message. Thread-safe.

#include <string>

namespace regfed::core::log {

/// The message with control characters escaped (\x0a): messages carry text from requests, and nobody may
/// forge a log line with a newline.
std::string printable(const std::string& message);

/// Whether info() writes (commands that use node parts, such as `audit verify`, keep their own output clean).
void setInfo(bool enabled);

/// Normal operation worth knowing.
void info(const std::string& message);
/// A degraded state that the node handles.
void warn(const std::string& message);
/// A failure needing attention.
void error(const std::string& message);

}  // namespace regfed::core::log
