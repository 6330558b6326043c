# SPDX-License-Identifier: GPL-3.0-or-later
# Fails when any source under core/ includes a Qt header: the engine must build without Qt.
file(GLOB_RECURSE sources "${CORE_DIR}/*.h" "${CORE_DIR}/*.cpp")
set(bad "")
foreach(f IN LISTS sources)
  file(STRINGS "${f}" lines REGEX "^[ \t]*#[ \t]*include[ \t]*[<\"](Q[A-Za-z]+|qt[a-z]*/)")
  if(lines)
    list(APPEND bad "${f}: ${lines}")
  endif()
endforeach()
if(bad)
  message(FATAL_ERROR "core/ includes Qt:\n${bad}")
endif()
message(STATUS "core/ is free of Qt includes (${CMAKE_MATCH_COUNT} checked)")
