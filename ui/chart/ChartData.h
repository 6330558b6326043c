// SPDX-License-Identifier: GPL-3.0-or-later
// ChartData: what the chart draws, as plain data (no QtCharts here, so the rest of ui/ never sees it).
#pragma once

#include "metrics/MetricLog.h"

#include <QColor>
#include <QPointF>
#include <QString>
#include <QVector>
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace podium::ui {

/// One checkpoint: a marker at (step or epoch, score), coloured by rank (0 = unranked, not drawn).
struct ChartMarker {
    QString file;   ///< folder-relative path: the key shared with the table
    double step = std::numeric_limits<double>::quiet_NaN();
    double epoch = std::numeric_limits<double>::quiet_NaN();
    double score = std::numeric_limits<double>::quiet_NaN();
    int rank = 0;
};

/// One logged metric over time, from the run's logs (metrics.csv, TensorBoard): NaN where unknown.
struct ChartCurve {
    QString name;   ///< the legend's name: the metric, or "run · metric" when several runs are drawn
    QString kind;   ///< "csv" | "tfevents"
    QVector<double> step, epoch, wallTime, value;
    QString metric; ///< the logged metric when `name` says more ("" = name)
    QColor colour;  ///< the run's colour when several runs are drawn (invalid: the chart's palette)
    /// A group of runs (grouped by a parameter): `value` is their mean, and the band between `low` and `high`
    /// (same length as `value`) their lowest and highest value at each point. Empty for one run's curve.
    QVector<double> low, high;
};

/// The metric a curve logs (what the monitor is compared with).
inline const QString& metricOf(const ChartCurve& c) { return c.metric.isEmpty() ? c.name : c.metric; }

/// Points for drawing `points` (in order) across `columns` pixel columns: per column of the x range the first,
/// last, lowest and highest point (M4), in their original order — the drawn line looks the same, with at
/// most 4 points per column. Fewer points than 4 per column come back as they are; non-finite ones are kept
/// out beforehand by the caller.
inline QVector<QPointF> downsampleForColumns(const QVector<QPointF>& points, int columns)
{
    if (columns < 1 || points.size() <= 4 * columns)
        return points;
    double lo = points.front().x(), hi = lo;
    for (const auto& p : points) {
        lo = std::min(lo, p.x());
        hi = std::max(hi, p.x());
    }
    if (!(hi > lo))
        return points;
    struct Bin { int first = -1, last = -1, min = -1, max = -1; };
    std::vector<Bin> bins(static_cast<std::size_t>(columns));
    for (int i = 0; i < points.size(); ++i) {
        const auto b = static_cast<std::size_t>(std::min<double>(columns - 1, (points[i].x() - lo) / (hi - lo) * columns));
        Bin& bin = bins[b];
        if (bin.first < 0) bin.first = bin.min = bin.max = i;
        bin.last = i;
        if (points[i].y() < points[bin.min].y()) bin.min = i;
        if (points[i].y() > points[bin.max].y()) bin.max = i;
    }
    std::vector<int> keep;
    keep.reserve(bins.size() * 4);
    for (const Bin& b : bins)
        if (b.first >= 0)
            for (int i : {b.first, b.min, b.max, b.last})
                keep.push_back(i);
    std::sort(keep.begin(), keep.end());
    keep.erase(std::unique(keep.begin(), keep.end()), keep.end());
    QVector<QPointF> out;
    out.reserve(static_cast<qsizetype>(keep.size()));
    for (int i : keep)
        out << points[i];
    return out;
}

/// A stable colour per run: a qualitative palette (Tableau 10) by the run's position in the tree.
inline QColor runColour(int i)
{
    static const QColor palette[] = {QColor(0x4E, 0x79, 0xA7), QColor(0xF2, 0x8E, 0x2B), QColor(0xE1, 0x57, 0x59),
                                     QColor(0x76, 0xB7, 0xB2), QColor(0x59, 0xA1, 0x4F), QColor(0xED, 0xC9, 0x48),
                                     QColor(0xB0, 0x7A, 0xA1), QColor(0xFF, 0x9D, 0xA7), QColor(0x9C, 0x75, 0x5F),
                                     QColor(0xBA, 0xB0, 0xAC)};
    return palette[(i < 0 ? 0 : i) % 10];
}

enum class XAxisKind { Step, Epoch, WallRelative, WallAbsolute };

/// The run's logged series as chart curves (same order: csv first, then TensorBoard). A metric both loggers
/// of the run wrote (CSVLogger and TensorBoardLogger side by side) is one curve whose kind names both
/// ("csv+tfevents"): the points of the source with more of them.
inline QVector<ChartCurve> chartCurves(const metrics::MetricLog& log)
{
    QVector<ChartCurve> out;
    for (const auto& s : log.series) {
        ChartCurve c;
        c.name = QString::fromStdString(s.name);
        c.kind = QString::fromLatin1(metrics::kindName(s.kind));
        for (const auto& p : s.points) {
            c.step << (p.step ? static_cast<double>(*p.step) : std::numeric_limits<double>::quiet_NaN());
            c.epoch << p.epoch;
            c.wallTime << p.wallTime;
            c.value << p.value;
        }
        auto same = std::find_if(out.begin(), out.end(), [&](const ChartCurve& o) { return o.name == c.name && o.kind != c.kind; });
        if (same != out.end()) {
            const QString kinds = same->kind < c.kind ? same->kind + "+" + c.kind : c.kind + "+" + same->kind;
            if (c.value.size() > same->value.size())
                *same = std::move(c);
            same->kind = kinds;
            continue;
        }
        out << c;
    }
    return out;
}

/// The curves of several runs in one chart: each named "run · metric", in the run's colour.
inline QVector<ChartCurve> runCurves(const metrics::MetricLog& log, const QString& runName, int runIndex)
{
    QVector<ChartCurve> out = chartCurves(log);
    for (auto& c : out) {
        c.metric = c.name;
        c.name = runName + QStringLiteral(" · ") + c.name;
        c.colour = runColour(runIndex);
    }
    return out;
}

} // namespace podium::ui
