// SPDX-License-Identifier: GPL-3.0-or-later
// RankingModel: one checkpoint group as a table — the ranked checkpoints, then the unranked files of the
// group's directory with their reasons. Display text is formatted here; SortRole carries the raw value of
// every column (numbers as numbers, NaN and absent scores last) so proxies never parse display text.
// The Safety column shows each file's verdict (safe / suspicious / unsafe, an icon, the reasons as tooltip).
#pragma once

#include "ranking/Ranking.h"

#include <QAbstractTableModel>
#include <QIcon>
#include <QStringList>
#include <memory>

namespace podium::ui {

struct FolderState;

class RankingModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Rank, Pin, Safety, File, Score, Epoch, Step, Size, Modified, Source, Status, Run, ColumnCount };
    enum Role { SortRole = Qt::UserRole + 1, PathRole };

    explicit RankingModel(QObject* parent = nullptr);

    /// Shows group `index` of `state` (or nothing when out of range).
    void setGroup(std::shared_ptr<const FolderState> state, int index);
    /// Shows the leaderboard across the runs of `state`'s tree (rank = the global rank). `runs`: only the
    /// entries of these runs (by path; empty = all).
    void setLeaderboard(std::shared_ptr<const FolderState> state, const QStringList& runs = {});
    bool showsLeaderboard() const noexcept { return m_leaderboard; }
    /// The row showing `file` (folder-relative), or -1.
    int rowOf(const QString& file) const;
    QString fileAt(int row) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation o, int role = Qt::DisplayRole) const override;

private:
    struct Row {
        int rank = 0;                 // 0: unranked
        std::string file;
        ranking::Score score;
        std::string source;
        std::optional<std::int64_t> epoch, step;
        std::string status;
        const ranking::ScannedFile* scanned = nullptr;
        bool pinned = false;
        std::string run;              // the run's name (trees)
    };
    void markPins();
    bool m_leaderboard = false;
    QIcon m_verdictIcons[3]; ///< unsafe, suspicious, safe
    std::shared_ptr<const FolderState> m_state;
    std::vector<Row> m_rows;
    QString m_monitor;
};

} // namespace podium::ui
