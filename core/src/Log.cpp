#include "Log.h"

#include <regfed/audit/AuditEvent.h>

#include <iostream>
#include <mutex>

namespace regfed::core::log {

namespace {

void write(const char* level, const std::string& message) {
  static std::mutex mutex;
  const std::string line = regfed::audit::utcNow() + " " + level + " " + message + "\n";
  std::lock_guard<std::mutex> lock(mutex);
  std::cerr << line << std::flush;
}

}  // namespace

void info(const std::string& message) { write("INFO ", message); }
void warn(const std::string& message) { write("WARN ", message); }
void error(const std::string& message) { write("ERROR", message); }

}  // namespace regfed::core::log
