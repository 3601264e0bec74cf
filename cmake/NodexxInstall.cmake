# SPDX-License-Identifier: MIT
# Installs headers, libraries, a CMake package (find_package(nodexx)) and nodexx.pc.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

get_property(modules GLOBAL PROPERTY NX_MODULES)
set(targets nodexx)
set(pc_libs "")
foreach(m IN LISTS modules)
  list(APPEND targets nodexx_${m})
  # Header-only modules (interface libraries, such as testing) have no archive to link.
  get_target_property(type nodexx_${m} TYPE)
  if(NOT type STREQUAL "INTERFACE_LIBRARY")
    string(PREPEND pc_libs "-lnodexx_${m} ")
  endif()
endforeach()

install(TARGETS ${targets} EXPORT nodexxTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/nodexx DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.hpp" PATTERN "internal" EXCLUDE PATTERN "testdata" EXCLUDE)
install(EXPORT nodexxTargets NAMESPACE nodexx:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/nodexx)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/nodexxConfig.cmake.in
  ${PROJECT_BINARY_DIR}/nodexxConfig.cmake INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/nodexx)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/nodexxConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/nodexxConfig.cmake ${PROJECT_BINARY_DIR}/nodexxConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/nodexx)

# Relocatable: the prefix is found from the .pc file's own folder, so --prefix at install works.
file(RELATIVE_PATH pc_to_prefix "/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/")
string(REGEX REPLACE "/$" "" pc_to_prefix "${pc_to_prefix}")
configure_file(${PROJECT_SOURCE_DIR}/cmake/nodexx.pc.in ${PROJECT_BINARY_DIR}/nodexx.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/nodexx.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
