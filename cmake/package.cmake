# Installed CMake package of libcoinjecture_core: find_package(coinjecture CONFIG) gives the imported targets
# coinjecture::core (shared) and coinjecture::core_static (static), with a version file (same major version
# = compatible). Included from the top-level CMakeLists.txt after src/core; the targets are installed with
# EXPORT coinjectureTargets in src/core/CMakeLists.txt. In-tree users (add_subdirectory) get the same names
# as aliases.
include(CMakePackageConfigHelpers)

set_target_properties(coinjecture_core PROPERTIES EXPORT_NAME core)
set_target_properties(coinjecture_core_static PROPERTIES EXPORT_NAME core_static)
add_library(coinjecture::core ALIAS coinjecture_core)
add_library(coinjecture::core_static ALIAS coinjecture_core_static)

set(COINJECTURE_CMAKE_INSTALL_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/coinjecture CACHE STRING
    "Where coinjectureConfig.cmake is installed (relative to the prefix)")
mark_as_advanced(COINJECTURE_CMAKE_INSTALL_DIR)

install(EXPORT coinjectureTargets NAMESPACE coinjecture:: DESTINATION ${COINJECTURE_CMAKE_INSTALL_DIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/coinjectureConfig.cmake.in
  ${PROJECT_BINARY_DIR}/cmake/coinjectureConfig.cmake
  INSTALL_DESTINATION ${COINJECTURE_CMAKE_INSTALL_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/cmake/coinjectureConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/cmake/coinjectureConfig.cmake
              ${PROJECT_BINARY_DIR}/cmake/coinjectureConfigVersion.cmake
        DESTINATION ${COINJECTURE_CMAKE_INSTALL_DIR})
