# Installs the built fdlink into WORK_DIR/prefix, checks that only public
# headers were installed, and builds the consumer twice against it: as a
# CMake project (find_package(fdlink), no C++ standard set) and with
# `pkg-config --cflags --libs fdlink`; fails on any step's error.
cmake_minimum_required(VERSION 3.25)
file(REMOVE_RECURSE ${WORK_DIR})
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out
                  ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed: ${ARGN}\n${out}\n${err}")
  endif()
endfunction()
# pkg_config runs pkg-config on the installed fdlink.pc with ARGN and
# stores its output, as a list of words, in `var`.
function(pkg_config var)
  execute_process(COMMAND pkg-config ${ARGN} fdlink RESULT_VARIABLE rc
                  OUTPUT_VARIABLE out ERROR_VARIABLE err
                  OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed: pkg-config ${ARGN} fdlink\n${err}")
  endif()
  separate_arguments(out UNIX_COMMAND "${out}")
  set(${var} "${out}" PARENT_SCOPE)
endfunction()

set(prefix ${WORK_DIR}/prefix)
run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})

# Only include/fdlink/**.h is installed as headers: nothing from src/.
file(GLOB_RECURSE headers RELATIVE ${prefix}/include ${prefix}/include/*)
file(GLOB_RECURSE public RELATIVE ${SOURCE_DIR}/include
     ${SOURCE_DIR}/include/fdlink/*.h)
list(SORT headers)
list(SORT public)
if(NOT headers STREQUAL public)
  message(FATAL_ERROR "installed headers differ from include/fdlink:\n"
                      "installed: ${headers}\npublic: ${public}")
endif()

run(${CMAKE_COMMAND} -S ${CONSUMER_DIR} -B ${WORK_DIR}/build -G Ninja
    -DCMAKE_CXX_COMPILER=${CXX} -DCMAKE_PREFIX_PATH=${prefix})
run(${CMAKE_COMMAND} --build ${WORK_DIR}/build)
run(${WORK_DIR}/build/consumer)
message(STATUS "find_package(fdlink) consumer built and ran")

file(GLOB_RECURSE pc_files ${prefix}/*/fdlink.pc)
list(LENGTH pc_files n)
if(NOT n EQUAL 1)
  message(FATAL_ERROR "expected one installed fdlink.pc, found: ${pc_files}")
endif()
get_filename_component(pc_dir ${pc_files} DIRECTORY)
set(ENV{PKG_CONFIG_PATH} ${pc_dir})
pkg_config(requires --print-requires-private)
if(NOT requires MATCHES "libmnl")
  message(FATAL_ERROR "fdlink.pc: libmnl is not a private requirement")
endif()
pkg_config(static_libs --static --libs)
if(NOT "-lmnl" IN_LIST static_libs)
  message(FATAL_ERROR "pkg-config --static --libs fdlink lacks -lmnl")
endif()
# The lwip layer's objects need Debian's liblwip.
if(NOT requires MATCHES "lwip")
  message(FATAL_ERROR "fdlink.pc: lwip is not a private requirement")
endif()
if(NOT "-llwip" IN_LIST static_libs)
  message(FATAL_ERROR "pkg-config --static --libs fdlink lacks -llwip")
endif()
pkg_config(flags --cflags --libs)
run(${CXX} ${CONSUMER_DIR}/main.cc ${flags} -o ${WORK_DIR}/pc_consumer)
run(${WORK_DIR}/pc_consumer)
pkg_config(libs --libs)
if(NOT "-luring" IN_LIST libs)
  message(FATAL_ERROR "pkg-config --libs fdlink lacks -luring (the io_uring mode)")
endif()
message(STATUS "pkg-config --cflags --libs fdlink consumer built and ran")
