// SPDX-License-Identifier: GPL-3.0-or-later
// Rename: the planner (pure, data-driven), the executor on the seed fixture (contents compared by SHA-256),
// crash injection after every operation followed by recovery, undo, refusals that change nothing.
#include "support/FailingFileSystem.h"
#include "support/TestData.h"

#include "rename/NameTemplate.h"
#include "rename/RenameExecutor.h"
#include "util/Sha256.h"

#include <QtTest>
#include <filesystem>
#include <fstream>
#include <set>

using namespace podium;
using namespace podium::rename;
namespace fsys = std::filesystem;

Q_DECLARE_METATYPE(std::vector<std::string>)

namespace {

ranking::Group makeGroup(const std::vector<std::string>& rankedFiles, const std::string& monitor = "val/loss")
{
    ranking::Group g;
    g.monitor = monitor;
    g.mode = checkpoint::Mode::Min;
    for (std::size_t i = 0; i < rankedFiles.size(); ++i) {
        ranking::RankedEntry e;
        e.rank = static_cast<int>(i + 1);
        e.file = rankedFiles[i];
        e.score = 0.5 + 0.125 * static_cast<double>(i);
        e.epoch = static_cast<std::int64_t>(i);
        e.globalStep = static_cast<std::int64_t>(i * 10);
        g.ranked.push_back(e);
    }
    return g;
}

/// Applies steps to a set of names, checking no step overwrites: what the disk would do.
std::set<std::string> simulate(std::set<std::string> names, const RenamePlan& p)
{
    for (const auto& s : p.steps) {
        if (!names.count(s.from) || names.count(s.to))
            qFatal("step %s -> %s is not possible", s.from.c_str(), s.to.c_str());
        names.erase(s.from);
        names.insert(s.to);
    }
    return names;
}

struct Folder {
    QTemporaryDir tmp;
    std::string root;
    std::string dir;
    std::map<std::string, std::string> originalHash; // name -> sha256
    explicit Folder(const std::string& scenario = "seed-static-name")
    {
        root = tmp.path().toStdString();
        fsys::copy(test::fixturePath(scenario, "checkpoints"), root + "/checkpoints", fsys::copy_options::recursive);
        dir = root + "/checkpoints";
        for (const auto& e : fsys::directory_iterator(dir)) {
            fsys::last_write_time(e.path(), fsys::file_time_type::clock::now() - std::chrono::hours(2)); // not active
            originalHash[e.path().filename().string()] = *sha256File(e.path().string());
        }
    }
    std::multiset<std::string> hashes() const
    {
        std::multiset<std::string> out;
        for (const auto& e : fsys::directory_iterator(dir))
            if (e.is_regular_file())
                out.insert(*sha256File(e.path().string()));
        return out;
    }
    std::multiset<std::string> originalHashes() const
    {
        std::multiset<std::string> out;
        for (const auto& [n, h] : originalHash) out.insert(h);
        return out;
    }
    std::set<std::string> names() const
    {
        std::set<std::string> out;
        for (const auto& e : fsys::directory_iterator(dir))
            if (e.path().filename().string()[0] != '.')
                out.insert(e.path().filename().string());
        return out;
    }
    struct Planned {
        RenamePlan plan;
        std::map<std::string, ranking::FileIdentity> ids;
    };
    Planned plan(const std::string& tmpl = std::string(kDefaultTemplate))
    {
        ranking::FolderScanner scanner;
        auto scan = scanner.scan(dir);
        auto rk = ranking::rank(*scan);
        std::vector<std::string> present;
        for (const auto& e : fsys::directory_iterator(dir)) present.push_back(e.path().filename().string());
        PlanConfig pc;
        pc.nameTemplate = tmpl;
        auto p = planRename(rk.groups.at(0), present, pc);
        if (!p) qFatal("%s", p.error().message().c_str());
        Planned out{*p, {}};
        for (const auto& f : scan->files) out.ids[f.relPath] = f.identity;
        return out;
    }
};

} // namespace

class TestRename : public QObject {
    Q_OBJECT
private slots:
    void stems_data();
    void stems();
    void planner_data();
    void planner();
    void plannerRefuses_data();
    void plannerRefuses();
    void chooseGroupNeedsMonitor();
    void seedApplyAndUndo();
    void undoRefusesANameTakenByALink();
    void crashAfterEveryOperationThenRecover();
    void crashThenRollBack();
    void crashDuringUndoThenRecover();
    void fileChangedBetweenScanAndApply();
    void refusesActiveFolder();
    void readOnlyAndFullDiskChangeNothing_data();
    void readOnlyAndFullDiskChangeNothing();
    void newCheckpointsAfterRename();
};

void TestRename::stems_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("stem");
    QTest::newRow("static name") << "best.ckpt" << "best";
    QTest::newRow("version counter") << "best-v4.ckpt" << "best";
    QTest::newRow("earlier rank") << "best_top3.ckpt" << "best";
    QTest::newRow("templated") << "epoch=3-step=16-val_loss=0.730.ckpt" << "epoch=3-step=16-val_loss=0.730";
    QTest::newRow("templated, versioned") << "epoch=3-val_loss=0.5-v1.ckpt" << "epoch=3-val_loss=0.5";
    QTest::newRow("not a counter") << "model-vx.ckpt" << "model-vx";
}

void TestRename::stems()
{
    QFETCH(QString, name);
    QFETCH(QString, stem);
    QCOMPARE(QString::fromStdString(canonicalStem(name.toStdString())), stem);
}

void TestRename::planner_data()
{
    QTest::addColumn<std::vector<std::string>>("ranked");   // rank order
    QTest::addColumn<std::vector<std::string>>("present");  // names in the directory
    QTest::addColumn<QString>("tmpl");
    QTest::addColumn<std::vector<std::string>>("expected"); // names after
    QTest::addColumn<int>("temps");                          // temporary steps needed
    // the seed's exact case (truth.json ranks best-v4, best-v3, best-v1, best-v2, best)
    QTest::newRow("seed: static names")
        << std::vector<std::string>{"best-v4.ckpt", "best-v3.ckpt", "best-v1.ckpt", "best-v2.ckpt", "best.ckpt"}
        << std::vector<std::string>{"best.ckpt", "best-v1.ckpt", "best-v2.ckpt", "best-v3.ckpt", "best-v4.ckpt", "last.ckpt"}
        << "{stem}_top{rank}"
        << std::vector<std::string>{"best_top1.ckpt", "best_top2.ckpt", "best_top3.ckpt", "best_top4.ckpt", "best_top5.ckpt", "last.ckpt"}
        << 0;
    QTest::newRow("templated names")
        << std::vector<std::string>{"epoch=10-step=44-val_loss=0.7367.ckpt", "epoch=0-step=4-val_loss=0.9061.ckpt"}
        << std::vector<std::string>{"epoch=10-step=44-val_loss=0.7367.ckpt", "epoch=0-step=4-val_loss=0.9061.ckpt", "last.ckpt"}
        << "{stem}_top{rank}"
        << std::vector<std::string>{"epoch=10-step=44-val_loss=0.7367_top1.ckpt", "epoch=0-step=4-val_loss=0.9061_top2.ckpt", "last.ckpt"}
        << 0;
    QTest::newRow("swap after ranks changed")
        << std::vector<std::string>{"best_top2.ckpt", "best_top1.ckpt"}
        << std::vector<std::string>{"best_top1.ckpt", "best_top2.ckpt"} << "{stem}_top{rank}"
        << std::vector<std::string>{"best_top1.ckpt", "best_top2.ckpt"} << 1;
    QTest::newRow("3-cycle")
        << std::vector<std::string>{"best_top3.ckpt", "best_top1.ckpt", "best_top2.ckpt"}
        << std::vector<std::string>{"best_top1.ckpt", "best_top2.ckpt", "best_top3.ckpt"} << "{stem}_top{rank}"
        << std::vector<std::string>{"best_top1.ckpt", "best_top2.ckpt", "best_top3.ckpt"} << 1;
    QTest::newRow("chain: a new best pushes the others down")
        << std::vector<std::string>{"best-v5.ckpt", "best_top1.ckpt", "best_top2.ckpt"}
        << std::vector<std::string>{"best_top1.ckpt", "best_top2.ckpt", "best-v5.ckpt"} << "{stem}_top{rank}"
        << std::vector<std::string>{"best_top1.ckpt", "best_top2.ckpt", "best_top3.ckpt"} << 0;
    QTest::newRow("idempotent")
        << std::vector<std::string>{"best_top1.ckpt", "best_top2.ckpt"}
        << std::vector<std::string>{"best_top1.ckpt", "best_top2.ckpt", "last.ckpt"} << "{stem}_top{rank}"
        << std::vector<std::string>{"best_top1.ckpt", "best_top2.ckpt", "last.ckpt"} << 0;
    QTest::newRow("user template with monitor and score")
        << std::vector<std::string>{"best.ckpt"} << std::vector<std::string>{"best.ckpt"}
        << "rank{rank:02d}-{monitor}={score:.3f}"
        << std::vector<std::string>{"rank01-val_loss=0.500.ckpt"} << 0;
}

void TestRename::planner()
{
    QFETCH(std::vector<std::string>, ranked);
    QFETCH(std::vector<std::string>, present);
    QFETCH(QString, tmpl);
    QFETCH(std::vector<std::string>, expected);
    QFETCH(int, temps);
    PlanConfig pc;
    pc.nameTemplate = tmpl.toStdString();
    auto p = planRename(makeGroup(ranked), present, pc);
    QVERIFY2(p.ok(), p.ok() ? "" : p.error().message().c_str());
    const auto after = simulate({present.begin(), present.end()}, *p);
    QCOMPARE(after, std::set<std::string>(expected.begin(), expected.end()));
    QCOMPARE(static_cast<int>(p->steps.size() - p->moves.size()), temps);
    for (const auto& s : p->steps) // temporaries are hidden and not checkpoints
        if (s.to.starts_with(".")) QVERIFY(s.to.ends_with(".tmp"));
    // and planning again on the result changes nothing
    std::vector<std::string> renamedRanked;
    for (const auto& r : ranked) {
        std::string to = r;
        for (const auto& m : p->moves) if (m.from == r) to = m.to;
        renamedRanked.push_back(to);
    }
    auto again = planRename(makeGroup(renamedRanked), {after.begin(), after.end()}, pc);
    QVERIFY(again.ok());
    QVERIFY(again->empty());
}

void TestRename::plannerRefuses_data()
{
    QTest::addColumn<std::vector<std::string>>("ranked");
    QTest::addColumn<std::vector<std::string>>("present");
    QTest::addColumn<QString>("tmpl");
    QTest::addColumn<QString>("code");
    QTest::newRow("target taken by an outsider") << std::vector<std::string>{"best-v1.ckpt"}
        << std::vector<std::string>{"best-v1.ckpt", "best_top1.ckpt"} << "{stem}_top{rank}" << "PlanConflict";
    QTest::newRow("target is last.ckpt") << std::vector<std::string>{"best-v1.ckpt"}
        << std::vector<std::string>{"best-v1.ckpt", "last.ckpt"} << "last" << "PlanConflict";
    QTest::newRow("two equal targets") << std::vector<std::string>{"best.ckpt", "best-v1.ckpt"}
        << std::vector<std::string>{"best.ckpt", "best-v1.ckpt"} << "{stem}" << "PlanConflict";
    QTest::newRow("unknown field") << std::vector<std::string>{"best.ckpt"} << std::vector<std::string>{"best.ckpt"}
        << "{stem}_{nope}" << "PlanInvalidName";
    QTest::newRow("slash in the name") << std::vector<std::string>{"best.ckpt"} << std::vector<std::string>{"best.ckpt"}
        << "a/{rank}" << "PlanInvalidName";
    QTest::newRow("hidden name") << std::vector<std::string>{"best.ckpt"} << std::vector<std::string>{"best.ckpt"}
        << ".{rank}" << "PlanInvalidName";
}

void TestRename::plannerRefuses()
{
    QFETCH(std::vector<std::string>, ranked);
    QFETCH(std::vector<std::string>, present);
    QFETCH(QString, tmpl);
    QFETCH(QString, code);
    PlanConfig pc;
    pc.nameTemplate = tmpl.toStdString();
    auto p = planRename(makeGroup(ranked), present, pc);
    QVERIFY(!p.ok());
    QCOMPARE(QString::fromUtf8(errorCodeName(p.error().code).data()), code);
}

void TestRename::chooseGroupNeedsMonitor()
{
    ranking::Ranking r;
    r.folder = "run";
    r.groups.push_back(makeGroup({"a.ckpt"}, "val_loss"));
    r.groups.push_back(makeGroup({"b.ckpt"}, "val_acc"));
    auto none = chooseGroup(r, "");
    QVERIFY(!none.ok());
    QCOMPARE(none.error().code, ErrorCode::PlanAmbiguousGroup);
    QVERIFY(none.error().detail.find("val_acc") != std::string::npos);
    QCOMPARE((*chooseGroup(r, "val_acc"))->monitor, std::string("val_acc"));
    QCOMPARE(chooseGroup(r, "f1").error().code, ErrorCode::PlanNoGroup);
}

void TestRename::seedApplyAndUndo()
{
    Folder f;
    auto [plan, ids] = f.plan();
    RenameExecutor ex;
    auto rep = ex.apply(f.dir, plan, ids);
    QVERIFY2(rep.ok(), rep.ok() ? "" : rep.error().message().c_str());
    // best_topN holds exactly the checkpoint truth.json ranks N; last.ckpt untouched
    const auto truth = test::truth("seed-static-name")["callbacks"][0]["ranked"];
    for (const auto& t : truth) {
        const std::string now = f.dir + "/best_top" + std::to_string(t["rank"].get<int>()) + ".ckpt";
        QCOMPARE(*sha256File(now), f.originalHash.at(t["file"].get<std::string>()));
    }
    QCOMPARE(*sha256File(f.dir + "/last.ckpt"), f.originalHash.at("last.ckpt"));
    QVERIFY(!fsys::exists(journalPath(f.dir)));
    QCOMPARE(readHistory(f.dir)->size(), std::size_t{1});
    // the history maps Lightning's names to the new ones
    auto map = renameMap(f.dir);
    QCOMPARE(map->at("best-v4.ckpt"), std::string("best_top1.ckpt"));

    auto undone = ex.undo(f.dir);
    QVERIFY2(undone.ok(), undone.ok() ? "" : undone.error().message().c_str());
    for (const auto& [name, hash] : f.originalHash)
        QCOMPARE(*sha256File(f.dir + "/" + name), hash);
    QVERIFY(renameMap(f.dir)->empty());
    QCOMPARE(ex.undo(f.dir).error().code, ErrorCode::NothingToUndo);
}

void TestRename::undoRefusesANameTakenByALink()
{
    // After a rename, a pin link takes Lightning's old name best.ckpt: undo must not clobber it, must say
    // what holds the name and how to go on, and must work once the link is gone.
    Folder f;
    auto [plan, ids] = f.plan();
    RenameExecutor ex;
    QVERIFY(ex.apply(f.dir, plan, ids).ok());
    fsys::create_symlink("best_top2.ckpt", f.dir + "/best.ckpt");
    auto refused = ex.undo(f.dir);
    QVERIFY(!refused.ok());
    QCOMPARE(refused.error().code, ErrorCode::PlanConflict);
    const std::string message = refused.error().message();
    QVERIFY2(message.find("link to 'best_top2.ckpt'") != std::string::npos, message.c_str());
    QVERIFY2(message.find("nothing was undone") != std::string::npos, message.c_str());
    QVERIFY(fsys::is_symlink(f.dir + "/best.ckpt"));
    QVERIFY(fsys::exists(f.dir + "/best_top5.ckpt"));
    fsys::remove(f.dir + "/best.ckpt");
    auto undone = ex.undo(f.dir);
    QVERIFY2(undone.ok(), undone.ok() ? "" : undone.error().message().c_str());
    for (const auto& [name, hash] : f.originalHash)
        QCOMPARE(*sha256File(f.dir + "/" + name), hash);
}

void TestRename::crashAfterEveryOperationThenRecover()
{
    // Count the operations of a full apply, then crash after each one in turn.
    int total = 0;
    {
        Folder f;
        auto [plan, ids] = f.plan();
        test::FailingFileSystem counting(-1);
        RenameExecutor ex(counting);
        QVERIFY(ex.apply(f.dir, plan, ids).ok());
        total = counting.operations();
    }
    QVERIFY(total > 10);
    for (int k = 0; k < total; ++k) {
        Folder f;
        auto [plan, ids] = f.plan();
        test::FailingFileSystem crashing(k);
        RenameExecutor ex(crashing);
        bool crashed = false;
        try {
            (void)ex.apply(f.dir, plan, ids);
        } catch (const test::SimulatedCrash&) {
            crashed = true;
        }
        QVERIFY(crashed);
        // nothing lost, nothing clobbered, even mid-plan
        QCOMPARE(f.hashes(), f.originalHashes());
        RenameExecutor real;
        auto r = real.recover(f.dir);
        const std::set<std::string> before{"best.ckpt", "best-v1.ckpt", "best-v2.ckpt", "best-v3.ckpt", "best-v4.ckpt", "last.ckpt"};
        const std::set<std::string> after{"best_top1.ckpt", "best_top2.ckpt", "best_top3.ckpt", "best_top4.ckpt", "best_top5.ckpt", "last.ckpt"};
        if (!r) {
            // no live journal: the crash came before it was written (folder untouched) or after the plan was
            // filed in the history (folder renamed)
            QCOMPARE(r.error().code, ErrorCode::NothingToUndo);
            QVERIFY2(f.names() == before || (f.names() == after && readHistory(f.dir)->size() == 1),
                     ("after a crash at operation " + std::to_string(k)).c_str());
            continue;
        }
        QCOMPARE(r->action, std::string("completed"));
        QCOMPARE(f.names(), after);
        QCOMPARE(f.hashes(), f.originalHashes());
        QCOMPARE(*sha256File(f.dir + "/best_top1.ckpt"), f.originalHash.at("best-v4.ckpt"));
        QVERIFY(!fsys::exists(journalPath(f.dir)));
    }
}

void TestRename::crashDuringUndoThenRecover()
{
    Folder f;
    auto [plan, ids] = f.plan();
    RenameExecutor real;
    QVERIFY(real.apply(f.dir, plan, ids).ok());
    test::FailingFileSystem crashing(4); // inside the undo's moves
    RenameExecutor ex(crashing);
    try {
        (void)ex.undo(f.dir);
        QFAIL("expected a crash");
    } catch (const test::SimulatedCrash&) {
    }
    QCOMPARE(f.hashes(), f.originalHashes());
    auto r = real.recover(f.dir);
    QVERIFY2(r.ok(), r.ok() ? "" : r.error().message().c_str());
    for (const auto& [name, hash] : f.originalHash)
        QCOMPARE(*sha256File(f.dir + "/" + name), hash);
    QCOMPARE(real.undo(f.dir).error().code, ErrorCode::NothingToUndo); // the rename is marked undone
}

void TestRename::crashThenRollBack()
{
    Folder f;
    // a swap needs a temporary: make the ranks disagree with names first
    auto [plan, ids] = f.plan();
    test::FailingFileSystem crashing(5); // mkdir, journal write, rename, sync, journal update, (crash)
    RenameExecutor ex(crashing);
    try {
        (void)ex.apply(f.dir, plan, ids);
        QFAIL("expected a crash");
    } catch (const test::SimulatedCrash&) {
    }
    RenameExecutor real;
    auto r = real.recover(f.dir, /*rollback=*/true);
    QVERIFY2(r.ok(), r.ok() ? "" : r.error().message().c_str());
    QCOMPARE(r->action, std::string("rolled back"));
    for (const auto& [name, hash] : f.originalHash)
        QCOMPARE(*sha256File(f.dir + "/" + name), hash);
    QCOMPARE(real.undo(f.dir).error().code, ErrorCode::NothingToUndo); // a rolled-back plan is not undoable
}

void TestRename::fileChangedBetweenScanAndApply()
{
    Folder f;
    auto [plan, ids] = f.plan();
    {
        std::ofstream out(f.dir + "/best.ckpt", std::ios::app | std::ios::binary);
        out << "x";
    }
    RenameExecutor ex;
    auto r = ex.apply(f.dir, plan, ids, {.force = true});
    QVERIFY(!r.ok());
    QCOMPARE(r.error().code, ErrorCode::FsIdentityChanged);
    QVERIFY(r.error().detail.find("best.ckpt") != std::string::npos);
    QVERIFY(f.names().count("best-v4.ckpt")); // nothing moved
    QVERIFY(!fsys::exists(journalPath(f.dir)));
}

void TestRename::refusesActiveFolder()
{
    Folder f;
    fsys::last_write_time(f.dir + "/last.ckpt", fsys::file_time_type::clock::now());
    auto [plan, ids] = f.plan();
    RenameExecutor ex;
    auto r = ex.apply(f.dir, plan, ids);
    QVERIFY(!r.ok());
    QCOMPARE(r.error().code, ErrorCode::FolderActive);
    QVERIFY(ex.apply(f.dir, plan, ids, {.force = true}).ok());
}

void TestRename::readOnlyAndFullDiskChangeNothing_data()
{
    QTest::addColumn<int>("code");
    QTest::newRow("read-only folder") << static_cast<int>(ErrorCode::FsReadOnly);
    QTest::newRow("full disk") << static_cast<int>(ErrorCode::FsNoSpace);
    QTest::newRow("permission denied") << static_cast<int>(ErrorCode::FsPermission);
}

void TestRename::readOnlyAndFullDiskChangeNothing()
{
    QFETCH(int, code);
    Folder f;
    auto [plan, ids] = f.plan();
    // the first write (the journal's folder) fails: nothing may have moved
    test::FailingFileSystem failing(0, static_cast<ErrorCode>(code));
    RenameExecutor ex(failing);
    auto r = ex.apply(f.dir, plan, ids);
    QVERIFY(!r.ok());
    QCOMPARE(static_cast<int>(r.error().code), code);
    QVERIFY(!r.error().file.empty());
    for (const auto& [name, hash] : f.originalHash)
        QCOMPARE(*sha256File(f.dir + "/" + name), hash);
}

void TestRename::newCheckpointsAfterRename()
{
    // After a rename, training writes another checkpoint: the next plan moves only what must move.
    Folder f;
    auto [plan, ids] = f.plan();
    RenameExecutor ex;
    QVERIFY(ex.apply(f.dir, plan, ids).ok());
    std::vector<std::string> present;
    for (const auto& e : fsys::directory_iterator(f.dir)) present.push_back(e.path().filename().string());
    present.push_back("best-v5.ckpt");
    // Lightning deletes the checkpoint that falls out of the top 5
    present.erase(std::find(present.begin(), present.end(), "best_top5.ckpt"));
    // the new file is the best: everyone moves down one
    auto p = planRename(makeGroup({"best-v5.ckpt", "best_top1.ckpt", "best_top2.ckpt", "best_top3.ckpt", "best_top4.ckpt"}), present);
    QVERIFY(p.ok());
    QCOMPARE(p->moves.size(), std::size_t{5});
    // the new file is 3rd: only ranks 3.. move
    auto q = planRename(makeGroup({"best_top1.ckpt", "best_top2.ckpt", "best-v5.ckpt", "best_top3.ckpt", "best_top4.ckpt"}), present);
    QVERIFY(q.ok());
    QCOMPARE(q->moves.size(), std::size_t{3});
    QCOMPARE(q->unchanged.size(), std::size_t{2});
}

QTEST_GUILESS_MAIN(TestRename)
#include "TestRename.moc"
