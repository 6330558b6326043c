// SPDX-License-Identifier: GPL-3.0-or-later
// RunsPanel: the runs of an experiment tree as a sortable, filterable, multi-select table. The filter line
// takes a name pattern and conditions (`lr < 0.01 val_acc > 0.8`, see runs/RunFilter). Selecting runs
// emits their paths: the window shows only their checkpoints and curves.
#pragma once

#include <QStringList>
#include <QWidget>
#include <memory>

class QComboBox;
class QLabel;
class QLineEdit;
class QTableView;

namespace podium::ui {

struct FolderState;
class RunsModel;
class RunsFilterModel;

class RunsPanel : public QWidget {
    Q_OBJECT
public:
    explicit RunsPanel(QWidget* parent = nullptr);
    void setState(std::shared_ptr<const FolderState> state);
    /// The selected runs' paths, in the table's order (empty: none selected).
    QStringList selectedRuns() const;
    /// The runs the filter lets through (paths).
    QStringList visibleRuns() const;
    void setFilterText(const QString& text);
    /// Groups the runs by a parameter that differs across them ("" = no grouping).
    void setGroupBy(const QString& param);
    QString groupBy() const;
    void selectRuns(const QStringList& paths);
    RunsModel* model() const { return m_model; }
    QTableView* view() const { return m_view; }

signals:
    void selectionChanged(const QStringList& runs);
    void groupByChanged(const QString& param);

private:
    void emitSelection();
    RunsModel* m_model;
    RunsFilterModel* m_proxy;
    QLineEdit* m_filter;
    QComboBox* m_groupBy;
    QLabel* m_error;
    QTableView* m_view;
};

} // namespace podium::ui
