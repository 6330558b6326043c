// SPDX-License-Identifier: GPL-3.0-or-later
// Embedded-state sync: after a rename (and a move), the ModelCheckpoint paths inside every checkpoint name
// the files as they are; everything else reads back the same, every tensor record is byte-identical; protocol
// 2 and 4 pickles, `archive/` and file-stem prefixes; a crash at every point of the rewrite, then recovery
// either way, leaves a loadable file (rolled back: the original bytes); undo restores the original bytes.
#include "support/FailingFileSystem.h"
#include "support/TestData.h"

#include "checkpoint/CheckpointReader.h"
#include "fs/FileSource.h"
#include "pickle/PicklePatch.h"
#include "rename/RenameExecutor.h"
#include "rename/RenameJournal.h"
#include "sync/StateSync.h"
#include "zip/ZipArchive.h"

#include <QtTest>
#include <filesystem>
#include <fstream>

using namespace podium;
namespace fsys = std::filesystem;

namespace {

std::string slurp(const std::string& path)
{
    std::ifstream f(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), {}};
}

checkpoint::Checkpoint readBack(const std::string& path)
{
    auto c = checkpoint::readCheckpoint(path);
    if (!c) qFatal("%s", c.error().message().c_str());
    return std::move(*c);
}

/// name → (local header offset, bytes) of every entry except data.pkl
std::map<std::string, std::pair<std::uint64_t, std::vector<std::uint8_t>>> tensorRecords(const std::string& path)
{
    auto src = fs::FileSource::open(path);
    auto z = zip::ZipArchive::open(**src);
    if (!z) qFatal("%s", z.error().message().c_str());
    std::map<std::string, std::pair<std::uint64_t, std::vector<std::uint8_t>>> out;
    for (const auto& e : z->entries()) {
        if (std::string(e.name).ends_with("/data.pkl"))
            continue;
        auto bytes = z->read(e, true);
        if (!bytes) qFatal("%s", bytes.error().message().c_str());
        out[std::string(e.name)] = {e.localHeaderOffset, std::move(*bytes)};
    }
    return out;
}

/// A writable copy of a single generated checkpoint as `<tmp>/run/<name>`.
std::string copyOne(const QTemporaryDir& tmp, const std::string& generated, const std::string& name)
{
    const std::string dir = tmp.path().toStdString() + "/run";
    fsys::create_directories(dir);
    fsys::copy(test::dataPath("generated/" + generated), dir + "/" + name);
    fsys::permissions(dir + "/" + name, fsys::perms::owner_write, fsys::perm_options::add);
    return dir;
}

} // namespace

class TestSync : public QObject {
    Q_OBJECT
private slots:
    void patchStringsKeepsEverythingElse();
    void cancelledSyncChangesNothing();
    void syncAfterRenameAndRebase_data();
    void syncAfterRenameAndRebase();
    void legacyIsRewrittenWhole();
    void crashAtEveryPointRecovers();
    void undoRestoresTheOriginalBytes();
    void pinSetsBestModelPathOnly();
    void windowsPathsRebaseToPosix();
};

void TestSync::patchStringsKeepsEverythingElse()
{
    // an unknown offset is refused; no edits is the identity
    const std::string p = slurp(test::dataPath("generated/pickles/sample-p4.pkl"));
    const Bytes b(reinterpret_cast<const std::uint8_t*>(p.data()), p.size());
    auto same = pickle::patchStrings(b, {});
    QVERIFY(bool(same));
    QVERIFY(std::equal(same->begin(), same->end(), b.begin(), b.end()));
    QVERIFY(!pickle::patchStrings(b, {{1, "x"}}));
}

void TestSync::syncAfterRenameAndRebase_data()
{
    QTest::addColumn<QString>("generated");
    QTest::newRow("protocol 2, archive/") << "cuda-tagged.ckpt";
    QTest::newRow("protocol 2, file-stem prefix") << "stemmed.ckpt";
    QTest::newRow("protocol 4 (frames), file-stem prefix") << "zip-p4.ckpt";
}

void TestSync::syncAfterRenameAndRebase()
{
    QFETCH(QString, generated);
    QTemporaryDir tmp;
    const std::string dir = copyOne(tmp, generated.toStdString(), "best_top1.ckpt");
    const std::string path = dir + "/best_top1.ckpt";
    const auto before = readBack(path);
    const auto records = tensorRecords(path);
    QCOMPARE(before.callbacks.size(), std::size_t{1});
    const std::string oldDir = before.callbacks[0].dirpath;

    sync::SyncConfig cfg;
    cfg.rebase = true;
    cfg.renamed = std::map<std::string, std::string>{{"best-v4.ckpt", "best_top1.ckpt"}, {"best-v3.ckpt", "best_top2.ckpt"}};
    const auto plan = sync::planSync(dir, cfg);
    QVERIFY(plan.skipped.empty());
    QCOMPARE(plan.files.size(), std::size_t{1});
    sync::SyncExecutor ex;
    auto rep = ex.apply(plan);
    QVERIFY2(bool(rep), rep ? "" : rep.error().message().c_str());
    QVERIFY(rep->bytesWritten < 64 * 1024); // O(pickle + central directory), not O(file)

    const auto after = readBack(path);
    const std::string newDir = fsys::absolute(dir).lexically_normal().string();
    const auto& a = after.callbacks.at(0);
    const auto& b = before.callbacks.at(0);
    QCOMPARE(a.dirpath, newDir);
    QCOMPARE(a.bestModelPath, newDir + "/best_top1.ckpt");
    QCOMPARE(b.bestModelPath, oldDir + "/best-v4.ckpt");
    QCOMPARE(a.bestKModels.size(), b.bestKModels.size());
    for (std::size_t i = 0; i < a.bestKModels.size(); ++i) {
        const std::string name = fsys::path(b.bestKModels[i].first).filename().string();
        const std::string want = cfg.renamed->count(name) ? cfg.renamed->at(name) : name;
        QCOMPARE(a.bestKModels[i].first, newDir + "/" + want);
        QCOMPARE(a.bestKModels[i].second, b.bestKModels[i].second); // scores unchanged
    }
    QCOMPARE(a.currentScore, b.currentScore);
    QCOMPARE(a.stateKey, b.stateKey);
    QCOMPARE(after.epoch, before.epoch);
    QCOMPARE(after.globalStep, before.globalStep);
    QCOMPARE(after.stateDict.tensors, before.stateDict.tensors);
    QCOMPARE(after.stateDict.bytes, before.stateDict.bytes);
    QCOMPARE(after.hyperParameters, before.hyperParameters);
    QCOMPARE(after.pickleProtocol, before.pickleProtocol);
    QCOMPARE(after.zipPrefix, before.zipPrefix);
    QCOMPARE(tensorRecords(path), records); // every tensor record byte-identical, at the same offset

    // a second sync has nothing to do
    QVERIFY(sync::planSync(dir, cfg).empty());
}

void TestSync::legacyIsRewrittenWhole()
{
    // the legacy format (torch < 1.6) has no directory to re-point: the file is rewritten whole, the storages
    // after the main pickle copied byte for byte, and the original kept for undo
    for (const char* generated : {"legacy-p2.ckpt", "legacy-p4.ckpt"}) {
        QTemporaryDir tmp;
        const std::string dir = copyOne(tmp, generated, "old.ckpt");
        const std::string path = dir + "/old.ckpt";
        const std::string orig = slurp(path);
        const auto before = readBack(path);
        sync::SyncConfig cfg;
        cfg.rebase = true;
        const auto plan = sync::planSync(dir, cfg);
        QVERIFY(plan.skipped.empty());
        QCOMPARE(plan.files.size(), std::size_t{1});
        QVERIFY(plan.files[0].whole);
        const auto& f = plan.files[0];
        auto rep = sync::SyncExecutor().apply(plan);
        QVERIFY2(bool(rep), rep ? "" : rep.error().message().c_str());
        const auto after = readBack(path);
        QCOMPARE(after.format, std::string("legacy"));
        QCOMPARE(after.callbacks.at(0).dirpath, fsys::absolute(dir).lexically_normal().string());
        QCOMPARE(after.callbacks.at(0).bestKModels.size(), before.callbacks.at(0).bestKModels.size());
        QCOMPARE(after.stateDict.bytes, before.stateDict.bytes);
        QCOMPARE(after.epoch, before.epoch);
        const std::string now = slurp(path);
        QCOMPARE(now.substr(0, f.spliceFrom), orig.substr(0, f.spliceFrom));          // the header pickles
        QCOMPARE(now.substr(f.spliceFrom + f.replacement.size()), orig.substr(f.spliceTo)); // keys and storages
        auto undone = sync::undoLast(fs::FileSystem::real(), dir);
        QVERIFY2(bool(undone), undone ? "" : undone.error().message().c_str());
        QCOMPARE(slurp(path), orig);
    }
}

void TestSync::crashAtEveryPointRecovers()
{
    for (int failAt = 0;; ++failAt) {
        for (bool rollback : {true, false}) {
            QTemporaryDir tmp;
            const std::string dir = copyOne(tmp, "cuda-tagged.ckpt", "a.ckpt");
            fsys::copy(test::dataPath("generated/zip-p4.ckpt"), dir + "/b.ckpt");
            fsys::copy(test::dataPath("generated/legacy-p2.ckpt"), dir + "/c.ckpt");
            for (const char* f : {"b.ckpt", "c.ckpt"})
                fsys::permissions(dir + "/" + f, fsys::perms::owner_write, fsys::perm_options::add);
            const std::string origA = slurp(dir + "/a.ckpt"), origB = slurp(dir + "/b.ckpt"), origC = slurp(dir + "/c.ckpt");
            sync::SyncConfig cfg;
            cfg.rebase = true;
            const auto plan = sync::planSync(dir, cfg);
            QCOMPARE(plan.files.size(), std::size_t{3});
            test::FailingFileSystem crashing(failAt);
            sync::SyncExecutor ex(crashing);
            bool crashed = false;
            try {
                auto r = ex.apply(plan);
                QVERIFY(bool(r));
            } catch (const test::SimulatedCrash&) {
                crashed = true;
            }
            if (!crashed) {
                QVERIFY(failAt > 8); // every operation was crashed at once
                return;
            }
            auto rec = sync::recoverAny(fs::FileSystem::real(), dir, rollback);
            if (!rec) { // no journal: crashed before it was written (nothing touched) or after it was retired (done)
                QCOMPARE(rec.error().code, ErrorCode::NothingToUndo);
                const bool done = !rename::readHistory(dir)->empty();
                QCOMPARE(slurp(dir + "/a.ckpt") == origA, !done);
                QCOMPARE(slurp(dir + "/b.ckpt") == origB, !done);
                QCOMPARE(slurp(dir + "/c.ckpt") == origC, !done);
                continue;
            }
            for (const char* f : {"a.ckpt", "b.ckpt", "c.ckpt"}) {
                const auto c = readBack(dir + "/" + f); // loadable either way
                QCOMPARE(c.callbacks.at(0).dirpath == fsys::absolute(dir).lexically_normal().string(), !rollback);
            }
            if (rollback) {
                QCOMPARE(slurp(dir + "/a.ckpt"), origA);
                QCOMPARE(slurp(dir + "/b.ckpt"), origB);
                QCOMPARE(slurp(dir + "/c.ckpt"), origC);
            }
            QVERIFY(!fsys::exists(dir + "/.podium/journal.json"));
        }
    }
}

void TestSync::undoRestoresTheOriginalBytes()
{
    // rename + sync as `podium-cli rename --apply --sync-state` does, then one undo puts everything back
    QTemporaryDir tmp;
    const std::string dir = tmp.path().toStdString() + "/checkpoints";
    fsys::copy(test::fixturePath("seed-static-name", "checkpoints"), dir, fsys::copy_options::recursive);
    std::map<std::string, std::string> orig;
    for (const auto& e : fsys::directory_iterator(dir)) {
        fsys::permissions(e.path(), fsys::perms::owner_write, fsys::perm_options::add);
        fsys::last_write_time(e.path(), fsys::file_time_type::clock::now() - std::chrono::hours(1));
        orig[e.path().filename().string()] = slurp(e.path().string());
    }
    ranking::FolderScanner scanner;
    auto scan = scanner.scan(tmp.path().toStdString(), {.recursive = true});
    const auto r = ranking::rank(*scan);
    auto plan = rename::planRename(r.groups.at(0), rename::namesInDirectory(dir));
    rename::RenameExecutor rex;
    auto applied = rex.apply(dir, *plan, rename::identitiesIn(*scan, r.groups[0].directory));
    QVERIFY(bool(applied));
    sync::SyncConfig cfg;
    cfg.renamed = *rename::renameMap(dir);
    auto synced = sync::SyncExecutor().apply(sync::planSync(dir, cfg), applied->journalId);
    QVERIFY(bool(synced));
    QCOMPARE(synced->files, std::size_t{6});
    // the ranking still resolves every embedded name (they are the current names now)
    auto rescan = scanner.scan(tmp.path().toStdString(), {.recursive = true});
    auto renamedNow = rename::renameMapForScan(*rescan);
    ranking::RankConfig rc;
    rc.renamed = &*renamedNow;
    const auto r2 = ranking::rank(*rescan, rc);
    QCOMPARE(r2.groups.at(0).ranked.at(0).file, std::string("checkpoints/best_top1.ckpt"));
    QVERIFY(r2.groups[0].problems.empty());
    auto undone = sync::undoLast(fs::FileSystem::real(), dir);
    QVERIFY2(bool(undone), undone ? "" : undone.error().message().c_str());
    for (const auto& [name, bytes] : orig)
        QVERIFY2(slurp(dir + "/" + name) == bytes, name.c_str());
}

void TestSync::pinSetsBestModelPathOnly()
{
    // best_model_path is the same (memoised) str object as a best_k_models key: pinning must change the
    // reference, not the object
    QTemporaryDir tmp;
    for (const char* generated : {"cuda-tagged.ckpt", "zip-p4.ckpt"}) {
        const std::string dir = copyOne(tmp, generated, std::string("x-") + generated);
        const std::string path = dir + "/x-" + generated;
        const auto before = readBack(path);
        sync::SyncConfig cfg;
        cfg.bestModelFile = "best-v1.ckpt";
        auto f = sync::planFileSync(path, cfg);
        QVERIFY2(bool(f), f ? "" : f.error().message().c_str());
        sync::SyncPlan plan;
        plan.directory = dir;
        plan.files.push_back(std::move(*f));
        QVERIFY(bool(sync::SyncExecutor().apply(plan)));
        const auto after = readBack(path);
        const auto& a = after.callbacks.at(0);
        QCOMPARE(a.bestModelPath, before.callbacks[0].dirpath + "/best-v1.ckpt");
        QCOMPARE(a.bestKModels, before.callbacks[0].bestKModels); // every key and score as it was
        QCOMPARE(a.kthBestModelPath, before.callbacks[0].kthBestModelPath);
        QCOMPARE(a.lastModelPath, before.callbacks[0].lastModelPath);
    }
}

void TestSync::windowsPathsRebaseToPosix()
{
    // A run written on Windows (../shared/wild, copied to a temporary folder at run time): --rebase writes the
    // folder's POSIX location for every embedded path; undo restores the original bytes.
    QTemporaryDir tmp;
    const std::string dir = tmp.path().toStdString() + "/checkpoints";
    fsys::copy(test::sharedPath("wild/JeffAsDRK__Semana_2_AS/lightning_logs/version_3/checkpoints"), dir);
    for (const auto& e : fsys::directory_iterator(dir)) {
        fsys::permissions(e.path(), fsys::perms::owner_write, fsys::perm_options::add);
        fsys::last_write_time(e.path(), fsys::file_time_type::clock::now() - std::chrono::hours(1));
    }
    const std::string file = dir + "/model-epoch=24-val_loss=0.41-1.ckpt";
    const std::string original = slurp(file);
    const auto before = readBack(file);
    QVERIFY(before.callbacks.at(0).dirpath.find('\\') != std::string::npos);
    sync::SyncConfig cfg;
    cfg.rebase = true;
    const auto plan = sync::planSync(dir, cfg);
    QVERIFY(plan.files.size() >= 5);
    sync::SyncExecutor ex;
    auto rep = ex.apply(plan);
    QVERIFY2(bool(rep), rep ? "" : rep.error().message().c_str());
    const auto after = readBack(file);
    const std::string here = fsys::absolute(dir).lexically_normal().string();
    const auto& a = after.callbacks.at(0);
    QCOMPARE(a.dirpath, here);
    QCOMPARE(a.bestModelPath, here + "/model-epoch=24-val_loss=0.41-1.ckpt");
    for (const auto& [p, score] : a.bestKModels)
        QVERIFY2(p.starts_with(here + "/") && p.find('\\') == std::string::npos, p.c_str());
    auto undone = sync::undoLast(fs::FileSystem::real(), fsys::absolute(dir).string());
    QVERIFY2(bool(undone), undone ? "" : undone.error().message().c_str());
    QCOMPARE(slurp(file), original);
}

void TestSync::cancelledSyncChangesNothing()
{
    // the window's Cancel: asked before each file is prepared, before any checkpoint is touched
    QTemporaryDir tmp;
    const std::string dir = copyOne(tmp, "legacy-p2.ckpt", "best_top1.ckpt"); // legacy: the whole-file rewrite a Cancel matters for
    const std::string path = dir + "/best_top1.ckpt";
    const auto bytes = test::readFile(path);
    sync::SyncConfig cfg;
    cfg.rebase = true;
    const auto plan = sync::planSync(dir, cfg);
    QCOMPARE(plan.files.size(), std::size_t{1});
    sync::SyncExecutor ex;
    ex.cancelled = [] { return true; };
    auto rep = ex.apply(plan);
    QVERIFY(!rep);
    QCOMPARE(rep.error().code, ErrorCode::Cancelled);
    QVERIFY(test::readFile(path) == bytes);
    auto interrupted = rename::readInterrupted(dir);
    QVERIFY(interrupted && !*interrupted); // no journal left pending: nothing to recover
    ex.cancelled = nullptr;
    QVERIFY(bool(ex.apply(sync::planSync(dir, cfg)))); // and the sync can be run again
    QVERIFY(test::readFile(path) != bytes);
}

QTEST_GUILESS_MAIN(TestSync)
#include "TestSync.moc"
