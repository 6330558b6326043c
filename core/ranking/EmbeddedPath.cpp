// SPDX-License-Identifier: GPL-3.0-or-later
#include "ranking/EmbeddedPath.h"

namespace podium::ranking {

bool isWindowsPath(std::string_view p) noexcept
{
    if (p.size() >= 2 && p[1] == ':' && ((p[0] >= 'A' && p[0] <= 'Z') || (p[0] >= 'a' && p[0] <= 'z')))
        return true;
    return p.find('\\') != std::string_view::npos; // also the UNC prefix \\server\share
}

std::vector<std::string_view> pathComponents(std::string_view p)
{
    const bool win = isWindowsPath(p);
    std::vector<std::string_view> out;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= p.size(); ++i) {
        if (i == p.size() || p[i] == '/' || (win && p[i] == '\\')) {
            if (i > start)
                out.push_back(p.substr(start, i - start));
            start = i + 1;
        }
    }
    return out;
}

std::string_view embeddedBase(std::string_view p) noexcept
{
    const auto cut = isWindowsPath(p) ? p.find_last_of("/\\") : p.rfind('/');
    return cut == std::string_view::npos ? p : p.substr(cut + 1);
}

std::string relativeToDirpath(std::string_view path, std::string_view dirpath)
{
    if (!dirpath.empty()) {
        // the fast case: a POSIX path and its POSIX dirpath (the scan compares thousands of these)
        if (!isWindowsPath(path) && !isWindowsPath(dirpath)) {
            while (dirpath.size() > 1 && dirpath.back() == '/')
                dirpath.remove_suffix(1);
            if (path.size() > dirpath.size() && path.starts_with(dirpath) && path[dirpath.size()] == '/')
                return std::string(path.substr(dirpath.size() + 1));
            return std::string(embeddedBase(path));
        }
        const auto pc = pathComponents(path), dc = pathComponents(dirpath);
        if (pc.size() > dc.size() && std::equal(dc.begin(), dc.end(), pc.begin())) {
            std::string rel;
            for (std::size_t i = dc.size(); i < pc.size(); ++i)
                rel += (rel.empty() ? "" : "/") + std::string(pc[i]);
            return rel;
        }
    }
    return std::string(embeddedBase(path));
}

} // namespace podium::ranking
