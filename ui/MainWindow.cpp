// SPDX-License-Identifier: GPL-3.0-or-later
#include "MainWindow.h"

#include "Actions.h"
#include "Session.h"
#include "chart/ChartPanel.h"
#include "common/DialogSeam.h"
#include "common/OpenLocationDialog.h"
#include "common/RecentFolders.h"
#include "remote/RemoteStore.h"
#include "details/DetailsPanel.h"
#include "pin/PinController.h"
#include "rename/RenameController.h"
#include "runs/RunsPanel.h"
#include "runs/TreeView.h"
#include "table/RankingModel.h"

#include <QTimer>
#include <QApplication>
#include <algorithm>
#include <QClipboard>
#include <QCloseEvent>
#include <QComboBox>
#include <QDesktopServices>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMenuBar>
#include <QMessageBox>
#include <set>
#include <QMimeData>
#include <QProgressBar>
#include <QSettings>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStatusBar>
#include <QTableView>
#include <QToolBar>
#include <QToolButton>
#include <QUrl>

namespace podium::ui {

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent), m_session(new Session(this)), m_actions(new Actions(this)), m_model(new RankingModel(this)),
      m_rename(new RenameController(this)), m_pins(new PinController(this)), m_proxy(new QSortFilterProxyModel(this)),
      m_table(new QTableView), m_chart(new ChartPanel), m_details(new DetailsPanel), m_groups(new QComboBox), m_runsPanel(new RunsPanel),
      m_filter(new QLineEdit), m_problems(new QListWidget), m_status(new QLabel), m_progress(new QProgressBar),
      m_outer(new QSplitter(Qt::Horizontal)), m_left(new QSplitter(Qt::Vertical)), m_right(new QSplitter(Qt::Vertical))
{
    setWindowTitle(tr("Podium"));
    setAcceptDrops(true);
    m_proxy->setSourceModel(m_model);
    m_proxy->setSortRole(RankingModel::SortRole);
    m_proxy->setFilterKeyColumn(RankingModel::File);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_table->setObjectName("rankingTable");
    m_table->setModel(m_proxy);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(RankingModel::Rank, Qt::AscendingOrder);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_table->setAlternatingRowColors(true);
    m_table->setContextMenuPolicy(Qt::ActionsContextMenu);
    m_table->setWordWrap(false);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->horizontalHeader()->setResizeContentsPrecision(100); // column widths from the first rows, not all of them
    m_groups->setObjectName("groupSelector");
    // a fixed width: AdjustToContents measures every item (a tree of 1,000 runs has as many groups)
    m_groups->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_groups->setMinimumContentsLength(36);
    m_groups->setToolTip(tr("Monitored metric (one ranking per ModelCheckpoint)"));
    m_filter->setObjectName("filter");
    m_filter->setPlaceholderText(tr("Filter files…"));
    m_filter->setClearButtonEnabled(true);
    m_filter->setMaximumWidth(260);
    m_problems->setObjectName("problems");
    m_problems->setWordWrap(true);
    m_progress->setMaximumWidth(180);
    m_progress->hide();

    buildMenus();
    for (QAction* a : {m_actions->copyPath, m_actions->copySnippet, m_actions->reveal, m_actions->inspect})
        m_table->addAction(a);
    auto* sep = new QAction(m_table);
    sep->setSeparator(true);
    m_table->addAction(sep);
    m_table->addAction(m_actions->pin);
    m_table->addAction(m_actions->unpin);

    m_left->addWidget(m_runsPanel);
    m_left->addWidget(m_table);
    m_left->addWidget(m_chart);
    m_left->setStretchFactor(0, 2);
    m_left->setStretchFactor(1, 3);
    m_left->setStretchFactor(2, 2);
    m_runsPanel->hide(); // shown for a folder of more than one run
    m_right->addWidget(m_details);
    m_right->addWidget(m_problems);
    m_right->setStretchFactor(0, 4);
    m_right->setStretchFactor(1, 1);
    m_outer->addWidget(m_left);
    m_outer->addWidget(m_right);
    m_outer->setStretchFactor(0, 3);
    m_outer->setStretchFactor(1, 1);
    m_outer->setObjectName("outerSplitter");
    setCentralWidget(m_outer);
    auto* cancel = new QToolButton;
    cancel->setDefaultAction(m_actions->cancelLoad);
    cancel->setToolButtonStyle(Qt::ToolButtonTextOnly);
    cancel->setText(tr("Cancel"));
    statusBar()->addWidget(m_status, 1);
    statusBar()->addPermanentWidget(m_progress);
    statusBar()->addPermanentWidget(cancel);
    cancel->setVisible(false);
    resize(1280, 800);
    m_outer->setSizes({900, 380});
    m_left->setSizes({0, 430, 300});

    // persisted: geometry, splitters, the rename template
    QSettings settings;
    restoreGeometry(settings.value("window/geometry").toByteArray());
    restoreState(settings.value("window/state").toByteArray());
    m_outer->restoreState(settings.value("window/outerSplitter").toByteArray());
    m_left->restoreState(settings.value("window/leftSplitter").toByteArray());
    m_right->restoreState(settings.value("window/rightSplitter").toByteArray());
    m_rename->setNameTemplate(settings.value("rename/template", m_rename->nameTemplate()).toString());
    m_actions->pinSyncsState->setChecked(settings.value("pin/syncState", false).toBool());
    m_pins->setSyncState(m_actions->pinSyncsState->isChecked());

    auto state = [this] { return m_session->state(); };
    connect(m_actions->openFolder, &QAction::triggered, this, &MainWindow::chooseFolder);
    connect(m_actions->openLocation, &QAction::triggered, this, [this] {
        const QString url = OpenLocationDialog::ask(this);
        if (!url.isEmpty())
            openFolder(url);
    });
    connect(m_actions->reload, &QAction::triggered, m_session, &Session::reload);
    connect(m_actions->cancelLoad, &QAction::triggered, m_session, &Session::cancel);
    connect(m_actions->quit, &QAction::triggered, this, &QWidget::close);
    connect(m_actions->about, &QAction::triggered, this, &MainWindow::showAbout);
    connect(m_actions->chooseLogs, &QAction::triggered, this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Choose the Run's Logs Folder"), m_session->folder());
        if (!dir.isEmpty())
            m_session->setLogsFolder(dir);
    });
    connect(m_actions->copyPath, &QAction::triggered, this, [this] {
        QStringList paths;
        for (const auto& row : m_table->selectionModel()->selectedRows())
            paths << row.data(RankingModel::PathRole).toString();
        QApplication::clipboard()->setText(paths.join('\n'));
    });
    connect(m_actions->copySnippet, &QAction::triggered, this, [this] {
        const auto rows = m_table->selectionModel()->selectedRows();
        if (!rows.isEmpty())
            QApplication::clipboard()->setText(QStringLiteral("ckpt_path=\"%1\"").arg(rows.first().data(RankingModel::PathRole).toString()));
    });
    connect(m_actions->reveal, &QAction::triggered, this, [this] {
        const auto rows = m_table->selectionModel()->selectedRows();
        if (!rows.isEmpty())
            QDesktopServices::openUrl(QUrl::fromLocalFile(QFileInfo(rows.first().data(RankingModel::PathRole).toString()).absolutePath()));
    });
    connect(m_actions->inspect, &QAction::triggered, this, [this] {
        m_outer->setSizes({m_outer->width() / 2, m_outer->width() / 2}); // make the details panel roomy
        m_details->setFocus();
    });
    connect(m_actions->applyRename, &QAction::triggered, this, [this, state] { m_rename->applyRename(state(), currentGroup()); });
    connect(m_actions->undoRename, &QAction::triggered, this, [this, state] { m_rename->undoRename(state(), currentGroup()); });
    connect(m_actions->createRankLinks, &QAction::triggered, this, [this, state] { m_rename->createRankLinks(state(), currentGroup()); });
    connect(m_actions->syncState, &QAction::triggered, this, [this, state] { m_rename->syncState(state(), currentGroup()); });
    connect(m_actions->recoverRename, &QAction::triggered, this, [this, state] { m_rename->offerRecovery(state()); });
    connect(m_actions->pin, &QAction::triggered, this, [this, state] { m_pins->pin(state(), selectedFile()); });
    connect(m_actions->pinSyncsState, &QAction::toggled, m_pins, &PinController::setSyncState);
    connect(m_actions->unpin, &QAction::triggered, this, [this, state] { m_pins->unpin(state()); });
    connect(m_actions->exportManifest, &QAction::triggered, this, [this, state] { m_pins->exportManifest(state()); });
    connect(m_rename, &RenameController::changed, m_session, &Session::reload);
    connect(m_rename, &RenameController::message, m_status, &QLabel::setText);
    connect(m_pins, &PinController::changed, m_session, &Session::reload);
    connect(m_pins, &PinController::message, m_status, &QLabel::setText);
    connect(m_filter, &QLineEdit::textChanged, m_proxy, &QSortFilterProxyModel::setFilterFixedString);
    connect(m_groups, &QComboBox::currentIndexChanged, this, &MainWindow::showGroup);
    connect(m_runsPanel, &RunsPanel::groupByChanged, this, [this] { showGroup(m_groups->currentIndex()); });
    connect(m_runsPanel, &RunsPanel::selectionChanged, this, [this](const QStringList& runs) {
        m_selectedRuns = runs;
        fillGroups();
    });
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this, &MainWindow::selectionChanged);
    connect(m_chart, &ChartPanel::checkpointClicked, this, &MainWindow::selectFile);
    connect(m_session, &Session::progress, this, [this, cancel](int done, int total) {
        m_progress->show();
        cancel->setVisible(true);
        Actions::setEnabled(m_actions->cancelLoad, true);
        m_progress->setRange(0, total);
        m_progress->setValue(done);
        m_status->setText(tr("Reading checkpoints… %1 of %2").arg(done).arg(total));
    });
    connect(m_session, &Session::partial, this, &MainWindow::showState);
    connect(m_session, &Session::loaded, this, [this, cancel](std::shared_ptr<const FolderState> s) {
        cancel->setVisible(false);
        Actions::setEnabled(m_actions->cancelLoad, false, tr("Nothing is loading"));
        showState(std::move(s));
    });
    connect(m_session, &Session::failed, this, [this, cancel](const QString& msg) {
        m_progress->hide();
        cancel->setVisible(false);
        Actions::setEnabled(m_actions->cancelLoad, false, tr("Nothing is loading"));
        m_status->setText(msg);
        m_problems->addItem(msg);
        m_problems->setVisible(true);
        emit settled();
    });
    m_session->setWatching(true);
    selectionChanged();
}

MainWindow::~MainWindow() = default;

void MainWindow::buildMenus()
{
    auto* file = menuBar()->addMenu(tr("&File"));
    file->addAction(m_actions->openFolder);
    file->addAction(m_actions->openLocation);
    m_recent = new RecentFolders(file->addMenu(tr("Recent &Folders")), this);
    connect(m_recent, &RecentFolders::chosen, this, [this](const QString& f) { openFolder(f); });
    file->addAction(m_actions->reload);
    file->addAction(m_actions->chooseLogs);
    file->addSeparator();
    file->addAction(m_actions->exportManifest);
    file->addSeparator();
    file->addAction(m_actions->quit);
    auto* edit = menuBar()->addMenu(tr("&Edit"));
    edit->addAction(m_actions->copyPath);
    edit->addAction(m_actions->copySnippet);
    edit->addAction(m_actions->reveal);
    edit->addSeparator();
    edit->addAction(m_actions->pin);
    edit->addAction(m_actions->unpin);
    edit->addAction(m_actions->pinSyncsState);
    auto* ranking = menuBar()->addMenu(tr("&Ranking"));
    ranking->addAction(m_actions->applyRename);
    ranking->addAction(m_actions->undoRename);
    ranking->addAction(m_actions->createRankLinks);
    ranking->addAction(m_actions->syncState);
    ranking->addSeparator();
    ranking->addAction(m_actions->recoverRename);
    auto* view = menuBar()->addMenu(tr("&View"));
    view->addAction(m_actions->inspect);
    auto* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(m_actions->about);

    auto* tools = addToolBar(tr("Main"));
    tools->setObjectName("mainToolBar");
    tools->setToolButtonStyle(Qt::ToolButtonTextOnly);
    tools->addAction(m_actions->openFolder);
    tools->addAction(m_actions->reload);
    tools->addSeparator();
    tools->addAction(m_actions->applyRename);
    tools->addAction(m_actions->undoRename);
    tools->addAction(m_actions->pin);
    tools->addAction(m_actions->exportManifest);
    tools->addSeparator();
    tools->addWidget(new QLabel(tr(" Metric: ")));
    tools->addWidget(m_groups);
    tools->addSeparator();
    tools->addWidget(m_filter);
}

void MainWindow::openFolder(const QString& folder, const QString& select)
{
    const bool remote = remote::isRemoteUrl(folder.toStdString());
    const QString clean = remote ? folder : QDir::cleanPath(QDir(folder).absolutePath());
    m_pendingSelect = select;
    setWindowTitle(tr("Podium — %1").arg(clean));
    m_status->setText(tr("Reading %1…").arg(clean));
    m_problems->clear();
    if (remote)
        OpenLocationDialog::remember(clean);
    else
        m_recent->add(clean);
    m_session->open(clean);
}

void MainWindow::chooseFolder()
{
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Open Checkpoint Folder"), m_session->folder());
    if (!dir.isEmpty())
        openFolder(dir);
}

QString MainWindow::selectedFile() const
{
    const QModelIndex cur = m_table->selectionModel()->currentIndex();
    const auto rows = m_table->selectionModel()->selectedRows();
    const QModelIndex i = rows.isEmpty() ? QModelIndex() : (cur.isValid() && m_table->selectionModel()->isRowSelected(cur.row()) ? cur : rows.first());
    return i.isValid() ? m_model->fileAt(m_proxy->mapToSource(i).row()) : QString();
}

void MainWindow::selectFile(const QString& file)
{
    const int src = m_model->rowOf(file);
    if (src < 0)
        return;
    const QModelIndex i = m_proxy->mapFromSource(m_model->index(src, 0));
    if (!i.isValid())
        return;
    m_table->selectionModel()->setCurrentIndex(i, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    m_table->scrollTo(i);
}

void MainWindow::selectionChanged()
{
    const QString file = selectedFile();
    const auto& state = m_shown;
    m_details->showFile(state, file);
    m_chart->select(file);
    const bool one = !file.isEmpty();
    const QString noSelection = tr("Select a checkpoint first");
    for (QAction* a : {m_actions->copyPath, m_actions->copySnippet, m_actions->reveal, m_actions->inspect})
        Actions::setEnabled(a, one, noSelection);
    const auto* f = state && one ? state->scan.find(file.toStdString()) : nullptr;
    const bool remote = state && state->remote;
    Actions::setEnabled(m_actions->pin, f && f->ok() && !f->isSymlink && !remote,
                        !one ? noSelection : remote ? tr("A remote location is read-only in the window")
                                                    : tr("Only a readable checkpoint file (not a link) can be pinned"));
    if (remote)
        Actions::setEnabled(m_actions->reveal, false, tr("The file is on a server"));
}

void MainWindow::showState(std::shared_ptr<const FolderState> state)
{
    const QString keep = m_pendingSelect.isEmpty() ? selectedFile() : m_pendingSelect;
    // the state shown until now goes once every widget holds the new one: freed on the reaper's thread
    struct Release {
        Reaper& reaper;
        std::shared_ptr<const FolderState> old;
        ~Release() { reaper.dispose(std::move(old)); }
    } release{m_reaper, std::exchange(m_shown, state)};
    ++m_generation;
    const bool tree = state->runs.runs.size() > 1;
    if (tree && m_runsPanel->isHidden()) { // room for the runs, the ranking and the chart
        const int h = std::max(600, m_left->height());
        m_runsPanel->show();
        m_left->setSizes({h / 4, h * 2 / 5, h - h / 4 - h * 2 / 5});
    }
    m_runsPanel->setVisible(tree);
    if (tree)
        m_runsPanel->setState(state);
    m_table->setColumnHidden(RankingModel::Run, !tree);
    m_selectedRuns = tree ? m_runsPanel->selectedRuns() : QStringList();
    // The final update of a large tree is ~0.1 s of work on this thread (the runs, the leaderboard, a
    // thousand curves): the tables now, the chart and the rest each in an event of its own, so that input,
    // painting and the timer of `podium --measure` go on between them. settled() comes after the last.
    m_staging = state->complete;
    fillGroups();
    m_staging = false;
    if (!state->complete) // rows appear while the first scan runs; the rest waits for the whole folder
        return;
    thenStep([this] { sizeColumns(); });
    thenStep([this] { showChart(); });
    thenStep([this, state, keep] { finishState(state, keep); });
}

void MainWindow::thenStep(std::function<void()> step)
{
    // a timer, not a posted event: posted events queued together run in one go, without the event loop between them
    m_steps.emplace_back(m_generation, std::move(step));
    if (m_steps.size() == 1)
        QTimer::singleShot(1, this, &MainWindow::runStep);
}

void MainWindow::runStep()
{
    if (m_steps.empty())
        return;
    auto [generation, step] = std::move(m_steps.front());
    m_steps.pop_front();
    if (generation == m_generation) // else a newer state arrived: it brings its own steps
        step();
    if (!m_steps.empty())
        QTimer::singleShot(1, this, &MainWindow::runStep);
}

void MainWindow::finishState(std::shared_ptr<const FolderState> state, const QString& keep)
{
    m_progress->hide();
    if (!keep.isEmpty())
        selectFile(keep);
    if (selectedFile().isEmpty() && m_proxy->rowCount() > 0) // show something useful: the best one
        selectFile(m_model->fileAt(m_proxy->mapToSource(m_proxy->index(0, 0)).row()));
    m_pendingSelect.clear();
    selectionChanged();

    const bool ranked = !state->ranking.groups.empty();
    const QFileInfo dir(state->folder);
    const bool writable = !state->remote && dir.isWritable();
    Actions::setEnabled(m_actions->reload, true);
    Actions::setEnabled(m_actions->chooseLogs, true);
    Actions::setEnabled(m_actions->exportManifest, true);
    const QString readOnly = state->remote ? tr("A remote location is read-only in the window (podium-cli reads it too)")
                                           : tr("The folder is read-only");
    Actions::setEnabled(m_actions->undoRename, writable, readOnly);
    const QString whyNot = !ranked ? tr("No ranked checkpoints in this folder") : readOnly;
    Actions::setEnabled(m_actions->applyRename, ranked && writable && state->interrupted.empty() && currentGroup() >= 0,
                        state->interrupted.empty() ? whyNot : tr("An interrupted rename must be recovered first"));
    Actions::setEnabled(m_actions->createRankLinks, ranked && writable, whyNot);
    const bool hasState = ranked && state->ranking.groups[0].stateKey.rfind("filename:", 0) != 0;
    Actions::setEnabled(m_actions->syncState, hasState && writable && state->interrupted.empty(),
                        !ranked ? whyNot : !hasState ? tr("These checkpoints carry no ModelCheckpoint state") : readOnly);
    Actions::setEnabled(m_actions->unpin, state->pin.has_value(), tr("Nothing is pinned in this folder"));
    Actions::setEnabled(m_actions->recoverRename, !state->interrupted.empty(), tr("No interrupted rename in this folder"));

    m_problems->clear();
    for (const auto& e : state->ranking.errors)
        m_problems->addItem(QString::fromStdString(e.error.message()));
    for (const auto& g : state->ranking.groups)
        for (const auto& p : g.problems)
            m_problems->addItem(QString::fromStdString(g.monitor + ": " + p));
    for (const auto& e : state->logs.problems)
        m_problems->addItem(tr("log: %1").arg(QString::fromStdString(e.message())));
    m_problems->setVisible(m_problems->count() > 0);
    std::size_t nRanked = 0;
    std::set<std::string> monitors;
    for (const auto& g : state->ranking.groups) {
        nRanked += g.ranked.size();
        monitors.insert(g.monitor);
    }
    // what is ranked: the monitored metrics (a sweep's runs share one), in how many rankings
    const QString rankings = (monitors.size() == 1 ? tr("1 monitored metric") : tr("%1 monitored metrics").arg(monitors.size())) +
                           (state->ranking.groups.size() > monitors.size() ? tr(" in %1 rankings").arg(state->ranking.groups.size()) : QString());
    m_status->setText(tr("%1 checkpoint files · %2 · %3 ranked · %4 unreadable%5")
                          .arg(state->scan.files.size())
                          .arg(rankings)
                          .arg(nRanked)
                          .arg(state->ranking.errors.size())
                          .arg(state->pin ? tr(" · pinned: %1").arg(QString::fromStdString(state->pin->file)) : QString()));
    emit settled();
    if (!state->interrupted.empty() && m_recoveryOffered != state->folder) {
        m_recoveryOffered = state->folder;
        m_rename->offerRecovery(state);
    }
}

int MainWindow::currentGroup() const
{
    return m_groups->currentIndex() >= 0 ? m_groups->currentData().toInt() : -1;
}

void MainWindow::fillGroups()
{
    if (!m_shown)
        return;
    {
        const QSignalBlocker block(m_groups);
        const QString previous = m_groups->currentText();
        m_groups->clear();
        for (const auto& c : groupChoices(*m_shown, m_selectedRuns))
            m_groups->addItem(c.label, c.group);
        const int found = m_groups->findText(previous);
        m_groups->setCurrentIndex(found >= 0 ? found : 0);
    }
    showGroup(m_groups->currentIndex());
}

void MainWindow::showGroup(int)
{
    const auto& state = m_shown;
    const int group = currentGroup();
    const bool board = state && m_groups->currentIndex() >= 0 && group < 0;
    if (board)
        m_model->setLeaderboard(state, m_selectedRuns);
    else
        m_model->setGroup(state, group);
    if (!m_staging) {
        sizeColumns();
        showChart();
    }
}

void MainWindow::sizeColumns()
{
    const int group = currentGroup();
    const bool board = m_shown && m_groups->currentIndex() >= 0 && group < 0;
    // column widths when the table's content is new (another ranking, the first rows), not for every update of
    // the same one: measuring a thousand-row leaderboard took ~70 ms of the UI thread
    const QString shape = QString::number(group) + (board ? "b" : "g") + (m_shown ? m_shown->folder : QString());
    if (shape != m_sizedFor || m_sizedRows == 0) {
        m_table->resizeColumnsToContents();
        m_sizedFor = shape;
        m_sizedRows = m_model->rowCount();
    }
}

void MainWindow::showChart()
{
    const auto& state = m_shown;
    const int group = currentGroup();
    const bool board = state && m_groups->currentIndex() >= 0 && group < 0;
    QString monitor;
    const auto markers = state ? chartMarkers(*state, board ? -1 : group, m_selectedRuns, &monitor) : QVector<ChartMarker>();
    // across runs, grouped by a parameter: each group's mean and min–max band instead of every run's curves
    const QString by = board ? m_runsPanel->groupBy() : QString();
    if (state && state->complete)
        m_chart->setCurves(!by.isEmpty() ? groupCurvesFor(*state, by, m_selectedRuns)
                                         : chartCurvesFor(*state, board ? -1 : group, m_selectedRuns));
    m_chart->setCheckpoints(monitor, markers);
    m_chart->select(selectedFile());
    // renames work within one directory: not on the leaderboard
    if (state && state->complete && board)
        Actions::setEnabled(m_actions->applyRename, false, tr("Apply Rename works on one run's ranking: choose it in the selector"));
}

void MainWindow::showAbout()
{
    QMessageBox box(QMessageBox::Information, tr("About Podium"),
                    tr("<h3>Podium %1</h3><p>Rank, rename and inspect PyTorch Lightning checkpoints — safely.</p>"
                       "<p>Podium reads every <code>.ckpt</code> with its own pickle reader: nothing in a checkpoint is "
                       "ever executed. Renames are journaled and can be undone.</p>"
                       "<p>Command line: <code>podium-cli --help</code>. Qt %2.</p>"
                       "<p>License: %3 — the GNU General Public License, version 3 or (at your option) any later "
                       "version. Podium comes with ABSOLUTELY NO WARRANTY. "
                       "<a href=\"https://www.gnu.org/licenses/gpl-3.0.html\">gnu.org/licenses/gpl-3.0</a></p>")
                        .arg(QApplication::applicationVersion(), QString::fromLatin1(qVersion()),
                             QStringLiteral(PODIUM_LICENSE)),
                    QMessageBox::Ok, this);
    box.setObjectName("aboutDialog");
    box.setTextFormat(Qt::RichText);
    DialogSeam::exec(&box);
}

void MainWindow::closeEvent(QCloseEvent* e)
{
    QSettings settings;
    settings.setValue("window/geometry", saveGeometry());
    settings.setValue("window/state", saveState());
    settings.setValue("window/outerSplitter", m_outer->saveState());
    settings.setValue("window/leftSplitter", m_left->saveState());
    settings.setValue("window/rightSplitter", m_right->saveState());
    settings.setValue("rename/template", m_rename->nameTemplate());
    settings.setValue("pin/syncState", m_actions->pinSyncsState->isChecked());
    m_session->cancel();
    QMainWindow::closeEvent(e);
}

void MainWindow::dragEnterEvent(QDragEnterEvent* e)
{
    for (const QUrl& u : e->mimeData()->urls())
        if (u.isLocalFile() && (QFileInfo(u.toLocalFile()).isDir() || u.toLocalFile().endsWith(QLatin1String(".ckpt")))) {
            e->acceptProposedAction();
            return;
        }
}

void MainWindow::dropEvent(QDropEvent* e)
{
    for (const QUrl& u : e->mimeData()->urls()) {
        const QFileInfo fi(u.toLocalFile());
        if (fi.isDir()) {
            openFolder(fi.absoluteFilePath());
        } else if (fi.fileName().endsWith(QLatin1String(".ckpt"))) {
            openFolder(fi.absolutePath(), fi.fileName()); // the folder, with the dropped file selected
        } else {
            continue;
        }
        e->acceptProposedAction();
        return;
    }
}

} // namespace podium::ui
