// SPDX-License-Identifier: GPL-3.0-or-later
#include "table/RankingModel.h"

#include "Session.h"

#include <QApplication>
#include <QDateTime>
#include <QStyle>
#include <QLocale>
#include <QBrush>
#include <QColor>
#include <QFont>
#include <cmath>
#include <limits>

namespace podium::ui {

RankingModel::RankingModel(QObject* parent)
    : QAbstractTableModel(parent),
      // made once: asking the style for an icon on every call was most of the cost of sizing and painting the column
      m_verdictIcons{QApplication::style()->standardIcon(QStyle::SP_MessageBoxCritical),
                     QApplication::style()->standardIcon(QStyle::SP_MessageBoxWarning),
                     QApplication::style()->standardIcon(QStyle::SP_DialogApplyButton)}
{
}

void RankingModel::setGroup(std::shared_ptr<const FolderState> state, int index)
{
    beginResetModel();
    m_state = std::move(state);
    m_rows.clear();
    m_monitor.clear();
    m_leaderboard = false;
    if (m_state && index >= 0 && index < static_cast<int>(m_state->ranking.groups.size())) {
        const auto& g = m_state->ranking.groups[static_cast<std::size_t>(index)];
        const int run = m_state->runOfGroup(static_cast<std::size_t>(index));
        const std::string runName = run >= 0 ? m_state->runs.runs[static_cast<std::size_t>(run)].name : std::string();
        m_monitor = QString::fromStdString(g.monitor);
        for (const auto& e : g.ranked)
            m_rows.push_back({e.rank, e.file, e.score, e.scoreSource, e.epoch, e.globalStep, "in the embedded top-k",
                              m_state->scan.find(e.file)});
        for (const auto& u : g.unranked) {
            const auto* f = m_state->scan.find(u.file);
            Row r{0, u.file, std::nullopt, "", std::nullopt, std::nullopt, u.reason, f};
            if (f && f->checkpoint) {
                r.epoch = f->checkpoint->epoch;
                r.step = f->checkpoint->globalStep;
            }
            m_rows.push_back(std::move(r));
        }
        for (auto& r : m_rows)
            r.run = runName;
        markPins();
    }
    endResetModel();
}

void RankingModel::setLeaderboard(std::shared_ptr<const FolderState> state, const QStringList& runs)
{
    beginResetModel();
    m_state = std::move(state);
    m_rows.clear();
    m_leaderboard = true;
    m_monitor.clear();
    if (m_state) {
        const auto& b = m_state->leaderboard;
        m_monitor = QString::fromStdString(b.monitor);
        for (const auto& e : b.entries) {
            if (!runs.isEmpty() && !runs.contains(QString::fromStdString(e.run)))
                continue;
            Row r{e.rank, e.file, e.score, "", e.epoch, e.globalStep, "best across runs", m_state->scan.find(e.file)};
            r.run = e.runName;
            m_rows.push_back(std::move(r));
        }
        markPins();
    }
    endResetModel();
}

void RankingModel::markPins()
{
    if (m_state && m_state->pin)
        for (auto& r : m_rows)
            r.pinned = r.file == m_state->pin->file;
}

int RankingModel::rowOf(const QString& file) const
{
    const std::string f = file.toStdString();
    for (std::size_t i = 0; i < m_rows.size(); ++i)
        if (m_rows[i].file == f)
            return static_cast<int>(i);
    return -1;
}

QString RankingModel::fileAt(int row) const
{
    return row >= 0 && row < static_cast<int>(m_rows.size()) ? QString::fromStdString(m_rows[static_cast<std::size_t>(row)].file) : QString();
}

int RankingModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int RankingModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant RankingModel::headerData(int section, Qt::Orientation o, int role) const
{
    if (o != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case Rank: return tr("Rank");
    case Pin: return tr("Pin");
    case Safety: return tr("Safety");
    case File: return tr("File");
    case Score: return m_monitor.isEmpty() ? tr("Score") : m_monitor;
    case Epoch: return tr("Epoch");
    case Step: return tr("Step");
    case Size: return tr("Size");
    case Modified: return tr("Modified");
    case Source: return tr("Score source");
    case Status: return tr("Status");
    case Run: return tr("Run");
    default: return {};
    }
}

QVariant RankingModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= static_cast<int>(m_rows.size()))
        return {};
    const Row& r = m_rows[static_cast<std::size_t>(index.row())];
    const auto size = r.scanned ? static_cast<qulonglong>(r.scanned->identity.size) : 0ull;
    // made only for the column that shows it: a QDateTime (its time zone) for every call of data() was most of
    // the cost of sorting a thousand-row leaderboard
    auto mtime = [&] { return r.scanned ? QDateTime::fromMSecsSinceEpoch(r.scanned->identity.mtimeNs / 1000000) : QDateTime(); };
    if (role == SortRole) {
        switch (index.column()) {
        case Rank: return r.rank ? r.rank : std::numeric_limits<int>::max();
        case Pin: return r.pinned ? 0 : 1;
        case Safety: return r.scanned ? static_cast<int>(r.scanned->verdict) : 0;
        case File: return QString::fromStdString(r.file);
        case Score: return r.score && !std::isnan(*r.score) ? *r.score : std::numeric_limits<double>::infinity();
        case Epoch: return r.epoch ? QVariant(static_cast<qlonglong>(*r.epoch)) : QVariant(-1ll);
        case Step: return r.step ? QVariant(static_cast<qlonglong>(*r.step)) : QVariant(-1ll);
        case Size: return size;
        case Modified: return r.scanned ? QVariant(static_cast<qlonglong>(r.scanned->identity.mtimeNs)) : QVariant(0ll);
        case Source: return QString::fromStdString(r.source);
        case Status: return QString::fromStdString(r.status);
        case Run: return QString::fromStdString(r.run);
        default: return {};
        }
    }
    if (role == PathRole)
        return m_state ? m_state->folder + "/" + QString::fromStdString(r.file) : QString();
    if (role == Qt::TextAlignmentRole && index.column() != File && index.column() != Pin && index.column() != Safety &&
        index.column() != Source && index.column() != Status && index.column() != Run)
        return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::FontRole && r.rank == 1) {
        QFont f;
        f.setBold(true);
        return f;
    }
    if (role == Qt::DecorationRole && index.column() == Rank && r.rank >= 1 && r.rank <= 3) {
        // gold, silver, bronze: a colour swatch renders everywhere (emoji need a font the system may lack)
        static const QColor medals[] = {QColor(0xD4, 0xAF, 0x37), QColor(0xA8, 0xA9, 0xAD), QColor(0xB0, 0x72, 0x3C)};
        return medals[r.rank - 1];
    }
    if (role == Qt::ToolTipRole && index.column() == Rank && r.rank)
        return m_leaderboard ? tr("Rank %1 across the runs of the tree").arg(r.rank) : tr("Rank %1 of the embedded top-k").arg(r.rank);
    if (role == Qt::ToolTipRole && index.column() == Pin && r.pinned)
        return tr("Pinned as best by you (%1 points to it)").arg(QString::fromStdString(m_state->pin->link));
    if (role == Qt::ToolTipRole && index.column() == Status)
        return QString::fromStdString(r.status);
    if (index.column() == Safety && r.scanned) {
        const auto v = r.scanned->verdict;
        if (role == Qt::ToolTipRole)
            return tr("%1\nNothing in a checkpoint is ever executed by Podium; this is what torch.load(weights_only=False) "
                      "would look up and call.").arg(QString::fromStdString(r.scanned->verdictSummary));
        if (role == Qt::DecorationRole)
            return m_verdictIcons[v == safety::Verdict::Unsafe ? 0 : v == safety::Verdict::Suspicious ? 1 : 2];
        if (role == Qt::ForegroundRole && v != safety::Verdict::Safe)
            return QBrush(v == safety::Verdict::Unsafe ? QColor(0xC6, 0x28, 0x28) : QColor(0xE6, 0x7E, 0x22));
    }
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case Rank: return r.rank == 0 ? QString("–") : QString::number(r.rank);
    case Pin: return r.pinned ? QString::fromUtf8("★") : QString();
    case Safety: return r.scanned ? QString::fromUtf8(safety::verdictName(r.scanned->verdict).data()) : QString();
    case File: return QString::fromStdString(r.file);
    case Score:
        if (!r.score) return QString("–");
        if (std::isnan(*r.score)) return QString("nan");
        return QString::number(*r.score, 'g', 7);
    case Epoch: return r.epoch ? QString::number(*r.epoch) : QString("–");
    case Step: return r.step ? QString::number(*r.step) : QString("–");
    case Size: return r.scanned ? QLocale().formattedDataSize(static_cast<qint64>(size)) : QString();
    case Modified: {
        const QDateTime t = mtime();
        return t.isValid() ? QLocale().toString(t, QLocale::ShortFormat) : QString();
    }
    case Source: return QString::fromStdString(r.source);
    case Status: return QString::fromStdString(r.status);
    case Run: return QString::fromStdString(r.run);
    default: return {};
    }
}

} // namespace podium::ui
