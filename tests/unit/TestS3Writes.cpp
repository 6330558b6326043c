// SPDX-License-Identifier: GPL-3.0-or-later
// Writing on S3 against a real S3-compatible server (s3rver, started here on loopback, SigV4 checked): rename
// as copy + confirm + delete, sync as multipart uploads that copy the unchanged bytes server-side, both
// journaled in the bucket; undo and recover. A crash is injected before every change to the bucket, then
// recovery (completing or rolling back) runs: no object is ever lost, and the end state is the finished
// operation or none of it, byte for byte.
#include "support/RemoteServers.h"
#include "support/TestData.h"

#include "remote/RemoteScan.h"
#include "remote/S3RenameExecutor.h"
#include "remote/S3Store.h"
#include "remote/S3SyncExecutor.h"
#include "rename/RenamePlan.h"

#include <QtTest>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

using namespace podium;
using nlohmann::json;
namespace fsys = std::filesystem;

namespace {

const QString kCli = QStringLiteral(PODIUM_CLI);

std::string shared() { return fsys::canonical(test::sharedPath("")).string(); }

std::string readAll(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

/// name → content of every object under `store`'s location, but Podium's own (.podium/).
std::map<std::string, std::string> contents(remote::S3Store& store)
{
    std::map<std::string, std::string> out;
    auto listed = store.list(true);
    if (!listed)
        return {{"<error>", listed.error().message()}};
    for (const auto& o : *listed) {
        if (o.rel.starts_with(".podium/") || o.rel.find("/.podium/") != std::string::npos)
            continue;
        auto bytes = store.fetch(o);
        out[o.rel] = bytes ? std::string(bytes->begin(), bytes->end()) : "<unreadable>";
    }
    return out;
}

std::multiset<std::string> values(const std::map<std::string, std::string>& m)
{
    std::multiset<std::string> out;
    for (const auto& [k, v] : m)
        out.insert(v);
    return out;
}

} // namespace

class TestS3Writes : public QObject {
    Q_OBJECT

    test::RemoteServers m_servers;
    QProcessEnvironment m_env;
    int m_prefixes = 0;

    test::Ran cli(const QStringList& args) { return test::runProgram(kCli, args, m_env); }
    json cliOk(const QStringList& args)
    {
        const auto r = cli(args);
        json j = json::parse(r.out.toStdString(), nullptr, false);
        if (r.exitCode != 0 || j.is_discarded())
            qWarning().noquote() << args.join(' ') << "exit" << r.exitCode << QString::fromUtf8(r.err) << QString::fromUtf8(r.out);
        return j;
    }

    std::unique_ptr<remote::S3Store> open(const std::string& url)
    {
        auto s = remote::RemoteStore::open(url);
        if (!s)
            qFatal("%s", s.error().message().c_str());
        return std::unique_ptr<remote::S3Store>(dynamic_cast<remote::S3Store*>(s->release()));
    }
    /// A new prefix holding the files of a local folder (uploaded whole); its URL.
    std::string seed(const std::string& folder)
    {
        const std::string url = "s3://ckpts/case" + std::to_string(++m_prefixes);
        auto store = open(url);
        for (const auto& e : fsys::recursive_directory_iterator(folder))
            if (e.is_regular_file())
                if (auto st = store->put(fsys::relative(e.path(), folder).generic_string(), readAll(e.path().string())); !st)
                    qFatal("%s", st.error().message().c_str());
        return url;
    }
    /// The rename plan of the store's only directory of checkpoints, as `rename` makes it.
    rename::RenamePlan planOf(remote::S3Store& store, std::map<std::string, remote::RemoteObject>& objects)
    {
        auto scanned = remote::scanRemote(store);
        if (!scanned)
            qFatal("%s", scanned.error().message().c_str());
        const auto ranking = ranking::rank(scanned->scan, {});
        auto group = rename::chooseGroup(ranking, "");
        if (!group)
            qFatal("%s", group.error().message().c_str());
        remote::S3RenameExecutor ex(store);
        const auto present = ex.objectsIn("");
        objects = *present;
        const std::vector<std::string> names = remote::S3RenameExecutor::namesOf(objects);
        rename::PlanConfig pc;
        pc.tempTag = "t";
        auto plan = rename::planRename(**group, names, pc);
        if (!plan)
            qFatal("%s", plan.error().message().c_str());
        return *plan;
    }

private slots:
    void initTestCase()
    {
        const QString why = m_servers.startS3({});
        if (!why.isEmpty())
            QFAIL(qPrintable(why));
        m_env = QProcessEnvironment::systemEnvironment();
        for (const char* v : {"AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL_S3"}) {
            m_env.remove(v);
            qunsetenv(v);
        }
        const std::vector<std::pair<QString, QString>> vars{
            {"AWS_ACCESS_KEY_ID", "S3RVER"}, {"AWS_SECRET_ACCESS_KEY", "S3RVER"}, {"AWS_ENDPOINT_URL", m_servers.s3Endpoint()},
            {"AWS_SHARED_CREDENTIALS_FILE", m_servers.dir() + "/no-credentials"}, {"AWS_CONFIG_FILE", m_servers.dir() + "/no-config"},
            {"XDG_STATE_HOME", m_servers.dir() + "/state"}, {"XDG_CACHE_HOME", m_servers.dir() + "/cache"}};
        for (const auto& [k, v] : vars) {
            m_env.insert(k, v);
            qputenv(k.toUtf8().constData(), v.toUtf8());
        }
    }
    void cleanupTestCase() { m_servers.stop(); }

    // ---- how an object is put together from parts (pure) ---------------------------------------------------
    void partsFollowS3Rules()
    {
        remote::S3Limits l;
        l.partMin = 100, l.copyMax = 1000, l.copyPart = 400;
        const std::vector<std::uint8_t> tail(30, 7);
        // a zip's tail: the kept bytes copied, the tail uploaded as the last part
        auto p = remote::planParts({remote::Segment{0, 300, {}}, remote::Segment{0, 0, tail}}, l);
        QVERIFY(!p.wholePut);
        QCOMPARE(p.parts.size(), std::size_t{2});
        QVERIFY(p.parts[0].copy);
        QCOMPARE(p.uploadBytes, std::uint64_t{30});
        QCOMPARE(p.readBytes, std::uint64_t{0});
        // kept bytes below the part minimum: everything in one PUT
        p = remote::planParts({remote::Segment{0, 60, {}}, remote::Segment{0, 0, tail}}, l);
        QVERIFY(p.wholePut);
        QCOMPARE(p.uploadBytes, std::uint64_t{90});
        // a legacy file: a short head, the new pickle, the rest copied — the uploaded part padded to the minimum
        p = remote::planParts({remote::Segment{0, 10, {}}, remote::Segment{0, 0, tail}, remote::Segment{50, 5000, {}}}, l);
        QVERIFY(!p.wholePut);
        QCOMPARE(p.uploadBytes, std::uint64_t{100});
        QCOMPARE(p.readBytes, std::uint64_t{70});
        std::uint64_t total = 0;
        for (std::size_t i = 0; i < p.parts.size(); ++i) {
            std::uint64_t size = 0;
            for (const auto& piece : p.parts[i].pieces)
                size += piece.size();
            total += size;
            QVERIFY2(size <= l.copyMax, qPrintable(QString::number(size)));
            if (i + 1 < p.parts.size())
                QVERIFY2(size >= l.partMin, qPrintable(QString("part %1 has %2 bytes").arg(i).arg(size)));
        }
        QCOMPARE(total, std::uint64_t{10 + 30 + 4950});
        // a copy above the single-copy limit: parts of at most copyPart
        p = remote::planParts({remote::Segment{0, 1001, {}}}, l);
        QCOMPARE(p.parts.size(), std::size_t{3});
        for (const auto& part : p.parts)
            QVERIFY(part.copy && part.pieces[0].size() <= l.copyPart && part.pieces[0].size() >= l.partMin);
    }

    // ---- the CLI ------------------------------------------------------------------------------------------
    void renameApplyRankUndo()
    {
        const std::string local = shared() + "/fixtures/max-acc/checkpoints";
        const QString url = QString::fromStdString(seed(local));
        auto store = open(url.toStdString());
        const auto before = contents(*store);
        const json dry = cliOk({"rename", "--json", "--no-index", QString::fromStdString(local)});
        const json applied = cliOk({"rename", "--json", "--apply", "--force", url});
        QCOMPARE(applied["applied"], json(true));
        QCOMPARE(applied["moves"], dry["moves"]);
        // every object under its new name, with the same bytes; the ranking follows the names
        auto after = contents(*store);
        QCOMPARE(values(after), values(before));
        for (const auto& m : applied["moves"]) {
            QVERIFY(!after.count(m["from"].get<std::string>()));
            QCOMPARE(after[m["to"].get<std::string>()], before.at(m["from"].get<std::string>()));
        }
        const json ranked = cliOk({"rank", "--json", url});
        for (std::size_t i = 0; i < applied["moves"].size(); ++i)
            QCOMPARE(ranked["groups"][0]["ranked"][i]["file"], applied["moves"][i]["to"]);
        QVERIFY(cli({"rename", url}).out.contains("Nothing to rename"));
        // the journal is in the bucket, and so is a finished history entry
        auto listed = store->listUnder(".podium/", true);
        QVERIFY(listed);
        QCOMPARE(listed->size(), std::size_t{1});
        QVERIFY(listed->front().rel.starts_with(".podium/history/"));
        // undo: the names, and bytes, as they were
        const auto u = cli({"undo", url});
        QVERIFY2(u.exitCode == 0, u.err.constData());
        QCOMPARE(contents(*store), before);
        QVERIFY(cli({"recover", url}).out.contains("No interrupted rename"));
    }
    void renameWithSyncStateThenUndo()
    {
        const std::string local = shared() + "/fixtures/max-acc/checkpoints";
        const QString url = QString::fromStdString(seed(local));
        auto store = open(url.toStdString());
        const auto before = contents(*store);
        const json applied = cliOk({"rename", "--json", "--apply", "--force", "--sync-state", url});
        QCOMPARE(applied["synced"]["files"], json(applied["moves"].size()));
        // Lightning reads the new names from the state inside each object
        const QString top1 = url + "/" + QString::fromStdString(applied["moves"][0]["to"].get<std::string>());
        const json inspected = cliOk({"inspect", "--json", top1});
        const std::string text = inspected.dump();
        for (const auto& m : applied["moves"]) {
            QVERIFY2(text.find("/" + m["to"].get<std::string>()) != std::string::npos, qPrintable(QString::fromStdString(m["to"])));
            QVERIFY2(text.find("/" + m["from"].get<std::string>() + "\"") == std::string::npos, qPrintable(QString::fromStdString(m["from"])));
        }
        // the ranking is the same, now from the embedded names themselves
        const json ranked = cliOk({"rank", "--json", url});
        QCOMPARE(ranked["groups"][0]["ranked"][0]["file"], applied["moves"][0]["to"]);
        // one undo restores the bytes and the names
        const auto u = cli({"undo", url});
        QVERIFY2(u.exitCode == 0, u.err.constData());
        QVERIFY2(u.out.contains("restored the embedded state") && u.out.contains("moved"), u.out.constData());
        QCOMPARE(contents(*store), before);
    }
    void syncRebaseWritesTheLocation()
    {
        const std::string local = shared() + "/fixtures/pl-2.1";
        const QString url = QString::fromStdString(seed(local));
        auto store = open(url.toStdString());
        const auto before = contents(*store);
        const json synced = cliOk({"sync", "--json", "--rebase", url});
        QCOMPARE(synced["applied"], json(true));
        QVERIFY(!synced["directories"].empty());
        const std::string dir = synced["directories"][0]["directory"];
        QVERIFY2(dir.starts_with(url.toStdString()), dir.c_str());
        const auto& files = synced["directories"][0]["files"];
        QVERIFY(!files.empty());
        const json inspected = cliOk({"inspect", "--json", QString::fromStdString(dir + "/" + files[0]["file"].get<std::string>())});
        QVERIFY2(inspected.dump().find("\"" + dir + "\"") != std::string::npos, "dirpath is the S3 directory");
        QVERIFY2(cli({"undo", url}).exitCode == 0, "undo");
        QCOMPARE(contents(*store), before);
    }
    void pinIsARecordAndTheEmbeddedBest()
    {
        const std::string local = shared() + "/fixtures/max-acc";
        const QString url = QString::fromStdString(seed(local));
        auto store = open(url.toStdString());
        const auto before = contents(*store);
        const QString worst = "checkpoints/ep02-acc0.512.ckpt";
        const auto p = cli({"pin", url, worst, "--sync-state"});
        QVERIFY2(p.exitCode == 0, p.err.constData());
        // no link object: the record in the bucket, which the manifest reports
        QVERIFY(!store->object("checkpoints/best.ckpt"));
        const json m = cliOk({"manifest", url, "-o", "-"});
        QCOMPARE(m["pin"]["file"], json(worst.toStdString()));
        QVERIFY(m["pin"]["link"].is_null());
        // ckpt_path="best" in Lightning loads best_model_path: every checkpoint of the directory names the pin
        for (const auto& [name, bytes] : contents(*store)) {
            if (!name.starts_with("checkpoints/"))
                continue;
            const json j = cliOk({"inspect", "--json", url + "/" + QString::fromStdString(name)});
            QCOMPARE(j["callbacks"][0]["best_model_path"], json("/data/runs/max-acc/checkpoints/ep02-acc0.512.ckpt"));
        }
        QCOMPARE(cli({"unpin", url}).exitCode, 0);
        QVERIFY(cliOk({"manifest", url, "-o", "-"})["pin"].is_null());
        QCOMPARE(cli({"undo", url}).exitCode, 0);
        QCOMPARE(contents(*store), before);
    }
    void httpLocationsAreReadOnly()
    {
        const auto r = cli({"rename", "--apply", "https://127.0.0.1:9/x/a.ckpt"});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains("read-only"), r.err.constData());
    }

    // ---- crash injection ----------------------------------------------------------------------------------
    void renameCrashAtEveryPointThenRecover_data()
    {
        QTest::addColumn<bool>("swap");
        QTest::addColumn<bool>("rollback");
        QTest::newRow("ranked names, completed") << false << false;
        QTest::newRow("ranked names, rolled back") << false << true;
        QTest::newRow("two names swapped (a temporary), completed") << true << false;
        QTest::newRow("two names swapped (a temporary), rolled back") << true << true;
    }
    void renameCrashAtEveryPointThenRecover()
    {
        QFETCH(bool, swap);
        QFETCH(bool, rollback);
        const std::string local = shared() + "/fixtures/max-acc/checkpoints";
        int points = 0;
        for (int crashAt = 0;; ++crashAt) {
            auto store = open(seed(local));
            const auto before = contents(*store);
            std::map<std::string, remote::RemoteObject> objects;
            rename::RenamePlan plan = planOf(*store, objects);
            if (swap) { // the two best swap names: a cycle, through a temporary
                const std::string a = plan.moves[0].from, b = plan.moves[1].from;
                plan.moves = {{a, b, 1}, {b, a, 2}};
                std::vector<std::string> names;
                for (const auto& [n, o] : objects)
                    names.push_back(n);
                plan.steps = rename::orderSteps(plan.moves, names, "t");
                QCOMPARE(plan.steps.size(), std::size_t{3});
            }
            remote::S3RenameExecutor ex(*store);
            int seen = 0;
            ex.crashPoint = [&](std::string_view point) -> Status {
                if (seen++ == crashAt)
                    return Error(ErrorCode::IoWriteFailed, "injected crash before " + std::string(point));
                return {};
            };
            remote::S3ApplyOptions ao;
            ao.force = true;
            auto r = ex.apply("", plan, objects, ao);
            if (r) { // no crash point left: the plan ran whole
                points = crashAt;
                break;
            }
            // no object lost at the crash: every checkpoint's bytes are under some name
            const auto crashed = contents(*store);
            for (const auto& v : values(before))
                QVERIFY2(values(crashed).count(v), qPrintable(QString("crash %1: an object is gone").arg(crashAt)));
            remote::S3RenameExecutor fresh(*store);
            auto rec = fresh.recover("", rollback);
            if (!rec) { // crashed before the journal was written
                QVERIFY2(rec.error().code == ErrorCode::NothingToUndo, qPrintable(QString("crash %1: ").arg(crashAt) + rec.error().message().c_str()));
                QCOMPARE(crashed, before);
                continue;
            }
            auto end = contents(*store);
            if (rollback) {
                QCOMPARE(end, before);
            } else {
                QCOMPARE(values(end), values(before));
                for (const auto& m : plan.moves)
                    QVERIFY2(end.count(m.to) && end[m.to] == before.at(m.from),
                             qPrintable(QString("crash %1: %2 is not at %3").arg(crashAt).arg(m.from.c_str(), m.to.c_str())));
            }
            QVERIFY(!store->listUnder(".podium/journal.json", false)->size());
        }
        QVERIFY2(points >= 4, qPrintable(QString::number(points))); // journal, copy, delete, journal, ..., history
    }
    void syncCrashAtEveryPointThenRecover_data()
    {
        QTest::addColumn<bool>("rollback");
        QTest::newRow("completed") << false;
        QTest::newRow("rolled back") << true;
    }
    void syncCrashAtEveryPointThenRecover()
    {
        QFETCH(bool, rollback);
        const std::string local = shared() + "/fixtures/max-acc/checkpoints";
        // parts as small as the files: each rewrite is a multipart upload of itself (UploadPartCopy of its
        // unchanged bytes + the uploaded tail), what a real checkpoint above 5 MiB gets
        remote::S3Limits small;
        small.partMin = 1024;
        auto syncOnce = [&](remote::S3Store& store, remote::S3SyncExecutor& ex, std::uint64_t* tails) {
            remote::S3RenameExecutor lister(store);
            const auto present = lister.objectsIn("");
            const std::map<std::string, remote::RemoteObject>& objects = *present;
            sync::SyncConfig sc; // a pin: best_model_path names the worst (the same bytes in any prefix)
            sc.bestModelFile = "ep02-acc0.512.ckpt"; // no file names it: all four change
            const auto plan = remote::planS3Sync(store, "", objects, sc);
            if (tails)
                for (const auto& f : plan.files)
                    *tails += f.rewrite.tail.size();
            return ex.apply("", plan, objects);
        };
        // the reference: an uninterrupted sync
        auto refStore = open(seed(local));
        refStore->setLimits(small);
        const auto original = contents(*refStore);
        remote::S3SyncExecutor refEx(*refStore);
        std::uint64_t tails = 0;
        auto ref = syncOnce(*refStore, refEx, &tails);
        QVERIFY2(ref, ref ? "" : ref.error().message().c_str());
        QCOMPARE(ref->files, original.size());
        QCOMPARE(ref->bytesWritten, tails); // O(tail): the kept bytes were copied by the server
        const auto synced = contents(*refStore);
        for (const auto& [name, bytes] : synced)
            QVERIFY(bytes != original.at(name));
        int points = 0;
        for (int crashAt = 0;; ++crashAt) {
            auto store = open(seed(local));
            store->setLimits(small);
            remote::S3SyncExecutor ex(*store);
            int seen = 0;
            ex.crashPoint = [&](std::string_view point) -> Status {
                if (seen++ == crashAt)
                    return Error(ErrorCode::IoWriteFailed, "injected crash before " + std::string(point));
                return {};
            };
            auto r = syncOnce(*store, ex, nullptr);
            if (r) {
                points = crashAt;
                QCOMPARE(contents(*store), synced);
                break;
            }
            const auto crashed = contents(*store);
            for (const auto& [name, bytes] : crashed) // each object old or new, whole
                QVERIFY2(bytes == original.at(name) || bytes == synced.at(name), qPrintable(QString("crash %1: %2 is torn").arg(crashAt).arg(name.c_str())));
            auto rec = remote::recoverAnyS3(*store, "", rollback);
            if (!rec) {
                QVERIFY2(rec.error().code == ErrorCode::NothingToUndo, qPrintable(QString("crash %1: ").arg(crashAt) + rec.error().message().c_str()));
                QCOMPARE(crashed, original);
                continue;
            }
            QVERIFY2(contents(*store) == (rollback ? original : synced), qPrintable(QString("crash %1: %2").arg(crashAt).arg(rec->c_str())));
        }
        QVERIFY2(points >= 4, qPrintable(QString::number(points)));
        // and undo of the finished one brings the original bytes back
        auto u = remote::undoLastS3(*refStore, "");
        QVERIFY2(u, u ? "" : u.error().message().c_str());
        QCOMPARE(contents(*refStore), original);
    }
    void copyAboveTheSingleCopyLimitIsMultipart()
    {
        const std::string local = shared() + "/fixtures/max-acc/checkpoints";
        auto store = open(seed(local));
        remote::S3Limits l;
        l.partMin = 1024, l.copyMax = 4096, l.copyPart = 3000;
        store->setLimits(l);
        std::map<std::string, remote::RemoteObject> objects;
        const rename::RenamePlan plan = planOf(*store, objects);
        const auto before = contents(*store);
        QVERIFY(objects.at(plan.moves[0].from).size > l.copyMax);
        remote::S3RenameExecutor ex(*store);
        remote::S3ApplyOptions ao;
        ao.force = true;
        auto r = ex.apply("", plan, objects, ao);
        QVERIFY2(r, r ? "" : r.error().message().c_str());
        const auto after = contents(*store);
        QCOMPARE(values(after), values(before));
        auto u = ex.undo("");
        QVERIFY2(u, u ? "" : u.error().message().c_str());
        QCOMPARE(contents(*store), before);
    }
};

QTEST_GUILESS_MAIN(TestS3Writes)
#include "TestS3Writes.moc"
