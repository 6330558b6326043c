// SPDX-License-Identifier: GPL-3.0-or-later
// The window on real fixtures: the ranks of truth.json in the table, sorting by a header, the filter, the
// group selector, actions by objectName, the models under QAbstractItemModelTester, and a large folder
// loading without freezing the event loop.
#include "support/TestData.h"

#include "support/FailingFileSystem.h"

#include "checkpoint/CheckpointReader.h"

#include "Actions.h"
#include "MainWindow.h"
#include "chart/ChartPanel.h"
#include "chart/ChartData.h"
#include "details/DetailsPanel.h"
#include "rename/RenameController.h"
#include "rename/RenameExecutor.h"
#include "ranking/FolderScan.h"
#include "Session.h"
#include "common/DialogSeam.h"
#include "table/RankingModel.h"
#include "runs/RunsModel.h"
#include "runs/RunsPanel.h"

#include <QAbstractItemModelTester>
#include <QCheckBox>
#include <QClipboard>
#include <QMessageBox>
#include <QMimeData>
#include <QSettings>
#include <QStandardPaths>
#include <QTreeWidget>
#include <QComboBox>
#include <QLabel>
#include <QHeaderView>
#include <QLineEdit>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QtTest>
#include <cmath>
#include <filesystem>
#include <functional>
#include <set>
#include <nlohmann/json.hpp>

using namespace podium;
using namespace podium::ui;

namespace {

bool openAndWait(MainWindow& w, const QString& folder)
{
    QSignalSpy settled(&w, &MainWindow::settled);
    w.openFolder(folder);
    return settled.wait(20000);
}

QString cell(QTableView* t, int row, int col)
{
    return t->model()->index(row, col).data().toString();
}

/// A writable copy of a fixture's checkpoints in `tmp`/checkpoints, aged so it does not look like a live run.
std::string copyCheckpoints(const QTemporaryDir& tmp, const std::string& scenario)
{
    const std::string dir = tmp.path().toStdString() + "/checkpoints";
    std::filesystem::copy(test::fixturePath(scenario, "checkpoints"), dir, std::filesystem::copy_options::recursive);
    for (const auto& e : std::filesystem::directory_iterator(dir))
        std::filesystem::last_write_time(e.path(), std::filesystem::file_time_type::clock::now() - std::chrono::hours(1));
    return dir;
}

/// The text of every item of the details tree, depth first.
QStringList treeTexts(QTreeWidget* t)
{
    QStringList out;
    std::function<void(QTreeWidgetItem*)> walk = [&](QTreeWidgetItem* it) {
        out << it->text(0) + " = " + it->text(1);
        for (int i = 0; i < it->childCount(); ++i)
            walk(it->child(i));
    };
    for (int i = 0; i < t->topLevelItemCount(); ++i)
        walk(t->topLevelItem(i));
    return out;
}

/// A writable, aged copy of a tree fixture of ../shared/fixtures.
QString copySharedTree(const QTemporaryDir& tmp, const std::string& scenario)
{
    const std::string dst = tmp.path().toStdString() + "/" + scenario;
    std::filesystem::copy(test::sharedPath("fixtures/" + scenario), dst,
                          std::filesystem::copy_options::recursive | std::filesystem::copy_options::copy_symlinks);
    for (const auto& e : std::filesystem::recursive_directory_iterator(dst))
        if (!e.is_symlink() && e.is_regular_file())
            std::filesystem::last_write_time(e.path(), std::filesystem::file_time_type::clock::now() - std::chrono::hours(1));
    return QString::fromStdString(dst);
}

/// The files the ranking table shows, in the model's order.
QStringList tableFiles(MainWindow& w)
{
    QStringList out;
    for (int r = 0; r < w.rankingModel()->rowCount(); ++r)
        out << w.rankingModel()->fileAt(r);
    return out;
}

} // namespace

class TestMainWindow : public QObject {
    Q_OBJECT
private slots:
    void showsTheRanksOfTruth();
    void sortsByHeaderAndFilters();
    void groupSelectorSwitchesMetric();
    void modelsPassTheTester();
    void actionsByObjectName();
    void largeFolderKeepsTheEventLoopResponsive();
    void aboutNamesTheLicense();
    void safetyColumnShowsTheVerdict();
    void applyRenameAndUndoThroughActions();
    void selectingARowShowsDetailsAndHighlightsTheMarker();
    void clickingAMarkerSelectsTheRow();
    void chartLogScaleAndAxis();
    void pinUnpinAndExportManifest();
    void createRankLinks();
    void interruptedRenameIsOfferedOnOpen();
    void droppedCheckpointOpensItsFolder();
    void newCheckpointsAppearByThemselves();
    void aTreeOfManyDirectoriesIsWatchedWhole();
    void templateAndRecentFoldersPersist();
    void bundledExampleChartsTheLoggedCurves();
    void syncStateRebasesTheMovedRun();
    void runsPanelFiltersSortsAndSelects();
    void runsGroupedByAParameter();
    void chartDownsamplesLongCurves();
    void leaderboardAcrossRunsCopiesAndPins();
    void everyCheckpointOnceInTheWindow();
};

void TestMainWindow::showsTheRanksOfTruth()
{
    MainWindow w;
    QVERIFY(openAndWait(w, QString::fromStdString(test::fixturePath("seed-static-name"))));
    const auto truth = test::truth("seed-static-name")["callbacks"][0]["ranked"];
    auto* t = w.table();
    QCOMPARE(t->model()->rowCount(), 6); // five ranked + last.ckpt
    for (int i = 0; i < 5; ++i) {
        QCOMPARE(cell(t, i, RankingModel::File), QString::fromStdString(truth[i]["path"].get<std::string>()));
        QCOMPARE(t->model()->index(i, RankingModel::Score).data(RankingModel::SortRole).toDouble(),
                 truth[i]["score"].get<double>());
    }
    QVERIFY(cell(t, 0, RankingModel::Rank).contains("1"));
    QCOMPARE(cell(t, 5, RankingModel::Status), QString("last checkpoint"));
}

void TestMainWindow::sortsByHeaderAndFilters()
{
    MainWindow w;
    QVERIFY(openAndWait(w, QString::fromStdString(test::fixturePath("seed-static-name"))));
    auto* t = w.table();
    t->sortByColumn(RankingModel::Score, Qt::DescendingOrder);
    // descending: no-score rows (last.ckpt sorts as +inf) first, then the worst ranked
    QCOMPARE(cell(t, 1, RankingModel::File), QString("checkpoints/best.ckpt"));
    t->sortByColumn(RankingModel::Step, Qt::AscendingOrder);
    QCOMPARE(cell(t, 0, RankingModel::File), QString("checkpoints/best-v3.ckpt")); // step 16
    auto* filter = w.findChild<QLineEdit*>("filter");
    QVERIFY(filter);
    filter->setText("v4");
    QCOMPARE(t->model()->rowCount(), 1);
    QCOMPARE(cell(t, 0, RankingModel::File), QString("checkpoints/best-v4.ckpt"));
}

void TestMainWindow::groupSelectorSwitchesMetric()
{
    MainWindow w;
    QVERIFY(openAndWait(w, QString::fromStdString(test::fixturePath("two-callbacks"))));
    auto* groups = w.groupSelector();
    QCOMPARE(groups->count(), 2);
    QStringList labels{groups->itemText(0), groups->itemText(1)};
    QVERIFY(labels.contains(QString::fromUtf8("val_loss ↓")));
    QVERIFY(labels.contains(QString::fromUtf8("val_acc ↑")));
    const int acc = labels.indexOf(QString::fromUtf8("val_acc ↑"));
    groups->setCurrentIndex(acc);
    QCOMPARE(cell(w.table(), 0, RankingModel::File), QString("b/epoch=2-step=12.ckpt"));
}

void TestMainWindow::modelsPassTheTester()
{
    MainWindow w;
    auto* proxy = qobject_cast<QSortFilterProxyModel*>(w.table()->model());
    QVERIFY(proxy);
    QAbstractItemModelTester sourceTester(proxy->sourceModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester proxyTester(proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QVERIFY(openAndWait(w, QString::fromStdString(test::fixturePath("two-callbacks"))));
    w.groupSelector()->setCurrentIndex(1);
    w.table()->sortByColumn(RankingModel::Score, Qt::AscendingOrder);
    QVERIFY(openAndWait(w, QString::fromStdString(test::fixturePath("all-steps"))));
}

void TestMainWindow::actionsByObjectName()
{
    MainWindow w;
    auto* reload = w.actions()->find("actionReload");
    QVERIFY(reload);
    QVERIFY(!reload->isEnabled());
    QVERIFY(!reload->toolTip().isEmpty()); // says why
    QCOMPARE(reload->shortcut(), QKeySequence(Qt::Key_F5));
    QCOMPARE(w.actions()->find("actionOpenFolder")->shortcut(), QKeySequence(QKeySequence::Open));
    QVERIFY(openAndWait(w, QString::fromStdString(test::fixturePath("seed-static-name"))));
    QVERIFY(reload->isEnabled());
    QSignalSpy settled(&w, &MainWindow::settled);
    reload->trigger();
    QVERIFY(settled.wait(20000));
    QCOMPARE(w.table()->model()->rowCount(), 6);
}

void TestMainWindow::aboutNamesTheLicense()
{
    MainWindow w;
    QString text;
    DialogSeam::answer = [&](QDialog* d) {
        if (auto* box = qobject_cast<QMessageBox*>(d))
            text = box->text();
        return int(QDialog::Accepted);
    };
    w.actions()->find("actionAbout")->trigger();
    DialogSeam::answer = nullptr;
    QVERIFY2(text.contains("GPL-3.0-or-later"), qPrintable(text));
    QVERIFY(text.contains("GNU General Public License"));
}

void TestMainWindow::safetyColumnShowsTheVerdict()
{
    // A run's checkpoints plus one hostile file (copied at run time from ../shared/security, never into the
    // project): its row says unsafe, with the global in the tooltip; the real ones are safe.
    QTemporaryDir tmp;
    const std::string dir = copyCheckpoints(tmp, "seed-static-name");
    std::filesystem::copy_file(test::sharedPath("security/ps_eval_p4.ckpt"), dir + "/hostile.ckpt");
    MainWindow w;
    QVERIFY(openAndWait(w, tmp.path()));
    auto* t = w.table();
    bool sawHostile = false, sawSafe = false;
    for (int r = 0; r < t->model()->rowCount(); ++r) {
        const QString file = cell(t, r, RankingModel::File);
        const QString verdict = cell(t, r, RankingModel::Safety);
        const QString tip = t->model()->index(r, RankingModel::Safety).data(Qt::ToolTipRole).toString();
        if (file.endsWith("hostile.ckpt")) {
            sawHostile = true;
            QCOMPARE(verdict, QString("unsafe"));
            QVERIFY2(tip.contains("builtins.eval"), qPrintable(tip));
            QVERIFY(t->model()->index(r, RankingModel::Safety).data(Qt::DecorationRole).isValid());
        } else if (file.endsWith("best-v4.ckpt")) {
            sawSafe = verdict == "safe";
        }
    }
    QVERIFY(sawHostile);
    QVERIFY(sawSafe);
}

void TestMainWindow::largeFolderKeepsTheEventLoopResponsive()
{
    QTemporaryDir tmp;
    const std::string dir = tmp.path().toStdString();
    const auto src = test::fixturePath("all-steps", "checkpoints");
    int n = 0;
    for (int copy = 0; copy < 60; ++copy)
        for (const auto& e : std::filesystem::directory_iterator(src))
            std::filesystem::copy(e.path(), dir + "/c" + std::to_string(copy) + "-" + e.path().filename().string()), ++n;
    MainWindow w;
    int ticks = 0;
    QTimer timer;
    connect(&timer, &QTimer::timeout, [&] { ++ticks; });
    timer.start(1);
    QSignalSpy settled(&w, &MainWindow::settled);
    w.openFolder(QString::fromStdString(dir));
    QVERIFY(w.session()->busy());
    QVERIFY(settled.wait(60000));
    QVERIFY2(ticks > 0, "the timer never fired while the folder loaded");
    QCOMPARE(static_cast<int>(w.session()->state()->scan.files.size()), n);
}

void TestMainWindow::applyRenameAndUndoThroughActions()
{
    QTemporaryDir tmp;
    const std::string dir = tmp.path().toStdString() + "/checkpoints";
    std::filesystem::copy(test::fixturePath("seed-static-name", "checkpoints"), dir, std::filesystem::copy_options::recursive);
    for (const auto& e : std::filesystem::directory_iterator(dir)) // not a running training
        std::filesystem::last_write_time(e.path(), std::filesystem::file_time_type::clock::now() - std::chrono::hours(1));
    MainWindow w;
    QVERIFY(openAndWait(w, tmp.path()));
    QStringList previewed;
    DialogSeam::answer = [&](QDialog* d) {
        previewed << d->objectName();
        return int(QDialog::Accepted);
    };
    QSignalSpy settled(&w, &MainWindow::settled);
    w.actions()->find("actionApplyRename")->trigger();
    QVERIFY(settled.wait(20000)); // the folder is read again after the rename
    QCOMPARE(previewed, (QStringList{"renamePreview", "renameResult"}));
    for (int rank = 1; rank <= 5; ++rank)
        QVERIFY(std::filesystem::exists(dir + "/best_top" + std::to_string(rank) + ".ckpt"));
    QCOMPARE(cell(w.table(), 0, RankingModel::File), QString("checkpoints/best_top1.ckpt"));
    // "update the paths inside the checkpoints" is on by default: Lightning sees the new names
    auto synced = checkpoint::readCheckpoint(dir + "/last.ckpt");
    QVERIFY(bool(synced));
    QVERIFY(synced->callbacks.at(0).bestModelPath.ends_with("/best_top1.ckpt"));
    w.actions()->find("actionUndoRename")->trigger();
    QVERIFY(settled.wait(20000));
    QVERIFY(std::filesystem::exists(dir + "/best-v4.ckpt"));
    QCOMPARE(cell(w.table(), 0, RankingModel::File), QString("checkpoints/best-v4.ckpt"));
    // a dialog answered "Cancel" changes nothing
    DialogSeam::answer = [](QDialog*) { return int(QDialog::Rejected); };
    w.actions()->find("actionApplyRename")->trigger();
    QVERIFY(std::filesystem::exists(dir + "/best-v4.ckpt"));
    DialogSeam::answer = nullptr;
}

void TestMainWindow::selectingARowShowsDetailsAndHighlightsTheMarker()
{
    MainWindow w;
    QVERIFY(openAndWait(w, QString::fromStdString(test::fixturePath("seed-static-name"))));
    QCOMPARE(w.selectedFile(), cell(w.table(), 0, RankingModel::File)); // the best is selected on open
    QVERIFY(!std::isnan(w.chart()->selectedPoint().x()));
    QCOMPARE(w.chart()->markerPoints().size(), 5); // the five ranked checkpoints
    w.table()->selectRow(1); // rank 2
    const QString file = cell(w.table(), 1, RankingModel::File);
    QCOMPARE(w.selectedFile(), file);
    QCOMPARE(w.details()->file(), file);
    const QStringList texts = treeTexts(w.details()->tree());
    QVERIFY2(texts.join('\n').contains("rank 2 of 5"), qPrintable(texts.join('\n')));
    QVERIFY(texts.join('\n').contains("best_k_models"));
    QVERIFY(texts.join('\n').contains("state_dict"));
    // the marker of that checkpoint is ringed: at (its global step, its score)
    const auto truth = test::truth("seed-static-name")["callbacks"][0]["ranked"][1];
    const QPointF p = w.chart()->selectedPoint();
    QCOMPARE(p.y(), truth["score"].get<double>());
    const double step = w.table()->model()->index(1, RankingModel::Step).data(RankingModel::SortRole).toDouble();
    QVERIFY(p.x() == step || p.x() == step - 1); // on the logged curve, which Lightning writes at step - 1
    QVERIFY(w.actions()->find("actionPin")->isEnabled());
    w.actions()->find("actionCopySnippet")->trigger();
    QVERIFY(QApplication::clipboard()->text().startsWith("ckpt_path=\""));
    QVERIFY(QApplication::clipboard()->text().endsWith(file + "\""));
}

void TestMainWindow::clickingAMarkerSelectsTheRow()
{
    MainWindow w;
    QVERIFY(openAndWait(w, QString::fromStdString(test::fixturePath("seed-static-name"))));
    emit w.chart()->checkpointClicked("checkpoints/best-v4.ckpt");
    QCOMPARE(w.selectedFile(), QString("checkpoints/best-v4.ckpt"));
    QCOMPARE(w.details()->file(), QString("checkpoints/best-v4.ckpt"));
}

void TestMainWindow::chartLogScaleAndAxis()
{
    MainWindow w;
    QVERIFY(openAndWait(w, QString::fromStdString(test::fixturePath("seed-static-name"))));
    auto* chart = w.chart();
    const auto byStep = chart->markerPoints();
    chart->setXAxis(XAxisKind::Epoch);
    const auto byEpoch = chart->markerPoints();
    QCOMPARE(byEpoch.size(), byStep.size());
    QVERIFY(byEpoch[0].x() < byStep[0].x()); // epochs are smaller numbers than steps here
    QCOMPARE(byEpoch[0].y(), byStep[0].y());
    QVERIFY(!chart->logScale());
    chart->setLogScale(true); // val/loss > 0: possible
    QVERIFY(chart->logScale());
    QTemporaryDir tmp;
    QVERIFY(chart->exportImage(tmp.path() + "/chart.png"));
    QVERIFY(chart->exportImage(tmp.path() + "/chart.svg"));
    QVERIFY(QFileInfo(tmp.path() + "/chart.png").size() > 1000);
    QFile svg(tmp.path() + "/chart.svg");
    QVERIFY(svg.open(QIODevice::ReadOnly));
    QVERIFY(svg.readAll().contains("<svg"));
}

void TestMainWindow::pinUnpinAndExportManifest()
{
    QTemporaryDir tmp;
    const std::string dir = copyCheckpoints(tmp, "max-acc");
    MainWindow w;
    QVERIFY(openAndWait(w, tmp.path()));
    QVERIFY(!w.actions()->find("actionUnpin")->isEnabled());
    w.table()->selectRow(1);
    const QString second = w.selectedFile();
    QSignalSpy settled(&w, &MainWindow::settled);
    w.actions()->find("actionPin")->trigger();
    QVERIFY(settled.wait(20000));
    QVERIFY(std::filesystem::is_symlink(dir + "/best.ckpt") || std::filesystem::is_symlink(dir + "/podium-best.ckpt"));
    QVERIFY(w.actions()->find("actionUnpin")->isEnabled());
    const int row = static_cast<RankingModel*>(static_cast<QSortFilterProxyModel*>(w.table()->model())->sourceModel())->rowOf(second);
    QVERIFY(row >= 0);
    bool starred = false;
    for (int r = 0; r < w.table()->model()->rowCount(); ++r)
        if (cell(w.table(), r, RankingModel::File) == second)
            starred = !cell(w.table(), r, RankingModel::Pin).isEmpty();
    QVERIFY(starred);

    const QString out = tmp.path() + "/m.json";
    DialogSeam::saveFile = [&](const QString&) { return out; };
    w.actions()->find("actionExportManifest")->trigger();
    DialogSeam::saveFile = nullptr;
    QFile f(out);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const auto j = nlohmann::json::parse(f.readAll().toStdString());
    QCOMPARE(j["pin"]["file"].get<std::string>(), second.toStdString());
    QCOMPARE(j["groups"][0]["ranked"][1]["file"].get<std::string>(), second.toStdString());

    w.actions()->find("actionUnpin")->trigger();
    QVERIFY(settled.wait(20000));
    // asked for: pinning also sets best_model_path inside the checkpoints (ckpt_path="best" loads it)
    w.actions()->find("actionPinSyncsState")->setChecked(true);
    w.selectFile(second);
    w.actions()->find("actionPin")->trigger();
    QVERIFY(settled.wait(20000));
    // the newest checkpoint (rank 1, its own best_model_path named itself) now names the pinned one
    auto newest = checkpoint::readCheckpoint(dir + "/ep08-acc0.821.ckpt");
    QVERIFY(bool(newest));
    QCOMPARE(QString::fromStdString(newest->callbacks.at(0).bestModelPath).section('/', -1), QFileInfo(second).fileName());
    w.actions()->find("actionPinSyncsState")->setChecked(false);
    w.actions()->find("actionUnpin")->trigger();
    QVERIFY(settled.wait(20000));
    QVERIFY(!std::filesystem::exists(dir + "/best.ckpt") || !std::filesystem::is_symlink(dir + "/best.ckpt"));
    QVERIFY(!w.actions()->find("actionUnpin")->isEnabled());
}

void TestMainWindow::createRankLinks()
{
    QTemporaryDir tmp;
    const std::string dir = copyCheckpoints(tmp, "seed-static-name");
    MainWindow w;
    QVERIFY(openAndWait(w, tmp.path()));
    QSignalSpy settled(&w, &MainWindow::settled);
    w.actions()->find("actionCreateRankLinks")->trigger();
    QVERIFY(settled.wait(20000));
    QVERIFY(std::filesystem::is_symlink(dir + "/best_top1.ckpt"));
    QCOMPARE(std::filesystem::read_symlink(dir + "/best_top1.ckpt").string(), std::string("best-v4.ckpt"));
    QVERIFY(std::filesystem::exists(dir + "/best-v4.ckpt")); // nothing moved
}

void TestMainWindow::interruptedRenameIsOfferedOnOpen()
{
    QTemporaryDir tmp;
    const std::string dir = copyCheckpoints(tmp, "seed-static-name");
    { // a rename killed half-way through
        ranking::FolderScanner scanner;
        auto scan = scanner.scan(tmp.path().toStdString(), {.recursive = true});
        QVERIFY(bool(scan));
        auto r = ranking::rank(*scan);
        auto plan = rename::planRename(r.groups.at(0), rename::namesInDirectory(dir));
        QVERIFY(bool(plan));
        test::FailingFileSystem crashing(4);
        rename::RenameExecutor ex(crashing);
        QVERIFY_THROWS_EXCEPTION(test::SimulatedCrash, (void)ex.apply(dir, *plan, rename::identitiesIn(*scan, r.groups[0].directory)));
    }
    QStringList asked;
    DialogSeam::answer = [&](QDialog* d) {
        asked << d->objectName();
        return int(QDialog::Accepted); // Complete
    };
    MainWindow w;
    QSignalSpy settled(&w, &MainWindow::settled);
    w.openFolder(tmp.path());
    QVERIFY(settled.wait(20000));
    if (!asked.contains("recoverQuestion"))
        QVERIFY(settled.wait(20000));
    DialogSeam::answer = nullptr;
    QVERIFY(asked.contains("recoverQuestion"));
    QTRY_VERIFY_WITH_TIMEOUT(std::filesystem::exists(dir + "/best_top1.ckpt"), 5000);
    QVERIFY(settled.count() >= 2 || settled.wait(20000)); // read again after the recovery
    QVERIFY(!w.actions()->find("actionRecoverRename")->isEnabled());
    QCOMPARE(cell(w.table(), 0, RankingModel::File), QString("checkpoints/best_top1.ckpt"));
}

void TestMainWindow::droppedCheckpointOpensItsFolder()
{
    MainWindow w;
    const QString file = QString::fromStdString(test::fixturePath("max-acc", "checkpoints"));
    QString ckpt;
    for (const auto& e : std::filesystem::directory_iterator(file.toStdString()))
        if (e.path().extension() == ".ckpt" && !e.is_symlink())
            ckpt = QString::fromStdString(e.path().string());
    QMimeData mime;
    mime.setUrls({QUrl::fromLocalFile(ckpt)});
    QDragEnterEvent enter(QPoint(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(&w, &enter);
    QVERIFY(enter.isAccepted());
    QSignalSpy settled(&w, &MainWindow::settled);
    QDropEvent drop(QPointF(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(&w, &drop);
    QVERIFY(settled.wait(20000));
    QCOMPARE(w.session()->folder(), QDir::cleanPath(file));
    QCOMPARE(w.selectedFile(), QFileInfo(ckpt).fileName());
}

void TestMainWindow::newCheckpointsAppearByThemselves()
{
    QTemporaryDir tmp;
    const std::string dir = tmp.path().toStdString() + "/checkpoints";
    std::filesystem::create_directories(dir);
    const auto src = test::fixturePath("seed-static-name", "checkpoints");
    std::filesystem::copy(src + "/best.ckpt", dir + "/best.ckpt");
    MainWindow w;
    w.session()->setWatching(true, 100);
    QVERIFY(openAndWait(w, tmp.path()));
    const int before = w.table()->model()->rowCount();
    QSignalSpy settled(&w, &MainWindow::settled);
    std::filesystem::copy(src + "/best-v1.ckpt", dir + "/best-v1.ckpt"); // the training writes another one
    QVERIFY(settled.wait(10000));
    QTRY_COMPARE_WITH_TIMEOUT(w.table()->model()->rowCount(), before + 1, 10000);
}

void TestMainWindow::aTreeOfManyDirectoriesIsWatchedWhole()
{
    // more directories than one chunk of the watcher (they are added a chunk per event, so the window stays
    // responsive): a checkpoint written into the last one still appears
    QTemporaryDir tmp;
    const auto src = test::fixturePath("seed-static-name", "checkpoints");
    for (int i = 0; i < 450; ++i) {
        const std::string dir = tmp.path().toStdString() + "/run_" + std::to_string(1000 + i) + "/checkpoints";
        std::filesystem::create_directories(dir);
        std::filesystem::copy(src + "/best.ckpt", dir + "/best.ckpt");
    }
    MainWindow w;
    w.session()->setWatching(true, 100);
    QVERIFY(openAndWait(w, tmp.path()));
    QTRY_VERIFY_WITH_TIMEOUT(w.session()->watchingAll(), 10000);
    const int before = w.table()->model()->rowCount();
    QSignalSpy settled(&w, &MainWindow::settled);
    std::filesystem::copy(src + "/best-v1.ckpt", tmp.path().toStdString() + "/run_1449/checkpoints/best-v1.ckpt");
    QVERIFY(settled.wait(20000));
    QTRY_VERIFY_WITH_TIMEOUT(w.table()->model()->rowCount() > before || w.session()->state()->scan.files.size() == 451, 20000);
    QCOMPARE(w.session()->state()->scan.files.size(), std::size_t{451});
}

void TestMainWindow::templateAndRecentFoldersPersist()
{
    const QString folder = QString::fromStdString(test::fixturePath("max-acc"));
    {
        MainWindow w;
        QVERIFY(openAndWait(w, folder));
        w.renameController()->setNameTemplate("{stem}-rank{rank}");
        w.close();
    }
    MainWindow again;
    QCOMPARE(again.renameController()->nameTemplate(), QString("{stem}-rank{rank}"));
    QCOMPARE(QSettings().value("recentFolders").toStringList().value(0), QDir::cleanPath(folder));
}

void TestMainWindow::bundledExampleChartsTheLoggedCurves()
{
    MainWindow w;
    QVERIFY(openAndWait(w, QStringLiteral(PODIUM_SOURCE_DIR "/resources/example")));
    auto* chart = w.chart();
    QCOMPARE(chart->visibleCurves(), (QStringList{"train_loss", "val/loss"}));
    const auto raw = chart->curvePoints("val/loss", false);
    const auto smooth = chart->curvePoints("val/loss", true);
    QVERIFY(raw.size() >= 10);
    QCOMPARE(smooth.size(), raw.size());
    QCOMPARE(chart->markerPoints().size(), 5);
    // the checkpoints sit on the monitored curve: each marker's score is a logged val/loss value
    for (const QPointF& m : chart->markerPoints()) {
        bool onCurve = false;
        for (const QPointF& p : raw)
            onCurve |= qFuzzyCompare(float(p.y()), float(m.y()));
        QVERIFY2(onCurve, qPrintable(QString::number(m.y())));
    }
    // smoothing changes the drawn curve, 0 gives the raw values back
    chart->setSmoothing(0.9);
    const auto smoother = chart->curvePoints("val/loss", true);
    QVERIFY(smoother.last().y() != smooth.last().y());
    chart->setSmoothing(0.0);
    QCOMPARE(chart->curvePoints("val/loss", true), raw);
    chart->setLogScale(true);
    QVERIFY(chart->logScale());
    chart->setCurveVisible("train_loss", false);
    QCOMPARE(chart->visibleCurves(), QStringList{"val/loss"});
    chart->setXAxis(XAxisKind::Epoch);
    QCOMPARE(chart->curvePoints("val/loss", true).first().x(), 0.0); // epoch 0's validation
}

void TestMainWindow::syncStateRebasesTheMovedRun()
{
    QTemporaryDir tmp;
    const std::string dir = copyCheckpoints(tmp, "seed-static-name");
    for (const auto& e : std::filesystem::directory_iterator(dir))
        std::filesystem::permissions(e.path(), std::filesystem::perms::owner_write, std::filesystem::perm_options::add);
    MainWindow w;
    QVERIFY(openAndWait(w, tmp.path()));
    QStringList asked;
    bool rebaseOffered = false;
    DialogSeam::answer = [&](QDialog* d) {
        asked << d->objectName();
        if (auto* box = d->findChild<QCheckBox*>("syncRebase"))
            rebaseOffered = box->isChecked(); // the embedded /data/runs/... is not where the files are
        return int(QDialog::Accepted);
    };
    QSignalSpy settled(&w, &MainWindow::settled);
    w.actions()->find("actionSyncState")->trigger();
    DialogSeam::answer = nullptr;
    QVERIFY(settled.wait(20000));
    QCOMPARE(asked, QStringList{"syncPreview"});
    QVERIFY(rebaseOffered);
    auto c = checkpoint::readCheckpoint(dir + "/best-v4.ckpt");
    QVERIFY(bool(c));
    QCOMPARE(c->callbacks.at(0).dirpath, std::filesystem::absolute(dir).lexically_normal().string());
    QCOMPARE(cell(w.table(), 0, RankingModel::File), QString("checkpoints/best-v4.ckpt")); // still ranked the same
}

void TestMainWindow::runsPanelFiltersSortsAndSelects()
{
    if (!test::haveShared())
        QSKIP("../shared is missing");
    QTemporaryDir tmp;
    MainWindow w;
    QVERIFY(openAndWait(w, copySharedTree(tmp, "sweep-dev")));
    const auto state = w.session()->state();
    QVERIFY(state->runs.runs.size() >= 2);
    RunsPanel* panel = w.runsPanel();
    QVERIFY(!panel->isHidden());
    QAbstractItemModelTester t1(panel->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester t2(panel->view()->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester t3(w.rankingModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModel* runs = panel->view()->model();
    QCOMPARE(runs->rowCount(), static_cast<int>(state->runs.runs.size()));
    // sorted by best score: the first run holds the leaderboard's rank 1
    QVERIFY(!state->leaderboard.entries.empty());
    QCOMPARE(runs->index(0, RunsModel::Name).data(RunsModel::PathRole).toString(),
             QString::fromStdString(state->leaderboard.entries.front().run));
    // the parameters that differ are columns
    QStringList headers;
    for (int c = 0; c < runs->columnCount(); ++c)
        headers << runs->headerData(c, Qt::Horizontal).toString();
    for (const auto& d : state->runs.differs)
        QVERIFY2(headers.contains(QString::fromStdString(d)), d.c_str());

    // a condition on a parameter
    QStringList small;
    for (const auto& r : state->runs.runs)
        if (r.params.count("lr") && std::stod(r.params.at("lr")) < 0.005)
            small << QString::fromStdString(r.path);
    QVERIFY(!small.isEmpty() && small.size() < runs->rowCount());
    panel->setFilterText("lr < 0.005");
    QCOMPARE(runs->rowCount(), small.size());
    QStringList visible = panel->visibleRuns();
    visible.sort();
    small.sort();
    QCOMPARE(visible, small);
    // the selector offers the leaderboard and the groups of those runs only; the table and chart follow
    QCOMPARE(w.groupSelector()->itemData(0).toInt(), -1);
    for (int i = 1; i < w.groupSelector()->count(); ++i) {
        const int g = w.groupSelector()->itemData(i).toInt();
        const int r = state->runOfGroup(static_cast<std::size_t>(g));
        QVERIFY(r >= 0);
        QVERIFY(small.contains(QString::fromStdString(state->runs.runs[static_cast<std::size_t>(r)].path)));
    }
    QStringList names;
    for (const auto& r : state->runs.runs)
        if (small.contains(QString::fromStdString(r.path)))
            names << QString::fromStdString(r.name);
    for (int row = 0; row < w.rankingModel()->rowCount(); ++row)
        QVERIFY(names.contains(w.rankingModel()->index(row, RankingModel::Run).data().toString()));
    QVERIFY(!w.chart()->visibleCurves().isEmpty());
    for (const auto& c : w.chart()->visibleCurves())
        QVERIFY2(std::any_of(names.begin(), names.end(), [&](const QString& n) { return c.startsWith(n + " · "); }), qPrintable(c));
    // a condition on a metric: the best score of val_loss
    panel->setFilterText("val_loss < -1");
    QCOMPARE(runs->rowCount(), 0);
    // a name pattern, and a broken one searched as text
    panel->setFilterText("seed.2$");
    QVERIFY(!panel->visibleRuns().isEmpty());
    for (const auto& p : panel->visibleRuns())
        QVERIFY(QString::fromStdString(state->runs.runs[static_cast<std::size_t>(panel->model()->rowOfPath(p))].name).endsWith("seed=2"));
    panel->setFilterText("multirun/(");
    QVERIFY(!panel->findChild<QLabel*>("runsFilterError")->isHidden());
    panel->setFilterText("");
    QCOMPARE(runs->rowCount(), static_cast<int>(state->runs.runs.size()));
    // selecting one run: its groups only, its curves only
    const QString one = QString::fromStdString(state->runs.runs.back().path);
    panel->selectRuns({one});
    QCOMPARE(panel->selectedRuns(), QStringList{one});
    for (int i = 1; i < w.groupSelector()->count(); ++i)
        QCOMPARE(QString::fromStdString(state->runs.runs[static_cast<std::size_t>(
                     state->runOfGroup(static_cast<std::size_t>(w.groupSelector()->itemData(i).toInt())))].path), one);
    w.groupSelector()->setCurrentIndex(1);
    for (const auto& f : tableFiles(w))
        QVERIFY2(f.startsWith(one + "/"), qPrintable(f));
    const QString oneName = QString::fromStdString(state->runs.runs.back().name);
    for (const auto& c : w.chart()->visibleCurves())
        QVERIFY2(c.startsWith(oneName + " · "), qPrintable(c)); // never another run's log
    // sorting by a header
    runs->sort(RunsModel::Name, Qt::DescendingOrder);
    QVERIFY(runs->index(0, 0).data().toString() >= runs->index(runs->rowCount() - 1, 0).data().toString());
}

void TestMainWindow::runsGroupedByAParameter()
{
    if (!test::haveShared())
        QSKIP("../shared is missing");
    QTemporaryDir tmp;
    MainWindow w;
    QVERIFY(openAndWait(w, copySharedTree(tmp, "sweep-dev")));
    const auto state = w.session()->state();
    RunsPanel* panel = w.runsPanel();
    QAbstractItemModelTester tester(panel->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    auto* groupBy = panel->findChild<QComboBox*>("runsGroupBy");
    QVERIFY(groupBy);
    QCOMPARE(groupBy->count(), 1 + static_cast<int>(state->runs.differs.size())); // "No grouping" + lr, seed
    QCOMPARE(w.groupSelector()->itemData(w.groupSelector()->currentIndex()).toInt(), -1); // the leaderboard
    panel->setGroupBy("lr");
    // the table: each run's group with mean ± std of the group's best val_loss
    RunsModel* model = panel->model();
    const int col = model->groupColumn();
    QVERIFY(col >= 0);
    QVERIFY(model->headerData(col, Qt::Horizontal).toString().contains("mean ± std"));
    std::map<std::string, std::vector<double>> bests; // lr -> best val_loss of its runs
    for (int row = 0; row < model->rowCount(); ++row)
        bests[model->paramsAt(row).at("lr")].push_back(model->metricsAt(row).at("val_loss"));
    for (int row = 0; row < model->rowCount(); ++row) {
        const auto& b = bests[model->paramsAt(row).at("lr")];
        double mean = 0, sq = 0;
        for (double v : b) mean += v / static_cast<double>(b.size());
        for (double v : b) sq += (v - mean) * (v - mean);
        const QString text = model->index(row, col).data().toString();
        QVERIFY2(text.contains(QString::number(mean, 'g', 4)) && text.contains(QString("(n=%1)").arg(b.size())) &&
                     text.contains(QString::number(std::sqrt(sq / static_cast<double>(b.size() - 1)), 'g', 2)),
                 qPrintable(text));
    }
    // the chart: per lr one mean curve of val_loss, with its min–max band; the mean is the runs' mean at each step
    const QStringList shown = w.chart()->visibleCurves();
    QCOMPARE(shown.size(), 2);
    for (const auto& [lr, values] : bests) {
        const QString name = QString("lr=%1 (%2 runs) · val_loss").arg(QString::fromStdString(lr)).arg(values.size());
        QVERIFY2(shown.contains(name), qPrintable(shown.join(", ")));
        const auto mean = w.chart()->curvePoints(name, false);
        const auto [lower, upper] = w.chart()->bandPoints(name);
        QVERIFY(!mean.isEmpty());
        QCOMPARE(lower.size(), mean.size());
        QCOMPARE(upper.size(), mean.size());
        // the runs' own val_loss per step
        std::map<double, std::vector<double>> at;
        for (std::size_t r = 0; r < state->runs.runs.size(); ++r)
            if (state->runs.runs[r].params.at("lr") == lr)
                for (const auto& c : chartCurves(state->logsOfRun(r)))
                    if (c.name == "val_loss")
                        for (int i = 0; i < c.value.size(); ++i)
                            at[c.step[i]].push_back(c.value[i]);
        for (int i = 0; i < mean.size(); ++i) {
            const auto& v = at[mean[i].x()];
            QVERIFY(!v.empty());
            double m = 0;
            for (double y : v) m += y / static_cast<double>(v.size());
            QVERIFY2(std::abs(mean[i].y() - m) < 1e-9, qPrintable(QString("step %1").arg(mean[i].x())));
            QCOMPARE(lower[i].y(), *std::min_element(v.begin(), v.end()));
            QCOMPARE(upper[i].y(), *std::max_element(v.begin(), v.end()));
        }
    }
    // no grouping: each run's curves again
    panel->setGroupBy("");
    QCOMPARE(model->groupColumn(), -1);
    QCOMPARE(w.chart()->visibleCurves().size(), static_cast<int>(state->runs.runs.size()));
}

void TestMainWindow::leaderboardAcrossRunsCopiesAndPins()
{
    if (!test::haveShared())
        QSKIP("../shared is missing");
    QTemporaryDir tmp;
    MainWindow w;
    const QString folder = copySharedTree(tmp, "sweep-dev");
    QVERIFY(openAndWait(w, folder));
    const auto state = w.session()->state();
    QCOMPARE(w.currentGroup(), -1); // a tree opens on the leaderboard
    QVERIFY(w.rankingModel()->showsLeaderboard());
    const auto& board = state->leaderboard;
    QCOMPARE(w.rankingModel()->rowCount(), static_cast<int>(board.entries.size()));
    for (int r = 0; r < w.rankingModel()->rowCount(); ++r) {
        QCOMPARE(w.rankingModel()->fileAt(r), QString::fromStdString(board.entries[static_cast<std::size_t>(r)].file));
        QCOMPARE(w.rankingModel()->index(r, RankingModel::Rank).data().toString(), QString::number(board.entries[static_cast<std::size_t>(r)].rank));
    }
    // the same as podium-cli rank --across: scores ascend for min
    for (std::size_t i = 1; i < board.entries.size(); ++i)
        QVERIFY(board.mode != checkpoint::Mode::Min || *board.entries[i - 1].score <= *board.entries[i].score);
    QVERIFY(!w.actions()->find("actionApplyRename")->isEnabled()); // renames stay per run
    const QString best = QString::fromStdString(board.entries.front().file);
    w.selectFile(best);
    QCOMPARE(w.selectedFile(), best);
    w.actions()->find("actionCopySnippet")->trigger();
    QCOMPARE(QApplication::clipboard()->text(), QStringLiteral("ckpt_path=\"%1/%2\"").arg(folder, best));
    QSignalSpy settled(&w, &MainWindow::settled);
    w.actions()->find("actionPin")->trigger();
    QVERIFY(settled.wait(20000));
    QVERIFY(w.session()->state()->pin.has_value());
    QCOMPARE(QString::fromStdString(w.session()->state()->pin->file), best);
    QVERIFY(w.rankingModel()->showsLeaderboard());
    QVERIFY(!w.rankingModel()->index(0, RankingModel::Pin).data().toString().isEmpty());
}

void TestMainWindow::everyCheckpointOnceInTheWindow()
{
    if (!test::haveShared())
        QSKIP("../shared is missing");
    for (const char* scenario : {"sweep-dev", "resumed-tree-dev", "shared-dirpath-resume-dev"}) {
        QTemporaryDir tmp;
        MainWindow w;
        QVERIFY(openAndWait(w, copySharedTree(tmp, scenario)));
        const auto state = w.session()->state();
        QAbstractItemModelTester tester(w.rankingModel(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        std::map<QString, int> groupsOf;
        for (int i = 0; i < w.groupSelector()->count(); ++i) {
            w.groupSelector()->setCurrentIndex(i);
            if (w.currentGroup() < 0)
                continue;
            std::map<QString, int> here;
            for (const auto& f : tableFiles(w))
                ++here[f];
            for (const auto& [f, n] : here) {
                QVERIFY2(n == 1, qPrintable(QString(scenario) + ": " + f + " twice in one group"));
                ++groupsOf[f];
            }
        }
        std::set<std::string> errors;
        for (const auto& e : state->ranking.errors)
            errors.insert(e.file);
        std::set<std::string> outside;
        for (const auto& u : state->ranking.unranked)
            outside.insert(u.file);
        for (const auto& f : state->scan.files) {
            const QString rel = QString::fromStdString(f.relPath);
            const bool shown = groupsOf.count(rel) || errors.count(f.relPath) || errors.count(f.path) || outside.count(f.relPath);
            QVERIFY2(shown, qPrintable(QString(scenario) + ": " + rel + " appears nowhere in the window"));
        }
    }
}

void TestMainWindow::chartDownsamplesLongCurves()
{
    // 200,000 logged steps with one spike and one dip: at most 4 points per pixel column are drawn, and the
    // extremes, the first and the last point are among them (the line looks the same)
    ChartCurve c;
    c.name = "train_loss";
    c.kind = "csv";
    for (int i = 0; i < 200000; ++i) {
        c.step << i;
        c.epoch << i / 1000;
        c.wallTime << 1.7e9 + i;
        c.value << (i == 123457 ? 50.0 : i == 777 ? -3.0 : 1.0 + 0.1 * std::sin(i * 0.01));
    }
    ChartPanel chart;
    chart.resize(800, 400);
    chart.setSmoothing(0.0);
    chart.setCheckpoints("train_loss", {});
    chart.setCurves({c});
    const auto drawn = chart.curvePoints("train_loss", true);
    QVERIFY(drawn.size() > 100);
    QVERIFY(drawn.size() <= 4 * std::max(200, chart.width()));
    double hi = -1e9, lo = 1e9;
    for (const auto& p : drawn) {
        hi = std::max(hi, p.y());
        lo = std::min(lo, p.y());
    }
    QCOMPARE(hi, 50.0);
    QCOMPARE(lo, -3.0);
    QCOMPARE(drawn.first().x(), 0.0);
    QCOMPARE(drawn.last().x(), 199999.0);
    for (int i = 1; i < drawn.size(); ++i)
        QVERIFY(drawn[i].x() >= drawn[i - 1].x()); // in the logged order
    // a short curve is drawn as it is
    QVector<QPointF> few{{0, 1}, {1, 2}, {2, 0}};
    QCOMPARE(downsampleForColumns(few, 200), few);
}

int main(int argc, char** argv)
{
    QStandardPaths::setTestModeEnabled(true); // settings go to a test location, never the user's
    QApplication app(argc, argv);
    QApplication::setOrganizationName("PodiumTest");
    QApplication::setApplicationName("PodiumTest");
    QSettings().clear();
    TestMainWindow t;
    return QTest::qExec(&t, argc, argv);
}


#include "TestMainWindow.moc"
