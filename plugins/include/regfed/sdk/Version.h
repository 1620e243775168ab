#pragma once
// The regfed adapter SDK version. A plugin records the version it was built against; the host accepts it when
// the major versions are equal and the plugin's minor version is not newer than the host's (a newer minor may
// rely on calls this host does not have). Bump the minor version when adding optional calls at the end of an
// interface, the major version for anything else that changes the binary contract.
//
// A call added in minor version N is marked "since 1.N" and the host calls it only on modules built against
// 1.N or newer: an older module's virtual table has no slot for it, and calling past its end is undefined
// behaviour (sdk::host::hasCall() is the one place that decides).
//
// History: 1.0 register adapters. 1.1 procedure adapters (ProcedureAdapter.h, REGFED_EXPORT_PROCEDURE) and
// RegisterAdapter::validateOptions.

namespace regfed::sdk {

/// Major version of the SDK these headers describe.
constexpr int kSdkVersionMajor = 1;
/// Minor version of the SDK these headers describe.
constexpr int kSdkVersionMinor = 1;

/// What a plugin module states about itself, returned by its exported regfedAdapterModuleInfo() (register
/// adapters) or regfedProcedureModuleInfo() (procedure adapters, since 1.1). Never extended: its layout is part
/// of every SDK version.
struct ModuleInfo {
  int sdkVersionMajor;      ///< SDK major version the plugin was built against.
  int sdkVersionMinor;      ///< SDK minor version the plugin was built against.
  const char* adapter;      ///< Adapter kind name, e.g. "sql"; unique within a node.
  const char* className;    ///< Name of the exported adapter class in the POCO manifest.
  const char* description;  ///< One line for `regfed plugin check`.
};

}  // namespace regfed::sdk

/// Name of the C symbol every register adapter plugin exports (the version gate, checked before the class
/// manifest is read).
#define REGFED_MODULE_INFO_SYMBOL "regfedAdapterModuleInfo"
/// The same for procedure adapter plugins (since 1.1).
#define REGFED_PROCEDURE_MODULE_INFO_SYMBOL "regfedProcedureModuleInfo"
