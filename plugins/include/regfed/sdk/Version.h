#pragma once
// The regfed adapter SDK version. A plugin records the version it was built against; the host accepts it when
// the major versions are equal and the plugin's minor version is not newer than the host's (a newer minor may
// rely on calls this host does not have). Bump the minor version when adding optional calls at the end of the
// interface, the major version for anything else that changes the binary contract.

namespace regfed::sdk {

/// Major version of the SDK these headers describe.
constexpr int kSdkVersionMajor = 1;
/// Minor version of the SDK these headers describe.
constexpr int kSdkVersionMinor = 0;

/// What a plugin module states about itself, returned by its exported regfedAdapterModuleInfo().
struct ModuleInfo {
  int sdkVersionMajor;      ///< SDK major version the plugin was built against.
  int sdkVersionMinor;      ///< SDK minor version the plugin was built against.
  const char* adapter;      ///< Adapter kind name, e.g. "sql"; unique within a node.
  const char* className;    ///< Name of the exported RegisterAdapter class in the POCO manifest.
  const char* description;  ///< One line for `regfed plugin check`.
};

}  // namespace regfed::sdk

/// Name of the C symbol every plugin exports (the version gate, checked before the class manifest is read).
#define REGFED_MODULE_INFO_SYMBOL "regfedAdapterModuleInfo"
