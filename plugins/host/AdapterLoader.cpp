#include "AdapterLoader.h"

#include <Poco/ClassLoader.h>
#include <Poco/File.h>
#include <Poco/Path.h>
#include <Poco/SharedLibrary.h>

#include <algorithm>

namespace regfed::sdk::host {

namespace {

std::string versionText(int major, int minor) { return std::to_string(major) + "." + std::to_string(minor); }

// Reads the module's version record through a separate handle, so an incompatible module is refused before
// its class manifest is built or any of its classes is touched.
LoadedModule readModuleInfo(const std::string& path) {
  Poco::SharedLibrary library;
  try {
    library.load(path);
  } catch (const Poco::Exception& e) {
    throw PluginLoadError("cannot load plugin " + path + ": " + e.displayText());
  }
  const bool registerModule = library.hasSymbol(REGFED_MODULE_INFO_SYMBOL);
  const bool procedureModule = library.hasSymbol(REGFED_PROCEDURE_MODULE_INFO_SYMBOL);
  if (registerModule == procedureModule) {
    library.unload();
    throw PluginLoadError("plugin " + path + (registerModule ? " exports both a register and a procedure adapter; "
                                                               "build one module per adapter"
                                                             : " is not a regfed adapter: it exports neither " +
                                                                   std::string(REGFED_MODULE_INFO_SYMBOL) + " nor " +
                                                                   REGFED_PROCEDURE_MODULE_INFO_SYMBOL +
                                                                   " (build it with REGFED_EXPORT_ADAPTER or "
                                                                   "REGFED_EXPORT_PROCEDURE)"));
  }
  using InfoFn = const ModuleInfo* (*)();
  auto fn = reinterpret_cast<InfoFn>(
      library.getSymbol(registerModule ? REGFED_MODULE_INFO_SYMBOL : REGFED_PROCEDURE_MODULE_INFO_SYMBOL));
  const ModuleInfo* info = fn();
  LoadedModule module;
  module.path = path;
  module.kind = registerModule ? ModuleKind::Register : ModuleKind::Procedure;
  if (info != nullptr) {
    module.sdkMajor = info->sdkVersionMajor;
    module.sdkMinor = info->sdkVersionMinor;
    module.adapter = info->adapter ? info->adapter : "";
    module.className = info->className ? info->className : "";
    module.description = info->description ? info->description : "";
  }
  library.unload();
  if (info == nullptr || module.adapter.empty() || module.className.empty())
    throw PluginLoadError("plugin " + path + " returned an incomplete module record");
  if (!isCompatible(module.sdkMajor, module.sdkMinor))
    throw PluginLoadError("plugin " + path + " (adapter '" + module.adapter +
                          "') was built against regfed SDK " + versionText(module.sdkMajor, module.sdkMinor) +
                          ", but this node provides SDK " + versionText(kSdkVersionMajor, kSdkVersionMinor) +
                          "; rebuild the plugin against SDK " + std::to_string(kSdkVersionMajor) +
                          ".x (at most " + versionText(kSdkVersionMajor, kSdkVersionMinor) + ")");
  if (module.kind == ModuleKind::Procedure && !hasCall(module, kSinceProcedures))
    throw PluginLoadError("plugin " + path + " (procedure adapter '" + module.adapter + "') states SDK " +
                          versionText(module.sdkMajor, module.sdkMinor) + ", but procedure adapters exist since " +
                          versionText(kSdkVersionMajor, kSinceProcedures) + "; rebuild it against this SDK");
  return module;
}

// Calls validateOptions only where the module's virtual table has it (Version.h); contains one that throws.
template <class Adapter>
std::vector<std::string> validateIfSupported(const LoadedModule& module, const Adapter& adapter,
                                             const std::vector<Option>& options) {
  std::vector<std::string> problems;
  if (!hasCall(module, kSinceProcedures)) return problems;
  try {
    adapter.validateOptions(options, problems);
  } catch (const std::exception& e) {
    problems.push_back("adapter '" + module.adapter + "' failed while checking its options: " + e.what());
  } catch (...) {
    problems.push_back("adapter '" + module.adapter + "' failed while checking its options");
  }
  return problems;
}

}  // namespace

std::vector<std::string> validateOptions(const LoadedModule& module, const RegisterAdapter& adapter,
                                         const std::vector<Option>& options) {
  return validateIfSupported(module, adapter, options);
}

std::vector<std::string> validateOptions(const LoadedModule& module, const ProcedureAdapter& adapter,
                                         const std::vector<Option>& options) {
  return validateIfSupported(module, adapter, options);
}

bool isCompatible(int major, int minor) {
  return major == kSdkVersionMajor && minor >= 0 && minor <= kSdkVersionMinor;
}

AdapterLoader::AdapterLoader()
    : classLoader_(std::make_unique<Poco::ClassLoader<RegisterAdapter>>()),
      procedureLoader_(std::make_unique<Poco::ClassLoader<ProcedureAdapter>>()) {}

AdapterLoader::~AdapterLoader() = default;

const LoadedModule& AdapterLoader::load(const std::string& path) {
  const std::string absolute = Poco::Path(path).absolute().toString();
  if (!Poco::File(absolute).exists()) throw PluginLoadError("plugin file not found: " + absolute);
  LoadedModule module = readModuleInfo(absolute);
  auto existing = modules_.find(module.adapter);
  if (existing != modules_.end()) {
    if (existing->second.path == absolute) return existing->second;
    throw PluginLoadError("adapter name '" + module.adapter + "' is provided by both " +
                          existing->second.path + " and " + absolute + "; remove one of them");
  }
  auto loadInto = [&](auto& loader) {
    try {
      loader.loadLibrary(absolute);
    } catch (const Poco::Exception& e) {
      throw PluginLoadError("cannot load plugin " + absolute + ": " + e.displayText());
    }
    if (loader.findClass(module.className) == nullptr) {
      loader.unloadLibrary(absolute);
      throw PluginLoadError("plugin " + absolute + " does not export class " + module.className +
                            " in its manifest");
    }
  };
  if (module.kind == ModuleKind::Register)
    loadInto(*classLoader_);
  else
    loadInto(*procedureLoader_);
  return modules_.emplace(module.adapter, module).first->second;
}

std::vector<std::string> AdapterLoader::loadDirectory(const std::string& directory) {
  std::vector<std::string> problems;
  Poco::File dir(directory);
  if (!dir.exists() || !dir.isDirectory()) {
    problems.push_back("plugin directory not found: " + directory);
    return problems;
  }
  std::vector<std::string> names;
  dir.list(names);
  std::sort(names.begin(), names.end());
  for (const auto& name : names) {
    if (name.size() < 3 || name.compare(name.size() - 3, 3, ".so") != 0) continue;
    try {
      load(Poco::Path(directory, name).toString());
    } catch (const PluginLoadError& e) {
      problems.emplace_back(e.what());
    }
  }
  return problems;
}

const LoadedModule* AdapterLoader::module(const std::string& adapter) const {
  auto it = modules_.find(adapter);
  return it == modules_.end() ? nullptr : &it->second;
}

const LoadedModule& AdapterLoader::find(const std::string& adapter, ModuleKind kind) const {
  const char* wanted = kind == ModuleKind::Register ? "register" : "procedure";
  std::string known;
  for (const auto& [name, m] : modules_)
    if (m.kind == kind) known += (known.empty() ? "" : ", ") + name;
  auto it = modules_.find(adapter);
  if (it == modules_.end() || it->second.kind != kind)
    throw PluginLoadError("no " + std::string(wanted) + " adapter named '" + adapter + "' is loaded" +
                          (it != modules_.end() ? " ('" + adapter + "' is a " +
                                                      (kind == ModuleKind::Register ? "procedure" : "register") +
                                                      " adapter)"
                                                : "") +
                          " (loaded: " + (known.empty() ? "none" : known) + ")");
  return it->second;
}

std::unique_ptr<RegisterAdapter> AdapterLoader::create(const std::string& adapter) const {
  return std::unique_ptr<RegisterAdapter>(classLoader_->create(find(adapter, ModuleKind::Register).className));
}

std::unique_ptr<ProcedureAdapter> AdapterLoader::createProcedure(const std::string& adapter) const {
  return std::unique_ptr<ProcedureAdapter>(
      procedureLoader_->create(find(adapter, ModuleKind::Procedure).className));
}

}  // namespace regfed::sdk::host
