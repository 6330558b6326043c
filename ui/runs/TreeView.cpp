// SPDX-License-Identifier: GPL-3.0-or-later
#include "runs/TreeView.h"

#include "Session.h"
#include "runs/RunGroups.h"

#include <map>

namespace podium::ui {

namespace {

bool tree(const FolderState& s) { return s.runs.runs.size() > 1; }

bool wanted(const QStringList& runs, const std::string& path)
{
    return runs.isEmpty() || runs.contains(QString::fromStdString(path));
}

ChartMarker marker(const std::string& file, int rank, const ranking::Score& score, std::optional<std::int64_t> epoch,
                   std::optional<std::int64_t> step)
{
    ChartMarker m;
    m.file = QString::fromStdString(file);
    m.rank = rank;
    if (score) m.score = *score;
    if (epoch) m.epoch = static_cast<double>(*epoch);
    if (step) m.step = static_cast<double>(*step);
    return m;
}

} // namespace

QVector<GroupChoice> groupChoices(const FolderState& state, const QStringList& runs)
{
    QVector<GroupChoice> out;
    const bool isTree = tree(state);
    if (isTree && !state.leaderboard.entries.empty())
        out.push_back({QObject::tr("Best across runs · %1").arg(QString::fromStdString(state.leaderboard.monitor)), -1});
    for (std::size_t g = 0; g < state.ranking.groups.size(); ++g) {
        const auto& group = state.ranking.groups[g];
        QString label = QString::fromStdString(group.label());
        if (isTree) {
            const int r = state.runOfGroup(g);
            const std::string path = r >= 0 ? state.runs.runs[static_cast<std::size_t>(r)].path : group.directory;
            if (!wanted(runs, path))
                continue;
            const std::string name = r >= 0 ? state.runs.runs[static_cast<std::size_t>(r)].name : group.directory;
            label = QString::fromStdString(name) + QStringLiteral(" · ") + label;
        }
        out.push_back({label, static_cast<int>(g)});
    }
    return out;
}

QVector<ChartMarker> chartMarkers(const FolderState& state, int group, const QStringList& runs, QString* monitor)
{
    QVector<ChartMarker> out;
    if (group < 0) {
        if (monitor) *monitor = QString::fromStdString(state.leaderboard.monitor);
        // the best 100 of the tree (a thousand runs' markers hide each other and cost the window ~50 ms a
        // drawing); chosen runs show all of theirs
        constexpr int kMarkersAcross = 100;
        for (const auto& e : state.leaderboard.entries)
            if (wanted(runs, e.run) && (!runs.isEmpty() || e.rank <= kMarkersAcross))
                out << marker(e.file, e.rank, e.score, e.epoch, e.globalStep);
        return out;
    }
    if (group >= static_cast<int>(state.ranking.groups.size()))
        return out;
    const auto& g = state.ranking.groups[static_cast<std::size_t>(group)];
    if (monitor) *monitor = QString::fromStdString(g.monitor);
    for (const auto& e : g.ranked)
        out << marker(e.file, e.rank, e.score, e.epoch, e.globalStep);
    return out;
}

QVector<ChartCurve> chartCurvesFor(const FolderState& state, int group, const QStringList& runs)
{
    if (!tree(state))
        return chartCurves(state.logs);
    QVector<ChartCurve> out;
    auto add = [&](std::size_t r) {
        if (r < state.runs.runs.size())
            out += runCurves(state.logsOfRun(r), QString::fromStdString(state.runs.runs[r].name), static_cast<int>(r));
    };
    if (group >= 0) {
        // one run's group: that run's curves (and those of the other selected runs beside it)
        const int own = state.runOfGroup(static_cast<std::size_t>(group));
        if (own >= 0)
            add(static_cast<std::size_t>(own));
        for (std::size_t r = 0; r < state.runs.runs.size(); ++r)
            if (static_cast<int>(r) != own && !runs.isEmpty() && wanted(runs, state.runs.runs[r].path))
                add(r);
        return out;
    }
    // the leaderboard: the selected runs, else the runs that hold its entries
    for (std::size_t r = 0; r < state.runs.runs.size(); ++r) {
        const auto& path = state.runs.runs[r].path;
        bool show = !runs.isEmpty() ? wanted(runs, path) : false;
        if (runs.isEmpty())
            for (const auto& e : state.leaderboard.entries)
                if (e.run == path && e.rank <= 10) { show = true; break; }
        if (show)
            add(r);
    }
    return out;
}

QVector<ChartCurve> groupCurvesFor(const FolderState& state, const QString& param, const QStringList& runs)
{
    std::vector<std::size_t> chosen;
    for (std::size_t r = 0; r < state.runs.runs.size(); ++r)
        if (wanted(runs, state.runs.runs[r].path))
            chosen.push_back(r);
    const std::string key = param.toStdString();
    const auto groups = runs::groupRunsBy(state.runs, state.ranking, key, state.leaderboard.monitor, chosen);
    QVector<ChartCurve> out;
    for (std::size_t gi = 0; gi < groups.size(); ++gi) {
        const auto& g = groups[gi];
        // per metric: each run's (step, value) and (step, epoch)
        std::map<QString, std::vector<std::vector<std::pair<double, double>>>> values, epochs;
        std::vector<QString> order;
        for (const std::size_t r : g.runs)
            for (const auto& c : chartCurves(state.logsOfRun(r))) {
                if (!values.count(c.name))
                    order.push_back(c.name);
                auto& v = values[c.name].emplace_back();
                auto& e = epochs[c.name].emplace_back();
                for (int i = 0; i < c.value.size(); ++i) {
                    v.emplace_back(c.step[i], c.value[i]);
                    e.emplace_back(c.step[i], c.epoch[i]);
                }
            }
        const QString label = (g.value.empty() ? QObject::tr("no %1").arg(param) : param + "=" + QString::fromStdString(g.value)) +
                              (g.runs.size() == 1 ? QObject::tr(" (1 run)") : QObject::tr(" (%1 runs)").arg(g.runs.size()));
        for (const QString& metric : order) {
            const runs::Band band = runs::bandOf(values[metric]);
            const runs::Band epoch = runs::bandOf(epochs[metric]);
            std::map<double, double> epochAt;
            for (std::size_t i = 0; i < epoch.x.size(); ++i)
                epochAt[epoch.x[i]] = epoch.mean[i];
            ChartCurve c;
            c.name = label + QStringLiteral(" · ") + metric;
            c.metric = metric;
            c.kind = QStringLiteral("mean");
            c.colour = runColour(static_cast<int>(gi));
            for (std::size_t i = 0; i < band.x.size(); ++i) {
                c.step << band.x[i];
                const auto e = epochAt.find(band.x[i]);
                c.epoch << (e == epochAt.end() ? std::numeric_limits<double>::quiet_NaN() : e->second);
                c.wallTime << std::numeric_limits<double>::quiet_NaN(); // a mean of runs has no wall time
                c.value << band.mean[i];
                c.low << band.low[i];
                c.high << band.high[i];
            }
            out << c;
        }
    }
    return out;
}

} // namespace podium::ui
