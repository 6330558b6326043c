// SPDX-License-Identifier: GPL-3.0-or-later
// File ▸ Open Location… on a real S3-compatible server (s3rver, started here on loopback and seeded with
// ../shared/fixtures/sweep-dev): the window lists every checkpoint of the tree with the ranking the local
// folder gets, reads each run's curves from its logs on the server, keeps the location in its recent list,
// and offers nothing that would write (rename, pin, links, sync) on a remote location.
#include "support/RemoteServers.h"
#include "support/TestData.h"

#include "Actions.h"
#include "MainWindow.h"
#include "common/DialogSeam.h"
#include "common/OpenLocationDialog.h"
#include "table/RankingModel.h"

#include <QApplication>
#include <QComboBox>
#include <QSettings>
#include <QStandardPaths>
#include <QSignalSpy>
#include <QTableView>
#include <QtTest>
#include <filesystem>

using namespace podium;
using namespace podium::ui;

class TestOpenLocation : public QObject {
    Q_OBJECT
    test::RemoteServers m_servers;

private slots:
    void initTestCase()
    {
        const std::string sweep = std::filesystem::canonical(test::sharedPath("fixtures/sweep-dev")).string();
        const QString why = m_servers.startS3({{"sweep", QString::fromStdString(sweep)}});
        if (!why.isEmpty())
            QFAIL(qPrintable(why));
        qputenv("AWS_ACCESS_KEY_ID", "S3RVER");
        qputenv("AWS_SECRET_ACCESS_KEY", "S3RVER");
        qputenv("AWS_ENDPOINT_URL", m_servers.s3Endpoint().toUtf8());
        qputenv("AWS_SHARED_CREDENTIALS_FILE", (m_servers.dir() + "/none").toUtf8());
        qputenv("AWS_CONFIG_FILE", (m_servers.dir() + "/none").toUtf8());
    }
    void cleanupTestCase() { m_servers.stop(); }

    void opensAnS3Location()
    {
        MainWindow w;
        w.resize(1280, 800);
        const QString url = QStringLiteral("s3://ckpts/sweep");
        DialogSeam::answer = [&](QDialog* d) {
            auto* field = d->findChild<QComboBox*>("locationField");
            if (!field)
                return int(QDialog::Rejected);
            field->setCurrentText(url);
            return int(QDialog::Accepted);
        };
        QSignalSpy settled(&w, &MainWindow::settled);
        w.findChild<QAction*>("actionOpenLocation")->trigger();
        DialogSeam::answer = nullptr;
        QVERIFY(settled.wait(60000));
        QVERIFY(w.windowTitle().contains(url));
        QCOMPARE(OpenLocationDialog::recent().value(0), url);

        // the same rows as the window shows for the local folder (the leaderboard across the sweep's runs)
        MainWindow local;
        QSignalSpy localSettled(&local, &MainWindow::settled);
        local.openFolder(QString::fromStdString(std::filesystem::canonical(test::sharedPath("fixtures/sweep-dev")).string()));
        QVERIFY(localSettled.wait(60000));
        const auto* model = w.table()->model();
        const auto* expected = local.table()->model();
        QVERIFY(model->rowCount() >= 8);
        QCOMPARE(model->rowCount(), expected->rowCount());
        for (int r = 0; r < model->rowCount(); ++r)
            for (int c : {int(RankingModel::Rank), int(RankingModel::File), int(RankingModel::Score), int(RankingModel::Run)})
                QCOMPARE(model->index(r, c).data().toString(), expected->index(r, c).data().toString());
        // read-only: nothing that writes is offered
        for (const char* name : {"actionApplyRename", "actionUndoRename", "actionSyncState", "actionCreateRankLinks", "actionPin"})
            QVERIFY2(!w.findChild<QAction*>(name)->isEnabled(), name);
        QVERIFY(w.findChild<QAction*>("actionCopyPath")->isEnabled());
    }

    void refusesWhatIsNotALocation()
    {
        DialogSeam::answer = [&](QDialog* d) {
            d->findChild<QComboBox*>("locationField")->setCurrentText("ftp://host/x.ckpt");
            return int(QDialog::Accepted);
        };
        QCOMPARE(OpenLocationDialog::ask(nullptr), QString());
        DialogSeam::answer = nullptr;
    }
};

int main(int argc, char** argv)
{
    QStandardPaths::setTestModeEnabled(true); // settings go to a test location, never the user's
    QApplication app(argc, argv);
    QApplication::setOrganizationName("PodiumTestLocation");
    QApplication::setApplicationName("PodiumTestLocation");
    QSettings().clear();
    TestOpenLocation t;
    return QTest::qExec(&t, argc, argv);
}

#include "TestOpenLocation.moc"
