// SPDX-License-Identifier: GPL-3.0-or-later
// ChartPanel: the metric chart — the ranked checkpoints as markers at (step or epoch, score) and, when the
// run's logs are found, the logged metrics as curves (EMA smoothing with the raw curve faint behind, a second
// y-axis when scales differ, log scale, zoom, export). The only place that includes QtCharts
// (ChartPanel.cpp); everything else talks to it in ChartData.
#pragma once

#include "chart/ChartData.h"

#include <QStringList>
#include <QWidget>

class QCheckBox;
class QComboBox;
class QLabel;
class QSlider;
class QToolButton;

namespace podium::ui {

class ChartView;

class ChartPanel : public QWidget {
    Q_OBJECT
public:
    explicit ChartPanel(QWidget* parent = nullptr);
    ~ChartPanel() override;

    /// The checkpoints of the shown group; `monitor` names the curve they sit on.
    void setCheckpoints(const QString& monitor, const QVector<ChartMarker>& markers);
    /// The run's logged metrics (empty: none found). Metrics shown by default: the monitor and train losses.
    void setCurves(const QVector<ChartCurve>& curves);
    /// Highlights the marker of `file` (or none for an empty string); does not emit checkpointClicked.
    void select(const QString& file);

    void setXAxis(XAxisKind kind);
    void setLogScale(bool on);
    /// 0 … 0.99, TensorBoard's smoothing weight.
    void setSmoothing(double weight);
    /// Shows or hides a curve by its name (the legend's toggle).
    void setCurveVisible(const QString& name, bool visible);
    bool exportImage(const QString& path); ///< .png or .svg by suffix

    // What is drawn (for tests and the window's status): points of the named series, in chart coordinates.
    QVector<QPointF> markerPoints() const;
    QPointF selectedPoint() const; ///< NaN when nothing is selected
    QVector<QPointF> curvePoints(const QString& name, bool smoothed) const;
    /// A group curve's band: its lower and upper edges (empty when the curve has none).
    QPair<QVector<QPointF>, QVector<QPointF>> bandPoints(const QString& name) const;
    QStringList visibleCurves() const;
    bool logScale() const;
    bool hasSecondAxis() const;

signals:
    void checkpointClicked(const QString& file);

protected:
    void changeEvent(QEvent* e) override;
    void resizeEvent(QResizeEvent* e) override;

private:
    void rebuild();
    void placeSelection();
    double xOf(const ChartMarker& m) const;
    double xOf(const ChartCurve& c, int i) const;

    struct Private;
    Private* d;
    QComboBox* m_xAxis;
    QCheckBox* m_log;
    QSlider* m_smooth;
    QLabel* m_smoothLabel;
    QToolButton* m_metrics;
    QToolButton* m_export;
    QLabel* m_empty;
};

} // namespace podium::ui
