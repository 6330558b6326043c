// SPDX-License-Identifier: GPL-3.0-or-later
// Ranking on every fixture scenario against truth.json's ranked lists (Lightning's own best_k_models), and on
// scenarios built here: weights-only files, NaN scores, ties, stale entries, extra files, links, rescans.
#include "support/TestData.h"

#include "ranking/EmbeddedPath.h"
#include "ranking/Ranking.h"

#include <QtTest>
#include <fstream>
#include <cmath>
#include <filesystem>
#include <unistd.h>

using namespace podium;
using namespace podium::ranking;
namespace fsys = std::filesystem;

namespace {

Ranking rankFolder(const std::string& folder, const RankConfig& cfg = {},
                   checkpoint::Detail detail = checkpoint::Detail::Full)
{
    FolderScanner scanner;
    ScanOptions so;
    so.recursive = true;
    so.read.detail = detail;
    auto scan = scanner.scan(folder, so);
    if (!scan) qFatal("%s", scan.error().message().c_str());
    return rank(*scan, cfg);
}

/// A temporary copy of a fixture's checkpoint folder (the "moved from the cluster" case by construction).
std::string copyFixture(const QTemporaryDir& tmp, const std::string& scenario, const std::string& sub = "checkpoints")
{
    const std::string dst = tmp.path().toStdString() + "/" + scenario;
    fsys::create_directories(dst);
    fsys::copy(test::fixturePath(scenario, sub), dst + "/" + sub, fsys::copy_options::recursive);
    return dst;
}

} // namespace

class TestRanking : public QObject {
    Q_OBJECT
private slots:
    void fixturesMatchTruth_data();
    void fixturesMatchTruth();
    void rankingDetailRanksTheSame_data();
    void rankingDetailRanksTheSame();
    void unrankedHaveReasons();
    void brokenFilesDoNotHideOthers();
    void staleEntry();
    void extraFile();
    void symlinkIsALink();
    void weightsOnlyFromFilenames();
    void exactScoresFromTheLogs();
    void windowsPathsRank();
    void nanSortsLast();
    void tiesKeepEarlierStep();
    void modeOverrideAndGuess();
    void filenameScores_data();
    void filenameScores();
    void rescanReadsOnlyChanges();
    void cancel();
};

void TestRanking::fixturesMatchTruth_data()
{
    // Every single-run scenario of ../shared/fixtures (real runs of Lightning 1.3.8, 1.5.6, 1.6.5, 2.1.4 and
    // 2.2.5, their truth computed by Lightning itself), read from there.
    QTest::addColumn<QString>("folder");
    for (const auto& e : fsys::directory_iterator(test::sharedPath("fixtures"))) {
        const auto truthFile = e.path() / "truth.json";
        if (!fsys::exists(truthFile) || e.path().filename() == "broken")
            continue;
        std::ifstream in(truthFile);
        const auto t = nlohmann::json::parse(in);
        if (t.contains("callbacks") && !t["callbacks"].empty())
            QTest::newRow(e.path().filename().c_str()) << QString::fromStdString(e.path().string());
    }
}

void TestRanking::fixturesMatchTruth()
{
    QFETCH(QString, folder);
    std::ifstream in(folder.toStdString() + "/truth.json");
    const auto truth = nlohmann::json::parse(in);
    const Ranking r = rankFolder(folder.toStdString());
    QVERIFY(r.errors.empty());
    QCOMPARE(r.groups.size(), truth["callbacks"].size());
    for (const auto& cb : truth["callbacks"]) {
        // a group is (directory, state key): every job of a sweep writes the same key
        const std::string firstPath = cb["ranked"].empty() ? std::string() : cb["ranked"][0]["path"].get<std::string>();
        const std::string dir = firstPath.substr(0, firstPath.rfind('/') == std::string::npos ? 0 : firstPath.rfind('/'));
        const Group* g = nullptr;
        for (const auto& gg : r.groups)
            if (gg.stateKey == cb["state_key"].get<std::string>() && (firstPath.empty() || gg.directory == dir)) g = &gg;
        QVERIFY2(g, cb["state_key"].get<std::string>().c_str());
        QCOMPARE(g->monitor, cb["monitor"].get<std::string>());
        QCOMPARE(std::string(checkpoint::modeName(g->mode)), cb["mode"].get<std::string>());
        // Lightning before 1.5.7 keeps no top-k list: each file's own current_score; 1.3/1.4 keep no mode
        const bool byClass = g->stateKey.find('{') == std::string::npos;
        QCOMPARE(g->modeSource, std::string(byClass ? "best_model_score" : "state_key"));
        QCOMPARE(g->ranked.size(), cb["ranked"].size());
        for (std::size_t i = 0; i < g->ranked.size(); ++i) {
            const auto& t = cb["ranked"][i];
            QCOMPARE(g->ranked[i].rank, t["rank"].get<int>());
            QCOMPARE(g->ranked[i].file, t["path"].get<std::string>());
            QCOMPARE(g->ranked[i].score.value_or(NAN), test::truthScore(t["score"]));
            QVERIFY(g->ranked[i].scoreSource == "best_k_models" || g->ranked[i].scoreSource == "current_score");
        }
        QVERIFY2(g->problems.empty(), g->problems.empty() ? "" : g->problems.front().c_str());
    }
}

void TestRanking::rankingDetailRanksTheSame_data()
{
    QTest::addColumn<QString>("scenario");
    for (const auto& s : test::scenarios())
        QTest::newRow(s.c_str()) << QString::fromStdString(s);
}

// podium-cli's commands read with Detail::Ranking: the same ranking (every field of its JSON), from
// results that keep only what ranking reads.
void TestRanking::rankingDetailRanksTheSame()
{
    QFETCH(QString, scenario);
    const std::string folder = test::fixturePath(scenario.toStdString());
    const Ranking full = rankFolder(folder);
    const Ranking lean = rankFolder(folder, {}, checkpoint::Detail::Ranking);
    QCOMPARE(toJson(lean).dump(), toJson(full).dump());

    FolderScanner scanner;
    ScanOptions so;
    so.recursive = true;
    so.read.detail = checkpoint::Detail::Ranking;
    auto scan = scanner.scan(folder, so);
    QVERIFY(scan);
    for (const auto& f : scan->files) {
        if (!f.checkpoint)
            continue;
        const auto& c = *f.checkpoint;
        QCOMPARE(c.detail, checkpoint::Detail::Ranking);
        QVERIFY(c.hyperParameters.is_null());
        QVERIFY(c.topLevelKeys.empty());
        QVERIFY(c.audit.globals.empty());
        if (c.lightningVersion) // without one, the summary says why the file is not a Lightning checkpoint
            QCOMPARE(c.stateDict.tensors, std::size_t{0});
        for (const auto& cb : c.callbacks) {
            QVERIFY(cb.keyFields.is_object());
            for (const auto& [k, v] : cb.keyFields.items())
                QVERIFY2(k == "monitor" || k == "mode" || k == "save_top_k", k.c_str());
        }
    }
}

void TestRanking::unrankedHaveReasons()
{
    const Ranking r = rankFolder(test::fixturePath("seed-static-name"));
    QCOMPARE(r.groups.size(), std::size_t{1});
    const auto& g = r.groups[0];
    QCOMPARE(g.unranked.size(), std::size_t{1});
    QCOMPARE(g.unranked[0].file, std::string("checkpoints/last.ckpt"));
    QCOMPARE(g.unranked[0].reason, std::string("last checkpoint"));
    QCOMPARE(g.directory, std::string("checkpoints"));
    QCOMPARE(g.embeddedDirpath, std::string("/data/runs/seed-static-name/checkpoints"));
    // best.ckpt is not the best: the seed's complaint, answered.
    QCOMPARE(g.ranked.front().file, std::string("checkpoints/best-v4.ckpt"));
    QCOMPARE(g.ranked.back().file, std::string("checkpoints/best.ckpt"));
}

void TestRanking::brokenFilesDoNotHideOthers()
{
    QTemporaryDir tmp;
    const auto dir = copyFixture(tmp, "seed-static-name");
    for (const auto& f : {"truncated-half.ckpt", "empty.ckpt", "text-file.ckpt"})
        fsys::copy(test::fixturePath("broken", f), dir + "/checkpoints/" + f);
    const Ranking r = rankFolder(dir);
    QCOMPARE(r.errors.size(), std::size_t{2}); // the empty and the text file; the truncated one is read as far as it goes
    QCOMPARE(r.groups.size(), std::size_t{1});
    QCOMPARE(r.groups[0].ranked.size(), std::size_t{5});
    for (const auto& e : r.errors)
        QVERIFY(e.error.message().find(e.file.substr(e.file.rfind('/') + 1)) != std::string::npos);
    bool truncatedListed = false;
    for (const auto& u : r.groups[0].unranked)
        if (u.file == "checkpoints/truncated-half.ckpt")
            truncatedListed = u.reason.starts_with("truncated");
    QVERIFY(truncatedListed);
}

void TestRanking::staleEntry()
{
    QTemporaryDir tmp;
    const auto dir = copyFixture(tmp, "seed-static-name");
    fsys::remove(dir + "/checkpoints/best-v3.ckpt"); // rank 2 gone
    const Ranking r = rankFolder(dir);
    const auto& g = r.groups.at(0);
    QCOMPARE(g.ranked.size(), std::size_t{4});
    QCOMPARE(g.ranked[1].file, std::string("checkpoints/best-v1.ckpt"));
    QVERIFY(std::any_of(g.problems.begin(), g.problems.end(), [](auto& p) { return p.starts_with("stale entry") && p.find("best-v3.ckpt") != std::string::npos; }));
}

void TestRanking::extraFile()
{
    // all-steps keeps every file; copy one of templated-min's top-k saves into seed's folder under another name:
    // it carries another callback's state, so it is unranked and said why.
    QTemporaryDir tmp;
    const auto dir = copyFixture(tmp, "seed-static-name");
    fsys::copy(test::fixturePath("broken", "plain-state-dict.ckpt"), dir + "/checkpoints/weights.ckpt");
    const Ranking r = rankFolder(dir);
    const auto& g = r.groups.at(0);
    QCOMPARE(g.ranked.size(), std::size_t{5});
    auto it = std::find_if(g.unranked.begin(), g.unranked.end(), [](auto& u) { return u.file == "checkpoints/weights.ckpt"; });
    QVERIFY(it != g.unranked.end());
    QCOMPARE(it->reason, std::string("not a Lightning checkpoint"));
}

void TestRanking::symlinkIsALink()
{
    QTemporaryDir tmp;
    const auto dir = copyFixture(tmp, "seed-static-name");
    fsys::remove(dir + "/checkpoints/last.ckpt");
    fsys::create_symlink("best-v4.ckpt", dir + "/checkpoints/last.ckpt"); // save_last='link'
    FolderScanner scanner;
    auto scan = scanner.scan(dir + "/checkpoints");
    QVERIFY(scan.ok());
    const auto* link = scan->find("last.ckpt");
    QVERIFY(link && link->isSymlink);
    QCOMPARE(link->linkTargetRel, std::string("best-v4.ckpt"));
    QVERIFY(!link->checkpoint); // not read a second time
    const Ranking r = rank(*scan);
    QCOMPARE(r.groups.at(0).ranked.size(), std::size_t{5});
    QCOMPARE(r.groups.at(0).unranked.at(0).reason, std::string("link to best-v4.ckpt"));
}

void TestRanking::weightsOnlyFromFilenames()
{
    // save_weights_only=True files carry no callback state: the score comes from the file name.
    QTemporaryDir tmp;
    const std::string dir = tmp.path().toStdString();
    const auto src = test::dataPath("generated/weights-only.ckpt");
    for (const auto& name : {"epoch=1-step=8-val_loss=0.912.ckpt", "epoch=3-step=16-val_loss=0.730.ckpt",
                             "epoch=5-step=24-val_loss=0.801.ckpt", "last.ckpt"})
        fsys::copy(src, dir + "/" + name);
    const Ranking r = rankFolder(dir);
    QCOMPARE(r.groups.size(), std::size_t{1});
    const auto& g = r.groups[0];
    QCOMPARE(g.monitor, std::string("val_loss"));
    QCOMPARE(g.modeSource, std::string("guessed"));
    QCOMPARE(g.mode, Mode::Min);
    QCOMPARE(g.ranked.size(), std::size_t{3});
    QCOMPARE(g.ranked[0].file, std::string("epoch=3-step=16-val_loss=0.730.ckpt"));
    QCOMPARE(g.ranked[0].score.value_or(0), 0.730);
    QCOMPARE(g.ranked[0].scoreSource, std::string("filename"));
    QCOMPARE(g.unranked.at(0).reason, std::string("last checkpoint"));

    // auto_insert_metric_name=False: the user names the monitor, "acc0.821" is found; acc guesses max.
    QTemporaryDir tmp2;
    for (const auto& name : {"ep01-acc0.596.ckpt", "ep08-acc0.821.ckpt"})
        fsys::copy(src, tmp2.path().toStdString() + "/" + name);
    RankConfig cfg;
    cfg.monitor = "val_acc";
    const Ranking r2 = rankFolder(tmp2.path().toStdString(), cfg);
    QCOMPARE(r2.groups.at(0).ranked.at(0).file, std::string("ep08-acc0.821.ckpt"));
    QCOMPARE(r2.groups.at(0).mode, Mode::Max);

    // metrics.csv joined on global_step when the name has no score
    QTemporaryDir tmp3;
    fsys::copy(src, tmp3.path().toStdString() + "/model.ckpt"); // global_step 48
    MetricTable metrics{{"val/loss", {{48, 0.5}}}};
    RankConfig c3;
    c3.monitor = "val/loss";
    c3.metrics = &metrics;
    const Ranking r3 = rankFolder(tmp3.path().toStdString(), c3);
    QCOMPARE(r3.groups.at(0).ranked.at(0).scoreSource, std::string("metrics.csv"));
    QCOMPARE(r3.groups.at(0).ranked.at(0).score.value_or(0), 0.5);
}

void TestRanking::exactScoresFromTheLogs()
{
    // Two names that round alike (val_loss=0.7127): the run's metrics.csv, logged at global_step - 1, agrees
    // with each name's rounding and orders them; a logged value that does not agree leaves the name's.
    QTemporaryDir tmp;
    const std::string dir = tmp.path().toStdString();
    fsys::copy(test::dataPath("generated/weights-only-step16.ckpt"), dir + "/epoch=3-step=16-val_loss=0.7127.ckpt");
    fsys::copy(test::dataPath("generated/weights-only-step24.ckpt"), dir + "/epoch=5-step=24-val_loss=0.7127.ckpt");
    const Ranking byName = rankFolder(dir);
    QCOMPARE(byName.groups.at(0).ranked.at(0).file, std::string("epoch=3-step=16-val_loss=0.7127.ckpt")); // a tie: earlier first
    QCOMPARE(byName.groups.at(0).ranked.at(0).scoreSource, std::string("filename"));
    QVERIFY(wantsMetricLogs(byName));
    MetricTable metrics{{"val_loss", {{15, 0.71274}, {23, 0.71266}}}};
    RankConfig cfg;
    cfg.metricsFor = [&](const std::string&) { return &metrics; };
    const Ranking exact = rankFolder(dir, cfg);
    const auto& g = exact.groups.at(0);
    QCOMPARE(g.ranked.at(0).file, std::string("epoch=5-step=24-val_loss=0.7127.ckpt"));
    QCOMPARE(g.ranked.at(0).score.value_or(0), 0.71266);
    QCOMPARE(g.ranked.at(0).scoreSource, std::string("metrics.csv"));
    MetricTable other{{"val_loss", {{15, 0.9}, {23, 0.2}}}}; // some other run's numbers: not used
    cfg.metricsFor = [&](const std::string&) { return &other; };
    const Ranking wrong = rankFolder(dir, cfg);
    QCOMPARE(wrong.groups.at(0).ranked.at(0).scoreSource, std::string("filename"));
}

void TestRanking::windowsPathsRank()
{
    // A real run written on Windows (../shared/wild): its best_k_models says d:\...\checkpoints\model-....ckpt
    const std::string folder = test::sharedPath("wild/JeffAsDRK__Semana_2_AS/lightning_logs/version_3/checkpoints");
    const Ranking r = rankFolder(folder);
    QCOMPARE(r.groups.size(), std::size_t{1});
    const auto& g = r.groups[0];
    QCOMPARE(g.ranked.size(), std::size_t{5});
    QCOMPARE(g.ranked[0].file, std::string("model-epoch=24-val_loss=0.41-1.ckpt"));
    QVERIFY2(g.problems.empty(), g.problems.empty() ? "" : g.problems[0].c_str());
    for (const auto& u : g.unranked)
        QCOMPARE(u.file, std::string("last.ckpt"));
    QCOMPARE(relativeToDirpath("C:/runs\\x\\model.ckpt", "C:\\runs\\x"), std::string("model.ckpt"));
    QCOMPARE(relativeToDirpath("\\\\server\\share\\ck\\a.ckpt", "\\\\server\\share\\ck"), std::string("a.ckpt"));
    QCOMPARE(relativeToDirpath("d:\\Run\\sub\\a.ckpt", "d:\\Run"), std::string("sub/a.ckpt"));
    QCOMPARE(relativeToDirpath("/data/x/a.ckpt", "/data/y"), std::string("a.ckpt"));
}

void TestRanking::nanSortsLast()
{
    // nan-scores.ckpt's best_k_models gives the first entry a NaN score.
    QTemporaryDir tmp;
    const auto dir = copyFixture(tmp, "seed-static-name");
    fsys::copy(test::dataPath("generated/nan-scores.ckpt"), dir + "/checkpoints/zz-newest.ckpt");
    // same global_step as best-v4/last: the newest mtime makes it the authority
    fsys::last_write_time(dir + "/checkpoints/zz-newest.ckpt", fsys::file_time_type::clock::now() + std::chrono::seconds(10));
    const Ranking r = rankFolder(dir);
    const auto& g = r.groups.at(0);
    const auto& last = g.ranked.back();
    QVERIFY2(last.score && std::isnan(*last.score), last.file.c_str());
    QCOMPARE(last.file, std::string("checkpoints/best-v3.ckpt"));
}

void TestRanking::tiesKeepEarlierStep()
{
    ScanResult scan;
    scan.folder = "/x";
    auto make = [&](const std::string& rel, std::int64_t step, const std::vector<std::pair<std::string, double>>& topk) {
        ScannedFile f;
        f.relPath = rel;
        f.path = "/x/" + rel;
        checkpoint::Checkpoint c;
        c.isLightning = true;
        c.globalStep = step;
        c.epoch = step / 10;
        checkpoint::CallbackState cb;
        cb.stateKey = "ModelCheckpoint{'monitor': 'm', 'mode': 'min'}";
        cb.monitor = "m";
        cb.mode = Mode::Min;
        cb.modeSource = "state_key";
        cb.dirpath = "/train/ckpt";
        cb.hasBestKModels = true;
        for (auto& [p, s] : topk) cb.bestKModels.emplace_back("/train/ckpt/" + p, s);
        c.callbacks.push_back(cb);
        f.checkpoint = std::make_shared<const checkpoint::Checkpoint>(c);
        scan.files.push_back(f);
    };
    const std::vector<std::pair<std::string, double>> topk{{"b.ckpt", 0.5}, {"a.ckpt", 0.5}, {"c.ckpt", 0.25}};
    make("a.ckpt", 20, topk);
    make("b.ckpt", 10, topk);
    make("c.ckpt", 30, topk);
    const Ranking r = rank(scan);
    const auto& g = r.groups.at(0);
    QCOMPARE(g.ranked[0].file, std::string("c.ckpt"));
    QCOMPARE(g.ranked[1].file, std::string("b.ckpt")); // step 10 before step 20
    QCOMPARE(g.ranked[2].file, std::string("a.ckpt"));
}

void TestRanking::modeOverrideAndGuess()
{
    RankConfig cfg;
    cfg.mode = Mode::Max;
    const Ranking r = rankFolder(test::fixturePath("seed-static-name"), cfg);
    QCOMPARE(r.groups.at(0).modeSource, std::string("user"));
    QCOMPARE(r.groups.at(0).ranked.front().file, std::string("checkpoints/best.ckpt"));
    QCOMPARE(guessMode("val_acc"), Mode::Max);
    QCOMPARE(guessMode("val/f1_macro"), Mode::Max);
    QCOMPARE(guessMode("val/loss"), Mode::Min);
    QCOMPARE(guessMode("perplexity"), Mode::Min);
    // Lightning 1.4 file: no mode in the key, kth_value = -inf says max
    QTemporaryDir tmp;
    fsys::copy(test::dataPath("generated/lightning-1.4.ckpt"), tmp.path().toStdString() + "/best-v4.ckpt");
    const Ranking r14 = rankFolder(tmp.path().toStdString());
    QCOMPARE(r14.groups.at(0).modeSource, std::string("kth_value"));
    QCOMPARE(r14.groups.at(0).mode, Mode::Max);
}

void TestRanking::filenameScores_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("monitor");
    QTest::addColumn<double>("expected");
    QTest::newRow("templated") << "epoch=3-step=16-val_loss=0.730.ckpt" << "val_loss" << 0.730;
    QTest::newRow("slash monitor") << "epoch=3-val/loss=0.25.ckpt" << "val/loss" << 0.25;
    QTest::newRow("no metric name") << "ep08-acc0.821.ckpt" << "val_acc" << 0.821;
    QTest::newRow("version counter") << "epoch=3-val_loss=0.5-v1.ckpt" << "val_loss" << 0.5;
    QTest::newRow("exponent") << "loss=1e-05.ckpt" << "loss" << 1e-05;
    QTest::newRow("absent") << "epoch=3.ckpt" << "val_loss" << -1.0;
}

void TestRanking::filenameScores()
{
    QFETCH(QString, name);
    QFETCH(QString, monitor);
    QFETCH(double, expected);
    auto s = scoreFromFilename(name.toStdString(), monitor.toStdString());
    if (expected < 0)
        QVERIFY(!s);
    else
        QCOMPARE(s.value_or(-1), expected);
}

void TestRanking::rescanReadsOnlyChanges()
{
    QTemporaryDir tmp;
    const auto dir = copyFixture(tmp, "seed-static-name");
    FolderScanner scanner;
    auto first = scanner.scan(dir + "/checkpoints");
    QCOMPARE(first->reread, std::size_t{6});
    auto second = scanner.scan(dir + "/checkpoints");
    QCOMPARE(second->reread, std::size_t{0});
    fsys::copy(test::fixturePath("seed-static-name", "checkpoints/best.ckpt"), dir + "/checkpoints/new.ckpt");
    auto third = scanner.scan(dir + "/checkpoints");
    QCOMPARE(third->reread, std::size_t{1});
    QCOMPARE(third->files.size(), std::size_t{7});
}

void TestRanking::cancel()
{
    FolderScanner scanner;
    ScanOptions so;
    so.threads = 1;
    so.progress = [](std::size_t done, std::size_t) { return done < 2; };
    auto scan = scanner.scan(test::fixturePath("all-steps", "checkpoints"), so);
    QVERIFY(scan.ok());
    QVERIFY(scan->cancelled);
    QCOMPARE(scan->reread, std::size_t{2});
}

QTEST_GUILESS_MAIN(TestRanking)
#include "TestRanking.moc"
