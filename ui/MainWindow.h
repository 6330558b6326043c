// MainWindow: composes the widgets and wires them to the Session and the Actions. It decides nothing:
// the ranking comes from the core, loading from the Session, every command from the Actions registry.
#pragma once

#include <QMainWindow>
#include <memory>

class QComboBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QProgressBar;
class QSortFilterProxyModel;
class QTableView;

namespace podium::ui {

class Actions;
class RankingModel;
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
    void openFolder(const QString& folder);

signals:
    /// The folder finished loading (successfully or not): the window shows its final state.
    void settled();

private:
    void showState(std::shared_ptr<const FolderState> state);
    void showGroup(int index);
    void chooseFolder();

    Session* m_session;
    Actions* m_actions;
    RankingModel* m_model;
    RenameController* m_rename;
    QSortFilterProxyModel* m_proxy;
    QTableView* m_table;
    QComboBox* m_groups;
    QLineEdit* m_filter;
    QListWidget* m_problems;
    QLabel* m_status;
    QProgressBar* m_progress;
};

} // namespace podium::ui
