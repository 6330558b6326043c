// SPDX-License-Identifier: GPL-3.0-or-later
#include "cli/Command.h"

#include <cmath>
#include <cstdio>
#include <ostream>

namespace podium::cli {

void printJson(std::ostream& out, const nlohmann::json& j)
{
    // Serialized straight into the stream: a folder's ranking is ~100 KB of text, and building it as one
    // string first cost a page fault per 4 KiB on the way. This is the serializer `out << j` uses
    // (nlohmann's detail API), which `<<` offers only with the throwing UTF-8 handler; file names are
    // bytes, so invalid UTF-8 is replaced as dump() did.
    nlohmann::detail::serializer<nlohmann::json> s(nlohmann::detail::output_adapter<char>(out), ' ',
                                                   nlohmann::json::error_handler_t::replace);
    s.dump(j, true, false, 2);
    out << '\n';
}

std::string formatScore(const std::optional<double>& s, int precision)
{
    if (!s) return "-";
    if (std::isnan(*s)) return "nan";
    if (std::isinf(*s)) return *s > 0 ? "inf" : "-inf";
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*g", precision, *s);
    return buf;
}

static std::size_t displayWidth(const std::string& s)
{
    std::size_t n = 0;
    for (unsigned char c : s)
        if ((c & 0xC0) != 0x80) ++n;
    return n;
}

std::string formatTable(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows)
{
    std::vector<std::size_t> w(header.size(), 0);
    for (std::size_t i = 0; i < header.size(); ++i) w[i] = displayWidth(header[i]);
    for (const auto& r : rows)
        for (std::size_t i = 0; i < r.size() && i < w.size(); ++i) w[i] = std::max(w[i], displayWidth(r[i]));
    std::string out;
    auto line = [&](const std::vector<std::string>& cells) {
        std::string l;
        for (std::size_t i = 0; i < cells.size() && i < w.size(); ++i) {
            l += cells[i];
            if (i + 1 < cells.size())
                l += std::string(w[i] - displayWidth(cells[i]) + 2, ' ');
        }
        while (!l.empty() && l.back() == ' ') l.pop_back();
        out += l + "\n";
    };
    line(header);
    for (const auto& r : rows) line(r);
    return out;
}

} // namespace podium::cli
