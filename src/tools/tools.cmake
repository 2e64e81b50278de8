# coinjecture-keygen and coinjecture-cli (included by src/tools/CMakeLists.txt). Both link the node
# library (key files, genesis, JSON conversion) and therefore need COINJECTURE_BUILD_NODE.
if(TARGET cj_node)
  add_executable(coinjecture-keygen ${CMAKE_CURRENT_SOURCE_DIR}/keygen.c)
  target_link_libraries(coinjecture-keygen PRIVATE cj_node cj_tool_opts)
  # coinjecture-cli: main, options and HTTP/JSON helpers (cli.c) and one file per group of commands (cli.h)
  add_executable(coinjecture-cli ${CMAKE_CURRENT_SOURCE_DIR}/cli.c ${CMAKE_CURRENT_SOURCE_DIR}/cli_query.c
    ${CMAKE_CURRENT_SOURCE_DIR}/cli_vote.c ${CMAKE_CURRENT_SOURCE_DIR}/cli_tx.c
    ${CMAKE_CURRENT_SOURCE_DIR}/cli_genesis.c ${CMAKE_CURRENT_SOURCE_DIR}/cli_testnet.c ${CMAKE_CURRENT_SOURCE_DIR}/cli_load.c
    ${CMAKE_CURRENT_SOURCE_DIR}/cli_load_send.c)
  target_link_libraries(coinjecture-cli PRIVATE cj_node cj_tool_opts)
  install(TARGETS coinjecture-keygen coinjecture-cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  cj_tool_docs(coinjecture-keygen)
  cj_tool_docs(coinjecture-cli)
endif()
