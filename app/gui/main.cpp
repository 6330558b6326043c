// SPDX-License-Identifier: GPL-3.0-or-later
// podium: the desktop app. `podium [DIR]` opens DIR (the bundled example run when none is given);
// `podium --screenshot OUT.png [--size WxH] [DIR]` renders the window after loading and exits.
#include "MainWindow.h"
#include "runs/RunsPanel.h"
#include "Session.h"
#include "table/RankingModel.h"

#include <QApplication>
#include <QPalette>
#include <QStyle>
#include <QCommandLineParser>
#include <QDir>
#include <QFileInfo>
#include <QTimer>
#include <QAbstractItemModel>
#include <QElapsedTimer>
#include <algorithm>
#include <QStandardPaths>
#include <cstdio>
#include <filesystem>
#include <string_view>

namespace {

/// The bundled example run, copied once to the user's data folder so that trying Apply Rename on it
/// changes a copy, never the installed (or source) files.
QString bundledExample()
{
    // installed: <prefix>/share/podium/example; build tree: the source's resources/example
    QString source = QCoreApplication::applicationDirPath() + "/../share/podium/example";
    if (!QFileInfo::exists(source))
        source = QStringLiteral(PODIUM_EXAMPLE_DIR);
    const QString copy = QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation) + "/example";
    std::error_code ec;
    if (!std::filesystem::exists(copy.toStdString() + "/checkpoints", ec)) { // absent or incomplete: copy again
        std::filesystem::create_directories(copy.toStdString(), ec);
        std::filesystem::copy(source.toStdString(), copy.toStdString(), std::filesystem::copy_options::recursive, ec);
        if (ec)
            return QDir(source).canonicalPath(); // read-only home: show the original
    }
    return copy;
}

void printVersion()
{
    std::printf("podium %s\nLicense %s: GNU GPL version 3 or later <https://gnu.org/licenses/gpl.html>.\n"
                "This is free software: you are free to change and redistribute it.\n"
                "There is NO WARRANTY, to the extent permitted by law.\n",
                PODIUM_VERSION, PODIUM_LICENSE);
}

} // namespace

int main(int argc, char** argv)
{
    // --version answers before QApplication exists, so it works without a display (a server, a package check).
    for (int i = 1; i < argc; ++i)
        if (std::string_view(argv[i]) == "--version" || std::string_view(argv[i]) == "-v") {
            printVersion();
            return 0;
        }
    QApplication app(argc, argv);
    QApplication::setApplicationName("Podium");
    QApplication::setOrganizationName("Podium");
    QApplication::setApplicationVersion(PODIUM_VERSION);

    QCommandLineParser p;
    p.setApplicationDescription("Rank, rename and inspect PyTorch Lightning checkpoints — safely.");
    p.addHelpOption();
    // Not addVersionOption(): --version names the license too, like podium-cli's.
    QCommandLineOption version(QStringList{"v", "version"}, "Displays version and license information.");
    p.addOption(version);
    QCommandLineOption shot("screenshot", "Render the window to OUT.png once the folder is loaded, then exit.", "OUT.png");
    QCommandLineOption size("size", "Window size for --screenshot, e.g. 1280x800.", "WxH", "1280x800");
    QCommandLineOption palette("palette", "Force a light or dark palette (Fusion style), e.g. for screenshots.", "light|dark");
    QCommandLineOption measure("measure", "Open the folder, print how long the first rows and the whole load took and the "
                                          "UI thread's longest stall (a 10 ms timer's worst gap) as JSON, then exit.");
    QCommandLineOption groupBy("group-by", "Group the runs of a tree by this parameter (mean curve with its min–max band, "
                                           "mean ± std of each group's best score).", "PARAM");
    p.addOption(shot);
    p.addOption(measure);
    p.addOption(groupBy);
    p.addOption(size);
    p.addOption(palette);
    p.addPositionalArgument("folder", "Checkpoint folder, or a location: s3://bucket/prefix, https://…/model.ckpt "
                                      "(default: the bundled example run).");
    p.process(app);
    if (p.isSet(version)) { // -v spelled inside a combined option
        printVersion();
        return 0;
    }

    if (p.isSet(palette)) {
        QApplication::setStyle("Fusion");
        if (p.value(palette) == "dark") {
            QPalette dark;
            dark.setColor(QPalette::Window, QColor(45, 45, 48));
            dark.setColor(QPalette::WindowText, Qt::white);
            dark.setColor(QPalette::Base, QColor(30, 30, 32));
            dark.setColor(QPalette::AlternateBase, QColor(45, 45, 48));
            dark.setColor(QPalette::Text, Qt::white);
            dark.setColor(QPalette::Button, QColor(53, 53, 56));
            dark.setColor(QPalette::ButtonText, Qt::white);
            dark.setColor(QPalette::Highlight, QColor(42, 130, 218));
            dark.setColor(QPalette::HighlightedText, Qt::black);
            dark.setColor(QPalette::ToolTipBase, QColor(53, 53, 56));
            dark.setColor(QPalette::ToolTipText, Qt::white);
            dark.setColor(QPalette::Disabled, QPalette::Text, QColor(127, 127, 127));
            dark.setColor(QPalette::Disabled, QPalette::ButtonText, QColor(127, 127, 127));
            QApplication::setPalette(dark);
        } else {
            QApplication::setPalette(QApplication::style()->standardPalette());
        }
    }
    podium::ui::MainWindow w;
    const QString folder = p.positionalArguments().value(0, bundledExample());
    if (p.isSet(shot)) {
        const auto wh = p.value(size).split('x');
        if (wh.size() == 2)
            w.resize(wh[0].toInt(), wh[1].toInt());
        QObject::connect(&w, &podium::ui::MainWindow::settled, &app, [&] {
            QTimer::singleShot(200, &app, [&] {
                const bool ok = w.grab().save(p.value(shot));
                std::fprintf(ok ? stdout : stderr, ok ? "wrote %s\n" : "cannot write %s\n", qPrintable(p.value(shot)));
                app.exit(ok ? 0 : 1);
            });
        });
    }
    QElapsedTimer sinceOpen, sinceTick;
    qint64 firstRowsMs = -1, worstGapMs = 0;
    QTimer ticker;
    if (p.isSet(measure)) {
        // the UI thread's responsiveness: a 10 ms timer that cannot fire while the thread is busy
        ticker.setInterval(10);
        ticker.setTimerType(Qt::PreciseTimer);
        QObject::connect(&ticker, &QTimer::timeout, &app, [&] {
            worstGapMs = std::max(worstGapMs, sinceTick.restart() - 10);
        });
        QObject::connect(w.rankingModel(), &QAbstractItemModel::modelReset, &app, [&] {
            if (firstRowsMs < 0 && w.rankingModel()->rowCount() > 0)
                firstRowsMs = sinceOpen.elapsed();
        });
        QObject::connect(&w, &podium::ui::MainWindow::settled, &app, [&] {
            const qint64 total = sinceOpen.elapsed();
            // reported a moment later: the timer's next ticks count the stall of the last update too
            QTimer::singleShot(100, &app, [&, total] {
            std::printf("{\"first_rows_ms\": %lld, \"loaded_ms\": %lld, \"worst_ui_gap_ms\": %lld, \"rows\": %d}\n",
                        static_cast<long long>(firstRowsMs), static_cast<long long>(total),
                        static_cast<long long>(worstGapMs), w.rankingModel()->rowCount());
            app.exit(0);
            });
        }, Qt::SingleShotConnection);
    }
    if (p.isSet(groupBy)) // once the runs are known (the choices are the parameters that differ)
        QObject::connect(&w, &podium::ui::MainWindow::settled, &app, [&] { w.runsPanel()->setGroupBy(p.value(groupBy)); },
                         Qt::SingleShotConnection);
    w.show();
    sinceOpen.start();
    sinceTick.start();
    if (p.isSet(measure))
        ticker.start();
    w.openFolder(folder);
    return app.exec();
}
