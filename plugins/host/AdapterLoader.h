#pragma once
// Host side of the plugin contract: opens a module, checks its SDK version before anything of it is used, and
// makes adapter instances. Shared by the node and by the conformance kit so both load plugins the same way.

#include <regfed/sdk/RegisterAdapter.h>
#include <regfed/sdk/Version.h>

#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace Poco {
template <class Base>
class ClassLoader;
}

namespace regfed::sdk::host {

/// Raised when a module cannot be loaded; the message names the file and the reason.
class PluginLoadError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// What the loader learned about a module.
struct LoadedModule {
  std::string path;         ///< File the module was loaded from.
  std::string adapter;      ///< Adapter kind name.
  std::string className;    ///< Exported class.
  std::string description;  ///< Module's own description.
  int sdkMajor = 0;         ///< SDK major version the module was built against.
  int sdkMinor = 0;         ///< SDK minor version the module was built against.
};

/// True when a module built against major.minor can run on this host's SDK.
bool isCompatible(int major, int minor);

/// Loads adapter modules and creates instances by adapter name.
class AdapterLoader {
 public:
  AdapterLoader();
  ~AdapterLoader();
  AdapterLoader(const AdapterLoader&) = delete;
  AdapterLoader& operator=(const AdapterLoader&) = delete;

  /// Loads one module file; throws PluginLoadError on a missing file, a missing version symbol, an
  /// incompatible SDK version, or an adapter name already loaded from another file.
  const LoadedModule& load(const std::string& path);

  /// Loads every *.so in a directory (sorted by name); returns the problems instead of stopping at the first.
  std::vector<std::string> loadDirectory(const std::string& directory);

  /// Creates a new adapter instance; throws PluginLoadError for an unknown adapter name.
  std::unique_ptr<RegisterAdapter> create(const std::string& adapter) const;

  /// Modules loaded so far, by adapter name.
  const std::map<std::string, LoadedModule>& modules() const { return modules_; }

 private:
  std::unique_ptr<Poco::ClassLoader<RegisterAdapter>> classLoader_;
  std::map<std::string, LoadedModule> modules_;
};

}  // namespace regfed::sdk::host
