#include "Log.h"

#include <regfed/audit/AuditEvent.h>

#include <atomic>
#include <cstdio>
#include <iostream>
#include <mutex>

namespace regfed::core::log {

std::string printable(const std::string& message) {
  std::string out;
  out.reserve(message.size());
  for (unsigned char c : message) {
    if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

namespace {

void write(const char* level, const std::string& message) {
  static std::mutex mutex;
  const std::string line = regfed::audit::utcNow() + " " + level + " " + printable(message) + "\n";
  std::lock_guard<std::mutex> lock(mutex);
  std::cerr << line << std::flush;
}

}  // namespace

namespace {
std::atomic<bool> infoEnabled{true};
}  // namespace

void setInfo(bool enabled) { infoEnabled = enabled; }

void info(const std::string& message) {
  if (infoEnabled) write("INFO ", message);
}
void warn(const std::string& message) { write("WARN ", message); }
void error(const std::string& message) { write("ERROR", message); }

}  // namespace regfed::core::log
