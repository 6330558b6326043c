// SPDX-License-Identifier: GPL-3.0-or-later
#include "runs/RunGroups.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>

namespace podium::runs {

namespace {

std::optional<double> asNumber(const std::string& s)
{
    if (s.empty())
        return std::nullopt;
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (end != s.c_str() + s.size() || !std::isfinite(v))
        return std::nullopt;
    return v;
}

} // namespace

std::vector<ParamGroup> groupRunsBy(const RunTree& tree, const ranking::Ranking& ranking, const std::string& param,
                                    const std::string& monitor, const std::vector<std::size_t>& runs)
{
    std::vector<std::size_t> chosen = runs;
    if (chosen.empty())
        for (std::size_t i = 0; i < tree.runs.size(); ++i)
            chosen.push_back(i);
    std::map<std::string, ParamGroup> byValue;
    static const metrics::MetricLog kNone; // saved scores: no logs needed
    const auto groupsOfRun = groupsByRun(tree, ranking);
    for (const std::size_t r : chosen) {
        if (r >= tree.runs.size())
            continue;
        const auto& run = tree.runs[r];
        const auto it = run.params.find(param);
        ParamGroup& g = byValue[it == run.params.end() ? std::string() : it->second];
        g.value = it == run.params.end() ? std::string() : it->second;
        g.runs.push_back(r);
        for (const auto& b : bestOf(run, ranking, kNone, &groupsOfRun[r]))
            if (b.monitor == monitor && b.bestScore && std::isfinite(*b.bestScore)) {
                g.bests.push_back(*b.bestScore);
                g.mode = b.mode;
                break;
            }
    }
    std::vector<ParamGroup> out;
    for (auto& [v, g] : byValue) {
        if (!g.bests.empty()) {
            double sum = 0;
            for (double b : g.bests)
                sum += b;
            const double mean = sum / static_cast<double>(g.bests.size());
            double sq = 0;
            for (double b : g.bests)
                sq += (b - mean) * (b - mean);
            g.mean = mean;
            g.stddev = g.bests.size() > 1 ? std::sqrt(sq / static_cast<double>(g.bests.size() - 1)) : 0.0;
        }
        out.push_back(std::move(g));
    }
    const bool numeric = std::all_of(out.begin(), out.end(), [](const ParamGroup& g) { return g.value.empty() || asNumber(g.value); });
    std::stable_sort(out.begin(), out.end(), [&](const ParamGroup& a, const ParamGroup& b) {
        if (a.value.empty() != b.value.empty())
            return b.value.empty(); // runs without the parameter last
        if (numeric && !a.value.empty())
            return *asNumber(a.value) < *asNumber(b.value);
        return a.value < b.value;
    });
    return out;
}

Band bandOf(const std::vector<std::vector<std::pair<double, double>>>& series)
{
    std::map<double, std::vector<double>> at;
    for (const auto& s : series) {
        std::map<double, double> own; // one value per x and series: the last logged
        for (const auto& [x, y] : s)
            if (std::isfinite(x) && std::isfinite(y))
                own[x] = y;
        for (const auto& [x, y] : own)
            at[x].push_back(y);
    }
    Band b;
    for (const auto& [x, ys] : at) {
        double sum = 0, lo = ys.front(), hi = ys.front();
        for (double y : ys)
            sum += y, lo = std::min(lo, y), hi = std::max(hi, y);
        b.x.push_back(x);
        b.mean.push_back(sum / static_cast<double>(ys.size()));
        b.low.push_back(lo);
        b.high.push_back(hi);
        b.count.push_back(ys.size());
    }
    return b;
}

std::string describeGroupBest(const ParamGroup& group)
{
    if (!group.mean)
        return "–";
    char buf[96];
    std::snprintf(buf, sizeof buf, "%.4g ± %.2g (n=%zu)", *group.mean, group.stddev.value_or(0.0), group.bests.size());
    return buf;
}

} // namespace podium::runs
