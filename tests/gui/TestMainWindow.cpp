// The window on real fixtures: the ranks of truth.json in the table, sorting by a header, the filter, the
// group selector, actions by objectName, the models under QAbstractItemModelTester, and a large folder
// loading without freezing the event loop.
#include "support/TestData.h"

#include "Actions.h"
#include "MainWindow.h"
#include "Session.h"
#include "common/DialogSeam.h"
#include "table/RankingModel.h"

#include <QAbstractItemModelTester>
#include <QComboBox>
#include <QHeaderView>
#include <QLineEdit>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QtTest>
#include <filesystem>

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
    void applyRenameAndUndoThroughActions();
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
    QCOMPARE(previewed, QStringList{"renamePreview"});
    for (int rank = 1; rank <= 5; ++rank)
        QVERIFY(std::filesystem::exists(dir + "/best_top" + std::to_string(rank) + ".ckpt"));
    QCOMPARE(cell(w.table(), 0, RankingModel::File), QString("checkpoints/best_top1.ckpt"));
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

QTEST_MAIN(TestMainWindow)
#include "TestMainWindow.moc"
