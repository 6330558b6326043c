// SPDX-License-Identifier: GPL-3.0-or-later
// Manifest (JSON/CSV, atomic, failures change nothing), pinning (never replaces a real file, survives a
// rename), and rank links.
#include "support/FailingFileSystem.h"
#include "support/TestData.h"

#include "manifest/Pinning.h"
#include "rename/RenameExecutor.h"

#include <QtTest>
#include <filesystem>

using namespace podium;
namespace fsys = std::filesystem;

namespace {

struct Seed {
    QTemporaryDir tmp;
    std::string root, dir;
    Seed()
    {
        root = tmp.path().toStdString();
        fsys::copy(test::fixturePath("seed-static-name", "checkpoints"), root + "/checkpoints", fsys::copy_options::recursive);
        dir = root + "/checkpoints";
        for (const auto& e : fsys::directory_iterator(dir))
            fsys::last_write_time(e.path(), fsys::file_time_type::clock::now() - std::chrono::hours(2));
    }
    ranking::ScanResult scan() const
    {
        ranking::FolderScanner s;
        ranking::ScanOptions o;
        o.recursive = true;
        return *s.scan(root, o);
    }
};

} // namespace

class TestManifest : public QObject {
    Q_OBJECT
private slots:
    void jsonFollowsTheSchema();
    void csvHasOneRowPerCheckpoint();
    void failedWritesChangeNothing_data();
    void failedWritesChangeNothing();
    void pinRefusesARealCheckpoint();
    void pinSurvivesRenameAndUndo();
    void linksReplaceLinksOnly();
};

void TestManifest::jsonFollowsTheSchema()
{
    Seed s;
    const auto scan = s.scan();
    const auto rk = ranking::rank(scan);
    manifest::ManifestInput in;
    in.ranking = &rk;
    in.scan = &scan;
    in.sha256["checkpoints/best-v4.ckpt"] = "abc";
    const auto j = manifest::toJson(in);
    QCOMPARE(j["schema_version"], 1);
    QCOMPARE(j["generator"]["name"], "podium");
    QVERIFY(j.contains("created") && j.contains("folder") && j.contains("pin") && j.contains("renames"));
    const auto& g = j["groups"][0];
    QCOMPARE(g["monitor"], "val/loss");
    QCOMPARE(g["mode"], "min");
    QCOMPARE(g["k"], 5);
    QCOMPARE(g["ranked"][0]["file"], "checkpoints/best-v4.ckpt");
    QCOMPARE(g["ranked"][0]["size"], 8550);
    QVERIFY(g["ranked"][0]["mtime"].is_string());
    QCOMPARE(g["ranked"][0]["sha256"], "abc");
    QCOMPARE(g["unranked"][0]["reason"], "last checkpoint");
    // every field the schema requires is present
    auto schemaText = fs::FileSystem::readFile(std::string(PODIUM_SOURCE_DIR) + "/docs/manifest.schema.json");
    QVERIFY(schemaText.ok());
    const auto schema = nlohmann::json::parse(*schemaText);
    for (const auto& field : schema["required"])
        QVERIFY2(j.contains(field.get<std::string>()), field.get<std::string>().c_str());
    for (const auto& field : schema["$defs"]["ranked"]["required"])
        QVERIFY2(g["ranked"][0].contains(field.get<std::string>()), field.get<std::string>().c_str());
}

void TestManifest::csvHasOneRowPerCheckpoint()
{
    Seed s;
    const auto scan = s.scan();
    const auto rk = ranking::rank(scan);
    manifest::ManifestInput in;
    in.ranking = &rk;
    in.scan = &scan;
    const auto csv = manifest::toCsv(in);
    const auto lines = QString::fromStdString(csv).split('\n', Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 1 + 5 + 1); // header, five ranked, last.ckpt
    QVERIFY(lines[0].startsWith("group,monitor,mode,rank,file,score"));
    QVERIFY(lines[1].contains(",1,checkpoints/best-v4.ckpt,0.7492460012435913,best_k_models,11,48,8550,"));
    QVERIFY(lines[6].contains("unranked: last checkpoint"));
}

void TestManifest::failedWritesChangeNothing_data()
{
    QTest::addColumn<int>("code");
    QTest::newRow("read-only folder") << static_cast<int>(ErrorCode::FsReadOnly);
    QTest::newRow("full disk") << static_cast<int>(ErrorCode::FsNoSpace);
}

void TestManifest::failedWritesChangeNothing()
{
    QFETCH(int, code);
    Seed s;
    const std::string out = s.root + "/podium-manifest.json";
    QVERIFY(manifest::write(fs::FileSystem::real(), out, "{\"old\": true}").ok());
    test::FailingFileSystem failing(0, static_cast<ErrorCode>(code));
    auto st = manifest::write(failing, out, "{\"new\": true}");
    QVERIFY(!st.ok());
    QCOMPARE(static_cast<int>(st.error().code), code);
    QCOMPARE(*fs::FileSystem::readFile(out), std::string("{\"old\": true}"));
    // a real failure of the real file system: a folder that does not exist
    auto missing = manifest::write(fs::FileSystem::real(), s.root + "/no/such/dir/m.json", "{}");
    QVERIFY(!missing.ok());
    QCOMPARE(missing.error().code, ErrorCode::FsNotFound);
    QVERIFY(missing.error().message().find("m.json") != std::string::npos);
}

void TestManifest::pinRefusesARealCheckpoint()
{
    Seed s;
    auto r = manifest::pinCheckpoint(fs::FileSystem::real(), s.dir + "/best-v4.ckpt"); // link best.ckpt: a real file
    QVERIFY(!r.ok());
    QCOMPARE(r.error().code, ErrorCode::PinRefusesRegularFile);
    QVERIFY(r.error().detail.find("rename") != std::string::npos);
    QVERIFY(!fs::FileSystem::isSymlink(s.dir + "/best.ckpt"));
    QVERIFY(!fsys::exists(manifest::pinPath(s.dir)));
}

void TestManifest::pinSurvivesRenameAndUndo()
{
    Seed s;
    auto pin = manifest::pinCheckpoint(fs::FileSystem::real(), s.dir + "/best-v3.ckpt", "chosen.ckpt");
    QVERIFY(pin.ok());
    QCOMPARE(fsys::read_symlink(s.dir + "/chosen.ckpt").string(), std::string("best-v3.ckpt"));
    // rename: the link follows its file
    auto scan = s.scan();
    auto rk = ranking::rank(scan);
    std::vector<std::string> present;
    for (const auto& e : fsys::directory_iterator(s.dir)) present.push_back(e.path().filename().string());
    auto plan = rename::planRename(rk.groups.at(0), present);
    QVERIFY(plan.ok());
    std::map<std::string, ranking::FileIdentity> ids;
    for (const auto& f : scan.files) ids[fsys::path(f.relPath).filename().string()] = f.identity;
    rename::RenameExecutor ex;
    QVERIFY(ex.apply(s.dir, *plan, ids).ok());
    QCOMPARE(fsys::read_symlink(s.dir + "/chosen.ckpt").string(), std::string("best_top2.ckpt"));
    auto rec = manifest::readPin(s.dir, "checkpoints");
    QCOMPARE((*rec)->file, std::string("checkpoints/best_top2.ckpt"));
    QVERIFY(ex.undo(s.dir).ok());
    QCOMPARE(fsys::read_symlink(s.dir + "/chosen.ckpt").string(), std::string("best-v3.ckpt"));
    // unpin removes the link and the record, never the checkpoint
    QVERIFY(manifest::unpinCheckpoint(fs::FileSystem::real(), s.dir).ok());
    QVERIFY(!fsys::exists(s.dir + "/chosen.ckpt"));
    QVERIFY(fsys::exists(s.dir + "/best-v3.ckpt"));
    QCOMPARE(manifest::unpinCheckpoint(fs::FileSystem::real(), s.dir).error().code, ErrorCode::NothingToUndo);
}

void TestManifest::linksReplaceLinksOnly()
{
    Seed s;
    QVERIFY(fs::replaceLink(fs::FileSystem::real(), "best-v4.ckpt", s.dir + "/best_top1.ckpt").ok());
    QVERIFY(fs::replaceLink(fs::FileSystem::real(), "best-v3.ckpt", s.dir + "/best_top1.ckpt").ok()); // updated
    QCOMPARE(fsys::read_symlink(s.dir + "/best_top1.ckpt").string(), std::string("best-v3.ckpt"));
    auto st = fs::replaceLink(fs::FileSystem::real(), "best-v3.ckpt", s.dir + "/best-v4.ckpt"); // a checkpoint
    QVERIFY(!st.ok());
    QCOMPARE(st.error().code, ErrorCode::FsExists);
    QCOMPARE(fsys::file_size(s.dir + "/best-v4.ckpt"), std::uintmax_t{8550});
    for (const auto& e : fsys::directory_iterator(s.dir)) // no temporaries left behind
        QVERIFY(!e.path().filename().string().starts_with(".podium-link"));
}

QTEST_GUILESS_MAIN(TestManifest)
#include "TestManifest.moc"
