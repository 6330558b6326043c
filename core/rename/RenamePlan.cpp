// SPDX-License-Identifier: GPL-3.0-or-later
#include "rename/RenamePlan.h"

#include "rename/NameTemplate.h"

#include <algorithm>
#include <map>
#include <set>

namespace podium::rename {

namespace {

std::string baseOf(const std::string& rel)
{
    const auto slash = rel.rfind('/');
    return slash == std::string::npos ? rel : rel.substr(slash + 1);
}

} // namespace

Result<const ranking::Group*> chooseGroup(const ranking::Ranking& r, std::string_view monitor)
{
    auto groups = r.select(monitor);
    if (groups.empty())
        return Error(ErrorCode::PlanNoGroup, monitor.empty() ? "no ranked checkpoint group in " + r.folder
                                                             : "no checkpoint group monitors '" + std::string(monitor) + "' in " + r.folder);
    if (groups.size() > 1) {
        std::string list;
        for (const auto* g : groups)
            list += (list.empty() ? "" : ", ") + g->label() + " in " + (g->directory.empty() ? "." : g->directory) + "/";
        return Error(ErrorCode::PlanAmbiguousGroup, std::to_string(groups.size()) + " groups (" + list +
                                                        "): choose one with --monitor");
    }
    return groups.front();
}

Result<RenamePlan> planRename(const ranking::Group& g, const std::vector<std::string>& names, const PlanConfig& cfg)
{
    RenamePlan plan;
    plan.directory = g.directory;
    plan.monitor = g.monitor;
    const int k = static_cast<int>(g.ranked.size());

    // 1. targets
    std::set<std::string> sources;
    std::map<std::string, std::string> targetOf; // from -> to
    std::map<std::string, std::string> claimedBy; // to -> from
    for (const auto& e : g.ranked) {
        const std::string from = baseOf(e.file);
        NameFields f;
        f.stem = canonicalStem(from);
        f.rank = e.rank;
        f.k = k;
        f.monitor = g.monitor;
        f.score = e.score;
        f.epoch = e.epoch;
        f.step = e.globalStep;
        auto to = renderName(cfg.nameTemplate, f);
        if (!to)
            return std::move(to).error();
        if (auto it = claimedBy.find(*to); it != claimedBy.end())
            return Error(ErrorCode::PlanConflict, "'" + it->second + "' and '" + from + "' would both be named '" + *to +
                                                      "' (add {rank} or another distinguishing field to the template)");
        claimedBy[*to] = from;
        sources.insert(from);
        targetOf[from] = *to;
        if (from == *to)
            plan.unchanged.push_back(from);
        else
            plan.moves.push_back({from, *to, e.rank});
    }
    // 2. a target taken by something outside the plan would be clobbered: refuse
    const std::set<std::string> present(names.begin(), names.end());
    for (const auto& m : plan.moves)
        if (present.count(m.to) && !sources.count(m.to))
            return Error(ErrorCode::PlanConflict, "'" + m.from + "' would be renamed to '" + m.to +
                                                      "', which exists and is not part of the ranking (rename or move it first)");

    plan.steps = orderSteps(plan.moves, names, cfg.tempTag);
    return plan;
}

std::vector<Step> orderSteps(const std::vector<Move>& moves, const std::vector<std::string>& names, const std::string& tempTag)
{
    // a move can run when its target is not the current name of a pending move
    const std::set<std::string> present(names.begin(), names.end());
    std::vector<Step> steps;
    std::vector<std::size_t> pending(moves.size());
    for (std::size_t i = 0; i < pending.size(); ++i) pending[i] = i;
    std::vector<std::string> current(moves.size());
    for (std::size_t i = 0; i < moves.size(); ++i) current[i] = moves[i].from;
    int temps = 0;
    while (!pending.empty()) {
        bool progressed = false;
        for (std::size_t p = 0; p < pending.size(); ++p) {
            const std::size_t i = pending[p];
            const bool blocked = std::any_of(pending.begin(), pending.end(), [&](std::size_t j) {
                return j != i && current[j] == moves[i].to;
            });
            if (blocked)
                continue;
            steps.push_back({current[i], moves[i].to, i});
            current[i] = moves[i].to;
            pending.erase(pending.begin() + static_cast<std::ptrdiff_t>(p));
            progressed = true;
            break;
        }
        if (progressed)
            continue;
        // every pending move waits for another: a cycle. Park one under a temporary name.
        const std::size_t i = pending.front();
        std::string temp;
        do {
            temp = ".podium-" + tempTag + "-" + std::to_string(temps++) + ".tmp";
        } while (present.count(temp));
        steps.push_back({current[i], temp, i});
        current[i] = temp;
    }
    return steps;
}

} // namespace podium::rename
