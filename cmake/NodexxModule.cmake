# SPDX-License-Identifier: MIT
# nodexx_add_module(<name> DEPENDS <targets...>)
# One library per folder nodexx/<name>/: every *.cpp that is not *_test.cpp or *_bench.cpp
# is a source; every *_test.cpp goes into one test binary nodexx_<name>_tests, so a module's
# tests build in one pass and link once.
include_guard(GLOBAL)

set(NX_WARNINGS -Wall -Wextra -Wpedantic -Werror -Wno-zero-as-null-pointer-constant)

if(NX_SANITIZE)
  add_compile_options(-fsanitize=${NX_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
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

  add_library(nodexx_${name} ${sources})
  add_library(nodexx::${name} ALIAS nodexx_${name})
  set_target_properties(nodexx_${name} PROPERTIES EXPORT_NAME ${name} POSITION_INDEPENDENT_CODE ON)
  target_include_directories(nodexx_${name} PUBLIC
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}> $<INSTALL_INTERFACE:include>)
  target_compile_features(nodexx_${name} PUBLIC cxx_std_20)
  target_compile_options(nodexx_${name} PRIVATE ${NX_WARNINGS})
  target_link_libraries(nodexx_${name} PUBLIC ${ARG_DEPENDS})
  set_property(GLOBAL APPEND PROPERTY NX_MODULES ${name})

  if(NX_BUILD_TESTS AND tests)
    add_executable(nodexx_${name}_tests ${tests})
    target_compile_options(nodexx_${name}_tests PRIVATE ${NX_WARNINGS})
    target_link_libraries(nodexx_${name}_tests PRIVATE nodexx::${name} GTest::gmock GTest::gtest_main)
    gtest_discover_tests(nodexx_${name}_tests DISCOVERY_TIMEOUT 60
      PROPERTIES LABELS "unit;${name}" ENVIRONMENT "NX_SOURCE_DIR=${PROJECT_SOURCE_DIR}")
  endif()
endfunction()
