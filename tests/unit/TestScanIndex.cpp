// SPDX-License-Identifier: GPL-3.0-or-later
// The scan index: what it answers must be what reading the files again gives. Every checkpoint the tests
// know (tests/data, ../shared/wild, ../shared/security) round-trips through the codec field by field; every
// fixture ranks the same through a cold index, a warm one and none; a changed file is read again, a renamed
// one is found by its inode; a file that is not a trustworthy index (garbage, another SQLite database,
// another schema, another reader, held locked by another connection, a damaged record) is rebuilt or
// bypassed and the results stay right.
#include "support/TestData.h"

#include "checkpoint/CheckpointReader.h"
#include "fs/FileSource.h"
#include "index/CheckpointCodec.h"
#include "index/ScanIndex.h"
#include "ranking/Ranking.h"
#include "runs/RunTree.h"

#include <QtTest>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sqlite3.h>

using namespace podium;
namespace fsys = std::filesystem;

namespace {

/// All files below `dir` get an mtime an hour ago: the index does not keep files written in the last seconds
/// (their content may still be changing within the filesystem's timestamp granularity).
void ageTree(const std::string& dir)
{
    const auto past = fsys::file_time_type::clock::now() - std::chrono::hours(1);
    for (const auto& e : fsys::recursive_directory_iterator(dir))
        if (!e.is_symlink() && e.is_regular_file())
            fsys::last_write_time(e.path(), past);
}

std::string copyTree(const QTemporaryDir& tmp, const std::string& from, const std::string& name)
{
    const std::string dst = tmp.path().toStdString() + "/" + name;
    fsys::copy(from, dst, fsys::copy_options::recursive | fsys::copy_options::copy_symlinks);
    ageTree(dst);
    return dst;
}

struct Outcome {
    nlohmann::json ranking, runs;
    std::size_t reread = 0, fromIndex = 0;
};

Outcome scanThrough(const std::string& folder, index::ScanIndex* idx,
                    checkpoint::Detail detail = checkpoint::Detail::Full)
{
    ranking::FolderScanner scanner;
    ranking::ScanOptions so;
    so.recursive = true;
    so.remember = false;
    so.read.detail = detail;
    so.cache = idx;
    auto scan = scanner.scan(folder, so);
    if (!scan)
        qFatal("%s", scan.error().message().c_str());
    Outcome out;
    auto r = ranking::rank(*scan);
    auto tree = runs::discoverRuns(folder, *scan, 0, idx);
    runs::assignRuns(r, tree);
    out.ranking = ranking::toJson(r);
    out.runs = runs::toJson(tree, r, {});
    out.reread = scan->reread;
    out.fromIndex = scan->fromIndex;
    return out;
}

std::unique_ptr<index::ScanIndex> openIndex(const std::string& path, std::string* note = nullptr,
                                            int busyMs = 2000)
{
    index::ScanIndex::Options o;
    o.busyMs = busyMs;
    auto idx = index::ScanIndex::open(path, o, note);
    if (!idx)
        qFatal("%s", idx.error().message().c_str());
    return std::move(*idx);
}

void sql(const std::string& path, const std::string& statements)
{
    sqlite3* db = nullptr;
    QCOMPARE(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    char* err = nullptr;
    const int rc = sqlite3_exec(db, statements.c_str(), nullptr, nullptr, &err);
    const std::string msg = err ? err : "";
    sqlite3_free(err);
    sqlite3_close(db);
    QVERIFY2(rc == SQLITE_OK, msg.c_str());
}

std::vector<std::string> everyKnownCheckpoint()
{
    std::vector<std::string> all = test::checkpointsBelow(test::dataPath());
    if (test::haveShared())
        for (const char* corpus : {"wild", "security", "fixtures"})
            for (auto& p : test::checkpointsBelow(test::sharedPath(corpus)))
                all.push_back(std::move(p));
    return all;
}

index::ReadOutcome readOutcome(const std::string& path)
{
    checkpoint::ReadOptions ro;
    ro.detail = checkpoint::Detail::Full;
    // as the scan reads it: named by its folder-relative name, an error by its path
    auto src = fs::FileSource::open(path);
    if (!src)
        qFatal("%s", src.error().message().c_str());
    auto judged = checkpoint::readJudged(**src, fsys::path(path).filename().string(), ro);
    index::ReadOutcome o;
    o.verdict = judged.audit.verdict;
    o.verdictSummary = judged.audit.summary;
    o.checkpoint = std::move(judged.checkpoint);
    if (judged.error)
        o.error = std::move(judged.error)->inFile(path);
    return o;
}

nlohmann::json describe(const index::ReadOutcome& o)
{
    nlohmann::json j;
    j["checkpoint"] = o.checkpoint ? checkpoint::toJson(*o.checkpoint) : nlohmann::json();
    j["error"] = o.error ? nlohmann::json{{"code", std::string(errorCodeName(o.error->code))},
                                          {"detail", o.error->detail},
                                          {"offset", o.error->offset},
                                          {"where", o.error->where},
                                          {"file", o.error->file}}
                         : nlohmann::json();
    j["verdict"] = static_cast<int>(o.verdict);
    j["summary"] = o.verdictSummary;
    return j;
}

} // namespace

class TestScanIndex : public QObject {
    Q_OBJECT
private slots:
    void init();
    void codecRoundTripsEveryCheckpoint();
    void codecRejectsDamage();
    void fixturesRankTheSameThroughTheIndex_data();
    void fixturesRankTheSameThroughTheIndex();
    void rankingDetailIsCoveredByFull();
    void changedFileIsReadAgain();
    void renamedFileFoundByInode();
    void goneFilesAreDropped();
    void garbageFileIsRebuilt();
    void foreignDatabaseIsRebuilt();
    void otherSchemaIsRebuilt();
    void otherReaderEmptiesTheTables();
    void lockedIndexIsSetAside();
    void damagedRecordIsAMiss();
    void factsOfATree();

private:
    std::unique_ptr<QTemporaryDir> m_tmp;
    std::string indexPath() const { return m_tmp->path().toStdString() + "/cache/scan-index.sqlite3"; }
};

void TestScanIndex::init()
{
    m_tmp = std::make_unique<QTemporaryDir>();
    QVERIFY(m_tmp->isValid());
}

void TestScanIndex::codecRoundTripsEveryCheckpoint()
{
    const auto files = everyKnownCheckpoint();
    QVERIFY(files.size() > 20);
    std::size_t withError = 0;
    for (const auto& path : files) {
        const auto o = readOutcome(path);
        withError += o.error.has_value();
        const std::string rel = fsys::path(path).filename().string();
        const std::string bytes = index::encode(o, {rel, path});
        auto back = index::decode(bytes, {rel, path});
        QVERIFY2(back, path.c_str());
        QCOMPARE(describe(*back).dump(), describe(o).dump());
        // read back under other names (the tree opened from elsewhere): those names, the rest the same
        auto moved = index::decode(bytes, {"x/" + rel, "/elsewhere/" + rel});
        QVERIFY2(moved, path.c_str());
        if (moved->checkpoint)
            QCOMPARE(moved->checkpoint->file, "x/" + rel);
        if (moved->error && o.error && o.error->file == path)
            QVERIFY2(moved->error->file == "/elsewhere/" + rel, (path + " -> " + moved->error->file + " rel " + rel).c_str());
    }
    QVERIFY2(withError > 0, "the corpora include files that do not read: their errors round-trip too");
}

void TestScanIndex::codecRejectsDamage()
{
    // every prefix of a real record, and every single-byte change of its head, is a miss or a whole record
    const auto o = readOutcome(test::fixturePath("max-acc", "checkpoints/ep08-acc0.821.ckpt"));
    QVERIFY(o.checkpoint);
    const std::string bytes = index::encode(o, {"best.ckpt", "/x/best.ckpt"});
    for (std::size_t n = 0; n < bytes.size(); ++n)
        QVERIFY(!index::decode(std::string_view(bytes).substr(0, n), {"best.ckpt", "/x/best.ckpt"}));
    for (std::size_t i = 0; i < std::min<std::size_t>(bytes.size(), 512); ++i) {
        std::string b = bytes;
        b[i] = static_cast<char>(b[i] ^ 0x5A);
        (void)index::decode(b, {"best.ckpt", "/x/best.ckpt"}); // must not crash (ASan, UBSan)
    }
    std::string versioned = bytes;
    versioned[1] = static_cast<char>(index::kCodecVersion + 1);
    QVERIFY(!index::decode(versioned, {"best.ckpt", "/x/best.ckpt"}));
}

void TestScanIndex::fixturesRankTheSameThroughTheIndex_data()
{
    QTest::addColumn<QString>("scenario");
    for (const auto& s : test::scenarios())
        QTest::newRow(s.c_str()) << QString::fromStdString(s);
}

void TestScanIndex::fixturesRankTheSameThroughTheIndex()
{
    QFETCH(QString, scenario);
    const std::string folder = copyTree(*m_tmp, test::fixturePath(scenario.toStdString()), "run");
    const Outcome none = scanThrough(folder, nullptr);
    auto idx = openIndex(indexPath());
    const Outcome cold = scanThrough(folder, idx.get());
    const Outcome warm = scanThrough(folder, idx.get());
    QCOMPARE(cold.ranking.dump(), none.ranking.dump());
    QCOMPARE(warm.ranking.dump(), none.ranking.dump());
    QCOMPARE(cold.runs.dump(), none.runs.dump());
    QCOMPARE(warm.runs.dump(), none.runs.dump());
    QCOMPARE(cold.fromIndex, std::size_t{0});
    QCOMPARE(warm.reread, std::size_t{0});
    QCOMPARE(warm.fromIndex, cold.reread);
    // another process opening the same index file sees the records
    idx.reset();
    auto again = openIndex(indexPath());
    const Outcome reopened = scanThrough(folder, again.get());
    QCOMPARE(reopened.ranking.dump(), none.ranking.dump());
    QCOMPARE(reopened.reread, std::size_t{0});
}

void TestScanIndex::rankingDetailIsCoveredByFull()
{
    const std::string folder = copyTree(*m_tmp, test::fixturePath("max-acc"), "run");
    auto idx = openIndex(indexPath());
    const Outcome ranking = scanThrough(folder, idx.get(), checkpoint::Detail::Ranking);
    QVERIFY(ranking.reread > 0);
    // a Ranking-detail record does not answer for Full
    const Outcome full = scanThrough(folder, idx.get(), checkpoint::Detail::Full);
    QCOMPARE(full.reread, ranking.reread);
    QCOMPARE(full.ranking.dump(), scanThrough(folder, nullptr).ranking.dump());
    // a Full record answers for Ranking
    const Outcome again = scanThrough(folder, idx.get(), checkpoint::Detail::Ranking);
    QCOMPARE(again.reread, std::size_t{0});
    QCOMPARE(again.ranking.dump(), ranking.ranking.dump());
}

void TestScanIndex::changedFileIsReadAgain()
{
    const std::string folder = copyTree(*m_tmp, test::fixturePath("max-acc"), "run");
    auto idx = openIndex(indexPath());
    scanThrough(folder, idx.get());
    // another checkpoint's bytes under a known name: same size is not enough, the mtime differs
    const auto files = test::checkpointsBelow(folder);
    QVERIFY(files.size() >= 2);
    fsys::copy_file(files[1], files[0], fsys::copy_options::overwrite_existing);
    fsys::last_write_time(files[0], fsys::file_time_type::clock::now() - std::chrono::minutes(5));
    const Outcome after = scanThrough(folder, idx.get());
    QCOMPARE(after.reread, std::size_t{1});
    QCOMPARE(after.ranking.dump(), scanThrough(folder, nullptr).ranking.dump());
}

void TestScanIndex::renamedFileFoundByInode()
{
    const std::string folder = copyTree(*m_tmp, test::fixturePath("max-acc"), "run");
    auto idx = openIndex(indexPath());
    const Outcome before = scanThrough(folder, idx.get());
    const auto files = test::checkpointsBelow(folder);
    fsys::rename(files[0], fsys::path(files[0]).parent_path() / "renamed-by-hand.ckpt");
    const auto hits = idx->stats().hits;
    const Outcome after = scanThrough(folder, idx.get());
    QCOMPARE(after.reread, std::size_t{0});
    QCOMPARE(idx->stats().hits - hits, files.size());
    QCOMPARE(after.ranking.dump(), scanThrough(folder, nullptr).ranking.dump());
    QVERIFY(after.ranking.dump().find("renamed-by-hand.ckpt") != std::string::npos);
    QVERIFY(after.ranking.dump() != before.ranking.dump());
}

void TestScanIndex::goneFilesAreDropped()
{
    const std::string folder = copyTree(*m_tmp, test::fixturePath("max-acc"), "run");
    auto idx = openIndex(indexPath());
    scanThrough(folder, idx.get());
    const auto files = test::checkpointsBelow(folder);
    fsys::remove(files.back());
    const auto dropped = idx->stats().dropped;
    const Outcome after = scanThrough(folder, idx.get());
    QCOMPARE(idx->stats().dropped - dropped, std::size_t{1});
    QCOMPARE(after.ranking.dump(), scanThrough(folder, nullptr).ranking.dump());
}

void TestScanIndex::garbageFileIsRebuilt()
{
    const std::string folder = copyTree(*m_tmp, test::fixturePath("max-acc"), "run");
    fsys::create_directories(fsys::path(indexPath()).parent_path());
    {
        std::ofstream(indexPath()) << std::string(8192, '\x42');
    }
    std::string note;
    auto idx = openIndex(indexPath(), &note);
    QVERIFY2(note.rfind("rebuilt", 0) == 0, note.c_str());
    const Outcome o = scanThrough(folder, idx.get());
    QCOMPARE(o.ranking.dump(), scanThrough(folder, nullptr).ranking.dump());
    QCOMPARE(scanThrough(folder, idx.get()).reread, std::size_t{0});
}

void TestScanIndex::foreignDatabaseIsRebuilt()
{
    fsys::create_directories(fsys::path(indexPath()).parent_path());
    sql(indexPath(), "CREATE TABLE files (path TEXT PRIMARY KEY, whatever BLOB); INSERT INTO files VALUES ('x', x'00');");
    std::string note;
    auto idx = openIndex(indexPath(), &note);
    QVERIFY2(note.find("not Podium's index") != std::string::npos, note.c_str());
    const std::string folder = copyTree(*m_tmp, test::fixturePath("max-acc"), "run");
    QCOMPARE(scanThrough(folder, idx.get()).ranking.dump(), scanThrough(folder, nullptr).ranking.dump());
}

void TestScanIndex::otherSchemaIsRebuilt()
{
    { auto idx = openIndex(indexPath()); }
    sql(indexPath(), "PRAGMA user_version = 99;");
    std::string note;
    auto idx = openIndex(indexPath(), &note);
    QVERIFY2(note.find("schema version 99") != std::string::npos, note.c_str());
    const std::string folder = copyTree(*m_tmp, test::fixturePath("max-acc"), "run");
    QCOMPARE(scanThrough(folder, idx.get()).ranking.dump(), scanThrough(folder, nullptr).ranking.dump());
}

void TestScanIndex::otherReaderEmptiesTheTables()
{
    const std::string folder = copyTree(*m_tmp, test::fixturePath("max-acc"), "run");
    {
        auto idx = openIndex(indexPath());
        scanThrough(folder, idx.get());
    }
    sql(indexPath(), "UPDATE meta SET value = 'podium 0.0.1 codec 0' WHERE key = 'reader';");
    std::string note;
    auto idx = openIndex(indexPath(), &note);
    QCOMPARE(note, std::string("emptied: written by another reader"));
    const Outcome o = scanThrough(folder, idx.get());
    QCOMPARE(o.fromIndex, std::size_t{0});
    QCOMPARE(o.ranking.dump(), scanThrough(folder, nullptr).ranking.dump());
}

void TestScanIndex::lockedIndexIsSetAside()
{
    const std::string folder = copyTree(*m_tmp, test::fixturePath("max-acc"), "run");
    { auto idx = openIndex(indexPath()); scanThrough(folder, idx.get()); }
    // another connection holds an exclusive lock and does not let go
    sqlite3* holder = nullptr;
    QCOMPARE(sqlite3_open(indexPath().c_str(), &holder), SQLITE_OK);
    QCOMPARE(sqlite3_exec(holder, "PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE; SELECT count(*) FROM files;",
                          nullptr, nullptr, nullptr), SQLITE_OK);
    std::string note;
    auto idx = openIndex(indexPath(), &note, 100);
    QVERIFY2(note.find("locked") != std::string::npos, note.c_str());
    const Outcome o = scanThrough(folder, idx.get());
    QCOMPARE(o.ranking.dump(), scanThrough(folder, nullptr).ranking.dump());
    sqlite3_exec(holder, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_close(holder);
}

void TestScanIndex::damagedRecordIsAMiss()
{
    const std::string folder = copyTree(*m_tmp, test::fixturePath("max-acc"), "run");
    { auto idx = openIndex(indexPath()); scanThrough(folder, idx.get()); }
    sql(indexPath(), "UPDATE files SET record = substr(record, 1, length(record) / 2);");
    auto idx = openIndex(indexPath());
    const Outcome o = scanThrough(folder, idx.get());
    QCOMPARE(o.fromIndex, std::size_t{0});
    QCOMPARE(idx->stats().badRecords, o.reread);
    QCOMPARE(o.ranking.dump(), scanThrough(folder, nullptr).ranking.dump());
    // and overwritten with good ones
    QCOMPARE(scanThrough(folder, idx.get()).reread, std::size_t{0});
}

void TestScanIndex::factsOfATree()
{
    if (!test::haveShared())
        QSKIP("../shared is missing");
    for (const char* tree : {"sweep-dev", "resumed-tree-dev", "shared-dirpath-resume-dev"}) {
        const std::string folder = copyTree(*m_tmp, test::sharedPath(std::string("fixtures/") + tree), tree);
        const Outcome none = scanThrough(folder, nullptr);
        auto idx = openIndex(indexPath());
        const Outcome cold = scanThrough(folder, idx.get());
        idx->flush();
        const auto misses = idx->stats().factMisses;
        QVERIFY(misses > 0);
        const Outcome warm = scanThrough(folder, idx.get());
        QCOMPARE(idx->stats().factMisses, misses); // every fact answered
        QVERIFY(idx->stats().factHits > 0);
        QCOMPARE(cold.runs.dump(), none.runs.dump());
        QCOMPARE(warm.runs.dump(), none.runs.dump());
        // a hyper-parameter file edited: its facts are derived again
        for (const auto& e : fsys::recursive_directory_iterator(folder))
            if (e.path().filename() == "hparams.yaml") {
                std::ofstream(e.path(), std::ios::app) << "edited_here: 1\n";
                fsys::last_write_time(e.path(), fsys::file_time_type::clock::now() - std::chrono::minutes(3));
                break;
            }
        const Outcome edited = scanThrough(folder, idx.get());
        QCOMPARE(edited.runs.dump(), scanThrough(folder, nullptr).runs.dump());
        idx.reset();
        fsys::remove_all(folder);
    }
}

QTEST_GUILESS_MAIN(TestScanIndex)
#include "TestScanIndex.moc"
