# cj_pytest_suites(LABEL <label> MODULES <python modules...> TIMEOUT <seconds> [PYTEST_ARGS <args...>])
# Registers one ctest per test_*.py file of the calling directory, named <label>.<file>, run with
# /usr/bin/python3 -m pytest from that directory with COINJECTURE_BUILD_DIR pointing at this build. If one of
# the Python modules the suite needs (e.g. pytest, cryptography, yaml: Debian's python3-* packages) is
# missing, it warns once and registers nothing, so a build without them still configures.
set(CJ_PYTHON /usr/bin/python3)
function(cj_pytest_suites)
  cmake_parse_arguments(ARG "" "LABEL;TIMEOUT" "MODULES;PYTEST_ARGS" ${ARGN})
  if(NOT ARG_LABEL OR NOT ARG_TIMEOUT OR NOT ARG_MODULES)
    message(FATAL_ERROR "cj_pytest_suites: LABEL, TIMEOUT and MODULES are required")
  endif()
  string(REPLACE ";" ", " imports "${ARG_MODULES}")
  execute_process(COMMAND ${CJ_PYTHON} -c "import ${imports}" RESULT_VARIABLE have OUTPUT_QUIET ERROR_QUIET)
  if(NOT have EQUAL 0)
    message(WARNING "${CJ_PYTHON} cannot import ${imports} (Debian python3-* packages): ${ARG_LABEL} tests not registered")
    return()
  endif()
  file(GLOB suites CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/test_*.py)
  foreach(src ${suites})
    get_filename_component(name ${src} NAME_WE)
    add_test(NAME ${ARG_LABEL}.${name}
      COMMAND ${CJ_PYTHON} -m pytest -q -p no:cacheprovider ${ARG_PYTEST_ARGS} ${src}
      WORKING_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR})
    set_tests_properties(${ARG_LABEL}.${name} PROPERTIES LABELS ${ARG_LABEL} TIMEOUT ${ARG_TIMEOUT}
      ENVIRONMENT "COINJECTURE_BUILD_DIR=${PROJECT_BINARY_DIR}")
  endforeach()
endfunction()
