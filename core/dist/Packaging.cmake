# Installation layout and Debian packages (`make package`: cpack -G DEB in the build folder).
#
#   regfed                     the node and CLI, the systemd unit, /etc/regfed with a commented sample config
#   regfed-web                 the pages /dpo/ and /helfer/
#   regfed-adapter-sql         register adapter for SQL tables (PostgreSQL)
#   regfed-adapter-jsonl       register adapter for JSON-lines files
#   regfed-procedure-antraege  procedure adapter for the Online-Anträge inbox (PostgreSQL), with its schema
#   regfed-dev                 the adapter SDK: headers, conformance kit, host library, find_package(regfed)
#
# Each adapter is a package of its own, so a municipality installs only what its registers need.
include(GNUInstallDirs)
set(REGFED_PLUGIN_INSTALL_DIR lib/regfed/plugins)
set(REGFED_DATA_INSTALL_DIR ${CMAKE_INSTALL_DATADIR}/regfed)
set(REGFED_CMAKE_INSTALL_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/regfed)
set(dist ${CMAKE_SOURCE_DIR}/core/dist)

# The node.
install(TARGETS regfed RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT node)
install(FILES ${dist}/regfed.service DESTINATION /lib/systemd/system COMPONENT node)
install(FILES ${dist}/node.json DESTINATION /etc/regfed PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ
  COMPONENT node)
install(DIRECTORY DESTINATION /etc/regfed/federation COMPONENT node)
install(DIRECTORY DESTINATION /etc/regfed/issuers COMPONENT node)
install(FILES ${CMAKE_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT node)
install(FILES ${CMAKE_SOURCE_DIR}/schemas/openapi.yaml ${CMAKE_SOURCE_DIR}/schemas/regfed.thrift
  DESTINATION ${REGFED_DATA_INSTALL_DIR}/schemas COMPONENT node)

# The web pages.
install(DIRECTORY ${CMAKE_SOURCE_DIR}/web/ DESTINATION ${REGFED_DATA_INSTALL_DIR}/web COMPONENT web)

# The adapters, one component each.
install(TARGETS regfed_adapter_sql LIBRARY DESTINATION ${REGFED_PLUGIN_INSTALL_DIR} COMPONENT adapter_sql)
install(TARGETS regfed_adapter_jsonl LIBRARY DESTINATION ${REGFED_PLUGIN_INSTALL_DIR} COMPONENT adapter_jsonl)
install(TARGETS regfed_procedure_antraege LIBRARY DESTINATION ${REGFED_PLUGIN_INSTALL_DIR}
  COMPONENT procedure_antraege)
install(FILES ${CMAKE_SOURCE_DIR}/schemas/antraege.sql DESTINATION ${REGFED_DATA_INSTALL_DIR}/antraege
  COMPONENT procedure_antraege)

# The SDK for adapter authors: find_package(regfed) gives regfed::sdk, regfed::sdk_host, regfed::conformance and
# regfed_add_adapter().
install(DIRECTORY ${CMAKE_SOURCE_DIR}/plugins/include/regfed DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT dev)
install(DIRECTORY ${CMAKE_SOURCE_DIR}/plugins/conformance/regfed DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  COMPONENT dev)
install(FILES ${CMAKE_SOURCE_DIR}/plugins/host/AdapterLoader.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/regfed/host
  COMPONENT dev)
set_target_properties(regfed_sdk PROPERTIES EXPORT_NAME sdk)
set_target_properties(regfed_sdk_host PROPERTIES EXPORT_NAME sdk_host)
set_target_properties(regfed_sdk_conformance PROPERTIES EXPORT_NAME conformance)
install(TARGETS regfed_sdk regfed_sdk_host regfed_sdk_conformance EXPORT regfedTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev)
install(EXPORT regfedTargets NAMESPACE regfed:: DESTINATION ${REGFED_CMAKE_INSTALL_DIR} COMPONENT dev)
include(CMakePackageConfigHelpers)
write_basic_package_version_file(${CMAKE_BINARY_DIR}/regfedConfigVersion.cmake COMPATIBILITY SameMajorVersion)
install(FILES ${dist}/regfedConfig.cmake ${CMAKE_BINARY_DIR}/regfedConfigVersion.cmake
  DESTINATION ${REGFED_CMAKE_INSTALL_DIR} COMPONENT dev)
install(FILES ${CMAKE_SOURCE_DIR}/plugins/template/TemplateAdapter.cpp ${dist}/template/conformance.cpp
  ${CMAKE_SOURCE_DIR}/plugins/template/TemplateProcedure.cpp ${dist}/template/CMakeLists.txt
  DESTINATION ${REGFED_DATA_INSTALL_DIR}/template COMPONENT dev)

# Debian packages.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME regfed)
set(CPACK_PACKAGE_VENDOR "IKZ Sachsen-Anhalt Süd")
set(CPACK_PACKAGE_CONTACT "regfed maintainers <regfed@ikz-sued.example>")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL node web adapter_sql adapter_jsonl procedure_antraege dev)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_STRIP_FILES ON)  # the packages carry no debug information
set(CPACK_DEBIAN_PACKAGE_SECTION misc)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)  # library dependencies from dpkg-shlibdeps
set(CPACK_DEBIAN_ENABLE_COMPONENT_DEPENDS ON)
set(CPACK_DEBIAN_NODE_PACKAGE_NAME regfed)
set(CPACK_DEBIAN_NODE_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_NODE_PACKAGE_RECOMMENDS "regfed-web, postgresql-client-15")
set(CPACK_DEBIAN_NODE_PACKAGE_SUGGESTS "postgresql-15, regfed-adapter-sql, regfed-adapter-jsonl")
set(CPACK_DEBIAN_NODE_PACKAGE_CONTROL_EXTRA ${dist}/postinst ${dist}/prerm ${dist}/postrm ${dist}/conffiles)
set(CPACK_DEBIAN_NODE_DESCRIPTION "regfed register federation node
A node of a municipal register federation: answers register lookups of its own
staff and of helpers under approved support mandates, federates queries over
mutual TLS and writes every decision into a tamper-evident audit trail.")
set(CPACK_DEBIAN_WEB_PACKAGE_NAME regfed-web)
set(CPACK_DEBIAN_WEB_PACKAGE_ARCHITECTURE all)
set(CPACK_DEBIAN_WEB_DESCRIPTION "regfed web pages for DPOs and helpers
The German pages /dpo/ (audit review) and /helfer/ (processing online
applications) a regfed node serves; no external resources.")
set(CPACK_DEBIAN_ADAPTER_SQL_PACKAGE_NAME regfed-adapter-sql)
set(CPACK_DEBIAN_ADAPTER_SQL_DESCRIPTION "regfed register adapter for SQL tables
Connects a register kept in a PostgreSQL table to a regfed node.")
set(CPACK_DEBIAN_ADAPTER_JSONL_PACKAGE_NAME regfed-adapter-jsonl)
set(CPACK_DEBIAN_ADAPTER_JSONL_DESCRIPTION "regfed register adapter for JSON-lines files
Connects a register exported as a JSON-lines file to a regfed node.")
set(CPACK_DEBIAN_PROCEDURE_ANTRAEGE_PACKAGE_NAME regfed-procedure-antraege)
set(CPACK_DEBIAN_PROCEDURE_ANTRAEGE_DESCRIPTION "regfed procedure adapter for online applications
The inbox of a municipality's Online-Anträge (PostgreSQL) for regfed's helpers,
with its database schema.")
set(CPACK_DEBIAN_DEV_PACKAGE_NAME regfed-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS "libpoco-dev, libboost-test-dev, cmake, g++")
set(CPACK_DEBIAN_DEV_DESCRIPTION "regfed adapter SDK
Headers, conformance kit and host library to build regfed adapters out of tree
with find_package(regfed), and templates to start from.")
set(CPACK_COMPONENT_ADAPTER_SQL_DEPENDS node)
set(CPACK_COMPONENT_ADAPTER_JSONL_DEPENDS node)
set(CPACK_COMPONENT_PROCEDURE_ANTRAEGE_DEPENDS node)
set(CPACK_COMPONENT_WEB_DEPENDS)
include(CPack)
