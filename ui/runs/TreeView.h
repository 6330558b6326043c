// SPDX-License-Identifier: GPL-3.0-or-later
// TreeView: what the window shows of an experiment tree for the runs selected in the Runs panel — the
// choices of the ranking selector (the leaderboard across runs, then each run's groups), the markers and the
// curves of the chart (each run from its own logs, in its own colour; never one line through several runs).
// Pure functions of the FolderState: the window only wires them.
#pragma once

#include "chart/ChartData.h"

#include <QStringList>
#include <QVector>

namespace podium::ui {

struct FolderState;

struct GroupChoice {
    QString label;
    int group = -1; ///< index into ranking.groups; -1: the leaderboard across runs
};

/// A tree (more than one run): the leaderboard first, then the groups of `runs` (all when empty), each
/// labelled with its run. One run: its groups, labelled by metric as before.
QVector<GroupChoice> groupChoices(const FolderState& state, const QStringList& runs);

/// The chart of `group` (-1: the leaderboard). `monitor` receives the metric the markers sit on.
QVector<ChartMarker> chartMarkers(const FolderState& state, int group, const QStringList& runs, QString* monitor);
QVector<ChartCurve> chartCurvesFor(const FolderState& state, int group, const QStringList& runs);

/// The runs (`runs`, all when empty) grouped by `param`: per group and logged metric one curve — the mean of
/// the group's runs at each step, with the min–max band — named "param=value (n runs) · metric", in the
/// group's colour.
QVector<ChartCurve> groupCurvesFor(const FolderState& state, const QString& param, const QStringList& runs);

} // namespace podium::ui
