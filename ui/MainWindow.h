// SPDX-License-Identifier: GPL-3.0-or-later
// MainWindow: composes the widgets and wires them to the Session, the controllers and the Actions. It
// decides nothing: the ranking comes from the core, loading from the Session, renames from the
// RenameController, pins and manifests from the PinController, every command from the Actions registry.
#pragma once

#include "common/Reaper.h"

#include <QMainWindow>
#include <deque>
#include <functional>
#include <memory>

class QComboBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QProgressBar;
class QSortFilterProxyModel;
class QSplitter;
class QTableView;

namespace podium::ui {

class Actions;
class RunsPanel;
class ChartPanel;
class DetailsPanel;
class PinController;
class RankingModel;
class RecentFolders;
class RenameController;
class Session;
struct FolderState;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    Session* session() const { return m_session; }
    Actions* actions() const { return m_actions; }
    QTableView* table() const { return m_table; }
    QComboBox* groupSelector() const { return m_groups; }
    RunsPanel* runsPanel() const { return m_runsPanel; }
    RankingModel* rankingModel() const { return m_model; }
    /// The group the selector shows (index into ranking.groups; -1: the leaderboard or none).
    int currentGroup() const;
    ChartPanel* chart() const { return m_chart; }
    DetailsPanel* details() const { return m_details; }
    RenameController* renameController() const { return m_rename; }
    /// Opens `folder`; `select` (folder-relative) is selected once it is loaded.
    void openFolder(const QString& folder, const QString& select = {});
    /// The selected checkpoint (folder-relative), or "".
    QString selectedFile() const;
    /// Selects the row of `file` (and so the details and the chart marker).
    void selectFile(const QString& file);

signals:
    /// The folder finished loading (successfully or not): the window shows its final state.
    void settled();

protected:
    void closeEvent(QCloseEvent* e) override;
    void dragEnterEvent(QDragEnterEvent* e) override;
    void dropEvent(QDropEvent* e) override;

private:
    void buildMenus();
    void showState(std::shared_ptr<const FolderState> state);
    /// The rest of a final update, after the tables: the chart, the selection, actions, problems, status.
    void finishState(std::shared_ptr<const FolderState> state, const QString& keep);
    void showGroup(int selectorIndex);
    /// The table's column widths, when its ranking is new (another ranking, the first rows).
    void sizeColumns();
    /// The chart of the chosen ranking: its runs' curves (or groups' bands) and the checkpoints' markers.
    void showChart();
    /// Runs `step` in an event of its own a moment from now (after the steps queued before it), unless
    /// another state arrived meanwhile.
    void thenStep(std::function<void()> step);
    void runStep();
    void fillGroups();
    void selectionChanged();
    void chooseFolder();
    void showAbout();

    Session* m_session;
    Actions* m_actions;
    RankingModel* m_model;
    RenameController* m_rename;
    PinController* m_pins;
    RecentFolders* m_recent = nullptr;
    QSortFilterProxyModel* m_proxy;
    QTableView* m_table;
    ChartPanel* m_chart;
    DetailsPanel* m_details;
    QComboBox* m_groups;
    RunsPanel* m_runsPanel;
    QStringList m_selectedRuns;                 ///< the runs chosen in the Runs panel (paths; empty: all)
    QLineEdit* m_filter;
    QListWidget* m_problems;
    QLabel* m_status;
    QProgressBar* m_progress;
    QSplitter* m_outer;
    QSplitter* m_left;
    QSplitter* m_right;
    std::shared_ptr<const FolderState> m_shown; ///< what the widgets show (partial while the first scan runs)
    Reaper m_reaper;                            ///< frees replaced states off the UI thread
    QString m_sizedFor;                         ///< the ranking the table's column widths were measured for
    int m_sizedRows = 0;
    quint64 m_generation = 0;                   ///< counts the states shown: a step of an older one is dropped
    bool m_staging = false;                     ///< inside a final update: showGroup leaves the chart to a later step
    std::deque<std::pair<quint64, std::function<void()>>> m_steps; ///< (generation, step) still to run
    QString m_pendingSelect;
    QString m_recoveryOffered; ///< the folder whose interrupted renames were offered already
};

} // namespace podium::ui
