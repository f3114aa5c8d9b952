# Fails when any C++ file under the source folders differs from what clang-format makes of it.
file(GLOB_RECURSE files
    ${SOURCE_DIR}/core/*.cpp ${SOURCE_DIR}/core/*.h
    ${SOURCE_DIR}/server/*.cpp ${SOURCE_DIR}/server/*.h
    ${SOURCE_DIR}/gui/*.cpp ${SOURCE_DIR}/gui/*.h
    ${SOURCE_DIR}/tests/*.cpp ${SOURCE_DIR}/tests/*.h
    ${SOURCE_DIR}/bench/*.cpp ${SOURCE_DIR}/bench/*.h
    ${SOURCE_DIR}/fuzz/*.cpp ${SOURCE_DIR}/fuzz/*.h)
execute_process(COMMAND ${CLANG_FORMAT} --dry-run --Werror ${files}
    RESULT_VARIABLE rc ERROR_VARIABLE out)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "clang-format: these files need formatting (run scripts/format.sh):\n${out}")
endif()
