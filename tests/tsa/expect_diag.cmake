# Compiles one file for the thread-safety analysis and checks the outcome.
#   cmake -DCXX=<clang++> -DINCLUDE_DIR=<dir> [-DSRC_DIR=<dir>]
#         -DSOURCE=<file.cc> -DEXPECT=<text> -P expect_diag.cmake
# SRC_DIR (optional) is added to the include path, for files of src/;
# SYSTEM_INCLUDE (optional) as a system include path (lwIP's headers).
# EXPECT empty: the file must compile with no diagnostic at all.
# Otherwise: the compiler must fail; every error must come from
# -Wthread-safety; and an error on the line marked "expected-tsa-error" must
# match EXPECT (a regular expression).
foreach(var CXX INCLUDE_DIR SOURCE)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "expect_diag.cmake: -D${var}= is required")
  endif()
endforeach()

set(extra "")
if(DEFINED SRC_DIR)
  set(extra -I${SRC_DIR})
endif()
if(DEFINED SYSTEM_INCLUDE)
  list(APPEND extra -isystem ${SYSTEM_INCLUDE})
endif()
execute_process(
  COMMAND ${CXX} -std=c++20 -fsyntax-only -Wall -Wextra -Wthread-safety
          -Werror -I${INCLUDE_DIR} ${extra} ${SOURCE}
  RESULT_VARIABLE rc
  OUTPUT_VARIABLE out
  ERROR_VARIABLE err)

if(EXPECT STREQUAL "")
  if(NOT rc EQUAL 0 OR NOT err STREQUAL "")
    message(FATAL_ERROR "${SOURCE} must compile cleanly (exit ${rc}):\n${err}")
  endif()
  message(STATUS "${SOURCE}: compiles cleanly")
  return()
endif()

if(rc EQUAL 0)
  message(FATAL_ERROR "${SOURCE} compiled, but must fail with: ${EXPECT}")
endif()

# The marked line (exactly one marker per file).
file(READ ${SOURCE} text)
string(FIND "${text}" "expected-tsa-error" first)
string(FIND "${text}" "expected-tsa-error" last REVERSE)
if(first EQUAL -1 OR NOT first EQUAL last)
  message(FATAL_ERROR "${SOURCE} needs exactly one expected-tsa-error marker")
endif()
string(SUBSTRING "${text}" 0 ${first} before)
string(REGEX MATCHALL "\n" newlines "${before}")
list(LENGTH newlines line)
math(EXPR line "${line} + 1")

string(REGEX MATCHALL "[^\n]*error:[^\n]*" errors "${err}")
set(found FALSE)
foreach(e IN LISTS errors)
  if(NOT e MATCHES "\\[-Werror,-Wthread-safety[a-z-]*\\]$")
    message(FATAL_ERROR
      "${SOURCE}: error not from the thread-safety analysis:\n${e}\n\n${err}")
  endif()
  string(FIND "${e}" "${SOURCE}:${line}:" at_line)
  if(NOT at_line EQUAL -1 AND e MATCHES "${EXPECT}")
    set(found TRUE)
  endif()
endforeach()
if(NOT found)
  message(FATAL_ERROR
    "${SOURCE}: no error at line ${line} matching \"${EXPECT}\":\n${err}")
endif()
message(STATUS "${SOURCE}:${line}: fails as expected: ${EXPECT}")
