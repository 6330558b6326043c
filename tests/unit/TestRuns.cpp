// SPDX-License-Identifier: GPL-3.0-or-later
// Experiment trees (../shared/fixtures, read from there) against their truth.json: the runs found, which
// log versions are one run (a resume) and which are independent, each run's ranking, the global top-N; and
// the invariant — every checkpoint under the opened folder appears in the result: ranked or unranked in each
// group of its directory (exactly once there), in the folder-wide unranked list, or among the errors.
#include "support/TestData.h"

#include "manifest/Manifest.h"
#include "ranking/Ranking.h"
#include "runs/RunTree.h"
#include "runs/RunGroups.h"
#include "runs/RunFilter.h"

#include <QtTest>
#include <filesystem>
#include <fstream>
#include <set>

using namespace podium;
namespace fsys = std::filesystem;

namespace {

nlohmann::json sharedTruth(const std::string& scenario)
{
    std::ifstream in(test::sharedPath("fixtures/" + scenario + "/truth.json"));
    return nlohmann::json::parse(in);
}

struct Tree {
    ranking::ScanResult scan;
    ranking::Ranking ranking;
    runs::RunTree runs;
};

Tree open(const std::string& folder)
{
    Tree t;
    ranking::FolderScanner scanner;
    ranking::ScanOptions so;
    so.recursive = true;
    auto scan = scanner.scan(folder, so);
    if (!scan) qFatal("%s", scan.error().message().c_str());
    t.scan = std::move(*scan);
    t.ranking = ranking::rank(t.scan);
    t.runs = runs::discoverRuns(folder, t.scan, 0);
    runs::assignRuns(t.ranking, t.runs);
    return t;
}

const runs::Run* runAt(const runs::RunTree& tree, const std::string& path)
{
    for (const auto& r : tree.runs)
        if (r.path == path)
            return &r;
    return nullptr;
}

} // namespace

class TestRuns : public QObject {
    Q_OBJECT
private slots:
    void runFilterConditionsAndPatterns();
    void everyCheckpointAppears_data();
    void everyCheckpointAppears();
    void sweepHasOneRunPerJob();
    void resumedVersionsJoinIndependentOnesDoNot();
    void sharedDirpathSpansTwoVersions();
    void leaderboardMixesNoMonitors();
    void sweepGroupedByAParameter();
    void bandOfSeries();
    void groupsByRunMatchesTheSearch_data() { everyCheckpointAppears_data(); }
    void groupsByRunMatchesTheSearch();
};

void TestRuns::everyCheckpointAppears_data()
{
    QTest::addColumn<QString>("folder");
    for (const auto& e : fsys::directory_iterator(test::sharedPath("fixtures")))
        if (e.is_directory())
            QTest::newRow(e.path().filename().c_str()) << QString::fromStdString(e.path().string());
    QTest::newRow("wild") << QString::fromStdString(test::sharedPath("wild"));
}

namespace {

/// The invariant on one result's JSON (rank --json or the manifest): every scanned checkpoint is in exactly
/// one kind of place, and a group lists every checkpoint of its directory exactly once.
void checkEveryCheckpointOnce(const Tree& t, const nlohmann::json& json, const char* what)
{
    std::map<std::string, int> errors, outside;
    for (const auto& e : json["errors"])
        ++errors[e["file"].get<std::string>()];
    for (const auto& u : json["unranked"])
        ++outside[u["file"].get<std::string>()];
    std::map<std::string, int> inGroups;
    for (const auto& g : json["groups"]) {
        std::map<std::string, int> here;
        for (const auto& e : g["ranked"])
            ++here[e["file"].get<std::string>()];
        for (const auto& e : g["unranked"])
            ++here[e["file"].get<std::string>()];
        for (const auto& [f, n] : here) {
            QVERIFY2(n == 1, qPrintable(QString::fromStdString(std::string(what) + ": " + f + " appears twice in one group")));
            ++inGroups[f];
        }
        // a group lists every checkpoint of its directory
        const std::string dir = g["directory"].get<std::string>();
        for (const auto& f : t.scan.files) {
            const auto slash = f.relPath.rfind('/');
            const std::string fileDir = slash == std::string::npos ? std::string() : f.relPath.substr(0, slash);
            if (!f.error && fileDir == dir)
                QVERIFY2(here.count(f.relPath), qPrintable(QString::fromStdString(std::string(what) + ": " + f.relPath + " missing from its group in " + dir)));
        }
        QVERIFY2(g.contains("run"), what);
    }
    for (const auto& f : t.scan.files) {
        const int kinds = (errors.count(f.relPath) ? 1 : 0) + (outside.count(f.relPath) ? 1 : 0) + (inGroups.count(f.relPath) ? 1 : 0);
        QVERIFY2(kinds == 1, qPrintable(QString::fromStdString(std::string(what) + ": " + f.relPath + ": listed in " + std::to_string(kinds) + " kinds of place")));
        QVERIFY(errors[f.relPath] <= 1 && outside[f.relPath] <= 1);
    }
}

} // namespace

void TestRuns::everyCheckpointAppears()
{
    QFETCH(QString, folder);
    const Tree t = open(folder.toStdString());
    checkEveryCheckpointOnce(t, ranking::toJson(t.ranking), "rank --json");
    if (QTest::currentTestFailed())
        return;
    manifest::ManifestInput in;
    in.ranking = &t.ranking;
    in.scan = &t.scan;
    std::vector<metrics::MetricLog> logs;
    for (const auto& run : t.runs.runs)
        logs.push_back(metrics::loadMetricLog(t.runs.logsOf(run)));
    in.runs = runs::toJson(t.runs, t.ranking, logs)["runs"];
    const auto m = manifest::toJson(in);
    checkEveryCheckpointOnce(t, m, "manifest");
    if (QTest::currentTestFailed())
        return;
    // the manifest lists every run
    QCOMPARE(m["runs"].size(), t.runs.runs.size());
    // and every group knows its run
    for (const auto& g : t.ranking.groups)
        QVERIFY2(t.runs.runOf(g.directory) >= 0, g.directory.c_str());
}

void TestRuns::sweepHasOneRunPerJob()
{
    // a Hydra multirun of 4 jobs: every job writes the same state key; each is its own run and group
    const auto truth = sharedTruth("sweep-dev");
    const Tree t = open(test::sharedPath("fixtures/sweep-dev"));
    QCOMPARE(t.runs.runs.size(), truth["runs"].size());
    for (const auto& tr : truth["runs"]) {
        const runs::Run* r = runAt(t.runs, tr["run"].get<std::string>());
        QVERIFY2(r, tr["run"].get<std::string>().c_str());
        QCOMPARE(*r->hydraJob, tr["job_num"].get<int>());
        std::vector<std::string> overrides = tr["override_list"];
        QCOMPARE(r->overrides, overrides);
        QVERIFY(r->name.find("lr=") != std::string::npos && r->name.find("seed=") != std::string::npos);
        // its ranking: its own files, best first
        std::vector<std::string> ranked;
        for (const auto& g : t.ranking.groups)
            if (g.run == r->path)
                for (const auto& e : g.ranked)
                    ranked.push_back(e.file);
        std::vector<std::string> want = tr["ranked"];
        QCOMPARE(ranked, want);
        QVERIFY(r->resumedFrom.empty());
    }
    std::vector<std::string> differs = t.runs.differs;
    QCOMPARE(differs, (std::vector<std::string>{"lr", "seed"}));
    const auto board = runs::leaderboard(t.runs, t.ranking, "val_loss", truth["global_top"].size());
    QCOMPARE(board.entries.size(), truth["global_top"].size());
    for (std::size_t i = 0; i < board.entries.size(); ++i) {
        QCOMPARE(board.entries[i].file, truth["global_top"][i]["path"].get<std::string>());
        QCOMPARE(board.entries[i].run, truth["global_top"][i]["run"].get<std::string>());
        QCOMPARE(board.entries[i].score.value_or(NAN), test::truthScore(truth["global_top"][i]["score"]));
    }
}

void TestRuns::resumedVersionsJoinIndependentOnesDoNot()
{
    // version_1 = fit(ckpt_path=version_0/.../last.ckpt) into a new version; version_2 a fresh run (same
    // hyper-parameters but its seed): A = {0, 1}, B = {2}
    const auto truth = sharedTruth("resumed-tree-dev");
    const Tree t = open(test::sharedPath("fixtures/resumed-tree-dev"));
    QCOMPARE(t.runs.runs.size(), truth["run_groups"].size());
    for (const auto& g : truth["run_groups"]) {
        std::vector<std::string> versions = g["versions"];
        const runs::Run* r = nullptr;
        for (const auto& run : t.runs.runs)
            if (run.logDirs == versions)
                r = &run;
        QVERIFY2(r, g["run_group"].get<std::string>().c_str());
        if (g["kind"] == "resumed")
            QCOMPARE(r->resumedFrom, g["resumes"][0]["ckpt_path"].get<std::string>());
        else
            QVERIFY(r->resumedFrom.empty());
        // the run's ranking across its versions: the truth's combined_ranked
        const auto board = runs::leaderboard(t.runs, t.ranking, "val_loss", 0);
        std::vector<std::string> combined;
        for (const auto& e : board.entries)
            if (e.run == r->path)
                combined.push_back(e.file);
        std::vector<std::string> want;
        for (const auto& c : g["combined_ranked"])
            want.push_back(c["path"].get<std::string>());
        QCOMPARE(combined, want);
    }
    for (const auto& v : truth["versions"]) // first logged steps as read
        for (const auto& s : t.runs.streams)
            if (s.dir == v["version"].get<std::string>())
                QCOMPARE(s.firstStep.value_or(-1), v["first_logged_step"].get<std::int64_t>());
}

void TestRuns::sharedDirpathSpansTwoVersions()
{
    const auto truth = sharedTruth("shared-dirpath-resume-dev");
    const Tree t = open(test::sharedPath("fixtures/shared-dirpath-resume-dev"));
    QCOMPARE(t.runs.runs.size(), std::size_t{1});
    const auto& r = t.runs.runs[0];
    QCOMPARE(r.logDirs, (std::vector<std::string>{"lightning_logs/version_0", "lightning_logs/version_1"}));
    QCOMPARE(r.checkpointDirs, (std::vector<std::string>{"ckpts"}));
    QCOMPARE(r.resumedFrom, truth["versions"][1]["resumed_from"].get<std::string>());
    QCOMPARE(r.steps.value_or(-1), truth["versions"][1]["end_global_step"].get<std::int64_t>());
    QCOMPARE(t.ranking.groups.size(), std::size_t{1});
    std::vector<std::string> ranked;
    for (const auto& e : t.ranking.groups[0].ranked)
        ranked.push_back(e.file);
    std::vector<std::string> want;
    for (const auto& e : truth["callbacks"][0]["ranked"])
        want.push_back(e["path"].get<std::string>());
    QCOMPARE(ranked, want);
}

void TestRuns::leaderboardMixesNoMonitors()
{
    // the two-callbacks run monitors val_loss (min) and val_acc (max): a leaderboard is one of them
    const Tree t = open(test::sharedPath("fixtures/two-callbacks"));
    const auto loss = runs::leaderboard(t.runs, t.ranking, "val_loss", 0);
    const auto acc = runs::leaderboard(t.runs, t.ranking, "val_acc", 0);
    QCOMPARE(loss.mode, checkpoint::Mode::Min);
    QCOMPARE(acc.mode, checkpoint::Mode::Max);
    for (const auto& e : loss.entries)
        QVERIFY(e.file.starts_with("a/"));
    for (const auto& e : acc.entries)
        QVERIFY(e.file.starts_with("b/"));
    const auto none = runs::leaderboard(t.runs, t.ranking, "no_such_metric", 0);
    QVERIFY(none.entries.empty());
    QCOMPARE(none.runsWithoutMonitor.size(), t.runs.runs.size());
}

void TestRuns::sweepGroupedByAParameter()
{
    // the sweep's lr, each seed a repetition: per lr the runs, their best val_loss, mean and sample std (truth.json)
    const auto truth = sharedTruth("sweep-dev");
    const Tree t = open(test::sharedPath("fixtures/sweep-dev"));
    std::map<double, std::vector<double>> want; // lr -> best scores
    for (const auto& tr : truth["runs"]) // each run's callback state: its best_model_score
        for (const auto& cb : truth["callbacks"])
            if (cb["dirpath"].get<std::string>().find("/" + tr["run"].get<std::string>() + "/") != std::string::npos)
                want[tr["lr"].get<double>()].push_back(test::truthScore(cb["best_model_score"]));
    QCOMPARE(want.size(), std::size_t{2});
    const auto groups = runs::groupRunsBy(t.runs, t.ranking, "lr", "val_loss");
    QCOMPARE(groups.size(), want.size());
    auto it = want.begin(); // both in increasing lr
    for (const auto& g : groups) {
        QCOMPARE(std::stod(g.value), it->first);
        QCOMPARE(g.runs.size(), it->second.size());
        QCOMPARE(g.mode, checkpoint::Mode::Min);
        std::vector<double> bests = g.bests, expected = it->second;
        std::sort(bests.begin(), bests.end());
        std::sort(expected.begin(), expected.end());
        QCOMPARE(bests, expected);
        const double mean = (expected[0] + expected[1]) / 2;
        const double sd = std::abs(expected[0] - expected[1]) / std::sqrt(2.0); // n - 1 = 1
        QVERIFY(std::abs(*g.mean - mean) < 1e-12);
        QVERIFY(std::abs(*g.stddev - sd) < 1e-12);
        for (auto r : g.runs)
            QCOMPARE(std::stod(t.runs.runs[r].params.at("lr")), it->first);
        ++it;
    }
    // a parameter nobody has: one group of every run, value ""
    const auto none = runs::groupRunsBy(t.runs, t.ranking, "no_such_param", "val_loss");
    QCOMPARE(none.size(), std::size_t{1});
    QVERIFY(none[0].value.empty());
    QCOMPARE(none[0].runs.size(), t.runs.runs.size());
}

void TestRuns::groupsByRunMatchesTheSearch()
{
    // the one-pass index of groups per run gives every run the bests the search of every group gives
    QFETCH(QString, folder);
    const Tree t = open(folder.toStdString());
    const auto byRun = runs::groupsByRun(t.runs, t.ranking);
    QCOMPARE(byRun.size(), t.runs.runs.size());
    static const metrics::MetricLog kNone;
    for (std::size_t r = 0; r < t.runs.runs.size(); ++r) {
        const auto a = runs::bestOf(t.runs.runs[r], t.ranking, kNone);
        const auto b = runs::bestOf(t.runs.runs[r], t.ranking, kNone, &byRun[r]);
        QCOMPARE(a.size(), b.size());
        for (std::size_t i = 0; i < a.size(); ++i) {
            QCOMPARE(a[i].monitor, b[i].monitor);
            QCOMPARE(a[i].bestFile, b[i].bestFile);
            QCOMPARE(a[i].bestScore.has_value(), b[i].bestScore.has_value());
        }
    }
}

void TestRuns::bandOfSeries()
{
    // two runs logging the same steps, one with an extra step and a NaN
    const auto b = runs::bandOf({{{0, 1.0}, {10, 3.0}, {20, 5.0}}, {{0, 3.0}, {10, NAN}, {20, 1.0}, {30, 2.0}}});
    QCOMPARE(b.x, (std::vector<double>{0, 10, 20, 30}));
    QCOMPARE(b.mean, (std::vector<double>{2.0, 3.0, 3.0, 2.0}));
    QCOMPARE(b.low, (std::vector<double>{1.0, 3.0, 1.0, 2.0}));
    QCOMPARE(b.high, (std::vector<double>{3.0, 3.0, 5.0, 2.0}));
    QCOMPARE(b.count, (std::vector<std::size_t>{2, 1, 2, 1}));
}

void TestRuns::runFilterConditionsAndPatterns()
{
    const std::map<std::string, std::string> params{{"model.lr", "0.001"}, {"seed", "2"}, {"optimizer", "adam"}};
    const std::map<std::string, double> best{{"val_acc", 0.83}};
    auto ok = [&](const char* text, const std::string& name = "multirun/0 lr=0.001 seed=2") {
        return runs::matches(runs::parseRunFilter(text), name, params, best);
    };
    QVERIFY(ok(""));
    QVERIFY(ok("lr < 0.01"));           // a short name finds the one dotted parameter ending in it
    QVERIFY(!ok("lr >= 0.01"));
    QVERIFY(ok("model.lr<=0.001 seed = 2"));
    QVERIFY(ok("seed == 2.0"));         // numbers compare as numbers
    QVERIFY(ok("optimizer = adam"));
    QVERIFY(ok("optimizer != 'sgd'"));
    QVERIFY(!ok("optimizer < adam"));   // text is only equal or not
    QVERIFY(ok("val_acc > 0.8"));       // a metric: the run's best score
    QVERIFY(!ok("val_acc > 0.9"));
    QVERIFY(!ok("momentum > 0"));       // a run without it does not match
    QVERIFY(!ok("seed=2$"));            // a condition (seed equal to the text "2$"), not a pattern
    QVERIFY(ok("seed.2$"));             // a pattern on the name
    QVERIFY(ok("multirun/0"));
    QVERIFY(ok("^multirun/\\d lr<1"));
    QVERIFY(!ok("^other"));
    const auto broken = runs::parseRunFilter("multirun/(");
    QVERIFY(!broken.error.empty());
    QVERIFY(runs::matches(broken, "a multirun/( b", params, best)); // searched as text
    QCOMPARE(runs::parseRunFilter("lr < 0.01 val_acc>0.8 seed").conditions.size(), std::size_t{2});
    QCOMPARE(runs::parseRunFilter("lr < 0.01 val_acc>0.8 seed").pattern, std::string("seed"));
}

QTEST_GUILESS_MAIN(TestRuns)
#include "TestRuns.moc"
