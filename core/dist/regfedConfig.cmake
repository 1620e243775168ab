# find_package(regfed): the adapter SDK (package regfed-dev).
#   regfed::sdk          headers an adapter compiles against
#   regfed::sdk_host     the host's loader (what the conformance kit loads a module with)
#   regfed::conformance  the conformance kit (Boost.Test cases every adapter must pass)
#   regfed_add_adapter(target output_name sources...)   an adapter module as the node loads it
include(CMakeFindDependencyMacro)
find_dependency(Poco COMPONENTS Foundation)
find_dependency(Boost COMPONENTS unit_test_framework)
include(${CMAKE_CURRENT_LIST_DIR}/regfedTargets.cmake)

function(regfed_add_adapter target output_name)
  add_library(${target} MODULE ${ARGN})
  target_link_libraries(${target} PRIVATE regfed::sdk)
  # The node finds the module by its file name (options "adapter": the name it reports) in plugin_dir.
  set_target_properties(${target} PROPERTIES PREFIX "" OUTPUT_NAME ${output_name} CXX_VISIBILITY_PRESET default)
endfunction()
