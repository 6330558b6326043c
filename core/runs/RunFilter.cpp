// SPDX-License-Identifier: GPL-3.0-or-later
#include "runs/RunFilter.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

namespace podium::runs {

namespace {

std::optional<double> number(std::string_view s)
{
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    if (s.empty())
        return std::nullopt;
    double v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size())
        return std::nullopt;
    return v;
}

bool compare(const RunCondition& c, const std::string& actual)
{
    const auto a = number(actual), b = number(c.value);
    if (a && b) {
        switch (c.op) {
        case RunCondition::Op::Lt: return *a < *b;
        case RunCondition::Op::Le: return *a <= *b;
        case RunCondition::Op::Gt: return *a > *b;
        case RunCondition::Op::Ge: return *a >= *b;
        case RunCondition::Op::Eq: return *a == *b;
        case RunCondition::Op::Ne: return *a != *b;
        }
    }
    if (c.op == RunCondition::Op::Eq) return actual == c.value;
    if (c.op == RunCondition::Op::Ne) return actual != c.value;
    return false;
}

} // namespace

RunFilter parseRunFilter(std::string_view text)
{
    RunFilter f;
    static const std::regex cond(R"(([A-Za-z_][\w./\-]*)\s*(<=|>=|==|!=|<|>|=)\s*("[^"]*"|'[^']*'|[^\s]+))");
    std::string rest;
    const std::string s(text);
    std::size_t last = 0;
    for (auto it = std::sregex_iterator(s.begin(), s.end(), cond); it != std::sregex_iterator(); ++it) {
        const auto& m = *it;
        rest += s.substr(last, static_cast<std::size_t>(m.position(0)) - last);
        last = static_cast<std::size_t>(m.position(0) + m.length(0));
        RunCondition c;
        c.name = m[1].str();
        const std::string op = m[2].str();
        c.op = op == "<" ? RunCondition::Op::Lt : op == "<=" ? RunCondition::Op::Le : op == ">" ? RunCondition::Op::Gt
             : op == ">=" ? RunCondition::Op::Ge : op == "!=" ? RunCondition::Op::Ne : RunCondition::Op::Eq;
        c.value = m[3].str();
        if (c.value.size() >= 2 && (c.value.front() == '"' || c.value.front() == '\''))
            c.value = c.value.substr(1, c.value.size() - 2);
        f.conditions.push_back(std::move(c));
    }
    rest += s.substr(last);
    // the words left, joined by single spaces
    std::string pattern;
    for (std::size_t i = 0; i < rest.size();) {
        while (i < rest.size() && std::isspace(static_cast<unsigned char>(rest[i]))) ++i;
        std::size_t j = i;
        while (j < rest.size() && !std::isspace(static_cast<unsigned char>(rest[j]))) ++j;
        if (j > i) {
            if (!pattern.empty()) pattern += ' ';
            pattern += rest.substr(i, j - i);
        }
        i = j;
    }
    f.pattern = pattern;
    if (!pattern.empty()) {
        try {
            f.regex.emplace(pattern, std::regex::ECMAScript | std::regex::icase);
        } catch (const std::regex_error& e) {
            f.error = std::string("not a regular expression (") + e.what() + "): searched as text";
        }
    }
    return f;
}

bool matches(const RunFilter& filter, const std::string& name, const std::map<std::string, std::string>& params,
             const std::map<std::string, double>& metrics)
{
    if (!filter.pattern.empty()) {
        if (filter.regex) {
            if (!std::regex_search(name, *filter.regex))
                return false;
        } else {
            auto lower = [](std::string s) {
                std::transform(s.begin(), s.end(), s.begin(), [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
                return s;
            };
            if (lower(name).find(lower(filter.pattern)) == std::string::npos)
                return false;
        }
    }
    for (const auto& c : filter.conditions) {
        if (auto m = metrics.find(c.name); m != metrics.end()) {
            if (std::isnan(m->second)) return false;
            char buf[64];
            const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, m->second);
            if (!compare(c, std::string(buf, ec == std::errc() ? end : buf)))
                return false;
            continue;
        }
        auto p = params.find(c.name);
        if (p == params.end()) {
            // a short name matches a dotted parameter's last part (model.lr for lr) when only one does
            const std::string suffix = "." + c.name;
            const std::pair<const std::string, std::string>* only = nullptr;
            int n = 0;
            for (const auto& kv : params)
                if (kv.first.ends_with(suffix)) { only = &kv; ++n; }
            if (n != 1)
                return false;
            if (!compare(c, only->second))
                return false;
            continue;
        }
        if (!compare(c, p->second))
            return false;
    }
    return true;
}

} // namespace podium::runs
