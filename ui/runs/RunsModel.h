// SPDX-License-Identifier: GPL-3.0-or-later
// RunsModel: one row per run of the opened tree — its name, best score of the chosen metric and its file,
// epochs, status, and one column per parameter that differs across runs. SortRole carries raw values
// (numbers as numbers, missing last). RunsFilterModel applies the Runs panel's filter text (runs/RunFilter:
// a name pattern and conditions such as `lr < 0.01`, `val_acc > 0.8`).
#pragma once

#include "runs/RunFilter.h"
#include "runs/RunTree.h"

#include <QAbstractTableModel>
#include <QSortFilterProxyModel>
#include <limits>
#include <memory>

namespace podium::ui {

struct FolderState;

class RunsModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Name, Best, BestFile, Epochs, Status, FixedColumns };
    enum Role { SortRole = Qt::UserRole + 1, PathRole };

    explicit RunsModel(QObject* parent = nullptr);
    /// The runs of `state`; Best is the best saved score of `monitor` ("" = the leaderboard's).
    void setState(std::shared_ptr<const FolderState> state, const QString& monitor = {});
    /// Groups the runs by a parameter ("" = none): a last column gives each run's group, its best scores' mean
    /// ± standard deviation.
    void setGroupBy(const QString& param);
    QString groupBy() const { return m_groupBy; }
    int groupColumn() const { return m_groupBy.isEmpty() ? -1 : FixedColumns + static_cast<int>(m_differs.size()); }
    QString monitor() const { return m_monitor; }
    QString pathAt(int row) const;
    int rowOfPath(const QString& path) const;
    /// For the filter: a run's parameters and its best score per monitored metric.
    const std::map<std::string, std::string>& paramsAt(int row) const;
    const std::map<std::string, double>& metricsAt(int row) const;
    std::string nameAt(int row) const;
    const std::vector<std::string>& differs() const { return m_differs; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation o, int role = Qt::DisplayRole) const override;

private:
    struct Row {
        const runs::Run* run = nullptr;
        std::optional<double> best;
        std::string bestFile;
        std::map<std::string, double> metrics;
        QString group;                 ///< "lr=0.01: 0.72 ± 0.09 (n=2)" when grouped
        double groupMean = std::numeric_limits<double>::infinity();
    };
    void computeGroups();
    std::shared_ptr<const FolderState> m_state;
    std::vector<Row> m_rows;
    std::vector<std::string> m_differs;
    QString m_monitor;
    QString m_groupBy;
};

class RunsFilterModel : public QSortFilterProxyModel {
    Q_OBJECT
public:
    explicit RunsFilterModel(QObject* parent = nullptr);
    /// Parses `text` (see RunFilter) and filters; returns what is wrong with its name pattern ("" when fine).
    QString setFilterText(const QString& text);

protected:
    bool filterAcceptsRow(int row, const QModelIndex& parent) const override;

private:
    runs::RunFilter m_filter;
};

} // namespace podium::ui
