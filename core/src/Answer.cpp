#include "Answer.h"

namespace regfed::core {

namespace {
constexpr const char* kNames[] = {"malformed", "unauthenticated", "forbidden", "not_found", "conflict",
                                  "timeout",   "too_large",       "invalid",   "unavailable", "internal"};
}

const char* failureName(Failure kind) { return kNames[static_cast<int>(kind)]; }

Failure failureFromName(const std::string& name) {
  for (int i = 0; i < static_cast<int>(sizeof kNames / sizeof kNames[0]); ++i)
    if (name == kNames[i]) return static_cast<Failure>(i);
  return Failure::Internal;
}

}  // namespace regfed::core
