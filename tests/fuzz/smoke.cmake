# smoke.cmake: one bounded libFuzzer run (ctest fuzz_smoke_<target>).
# cmake -DFUZZER=bin -DSEEDS=dir -DWORK=dir -DRUNS=n -P smoke.cmake
# New inputs go to a fresh WORK/corpus, never into the seed directory in
# the source tree; a crash, leak or timeout fails the test and leaves its
# input in WORK/.
foreach(var FUZZER SEEDS WORK RUNS)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "smoke.cmake: -D${var}=... is required")
  endif()
endforeach()
if(NOT IS_DIRECTORY ${SEEDS})
  message(FATAL_ERROR "smoke.cmake: seed corpus ${SEEDS} does not exist")
endif()
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK}/corpus)
execute_process(
  COMMAND ${FUZZER} -runs=${RUNS} -seed=1 -timeout=10 -max_len=4096
          -print_final_stats=1 -artifact_prefix=${WORK}/
          ${WORK}/corpus ${SEEDS}
  WORKING_DIRECTORY ${WORK}
  RESULT_VARIABLE rc
  OUTPUT_VARIABLE out
  ERROR_VARIABLE out)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${out}\nsmoke.cmake: ${FUZZER} failed (exit ${rc}); "
                      "the input is in ${WORK}")
endif()
string(REGEX MATCH "stat::number_of_executed_units: *[0-9]+" runs "${out}")
message(STATUS "${FUZZER}: ${runs}")
