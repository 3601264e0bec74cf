# SPDX-License-Identifier: MIT
# nodexx_add_module(<name> DEPENDS <targets...>)
# One library per folder nodexx/<name>/: every *.cpp that is not *_test.cpp or *_bench.cpp
# is a source; every *_test.cpp goes into one test binary nodexx_<name>_tests, so a module's
# tests build in one pass and link once.
include_guard(GLOBAL)

set(NX_WARNINGS -Wall -Wextra -Wpedantic -Werror -Wno-zero-as-null-pointer-constant)

if(NX_SANITIZE)
  add_compile_options(-fsanitize=${NX_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  # clang 14 cannot emit UBSan's function-type check for coroutines ("Cannot represent a
  # difference across sections", LLVM #49689); the check is left out rather than the coroutines.
  if(CMAKE_CXX_COMPILER_ID MATCHES "Clang" AND NX_SANITIZE MATCHES "undefined")
    add_compile_options(-fno-sanitize=function)
  endif()
  add_link_options(-fsanitize=${NX_SANITIZE})
endif()

function(nodexx_add_module name)
  cmake_parse_arguments(ARG "" "" "DEPENDS" ${ARGN})
  set(dir ${PROJECT_SOURCE_DIR}/nodexx/${name})
  file(GLOB all CONFIGURE_DEPENDS ${dir}/*.cpp)
  set(sources ${all})
  list(FILTER sources EXCLUDE REGEX "_(test|bench)\\.cpp$")
  set(tests ${all})
  list(FILTER tests INCLUDE REGEX "_test\\.cpp$")

  # A module whose sources do not exist yet is a header-only interface library, so that the
  # modules above it configure; the glob's CONFIGURE_DEPENDS turns it into a real one.
  if(sources)
    add_library(nodexx_${name} ${sources})
    set(scope PUBLIC)
    target_compile_options(nodexx_${name} PRIVATE ${NX_WARNINGS})
    set_target_properties(nodexx_${name} PROPERTIES POSITION_INDEPENDENT_CODE ON)
  else()
    add_library(nodexx_${name} INTERFACE)
    set(scope INTERFACE)
  endif()
  add_library(nodexx::${name} ALIAS nodexx_${name})
  set_target_properties(nodexx_${name} PROPERTIES EXPORT_NAME ${name})
  target_include_directories(nodexx_${name} ${scope}
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}> $<INSTALL_INTERFACE:include>)
  target_compile_features(nodexx_${name} ${scope} cxx_std_20)
  target_link_libraries(nodexx_${name} ${scope} ${ARG_DEPENDS})
  set_property(GLOBAL APPEND PROPERTY NX_MODULES ${name})

  if(NX_BUILD_TESTS AND tests)
    add_executable(nodexx_${name}_tests ${tests})
    target_compile_options(nodexx_${name}_tests PRIVATE ${NX_WARNINGS})
    target_link_libraries(nodexx_${name}_tests PRIVATE nodexx::${name} GTest::gmock GTest::gtest_main)
    gtest_discover_tests(nodexx_${name}_tests DISCOVERY_TIMEOUT 60
      PROPERTIES LABELS "unit-${name}" ENVIRONMENT "NX_SOURCE_DIR=${PROJECT_SOURCE_DIR}")
  endif()
endfunction()
