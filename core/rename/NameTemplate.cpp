// SPDX-License-Identifier: GPL-3.0-or-later
#include "rename/NameTemplate.h"

#include <cctype>
#include <cmath>
#include <cstdio>

namespace podium::rename {

namespace {

bool endsWithNumberSuffix(std::string_view s, std::string_view marker, std::size_t& cut)
{
    const auto pos = s.rfind(marker);
    if (pos == std::string_view::npos || pos + marker.size() >= s.size())
        return false;
    for (std::size_t i = pos + marker.size(); i < s.size(); ++i)
        if (!std::isdigit(static_cast<unsigned char>(s[i])))
            return false;
    cut = pos;
    return true;
}

std::string formatNumber(double v, std::string_view spec)
{
    if (std::isnan(v)) return "nan";
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    char buf[64];
    if (spec.empty()) {
        std::snprintf(buf, sizeof buf, "%.6g", v);
        return buf;
    }
    const std::string fmt = "%" + std::string(spec);
    if (spec.back() == 'd' || spec.back() == 'i')
        std::snprintf(buf, sizeof buf, fmt.c_str(), static_cast<long long>(std::llround(v)));
    else
        std::snprintf(buf, sizeof buf, fmt.c_str(), v);
    return buf;
}

bool validSpec(std::string_view spec)
{
    if (spec.empty()) return true;
    // [0][width][.precision](f|e|g|d)
    std::size_t i = 0;
    while (i < spec.size() && (std::isdigit(static_cast<unsigned char>(spec[i])) || spec[i] == '.')) ++i;
    if (i + 1 != spec.size()) return false;
    const char c = spec.back();
    return (c == 'f' || c == 'e' || c == 'g' || c == 'd') && spec.size() <= 8;
}

} // namespace

std::string canonicalStem(std::string_view name)
{
    if (name.ends_with(".ckpt")) name.remove_suffix(5);
    std::size_t cut = 0;
    if (endsWithNumberSuffix(name, "_top", cut)) name = name.substr(0, cut);
    if (endsWithNumberSuffix(name, "-v", cut)) name = name.substr(0, cut);
    return std::string(name);
}

bool isValidFileName(std::string_view n) noexcept
{
    return !n.empty() && n != "." && n != ".." && n.size() <= 255 && n.find('/') == std::string_view::npos &&
           n.find('\0') == std::string_view::npos && n.front() != '.';
}

Result<std::string> renderName(std::string_view tmpl, const NameFields& f)
{
    std::string out;
    for (std::size_t i = 0; i < tmpl.size(); ++i) {
        if (tmpl[i] != '{') {
            out += tmpl[i];
            continue;
        }
        const auto close = tmpl.find('}', i);
        if (close == std::string_view::npos)
            return Error(ErrorCode::PlanInvalidName, "template '" + std::string(tmpl) + "' has an unclosed '{'");
        std::string_view field = tmpl.substr(i + 1, close - i - 1), spec;
        if (const auto colon = field.find(':'); colon != std::string_view::npos) {
            spec = field.substr(colon + 1);
            field = field.substr(0, colon);
        }
        if (!validSpec(spec))
            return Error(ErrorCode::PlanInvalidName, "template field {" + std::string(field) + ":" + std::string(spec) +
                                                         "} has an unsupported format (use e.g. .4f or 02d)");
        if (field == "stem") out += f.stem;
        else if (field == "monitor") {
            std::string m = f.monitor;
            for (char& c : m)
                if (c == '/' || c == '\\' || c == ' ') c = '_';
            out += m;
        } else if (field == "rank") out += formatNumber(f.rank, spec.empty() ? "d" : spec);
        else if (field == "k") out += formatNumber(f.k, spec.empty() ? "d" : spec);
        else if (field == "score") out += f.score ? formatNumber(*f.score, spec) : "none";
        else if (field == "epoch") out += f.epoch ? formatNumber(static_cast<double>(*f.epoch), spec.empty() ? "d" : spec) : "none";
        else if (field == "step") out += f.step ? formatNumber(static_cast<double>(*f.step), spec.empty() ? "d" : spec) : "none";
        else
            return Error(ErrorCode::PlanInvalidName, "template field {" + std::string(field) +
                                                         "} is unknown (use stem, rank, k, monitor, score, epoch, step)");
        i = close;
    }
    if (!out.ends_with(".ckpt"))
        out += ".ckpt";
    if (!isValidFileName(out))
        return Error(ErrorCode::PlanInvalidName, "'" + out + "' is not a valid file name");
    return out;
}

} // namespace podium::rename
