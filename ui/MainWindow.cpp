#include "MainWindow.h"

#include "Actions.h"
#include "Session.h"
#include "rename/RenameController.h"
#include "table/RankingModel.h"

#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QFileDialog>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMenuBar>
#include <QProgressBar>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStatusBar>
#include <QTableView>
#include <QToolBar>
#include <QVBoxLayout>

namespace podium::ui {

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent), m_session(new Session(this)), m_actions(new Actions(this)), m_model(new RankingModel(this)),
      m_rename(new RenameController(this)), m_proxy(new QSortFilterProxyModel(this)), m_table(new QTableView), m_groups(new QComboBox), m_filter(new QLineEdit),
      m_problems(new QListWidget), m_status(new QLabel), m_progress(new QProgressBar)
{
    setWindowTitle(tr("Podium"));
    m_proxy->setSourceModel(m_model);
    m_proxy->setSortRole(RankingModel::SortRole);
    m_proxy->setFilterKeyColumn(RankingModel::File);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_table->setObjectName("rankingTable");
    m_table->setModel(m_proxy);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(RankingModel::Rank, Qt::AscendingOrder);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setAlternatingRowColors(true);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_groups->setObjectName("groupSelector");
    m_groups->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_groups->setMinimumContentsLength(12);
    m_groups->setToolTip(tr("Monitored metric (one ranking per ModelCheckpoint)"));
    m_filter->setObjectName("filter");
    m_filter->setPlaceholderText(tr("Filter files…"));
    m_filter->setClearButtonEnabled(true);
    m_problems->setObjectName("problems");
    m_problems->setMaximumHeight(110);
    m_progress->setMaximumWidth(180);
    m_progress->hide();

    auto* file = menuBar()->addMenu(tr("&File"));
    file->addAction(m_actions->openFolder);
    file->addAction(m_actions->reload);
    file->addSeparator();
    file->addAction(m_actions->quit);
    auto* edit = menuBar()->addMenu(tr("&Edit"));
    edit->addAction(m_actions->copyPath);
    edit->addSeparator();
    edit->addAction(m_actions->applyRename);
    edit->addAction(m_actions->undoRename);
    auto* tools = addToolBar(tr("Main"));
    tools->setObjectName("mainToolBar");
    tools->addAction(m_actions->openFolder);
    tools->addAction(m_actions->reload);
    tools->addAction(m_actions->applyRename);
    tools->addAction(m_actions->undoRename);
    tools->addSeparator();
    tools->addWidget(new QLabel(tr(" Metric: ")));
    tools->addWidget(m_groups);
    tools->addSeparator();
    tools->addWidget(m_filter);

    auto* central = new QSplitter(Qt::Vertical);
    central->addWidget(m_table);
    central->addWidget(m_problems);
    central->setStretchFactor(0, 1);
    setCentralWidget(central);
    statusBar()->addWidget(m_status, 1);
    statusBar()->addPermanentWidget(m_progress);
    resize(1100, 640);

    connect(m_actions->openFolder, &QAction::triggered, this, &MainWindow::chooseFolder);
    connect(m_actions->reload, &QAction::triggered, m_session, &Session::reload);
    connect(m_actions->quit, &QAction::triggered, this, &QWidget::close);
    connect(m_actions->copyPath, &QAction::triggered, this, [this] {
        const auto rows = m_table->selectionModel()->selectedRows();
        if (!rows.isEmpty())
            QApplication::clipboard()->setText(rows.first().data(RankingModel::PathRole).toString());
    });
    connect(m_actions->applyRename, &QAction::triggered, this,
            [this] { m_rename->applyRename(m_session->state(), m_groups->currentIndex()); });
    connect(m_actions->undoRename, &QAction::triggered, this,
            [this] { m_rename->undoRename(m_session->state(), m_groups->currentIndex()); });
    connect(m_rename, &RenameController::changed, m_session, &Session::reload);
    connect(m_rename, &RenameController::message, m_status, &QLabel::setText);
    connect(m_filter, &QLineEdit::textChanged, m_proxy, &QSortFilterProxyModel::setFilterFixedString);
    connect(m_groups, &QComboBox::currentIndexChanged, this, &MainWindow::showGroup);
    connect(m_session, &Session::progress, this, [this](int done, int total) {
        m_progress->show();
        m_progress->setRange(0, total);
        m_progress->setValue(done);
    });
    connect(m_session, &Session::loaded, this, &MainWindow::showState);
    connect(m_session, &Session::failed, this, [this](const QString& msg) {
        m_progress->hide();
        m_status->setText(msg);
        m_problems->clear();
        m_problems->addItem(msg);
        emit settled();
    });
}

MainWindow::~MainWindow() = default;

void MainWindow::openFolder(const QString& folder)
{
    setWindowTitle(tr("Podium — %1").arg(folder));
    m_status->setText(tr("Reading %1…").arg(folder));
    m_session->open(folder);
}

void MainWindow::chooseFolder()
{
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Open Checkpoint Folder"), m_session->folder());
    if (!dir.isEmpty())
        openFolder(dir);
}

void MainWindow::showState(std::shared_ptr<const FolderState> state)
{
    m_progress->hide();
    const QSignalBlocker block(m_groups);
    const int previous = m_groups->currentIndex();
    m_groups->clear();
    for (const auto& g : state->ranking.groups)
        m_groups->addItem(QString::fromStdString(g.label()));
    const int index = previous >= 0 && previous < m_groups->count() ? previous : 0;
    m_groups->setCurrentIndex(index);
    m_model->setGroup(state, index);
    m_table->resizeColumnsToContents();
    Actions::setEnabled(m_actions->reload, true);
    Actions::setEnabled(m_actions->copyPath, !state->ranking.groups.empty(), tr("No ranked checkpoints"));
    Actions::setEnabled(m_actions->applyRename, !state->ranking.groups.empty(), tr("No ranked checkpoints in this folder"));
    Actions::setEnabled(m_actions->undoRename, true);

    m_problems->clear();
    for (const auto& e : state->ranking.errors)
        m_problems->addItem(QString::fromStdString(e.error.message()));
    for (const auto& g : state->ranking.groups)
        for (const auto& p : g.problems)
            m_problems->addItem(QString::fromStdString(g.monitor + ": " + p));
    m_problems->setVisible(m_problems->count() > 0);
    std::size_t ranked = 0;
    for (const auto& g : state->ranking.groups) ranked += g.ranked.size();
    m_status->setText(tr("%1 checkpoint files · %2 metric(s) · %3 ranked · %4 unreadable")
                          .arg(state->scan.files.size())
                          .arg(state->ranking.groups.size())
                          .arg(ranked)
                          .arg(state->ranking.errors.size()));
    emit settled();
}

void MainWindow::showGroup(int index)
{
    m_model->setGroup(m_session->state(), index);
    m_table->resizeColumnsToContents();
}

} // namespace podium::ui
