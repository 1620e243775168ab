#pragma once
// Host side of the plugin contract: opens a module, checks its SDK version before anything of it is used, and
// makes adapter instances. Shared by the node and by the conformance kit so both load plugins the same way.

#include <regfed/sdk/ProcedureAdapter.h>
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

/// What a module provides.
enum class ModuleKind { Register, Procedure };

/// What the loader learned about a module.
struct LoadedModule {
  std::string path;         ///< File the module was loaded from.
  ModuleKind kind = ModuleKind::Register;
  std::string adapter;      ///< Adapter kind name (unique across both kinds).
  std::string className;    ///< Exported class.
  std::string description;  ///< Module's own description.
  int sdkMajor = 0;         ///< SDK major version the module was built against.
  int sdkMinor = 0;         ///< SDK minor version the module was built against.
};

/// True when a module built against major.minor can run on this host's SDK.
bool isCompatible(int major, int minor);

/// True when a module has the entry points of SDK minor version `sinceMinor` (the version that added a call):
/// the host asks this before every call added after 1.0.
inline bool hasCall(const LoadedModule& module, int sinceMinor) { return module.sdkMinor >= sinceMinor; }

/// The SDK minor version that added procedure adapters and RegisterAdapter::validateOptions.
constexpr int kSinceProcedures = 1;

/// Asks a register adapter to check its options (for `regfed config check`), if its module has that call
/// (since 1.1); a 1.0 module's options are left to its open(). Returns one sentence per problem; an adapter
/// that throws yields a problem saying so.
std::vector<std::string> validateOptions(const LoadedModule& module, const RegisterAdapter& adapter,
                                         const std::vector<Option>& options);
/// The same for a procedure adapter.
std::vector<std::string> validateOptions(const LoadedModule& module, const ProcedureAdapter& adapter,
                                         const std::vector<Option>& options);

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

  /// Creates a new register adapter instance; throws PluginLoadError for an unknown adapter name or one that
  /// is a procedure adapter.
  std::unique_ptr<RegisterAdapter> create(const std::string& adapter) const;
  /// Creates a new procedure adapter instance; throws PluginLoadError for an unknown name or a register adapter.
  std::unique_ptr<ProcedureAdapter> createProcedure(const std::string& adapter) const;
  /// The module of an adapter name, or null.
  const LoadedModule* module(const std::string& adapter) const;

  /// Modules loaded so far, by adapter name.
  const std::map<std::string, LoadedModule>& modules() const { return modules_; }

 private:
  const LoadedModule& find(const std::string& adapter, ModuleKind kind) const;
  std::unique_ptr<Poco::ClassLoader<RegisterAdapter>> classLoader_;
  std::unique_ptr<Poco::ClassLoader<ProcedureAdapter>> procedureLoader_;
  std::map<std::string, LoadedModule> modules_;
};

}  // namespace regfed::sdk::host
