# fdlink_layer(NAME DIRS <dir>... SOURCES <file>... [DEPENDS <layer>...]) adds
# the OBJECT library fdlink_<NAME> for one layer of the library: its listed
# sources (relative to src/), the public headers under include/fdlink/<dir>,
# and the layers it may use (DEPENDS, themselves already added). Configure
# fails when a file of the layer includes a header of a layer it does not
# depend on, directly or through another layer: the dependency order
# base <- sys, header <- buffer <- stack, offload <- fdbased, device,
# responder, stack <- lwip is a build fact, not a convention.
function(fdlink_layer name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "DIRS;SOURCES;DEPENDS")
  set(allowed ${arg_DIRS})
  foreach(dep IN LISTS arg_DEPENDS)
    get_property(dep_dirs GLOBAL PROPERTY FDLINK_LAYER_DIRS_${dep})
    list(APPEND allowed ${dep_dirs})
  endforeach()
  list(REMOVE_DUPLICATES allowed)
  set_property(GLOBAL PROPERTY FDLINK_LAYER_DIRS_${name} ${allowed})

  set(files)
  foreach(dir IN LISTS arg_DIRS)
    file(GLOB_RECURSE layer_files ${PROJECT_SOURCE_DIR}/include/fdlink/${dir}/*
         ${PROJECT_SOURCE_DIR}/src/${dir}/*)
    list(APPEND files ${layer_files})
  endforeach()
  foreach(f IN LISTS files)
    file(STRINGS ${f} includes REGEX "^#include \"(fdlink/)?[a-z_]+/")
    foreach(line IN LISTS includes)
      string(REGEX REPLACE "^#include \"(fdlink/)?([a-z_]+/[a-z_]*).*" "\\2"
             inc "${line}")
      string(REGEX REPLACE "/$" "" inc "${inc}")
      set(ok FALSE)
      foreach(dir IN LISTS allowed)
        if(inc STREQUAL dir OR inc MATCHES "^${dir}(/|$)")
          set(ok TRUE)
        endif()
      endforeach()
      if(NOT inc MATCHES "^(base|sys|buffer|header|stack|offload|link|device|responder|lwip)")
        set(ok TRUE)  # Not a library header (e.g. a system one).
      endif()
      if(NOT ok)
        message(FATAL_ERROR "layering: ${f} (layer ${name}) includes "
                            "\"${line}\", outside ${allowed}")
      endif()
    endforeach()
  endforeach()

  list(TRANSFORM arg_DEPENDS PREPEND fdlink_)
  set(target fdlink_${name})
  if(NOT arg_SOURCES)
    # A header-only layer: its users get the includes and the layers below.
    add_library(${target} INTERFACE)
    target_link_libraries(${target} INTERFACE ${arg_DEPENDS})
    return()
  endif()
  list(TRANSFORM arg_SOURCES PREPEND ${PROJECT_SOURCE_DIR}/src/)
  set_property(GLOBAL APPEND PROPERTY FDLINK_SOURCES ${arg_SOURCES})
  add_library(${target} OBJECT ${arg_SOURCES})
  target_include_directories(${target}
    PUBLIC ${PROJECT_SOURCE_DIR}/include PRIVATE ${PROJECT_SOURCE_DIR}/src)
  target_compile_features(${target} PUBLIC cxx_std_20)
  target_compile_definitions(${target}
    PUBLIC FDLINK_LOCKDEP=$<BOOL:${FDLINK_LOCKDEP}>)
  target_link_libraries(${target} PUBLIC ${arg_DEPENDS} Threads::Threads
                        PRIVATE fdlink_warnings)
  set_property(GLOBAL APPEND PROPERTY FDLINK_LAYER_OBJECTS
               $<TARGET_OBJECTS:${target}>)
endfunction()
