// libFuzzer target: a node configuration file, checked completely (every problem with its key path).
#include <cstddef>
#include <cstdint>
#include <string>

#include "Config.h"
#include "FuzzSupport.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string file = regfed::fuzz::tempDir() + "/node.json";
  regfed::core::loadConfigText(std::string(reinterpret_cast<const char*>(data), size), file);
  return 0;
}
