#pragma once
// Exports an adapter class from a plugin module. The host loads modules with POCO's ClassLoader, so this one
// header needs POCO Foundation's headers (Debian: libpoco-dev); the rest of the SDK uses only the standard
// library.
//
//   REGFED_EXPORT_ADAPTER(MyAdapter, "myadapter", "Reads registers from My Fachverfahren")
//   REGFED_EXPORT_PROCEDURE(MyInbox, "myinbox", "Online applications from My Fachverfahren")   (since 1.1)
//
// One module exports one adapter.

#include <Poco/ClassLibrary.h>
#include <regfed/sdk/ProcedureAdapter.h>
#include <regfed/sdk/RegisterAdapter.h>
#include <regfed/sdk/Version.h>

#define REGFED_EXPORT_ADAPTER(ClassName, AdapterName, Description)                                        \
  extern "C" POCO_LIBRARY_API const ::regfed::sdk::ModuleInfo* regfedAdapterModuleInfo() {                \
    static const ::regfed::sdk::ModuleInfo info{::regfed::sdk::kSdkVersionMajor,                          \
                                                ::regfed::sdk::kSdkVersionMinor, AdapterName, #ClassName, \
                                                Description};                                             \
    return &info;                                                                                         \
  }                                                                                                       \
  POCO_BEGIN_MANIFEST(::regfed::sdk::RegisterAdapter)                                                     \
  POCO_EXPORT_CLASS(ClassName)                                                                            \
  POCO_END_MANIFEST

#define REGFED_EXPORT_PROCEDURE(ClassName, AdapterName, Description)                                      \
  extern "C" POCO_LIBRARY_API const ::regfed::sdk::ModuleInfo* regfedProcedureModuleInfo() {              \
    static const ::regfed::sdk::ModuleInfo info{::regfed::sdk::kSdkVersionMajor,                          \
                                                ::regfed::sdk::kSdkVersionMinor, AdapterName, #ClassName, \
                                                Description};                                             \
    return &info;                                                                                         \
  }                                                                                                       \
  POCO_BEGIN_MANIFEST(::regfed::sdk::ProcedureAdapter)                                                    \
  POCO_EXPORT_CLASS(ClassName)                                                                            \
  POCO_END_MANIFEST
