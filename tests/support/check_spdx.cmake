# SPDX-License-Identifier: GPL-3.0-or-later
# Every source file of the project carries the license line in its first three lines (LICENSE, README "License").
# Usage: cmake -DROOT=<source dir> -P check_spdx.cmake
set(patterns
  core/*.h core/*.cpp ui/*.h ui/*.cpp app/*.h app/*.cpp bench/*.cpp bench/*.py bench/*.sh bench/*.h
  tests/unit/*.cpp tests/gui/*.cpp tests/fuzz/*.cpp tests/fuzz/*.sh tests/support/*.h tests/support/*.cpp
  tests/support/*.py tests/support/*.cmake tests/support/*.sh tests/data/*.py scripts/*.sh scripts/*.py
  *CMakeLists.txt installer/*.1 installer/*.desktop)
set(missing "")
foreach(p IN LISTS patterns)
  file(GLOB_RECURSE files RELATIVE "${ROOT}" "${ROOT}/${p}")
  foreach(f IN LISTS files)
    if(f MATCHES "^(build|tests/data/fixtures|node_modules)/" OR f MATCHES "/node_modules/")
      continue()
    endif()
    file(STRINGS "${ROOT}/${f}" head LIMIT_COUNT 3)
    string(FIND "${head}" "SPDX-License-Identifier: GPL-3.0-or-later" at)
    if(at LESS 0)
      list(APPEND missing "${f}")
    endif()
  endforeach()
endforeach()
if(missing)
  list(JOIN missing "\n  " text)
  message(FATAL_ERROR "files without 'SPDX-License-Identifier: GPL-3.0-or-later' in their first lines:\n  ${text}")
endif()
