// SPDX-License-Identifier: GPL-3.0-or-later
#include "chart/ChartPanel.h"

#include "metrics/Smoothing.h"

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QCursor>
#include <QDateTime>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QLabel>
#include <QMenu>
#include <QPainter>
#include <QSet>
#include <QSlider>
#include <QSvgGenerator>
#include <QToolButton>
#include <QToolTip>
#include <QVBoxLayout>
#include <QWheelEvent>
#include <QtCharts/QAreaSeries>
#include <QtCharts/QChart>
#include <QtCharts/QChartView>
#include <QtCharts/QDateTimeAxis>
#include <QtCharts/QLegendMarker>
#include <QtCharts/QLineSeries>
#include <QtCharts/QLogValueAxis>
#include <QtCharts/QScatterSeries>
#include <QtCharts/QValueAxis>
#include <algorithm>
#include <cmath>
#include <limits>

namespace podium::ui {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

QColor rankColour(int rank)
{
    switch (rank) {
    case 1: return QColor(0xD4, 0xAF, 0x37); // gold
    case 2: return QColor(0xA8, 0xA9, 0xAD); // silver
    case 3: return QColor(0xB0, 0x72, 0x3C); // bronze
    default: return QColor(0x4A, 0x7E, 0xBB);
    }
}

QColor curveColour(int i)
{
    static const QColor palette[] = {QColor(0x1F, 0x77, 0xB4), QColor(0xFF, 0x7F, 0x0E), QColor(0x2C, 0xA0, 0x2C),
                                     QColor(0xD6, 0x27, 0x28), QColor(0x94, 0x67, 0xBD), QColor(0x8C, 0x56, 0x4B),
                                     QColor(0xE3, 0x77, 0xC2), QColor(0x17, 0xBE, 0xCF)};
    return palette[i % 8];
}

} // namespace

/// QChartView with wheel zoom, rubber-band zoom and double-click reset.
class ChartView : public QChartView {
public:
    using QChartView::QChartView;

protected:
    void wheelEvent(QWheelEvent* e) override
    {
        const double f = e->angleDelta().y() > 0 ? 1.25 : 0.8;
        chart()->zoom(f);
        e->accept();
    }
    void mouseDoubleClickEvent(QMouseEvent* e) override
    {
        chart()->zoomReset();
        e->accept();
    }
};

struct ChartPanel::Private {
    QChart* chart = nullptr;
    ChartView* view = nullptr;
    QString monitor;
    QVector<ChartMarker> markers;
    QVector<ChartCurve> curves;
    QSet<QString> visible;
    QString selected;
    XAxisKind x = XAxisKind::Step;
    bool log = false;
    double smoothing = 0.6;
    double wallOrigin = kNaN;
    // what is drawn
    QHash<QAbstractSeries*, QVector<int>> markerIndex; // series → indices into markers, in point order
    QScatterSeries* selectedSeries = nullptr;
    bool useLog = false;
    QHash<QString, QLineSeries*> raw, smooth;
    QHash<QString, QAreaSeries*> bands; ///< a group's min–max band, by the curve's name
    QVector<QPointF> markerPoints;
    bool secondAxis = false;
};

ChartPanel::ChartPanel(QWidget* parent)
    : QWidget(parent), d(new Private), m_xAxis(new QComboBox), m_log(new QCheckBox(tr("Log scale"))),
      m_smooth(new QSlider(Qt::Horizontal)), m_smoothLabel(new QLabel), m_metrics(new QToolButton),
      m_export(new QToolButton), m_empty(new QLabel)
{
    setObjectName("chartPanel");
    d->chart = new QChart;
    d->chart->setMargins(QMargins(4, 4, 4, 4));
    d->chart->legend()->setAlignment(Qt::AlignRight); // a short chart keeps its height for the plot
    d->view = new ChartView(d->chart);
    d->view->setObjectName("chartView");
    d->view->setRenderHint(QPainter::Antialiasing);
    d->view->setRubberBand(QChartView::RectangleRubberBand);
    d->view->setMinimumHeight(160);

    m_xAxis->setObjectName("chartXAxis");
    m_xAxis->addItem(tr("Step"), int(XAxisKind::Step));
    m_xAxis->addItem(tr("Epoch"), int(XAxisKind::Epoch));
    m_xAxis->addItem(tr("Time (relative)"), int(XAxisKind::WallRelative));
    m_xAxis->addItem(tr("Time (absolute)"), int(XAxisKind::WallAbsolute));
    m_log->setObjectName("chartLogScale");
    m_smooth->setObjectName("chartSmoothing");
    m_smooth->setRange(0, 99);
    m_smooth->setValue(60);
    m_smooth->setMaximumWidth(120);
    m_smooth->setToolTip(tr("Smoothing (exponential moving average, as in TensorBoard); the raw curve stays faint behind"));
    m_smoothLabel->setText(tr("Smoothing 0.60"));
    m_metrics->setObjectName("chartMetrics");
    m_metrics->setText(tr("Metrics"));
    m_metrics->setPopupMode(QToolButton::InstantPopup);
    m_metrics->setMenu(new QMenu(m_metrics));
    m_metrics->setToolTip(tr("Logged metrics to show (from metrics.csv / TensorBoard files of the run)"));
    m_export->setObjectName("chartExport");
    m_export->setText(tr("Export…"));
    m_export->setToolTip(tr("Save the chart as PNG or SVG"));
    m_empty->setObjectName("chartEmpty");
    m_empty->setWordWrap(true);

    auto* bar = new QHBoxLayout;
    bar->setContentsMargins(0, 0, 0, 0);
    bar->addWidget(new QLabel(tr("X:")));
    bar->addWidget(m_xAxis);
    bar->addWidget(m_log);
    bar->addWidget(m_smoothLabel);
    bar->addWidget(m_smooth);
    bar->addWidget(m_metrics);
    bar->addStretch(1);
    bar->addWidget(m_export);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(bar);
    layout->addWidget(d->view, 1);
    layout->addWidget(m_empty);
    m_empty->hide();

    connect(m_xAxis, &QComboBox::currentIndexChanged, this,
            [this] { setXAxis(static_cast<XAxisKind>(m_xAxis->currentData().toInt())); });
    connect(m_log, &QCheckBox::toggled, this, &ChartPanel::setLogScale);
    connect(m_smooth, &QSlider::valueChanged, this, [this](int v) { setSmoothing(v / 100.0); });
    connect(m_export, &QToolButton::clicked, this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, tr("Export Chart"), QStringLiteral("chart.png"),
                                                          tr("PNG image (*.png);;SVG image (*.svg)"));
        if (!path.isEmpty())
            exportImage(path);
    });
    rebuild();
}

ChartPanel::~ChartPanel()
{
    delete d;
}

void ChartPanel::resizeEvent(QResizeEvent* e)
{
    QWidget::resizeEvent(e);
    const bool roomy = d->view->height() >= 200;
    for (QAbstractAxis* a : d->chart->axes())
        a->setTitleVisible(roomy);
}

void ChartPanel::changeEvent(QEvent* e)
{
    QWidget::changeEvent(e);
    if (e->type() == QEvent::PaletteChange)
        rebuild();
}

void ChartPanel::setCheckpoints(const QString& monitor, const QVector<ChartMarker>& markers)
{
    const bool monitorChanged = monitor != d->monitor;
    d->monitor = monitor;
    d->markers = markers;
    if (monitorChanged && !d->curves.isEmpty()) {
        d->visible.clear(); // the default selection follows the monitor
        setCurves(QVector<ChartCurve>(d->curves));
    }
    else
        rebuild();
}

void ChartPanel::setCurves(const QVector<ChartCurve>& curves)
{
    QStringList before, after;
    for (const auto& c : d->curves) before << c.name + c.kind;
    for (const auto& c : curves) after << c.name + c.kind;
    const bool sameCurves = before == after && !d->visible.isEmpty();
    const QSet<QString> keep = d->visible;
    d->curves = curves;
    d->visible.clear();
    d->wallOrigin = kNaN;
    for (const auto& c : curves)
        for (double w : c.wallTime)
            if (std::isfinite(w) && !(w >= d->wallOrigin))
                d->wallOrigin = w;
    // Shown by default: the monitored metric and up to two losses (train_loss next to val/loss).
    for (const auto& c : curves)
        if (metricOf(c) == d->monitor)
            d->visible.insert(c.name);
    for (const auto& c : curves)
        // (one run only: with several, each run's monitor curve is shown and losses would be picked by order)
        if (c.metric.isEmpty() && d->visible.size() < 3 && metricOf(c) != d->monitor && c.name.contains(QLatin1String("loss")) &&
            !c.name.endsWith(QLatin1String("_epoch")))
            d->visible.insert(c.name);
    if (d->visible.isEmpty() && !curves.isEmpty())
        d->visible.insert(curves.front().name);
    if (sameCurves) // a reload of the same run keeps the user's choice
        d->visible = keep;

    QMenu* menu = m_metrics->menu();
    menu->clear();
    QStringList seen;
    for (const auto& c : curves) {
        if (seen.contains(c.name))
            continue;
        seen << c.name;
        QAction* a = menu->addAction(c.name);
        a->setCheckable(true);
        a->setChecked(d->visible.contains(c.name));
        connect(a, &QAction::toggled, this, [this, name = c.name](bool on) { setCurveVisible(name, on); });
    }
    m_metrics->setEnabled(!curves.isEmpty());
    rebuild();
}

void ChartPanel::select(const QString& file)
{
    d->selected = file;
    placeSelection();
}

void ChartPanel::placeSelection()
{
    if (!d->selectedSeries)
        return;
    QList<QPointF> at;
    for (const auto& m : d->markers) {
        if (m.file != d->selected || d->selected.isEmpty() || m.rank <= 0)
            continue;
        const double x = xOf(m);
        if (std::isfinite(x) && std::isfinite(m.score) && (!d->useLog || m.score > 0))
            at.push_back(QPointF(x, m.score));
        break;
    }
    d->selectedSeries->replace(at);
}

void ChartPanel::setXAxis(XAxisKind kind)
{
    d->x = kind;
    const int i = m_xAxis->findData(int(kind));
    if (i != m_xAxis->currentIndex()) {
        const QSignalBlocker b(m_xAxis);
        m_xAxis->setCurrentIndex(i);
    }
    rebuild();
}

void ChartPanel::setLogScale(bool on)
{
    d->log = on;
    if (m_log->isChecked() != on) {
        const QSignalBlocker b(m_log);
        m_log->setChecked(on);
    }
    rebuild();
}

void ChartPanel::setSmoothing(double weight)
{
    d->smoothing = std::clamp(weight, 0.0, 0.99);
    m_smoothLabel->setText(tr("Smoothing %1").arg(d->smoothing, 0, 'f', 2));
    const int v = static_cast<int>(std::lround(d->smoothing * 100));
    if (m_smooth->value() != v) {
        const QSignalBlocker b(m_smooth);
        m_smooth->setValue(v);
    }
    rebuild();
}

void ChartPanel::setCurveVisible(const QString& name, bool visible)
{
    if (visible)
        d->visible.insert(name);
    else
        d->visible.remove(name);
    for (QAction* a : m_metrics->menu()->actions())
        if (a->text() == name && a->isChecked() != visible) {
            const QSignalBlocker b(a);
            a->setChecked(visible);
        }
    rebuild();
}

bool ChartPanel::exportImage(const QString& path)
{
    const QSize size = d->view->size().expandedTo(QSize(640, 400));
    if (path.endsWith(QLatin1String(".svg"), Qt::CaseInsensitive)) {
        QSvgGenerator gen;
        gen.setFileName(path);
        gen.setSize(size);
        gen.setViewBox(QRect(QPoint(0, 0), size));
        gen.setTitle(tr("Podium chart"));
        QPainter p;
        if (!p.begin(&gen))
            return false;
        d->view->render(&p, QRectF(QPoint(0, 0), size), d->view->viewport()->rect());
        return p.end();
    }
    return d->view->grab().save(path);
}

double ChartPanel::xOf(const ChartMarker& m) const
{
    if (d->x == XAxisKind::Epoch)
        return m.epoch;
    if (d->x == XAxisKind::Step) {
        // Lightning logs the validation metric at global_step - 1: sit on the curve's point when it is there
        for (const auto& c : d->curves)
            if (metricOf(c) == d->monitor)
                for (int i = 0; i < c.step.size(); ++i)
                    if (c.step[i] == m.step - 1 && float(c.value.value(i)) == float(m.score))
                        return c.step[i];
        return m.step;
    }
    // wall time: where the monitored curve was logged at that step
    for (const auto& c : d->curves) {
        if (metricOf(c) != d->monitor)
            continue;
        for (int i = 0; i < c.step.size(); ++i)
            if (c.step[i] == m.step && std::isfinite(c.wallTime.value(i, kNaN)))
                return xOf(c, i);
    }
    return kNaN;
}

double ChartPanel::xOf(const ChartCurve& c, int i) const
{
    switch (d->x) {
    case XAxisKind::Step: return c.step.value(i, kNaN);
    case XAxisKind::Epoch: return c.epoch.value(i, kNaN);
    case XAxisKind::WallRelative: return (c.wallTime.value(i, kNaN) - d->wallOrigin) / 60.0;
    case XAxisKind::WallAbsolute: return c.wallTime.value(i, kNaN) * 1000.0;
    }
    return kNaN;
}

void ChartPanel::rebuild()
{
    QChart* chart = d->chart;
    // follow the system palette: a dark window gets the dark chart theme
    const bool dark = palette().color(QPalette::Window).lightness() < 128;
    const auto theme = dark ? QChart::ChartThemeDark : QChart::ChartThemeLight;
    if (chart->theme() != theme) {
        chart->setTheme(theme);
        chart->setBackgroundBrush(palette().color(QPalette::Base));
    }
    chart->removeAllSeries();
    for (QAbstractAxis* a : chart->axes())
        chart->removeAxis(a), delete a;
    d->markerIndex.clear();
    d->raw.clear();
    d->smooth.clear();
    d->bands.clear();
    d->markerPoints.clear();
    d->selectedSeries = nullptr;
    d->secondAxis = false;

    const bool wall = d->x == XAxisKind::WallRelative || d->x == XAxisKind::WallAbsolute;
    const bool haveWall = std::isfinite(d->wallOrigin);
    // --- which y values are drawn, to decide the axes
    auto finiteRange = [](const QVector<double>& v, double& lo, double& hi) {
        for (double y : v)
            if (std::isfinite(y)) lo = std::min(lo, y), hi = std::max(hi, y);
    };
    double leftLo = std::numeric_limits<double>::infinity(), leftHi = -leftLo;
    for (const auto& m : d->markers)
        if (m.rank > 0 && std::isfinite(m.score)) leftLo = std::min(leftLo, m.score), leftHi = std::max(leftHi, m.score);
    for (const auto& c : d->curves)
        if (metricOf(c) == d->monitor && d->visible.contains(c.name))
            finiteRange(c.value, leftLo, leftHi);
    QVector<const ChartCurve*> shown;
    for (const auto& c : d->curves)
        if (d->visible.contains(c.name))
            shown << &c;
    if (!std::isfinite(leftLo) && !shown.isEmpty())
        finiteRange(shown.front()->value, leftLo, leftHi);
    auto magnitude = [](double lo, double hi) { return std::max(std::abs(lo), std::abs(hi)); };
    QHash<const ChartCurve*, bool> onRight;
    double rightLo = std::numeric_limits<double>::infinity(), rightHi = -rightLo;
    for (const ChartCurve* c : shown) {
        double lo = std::numeric_limits<double>::infinity(), hi = -lo;
        finiteRange(c->value, lo, hi);
        const double a = magnitude(lo, hi), b = magnitude(leftLo, leftHi);
        const bool right = metricOf(*c) != d->monitor && std::isfinite(a) && std::isfinite(b) && a > 0 && b > 0 && (a / b > 10 || b / a > 10);
        onRight[c] = right;
        if (right) rightLo = std::min(rightLo, lo), rightHi = std::max(rightHi, hi);
        else leftLo = std::min(leftLo, lo), leftHi = std::max(leftHi, hi);
    }
    d->secondAxis = std::isfinite(rightLo);
    const bool logPossible = std::isfinite(leftLo) && leftLo > 0 && (!d->secondAxis || rightLo > 0);
    m_log->setEnabled(logPossible || d->log);
    m_log->setToolTip(logPossible ? tr("Logarithmic y-axis") : tr("A log scale needs positive values; this chart has values ≤ 0"));
    const bool useLog = d->log && logPossible;
    m_xAxis->setItemData(2, haveWall ? QVariant() : QVariant(0), Qt::UserRole - 1); // disable wall time without logs
    m_xAxis->setItemData(3, haveWall ? QVariant() : QVariant(0), Qt::UserRole - 1);
    m_smooth->setEnabled(!shown.isEmpty());

    // --- axes
    QAbstractAxis* xAxis = nullptr;
    if (d->x == XAxisKind::WallAbsolute) {
        auto* a = new QDateTimeAxis;
        a->setFormat(QStringLiteral("MM-dd hh:mm"));
        a->setTitleText(tr("wall time"));
        xAxis = a;
    } else {
        auto* a = new QValueAxis;
        a->setTitleText(d->x == XAxisKind::Step ? tr("global step") : d->x == XAxisKind::Epoch ? tr("epoch") : tr("minutes since start"));
        a->setLabelFormat(QStringLiteral("%g"));
        xAxis = a;
    }
    auto makeY = [&](const QString& title) -> QAbstractAxis* {
        if (useLog) {
            auto* a = new QLogValueAxis;
            a->setLabelFormat(QStringLiteral("%g"));
            a->setMinorTickCount(-1);
            a->setTitleText(title);
            return a;
        }
        auto* a = new QValueAxis;
        a->setLabelFormat(QStringLiteral("%.4g"));
        a->setTitleText(title);
        return a;
    };
    QAbstractAxis* yLeft = makeY(d->monitor.isEmpty() ? tr("score") : d->monitor);
    QAbstractAxis* yRight = d->secondAxis ? makeY(QString()) : nullptr;
    chart->addAxis(xAxis, Qt::AlignBottom);
    chart->addAxis(yLeft, Qt::AlignLeft);
    if (yRight)
        chart->addAxis(yRight, Qt::AlignRight);
    auto attach = [&](QAbstractSeries* s, bool right) {
        chart->addSeries(s);
        s->attachAxis(xAxis);
        s->attachAxis(right && yRight ? yRight : yLeft);
    };
    auto usable = [&](double x, double y) { return std::isfinite(x) && std::isfinite(y) && (!useLog || y > 0); };

    // --- curves: raw (faint) behind smoothed
    int colour = 0;
    QStringList rightNames;
    for (const ChartCurve* c : shown) {
        const QColor col = c->colour.isValid() ? c->colour : curveColour(colour++);
        const bool right = onRight.value(c);
        if (right) rightNames << c->name;
        const auto values = std::vector<double>(c->value.begin(), c->value.end());
        const auto smoothed = metrics::smoothEma(values, d->smoothing);
        auto* raw = new QLineSeries;
        auto* smooth = new QLineSeries;
        raw->setName(c->name + tr(" (raw)"));
        smooth->setName(c->name + (c->kind == QLatin1String("tfevents") ? tr(" [tb]") : c->kind.contains('+') ? tr(" [csv+tb]") : QString()) +
                        (right ? tr(" (right axis)") : QString()));
        QColor faint = col;
        faint.setAlpha(60);
        raw->setPen(QPen(faint, 1));
        smooth->setPen(QPen(col, 2));
        QVector<QPointF> rawPoints, smoothPoints;
        rawPoints.reserve(c->value.size());
        smoothPoints.reserve(c->value.size());
        for (int i = 0; i < c->value.size(); ++i) {
            const double x = xOf(*c, i);
            if (usable(x, c->value[i])) rawPoints << QPointF(x, c->value[i]);
            if (usable(x, smoothed[static_cast<std::size_t>(i)])) smoothPoints << QPointF(x, smoothed[static_cast<std::size_t>(i)]);
        }
        // thousands of runs × long curves stay interactive: at most 4 points per pixel column (M4)
        const int columns = std::max(200, width());
        raw->replace(downsampleForColumns(rawPoints, columns));
        smooth->replace(downsampleForColumns(smoothPoints, columns));
        if (!c->low.isEmpty() && c->low.size() == c->value.size() && c->high.size() == c->value.size()) {
            // a group of runs: the min–max band behind its mean
            auto* upper = new QLineSeries;
            auto* lower = new QLineSeries;
            QVector<QPointF> hi, lo;
            for (int i = 0; i < c->value.size(); ++i) {
                const double x = xOf(*c, i);
                if (usable(x, c->low[i]) && usable(x, c->high[i]))
                    hi << QPointF(x, c->high[i]), lo << QPointF(x, c->low[i]);
            }
            upper->replace(hi);
            lower->replace(lo);
            auto* band = new QAreaSeries(upper, lower);
            band->setName(c->name + tr(" (min–max)"));
            QColor fill = col;
            fill.setAlpha(45);
            band->setBrush(fill);
            band->setPen(Qt::NoPen);
            attach(band, right);
            for (auto* mk : chart->legend()->markers(band))
                mk->setVisible(false);
            d->bands.insert(c->name, band);
        }
        if (d->smoothing > 0)
            attach(raw, right);
        else
            delete raw, raw = nullptr;
        attach(smooth, right);
        if (raw) {
            for (auto* mk : chart->legend()->markers(raw))
                mk->setVisible(false);
            d->raw.insert(c->name, raw);
        }
        d->smooth.insert(c->name, smooth);
        for (auto* mk : chart->legend()->markers(smooth))
            connect(mk, &QLegendMarker::clicked, this, [this, name = c->name] { setCurveVisible(name, false); });
    }
    if (yRight)
        yRight->setTitleText(rightNames.join(QStringLiteral(", ")));

    // --- checkpoint markers, by medal
    struct Bucket { QString name; int rank; QScatterSeries* s = nullptr; };
    Bucket buckets[] = {{tr("rank 1"), 1}, {tr("rank 2"), 2}, {tr("rank 3"), 3}, {tr("other ranked"), 4}};
    for (int i = 0; i < d->markers.size(); ++i) {
        const auto& m = d->markers[i];
        if (m.rank <= 0)
            continue;
        const double x = xOf(m);
        if (!usable(x, m.score))
            continue;
        Bucket& b = buckets[std::min(m.rank, 4) - 1];
        if (!b.s) {
            b.s = new QScatterSeries;
            b.s->setName(b.name);
            b.s->setColor(rankColour(b.rank));
            b.s->setBorderColor(QApplication::palette().color(QPalette::Text));
            b.s->setMarkerSize(b.rank == 1 ? 16 : 11);
        }
        b.s->append(x, m.score);
        d->markerIndex[b.s].push_back(i);
        d->markerPoints.push_back(QPointF(x, m.score));
    }
    for (auto& b : buckets) {
        if (!b.s)
            continue;
        attach(b.s, false);
        QScatterSeries* s = b.s;
        auto lookup = [this, s](const QPointF& p) -> int {
            const auto& idx = d->markerIndex.value(s);
            const auto pts = s->points();
            for (int k = 0; k < pts.size() && k < idx.size(); ++k)
                if (pts[k] == p) return idx[k];
            return -1;
        };
        connect(s, &QScatterSeries::hovered, this, [this, lookup](const QPointF& p, bool state) {
            if (!state) {
                QToolTip::hideText();
                return;
            }
            const int i = lookup(p);
            if (i < 0) return;
            const auto& m = d->markers[i];
            QToolTip::showText(QCursor::pos(), tr("%1\nrank %2 · %3 = %4\nepoch %5 · step %6")
                                                   .arg(m.file).arg(m.rank).arg(d->monitor).arg(m.score, 0, 'g', 6)
                                                   .arg(m.epoch).arg(m.step), d->view);
        });
        connect(s, &QScatterSeries::clicked, this, [this, lookup](const QPointF& p) {
            const int i = lookup(p);
            if (i < 0) return;
            const QString file = d->markers[i].file;
            select(file);
            emit checkpointClicked(file);
        });
    }
    // --- the selected checkpoint: a ring around its marker (select() only moves it)
    {
        auto* s = new QScatterSeries;
        s->setName(tr("selected"));
        s->setMarkerSize(24);
        s->setBrush(Qt::NoBrush);
        s->setPen(QPen(QColor(0xD6, 0x27, 0x28), 3));
        attach(s, false);
        for (auto* mk : chart->legend()->markers(s))
            mk->setVisible(false);
        d->selectedSeries = s;
        d->useLog = useLog;
        placeSelection();
    }

    // ranges with a little air
    auto pad = [](double lo, double hi, bool log) {
        if (!std::isfinite(lo)) return std::pair{0.0, 1.0};
        if (log) return std::pair{lo / 1.3, hi * 1.3};
        const double span = hi - lo > 0 ? hi - lo : std::max(std::abs(hi), 1.0) * 0.1;
        return std::pair{lo - span * 0.08, hi + span * 0.08};
    };
    const auto [l0, l1] = pad(leftLo, leftHi, useLog);
    yLeft->setRange(l0, l1);
    if (yRight) {
        const auto [r0, r1] = pad(rightLo, rightHi, useLog);
        yRight->setRange(r0, r1);
    }
    double xLo = std::numeric_limits<double>::infinity(), xHi = -xLo;
    for (auto* s : chart->series()) {
        auto* xy = qobject_cast<QXYSeries*>(s); // a band (QAreaSeries) lies within its mean's x range
        if (!xy)
            continue;
        for (const QPointF& p : xy->points()) // the selection ring is empty here or on a marker
            xLo = std::min(xLo, p.x()), xHi = std::max(xHi, p.x());
    }
    if (std::isfinite(xLo)) {
        const double span = xHi - xLo > 0 ? xHi - xLo : 1.0;
        if (d->x == XAxisKind::WallAbsolute)
            static_cast<QDateTimeAxis*>(xAxis)->setRange(QDateTime::fromMSecsSinceEpoch(qint64(xLo - span * 0.03)),
                                                         QDateTime::fromMSecsSinceEpoch(qint64(xHi + span * 0.03)));
        else {
            xAxis->setRange(xLo >= 0 ? std::max(0.0, xLo - span * 0.03) : xLo - span * 0.03, xHi + span * 0.03);
            if (d->x != XAxisKind::WallRelative) {
                auto* a = static_cast<QValueAxis*>(xAxis);
                a->applyNiceNumbers(); // steps and epochs: round ticks
                if (a->min() < 0 && xLo >= 0)
                    a->setMin(0);
            }
        }
    }
    // small charts: no axis titles, so the tick labels keep their room
    const bool roomy = d->view->height() >= 200;
    for (QAbstractAxis* a : chart->axes())
        a->setTitleVisible(roomy);
    const bool empty = chart->series().size() <= 1; // only the (empty) selection ring
    m_empty->setVisible(empty);
    if (empty)
        m_empty->setText(wall && !haveWall ? tr("No logged wall times: the run's logs were not found.")
                                           : tr("Nothing to plot: no ranked checkpoint has a score%1.")
                                                 .arg(d->curves.isEmpty() ? tr(" and no metric logs were found") : QString()));
}

QVector<QPointF> ChartPanel::markerPoints() const
{
    return d->markerPoints;
}

QPointF ChartPanel::selectedPoint() const
{
    if (!d->selectedSeries || d->selectedSeries->count() == 0)
        return QPointF(kNaN, kNaN);
    return d->selectedSeries->at(0);
}

QVector<QPointF> ChartPanel::curvePoints(const QString& name, bool smoothed) const
{
    const QLineSeries* s = smoothed ? d->smooth.value(name) : d->raw.value(name, d->smooth.value(name));
    return s ? s->points() : QVector<QPointF>{};
}

QPair<QVector<QPointF>, QVector<QPointF>> ChartPanel::bandPoints(const QString& name) const
{
    const QAreaSeries* b = d->bands.value(name);
    if (!b || !b->upperSeries() || !b->lowerSeries())
        return {};
    return {b->lowerSeries()->points(), b->upperSeries()->points()};
}

QStringList ChartPanel::visibleCurves() const
{
    QStringList out(d->visible.begin(), d->visible.end());
    out.sort();
    return out;
}

bool ChartPanel::logScale() const
{
    for (QAbstractAxis* a : d->chart->axes(Qt::Vertical))
        if (a->type() == QAbstractAxis::AxisTypeLogValue)
            return true;
    return false;
}

bool ChartPanel::hasSecondAxis() const
{
    return d->secondAxis;
}

} // namespace podium::ui
