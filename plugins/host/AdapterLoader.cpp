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
  if (!library.hasSymbol(REGFED_MODULE_INFO_SYMBOL)) {
    library.unload();
    throw PluginLoadError("plugin " + path + " is not a regfed adapter: it does not export " +
                          REGFED_MODULE_INFO_SYMBOL + " (build it with REGFED_EXPORT_ADAPTER)");
  }
  using InfoFn = const ModuleInfo* (*)();
  auto fn = reinterpret_cast<InfoFn>(library.getSymbol(REGFED_MODULE_INFO_SYMBOL));
  const ModuleInfo* info = fn();
  LoadedModule module;
  module.path = path;
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
  return module;
}

}  // namespace

bool isCompatible(int major, int minor) {
  return major == kSdkVersionMajor && minor >= 0 && minor <= kSdkVersionMinor;
}

AdapterLoader::AdapterLoader() : classLoader_(std::make_unique<Poco::ClassLoader<RegisterAdapter>>()) {}

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
  try {
    classLoader_->loadLibrary(absolute);
  } catch (const Poco::Exception& e) {
    throw PluginLoadError("cannot load plugin " + absolute + ": " + e.displayText());
  }
  if (classLoader_->findClass(module.className) == nullptr) {
    classLoader_->unloadLibrary(absolute);
    throw PluginLoadError("plugin " + absolute + " does not export class " + module.className +
                          " in its manifest");
  }
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

std::unique_ptr<RegisterAdapter> AdapterLoader::create(const std::string& adapter) const {
  auto it = modules_.find(adapter);
  if (it == modules_.end()) {
    std::string known;
    for (const auto& [name, m] : modules_) known += (known.empty() ? "" : ", ") + name;
    throw PluginLoadError("no adapter named '" + adapter +
                          "' is loaded (loaded: " + (known.empty() ? "none" : known) + ")");
  }
  return std::unique_ptr<RegisterAdapter>(classLoader_->create(it->second.className));
}

}  // namespace regfed::sdk::host
