// SPDX-License-Identifier: GPL-3.0-or-later
#include "pickle/CompatNames.h"

#include <algorithm>

namespace podium::pickle {

namespace {
#include "pickle/CompatNames.inc"
} // namespace

std::pair<std::string_view, std::string_view> compatName(std::string_view module, std::string_view name,
                                                         int protocol) noexcept
{
    if (protocol >= 3)
        return {module, name};
    // Both tables are sorted by key (the generator sorts them), so lookups are binary searches.
    const auto n = std::lower_bound(std::begin(kNameMapping), std::end(kNameMapping), std::pair{module, name},
                                    [](const CompatName& e, const std::pair<std::string_view, std::string_view>& k) {
                                        return std::pair{e.module, e.name} < k;
                                    });
    if (n != std::end(kNameMapping) && n->module == module && n->name == name)
        return {n->newModule, n->newName};
    const auto m = std::lower_bound(std::begin(kImportMapping), std::end(kImportMapping), module,
                                    [](const auto& e, std::string_view k) { return e.first < k; });
    if (m != std::end(kImportMapping) && m->first == module)
        return {m->second, name};
    return {module, name};
}

} // namespace podium::pickle
