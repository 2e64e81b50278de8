# Runs coinjecture-vectors -o OUT and requires OUT to equal EXPECTED byte for byte.
# Usage: cmake -DTOOL=... -DOUT=... -DEXPECTED=... -P regenerate.cmake
execute_process(COMMAND ${TOOL} -o ${OUT} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "coinjecture-vectors failed (${rc})")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${OUT} ${EXPECTED} RESULT_VARIABLE diff)
if(NOT diff EQUAL 0)
  message(FATAL_ERROR "${OUT} differs from ${EXPECTED}; if the change is intended, regenerate with:\n"
                      "  ${TOOL} -o ${EXPECTED}")
endif()
