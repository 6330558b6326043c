// SPDX-License-Identifier: GPL-3.0-or-later
#include "runs/RunsModel.h"

#include "Session.h"
#include "runs/RunGroups.h"

#include <algorithm>

#include <cmath>
#include <limits>

namespace podium::ui {

RunsModel::RunsModel(QObject* parent) : QAbstractTableModel(parent) {}

void RunsModel::setState(std::shared_ptr<const FolderState> state, const QString& monitor)
{
    beginResetModel();
    m_state = std::move(state);
    m_rows.clear();
    m_differs.clear();
    m_monitor = monitor;
    if (m_state) {
        if (m_monitor.isEmpty())
            m_monitor = QString::fromStdString(m_state->leaderboard.monitor);
        m_differs = m_state->runs.differs;
        const std::string mon = m_monitor.toStdString();
        const auto& tree = m_state->runs;
        const auto groups = runs::groupsByRun(tree, m_state->ranking);
        for (std::size_t i = 0; i < tree.runs.size(); ++i) {
            Row row;
            row.run = &tree.runs[i];
            static const metrics::MetricLog kNone; // the table shows saved scores: no logs needed
            for (const auto& b : runs::bestOf(tree.runs[i], m_state->ranking, kNone, &groups[i])) {
                if (b.bestScore && !std::isnan(*b.bestScore))
                    row.metrics.try_emplace(b.monitor, *b.bestScore);
                if (b.monitor == mon && b.bestScore) {
                    row.best = *b.bestScore;
                    row.bestFile = b.bestFile;
                }
            }
            m_rows.push_back(std::move(row));
        }
    }
    if (m_state && std::find(m_differs.begin(), m_differs.end(), m_groupBy.toStdString()) == m_differs.end())
        m_groupBy.clear(); // a parameter this tree does not vary
    computeGroups();
    endResetModel();
}

void RunsModel::setGroupBy(const QString& param)
{
    beginResetModel();
    m_groupBy = param;
    computeGroups();
    endResetModel();
}

void RunsModel::computeGroups()
{
    for (auto& r : m_rows)
        r.group.clear(), r.groupMean = std::numeric_limits<double>::infinity();
    if (!m_state || m_groupBy.isEmpty())
        return;
    const bool max = m_state->leaderboard.mode == checkpoint::Mode::Max;
    for (const auto& g : runs::groupRunsBy(m_state->runs, m_state->ranking, m_groupBy.toStdString(), m_monitor.toStdString())) {
        const QString text = (g.value.empty() ? tr("(none)") : QString::fromStdString(g.value)) + QStringLiteral(": ") +
                             QString::fromStdString(runs::describeGroupBest(g));
        for (const std::size_t i : g.runs)
            if (i < m_rows.size()) {
                m_rows[i].group = text;
                if (g.mean)
                    m_rows[i].groupMean = max ? -*g.mean : *g.mean;
            }
    }
}

QString RunsModel::pathAt(int row) const
{
    return row >= 0 && row < static_cast<int>(m_rows.size()) ? QString::fromStdString(m_rows[static_cast<std::size_t>(row)].run->path) : QString();
}

int RunsModel::rowOfPath(const QString& path) const
{
    const std::string p = path.toStdString();
    for (std::size_t i = 0; i < m_rows.size(); ++i)
        if (m_rows[i].run->path == p)
            return static_cast<int>(i);
    return -1;
}

const std::map<std::string, std::string>& RunsModel::paramsAt(int row) const
{
    return m_rows[static_cast<std::size_t>(row)].run->params;
}

const std::map<std::string, double>& RunsModel::metricsAt(int row) const
{
    return m_rows[static_cast<std::size_t>(row)].metrics;
}

std::string RunsModel::nameAt(int row) const
{
    return m_rows[static_cast<std::size_t>(row)].run->name;
}

int RunsModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int RunsModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : FixedColumns + static_cast<int>(m_differs.size()) + (m_groupBy.isEmpty() ? 0 : 1);
}

QVariant RunsModel::headerData(int section, Qt::Orientation o, int role) const
{
    if (o != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Name: return tr("Run");
    case Best: return m_monitor.isEmpty() ? tr("Best") : tr("Best %1").arg(m_monitor);
    case BestFile: return tr("Best checkpoint");
    case Epochs: return tr("Epochs");
    case Status: return tr("Status");
    default:
        if (section == groupColumn())
            return tr("%1 group: best %2 (mean ± std)").arg(m_groupBy, m_monitor);
        if (section >= FixedColumns && section < columnCount())
            return QString::fromStdString(m_differs[static_cast<std::size_t>(section - FixedColumns)]);
        return {};
    }
}

QVariant RunsModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= static_cast<int>(m_rows.size()) || index.column() >= columnCount())
        return {};
    const Row& r = m_rows[static_cast<std::size_t>(index.row())];
    const runs::Run& run = *r.run;
    auto param = [&](int col) -> QString {
        const auto& key = m_differs[static_cast<std::size_t>(col - FixedColumns)];
        const auto it = run.params.find(key);
        return it == run.params.end() ? QString() : QString::fromStdString(it->second);
    };
    const QString status = run.active ? tr("active") : tr("idle");
    if (role == PathRole)
        return QString::fromStdString(run.path);
    if (role == SortRole) {
        switch (index.column()) {
        case Name: return QString::fromStdString(run.name);
        case Best: {
            // best first in either mode: Min sorts ascending, Max by its negation; missing last
            if (!r.best || std::isnan(*r.best)) return std::numeric_limits<double>::infinity();
            return m_state && m_state->leaderboard.mode == checkpoint::Mode::Max ? -*r.best : *r.best;
        }
        case BestFile: return QString::fromStdString(r.bestFile);
        case Epochs: return run.epochs ? QVariant(static_cast<qlonglong>(*run.epochs)) : QVariant(-1ll);
        case Status: return status;
        default: {
            if (index.column() == groupColumn())
                return r.groupMean;
            const QString v = param(index.column());
            bool ok = false;
            const double d = v.toDouble(&ok);
            return ok ? QVariant(d) : QVariant(v);
        }
        }
    }
    if (role == Qt::ToolTipRole && index.column() == BestFile)
        return QString::fromStdString(r.bestFile);
    if (role == Qt::ToolTipRole && index.column() == Name) {
        QStringList lines{QString::fromStdString(run.path.empty() ? "." : run.path)};
        if (!run.resumedFrom.empty()) lines << tr("resumed from %1").arg(QString::fromStdString(run.resumedFrom));
        if (!run.derivedFrom.empty()) lines << tr("derived from %1").arg(QString::fromStdString(run.derivedFrom));
        return lines.join('\n');
    }
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case Name: return QString::fromStdString(run.name);
    case Best: return r.best ? QString::number(*r.best, 'g', 7) : QString("–");
    case BestFile: { // within the run: the part after its path
        const std::string& f = r.bestFile;
        const bool inside = !run.path.empty() && f.size() > run.path.size() && f.compare(0, run.path.size(), run.path) == 0 && f[run.path.size()] == '/';
        return QString::fromStdString(inside ? f.substr(run.path.size() + 1) : f);
    }
    case Epochs: return run.epochs ? QString::number(*run.epochs) : QString("–");
    case Status: return status;
    default: return index.column() == groupColumn() ? r.group : param(index.column());
    }
}

RunsFilterModel::RunsFilterModel(QObject* parent) : QSortFilterProxyModel(parent)
{
    setSortRole(RunsModel::SortRole);
}

QString RunsFilterModel::setFilterText(const QString& text)
{
    m_filter = runs::parseRunFilter(text.toStdString());
    invalidateFilter();
    return QString::fromStdString(m_filter.error);
}

bool RunsFilterModel::filterAcceptsRow(int row, const QModelIndex& parent) const
{
    if (m_filter.empty() || parent.isValid())
        return true;
    const auto* model = qobject_cast<const RunsModel*>(sourceModel());
    if (!model || row >= model->rowCount())
        return true;
    return runs::matches(m_filter, model->nameAt(row), model->paramsAt(row), model->metricsAt(row));
}

} // namespace podium::ui
