// SPDX-License-Identifier: GPL-3.0-or-later
// ChartData: what the chart draws, as plain data (no QtCharts here, so the rest of ui/ never sees it).
#pragma once

#include "metrics/MetricLog.h"

#include <QString>
#include <QVector>
#include <cmath>
#include <limits>

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
    QString name;
    QString kind;   ///< "csv" | "tfevents"
    QVector<double> step, epoch, wallTime, value;
};

enum class XAxisKind { Step, Epoch, WallRelative, WallAbsolute };

/// The run's logged series as chart curves (same order: csv first, then TensorBoard).
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
        out << c;
    }
    return out;
}

} // namespace podium::ui
