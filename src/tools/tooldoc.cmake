# cmake -DTOOL=program -DMODE=completion|man -DOUT=file -P tooldoc.cmake: writes the program's generated bash
# completion (`--print-completion bash`) or man page (`--print-man`) to OUT (used by src/tools/CMakeLists.txt).
if(MODE STREQUAL "completion")
  set(args --print-completion bash)
else()
  set(args --print-man)
endif()
execute_process(COMMAND ${TOOL} ${args} OUTPUT_FILE ${OUT}.tmp RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  file(REMOVE ${OUT}.tmp)
  message(FATAL_ERROR "${TOOL} ${args} failed: ${rc}")
endif()
file(RENAME ${OUT}.tmp ${OUT})
