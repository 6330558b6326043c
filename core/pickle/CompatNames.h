// SPDX-License-Identifier: GPL-3.0-or-later
// CompatNames: how Python 3's unpickler renames the globals of a pickle Python 2 wrote.
//
// CPython's find_class (Lib/pickle.py, Modules/_pickle.c), when the pickle's protocol is below 3 and
// fix_imports is on (torch.load leaves it on): first (module, name) in _compat_pickle.NAME_MAPPING
// (`__builtin__ long` -> `builtins int`), else module in IMPORT_MAPPING (`copy_reg` -> `copyreg`,
// `commands` -> `subprocess`). The tables are CPython's own, generated as data (CompatNames.inc,
// scripts/gen_compat_names.py). The protocol is the one the PROTO opcode set before the global (0 when none).
#pragma once

#include <string_view>
#include <utility>

namespace podium::pickle {

struct CompatName {
    std::string_view module, name, newModule, newName;
};

/// The (module, name) CPython resolves for a global read at `protocol`; the input when nothing maps.
std::pair<std::string_view, std::string_view> compatName(std::string_view module, std::string_view name,
                                                         int protocol) noexcept;

} // namespace podium::pickle
