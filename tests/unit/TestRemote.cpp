// SPDX-License-Identifier: GPL-3.0-or-later
// Reading where checkpoints live: podium-cli against real servers started here on loopback — nginx over
// HTTP and HTTPS (its own CA), and the S3-compatible s3rver (SigV4 checked) seeded with ../shared's fixtures.
// Every result over the network equals the local one (the same JSON, but for the names), and the bytes
// nginx sent per checkpoint are the bytes the local reader reads.
#include "support/RemoteServers.h"
#include "support/TestData.h"

#include <QtTest>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

using namespace podium;
using nlohmann::json;
namespace fsys = std::filesystem;

namespace {

const QString kCli = QStringLiteral(PODIUM_CLI);

std::string shared()
{
    return fsys::canonical(test::sharedPath("")).string();
}

/// Drops what names the location (folder) and what depends on when the objects were written: a run's
/// status (the S3 copies are seconds old, the fixtures are not) and a group's authority when two files tie
/// on global_step (the newer file wins: the fixtures' files share one mtime, their S3 copies were uploaded
/// one after the other).
json normal(json j, const std::string& location)
{
    if (j.is_string() && !location.empty()) { // an error names the file: its place in the location is what must agree
        std::string t = j.get<std::string>();
        for (std::size_t at; (at = t.find(location + "/")) != std::string::npos;)
            t.erase(at, location.size() + 1);
        for (std::size_t at; (at = t.find(location + ":")) != std::string::npos;) // the file itself
            t.erase(at, location.size());
        return t;
    }
    if (j.is_object()) {
        j.erase("folder");
        j.erase("authority");
        j.erase("mtime"); // a manifest's file times: the objects' upload times
        if (j.contains("status") && j["status"].is_string())
            j.erase("status");
        for (auto& [k, v] : j.items())
            v = normal(v, location);
    } else if (j.is_array()) {
        for (auto& v : j)
            v = normal(v, location);
    }
    return j;
}

json withoutFile(json j)
{
    if (j.is_array()) {
        for (auto& v : j)
            v = withoutFile(v);
    } else if (j.is_object()) {
        j.erase("file");
    }
    return j;
}

} // namespace

class TestRemote : public QObject {
    Q_OBJECT

    test::RemoteServers m_servers;
    QProcessEnvironment m_env;
    std::string m_many;

    test::Ran cli(const QStringList& args, const QProcessEnvironment* env = nullptr)
    {
        return test::runProgram(kCli, args, env ? *env : m_env);
    }
    /// The JSON a verb printed, with its exit code as "exit" (verbs print their JSON also when they exit 1).
    json cliJson(const QStringList& args)
    {
        const auto r = cli(args);
        json j = json::parse(r.out.toStdString(), nullptr, false);
        if (j.is_discarded()) {
            qWarning().noquote() << args.join(' ') << "exit" << r.exitCode << QString::fromUtf8(r.err);
            return json("no JSON");
        }
        return json{{"exit", r.exitCode}, {"json", j}};
    }
    /// The same where exit 0 is expected: the JSON itself.
    json cliOk(const QStringList& args)
    {
        json j = cliJson(args);
        if (!j.is_object() || j["exit"] != 0)
            qWarning().noquote() << args.join(' ') << "did not exit 0";
        return j.is_object() ? j["json"] : j;
    }

private slots:
    void initTestCase()
    {
        // a prefix with more objects than one ListObjectsV2 page (1000): the checkpoint comes after them
        m_many = (fsys::path(m_servers.dir().toStdString()) / "many").string();
        fsys::create_directories(m_many + "/a");
        for (int i = 0; i < 1005; ++i)
            std::ofstream(m_many + "/a/" + std::to_string(10000 + i) + ".txt") << i;
        fsys::create_directories(m_many + "/zz");
        fsys::copy_file(shared() + "/fixtures/max-acc/checkpoints/ep08-acc0.821.ckpt", m_many + "/zz/only.ckpt");

        const QString why = m_servers.startNginx(QString::fromStdString(shared()));
        if (!why.isEmpty())
            QFAIL(qPrintable(why));
        const QString why3 = m_servers.startS3({{"fixtures", QString::fromStdString(shared() + "/fixtures")},
                                                {"many", QString::fromStdString(m_many)}});
        if (!why3.isEmpty())
            QFAIL(qPrintable(why3));
        m_env = QProcessEnvironment::systemEnvironment();
        for (const char* v : {"AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL_S3"})
            m_env.remove(v);
        m_env.insert("AWS_ACCESS_KEY_ID", "S3RVER");
        m_env.insert("AWS_SECRET_ACCESS_KEY", "S3RVER");
        m_env.insert("AWS_ENDPOINT_URL", m_servers.s3Endpoint());
        m_env.insert("AWS_SHARED_CREDENTIALS_FILE", m_servers.dir() + "/no-credentials");
        m_env.insert("AWS_CONFIG_FILE", m_servers.dir() + "/no-config");
        m_env.insert("SSL_CERT_FILE", m_servers.caFile());
    }
    void cleanupTestCase() { m_servers.stop(); }

    // ---- S3 ---------------------------------------------------------------------------------------------
    void s3MatchesLocal_data()
    {
        QTest::addColumn<QString>("scenario");
        for (const auto& e : fsys::directory_iterator(shared() + "/fixtures"))
            if (e.is_directory())
                QTest::newRow(e.path().filename().c_str()) << QString::fromStdString(e.path().filename().string());
    }
    void s3MatchesLocal()
    {
        QFETCH(QString, scenario);
        const QString local = QString::fromStdString(shared() + "/fixtures/") + scenario;
        const QString url = "s3://ckpts/fixtures/" + scenario;
        for (const QStringList& verb : {QStringList{"rank", "-r", "--json"}, QStringList{"rank", "--across", "--json"},
                                        QStringList{"runs", "--json"}}) {
            json a = cliJson(QStringList(verb) << "--no-index" << local);
            json b = cliJson(QStringList(verb) << url);
            QVERIFY2(a.is_object() && b.is_object(), qPrintable(verb.join(' ')));
            QCOMPARE(b["exit"], a["exit"]);
            a = a["json"], b = b["json"];
            const json na = normal(a, local.toStdString()), nb = normal(b, url.toStdString());
            if (na != nb)
                QFAIL(qPrintable(verb.join(' ') + ": s3 differs from local:\n" + QString::fromStdString(nb.dump(1)) +
                                 "\nlocal:\n" + QString::fromStdString(na.dump(1))));
            QCOMPARE(QString::fromStdString(b["folder"].get<std::string>()), url);
        }
    }
    void s3PathNamesTheObject()
    {
        const auto r = cli({"path", "s3://ckpts/fixtures/sweep-dev", "--rank", "1", "--across"});
        QCOMPARE(r.exitCode, 0);
        const auto local = test::runProgram(kCli, {"path", QString::fromStdString(shared() + "/fixtures/sweep-dev"), "--rank", "1", "--across", "--no-index"});
        const std::string rel = local.out.trimmed().toStdString().substr(shared().size() + std::string("/fixtures/sweep-dev/").size());
        QCOMPARE(r.out.trimmed().toStdString(), "s3://ckpts/fixtures/sweep-dev/" + rel);
        // and that object reads as the local file does
        const json a = cliOk({"inspect", "--json", local.out.trimmed()});
        const json b = cliOk({"inspect", "--json", r.out.trimmed()});
        QCOMPARE(withoutFile(b).dump(), withoutFile(a).dump());
        QCOMPARE(QString::fromStdString(b["file"].get<std::string>()), QString::fromUtf8(r.out.trimmed()));
    }
    void s3ListingFollowsContinuation()
    {
        const json j = cliOk({"rank", "-r", "--json", "s3://ckpts/many"});
        std::vector<std::string> files;
        for (const auto& g : j["groups"]) {
            for (const auto& e : g["ranked"])
                files.push_back(e["file"]);
            for (const auto& e : g["unranked"])
                files.push_back(e["file"]);
        }
        for (const auto& u : j["unranked"])
            files.push_back(u["file"]);
        QVERIFY2(std::find(files.begin(), files.end(), "zz/only.ckpt") != files.end(), j.dump().c_str());
    }
    void s3AuditOfAPrefix()
    {
        const json a = cliOk({"audit", "-r", "--json", "s3://ckpts/fixtures/sweep-dev"});
        QCOMPARE(a["files"].size(), std::size_t{12});
        for (const auto& f : a["files"]) {
            QVERIFY(f["file"].get<std::string>().starts_with("s3://ckpts/fixtures/sweep-dev/"));
            QCOMPARE(f["verdict"].get<std::string>(), std::string("safe"));
        }
    }
    void s3MetricsAreTheLogsUnderThePrefix_data()
    {
        QTest::addColumn<QString>("scenario");
        for (const char* s : {"tensorboard-dev", "sweep-dev", "all-steps", "max-acc"})
            QTest::newRow(s) << s;
    }
    void s3MetricsAreTheLogsUnderThePrefix()
    {
        QFETCH(QString, scenario);
        const QString local = QString::fromStdString(shared() + "/fixtures/") + scenario;
        const QString url = "s3://ckpts/fixtures/" + scenario;
        json a = cliOk({"metrics", "--json", local, "--logs", local});
        json b = cliOk({"metrics", "--json", url});
        QCOMPARE(b["series"].empty(), scenario == "sweep-dev"); // a tree of runs: no one run's logs, as on disk
        const json na = normal(a, local.toStdString()), nb = normal(b, url.toStdString());
        QVERIFY2(na == nb, qPrintable("remote " + QString::fromStdString(nb.dump()).left(2000) + "\nlocal  " +
                                      QString::fromStdString(na.dump()).left(2000)));
    }
    void s3ManifestIntoTheBucket()
    {
        const QString url = "s3://ckpts/fixtures/sweep-dev";
        const auto r = cli({"manifest", url, "-o", "s3://ckpts/manifests/sweep.json"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const json local = cliOk({"manifest", "--no-index", QString::fromStdString(shared() + "/fixtures/sweep-dev"), "-o", "-"});
        // read back through the store: the same manifest as the local folder's, but for names and times
        const QString back = m_servers.dir() + "/back.json";
        const auto get = test::runProgram("/bin/sh", {"-c", QStringLiteral("curl -s -o '%1' '%2/ckpts/manifests/sweep.json'").arg(back, m_servers.s3Endpoint())});
        QCOMPARE(get.exitCode, 0);
        std::ifstream in(back.toStdString());
        json remote = json::parse(in, nullptr, false);
        QVERIFY(remote.is_object());
        for (auto* j : {&remote, const_cast<json*>(&local)})
            for (const char* k : {"generated_at", "created", "generated"})
                j->erase(k);
        const json na = normal(local, shared() + "/fixtures/sweep-dev"), nb = normal(remote, url.toStdString());
        QVERIFY2(na == nb, qPrintable("remote " + QString::fromStdString(nb.dump()).left(1500) + "\nlocal  " + QString::fromStdString(na.dump()).left(1500)));
    }
    void httpLocationsAreReadOnly()
    {
        // HTTP has no writes (TestS3Writes renames, syncs, undoes and recovers on S3)
        for (const QStringList& args : {QStringList{"rename", "--apply"}, QStringList{"sync"}, QStringList{"undo"}}) {
            const auto http = cli(QStringList(args) << m_servers.httpsBase() + "/fixtures/max-acc/checkpoints/ep08-acc0.821.ckpt");
            QCOMPARE(http.exitCode, 1);
            QVERIFY2(QString::fromUtf8(http.err).contains("read-only"), http.err.constData());
        }
    }
    void s3WrongSecretIs403AndNamesNoSecret()
    {
        QProcessEnvironment env = m_env;
        env.insert("AWS_SECRET_ACCESS_KEY", "wrong-secret-value");
        const auto r = cli({"rank", "s3://ckpts/fixtures/sweep-dev", "--json"}, &env);
        QCOMPARE(r.exitCode, 1);
        const QString err = QString::fromUtf8(r.err);
        QVERIFY2(err.contains("RemoteForbidden") && err.contains("403"), qPrintable(err));
        QVERIFY2(err.contains("access key S3RV") && err.contains("AWS_ACCESS_KEY_ID"), qPrintable(err));
        QVERIFY2(!err.contains("wrong-secret-value") && !err.contains("S3RVER"), qPrintable(err));
    }
    void s3MissingBucketIs404()
    {
        const auto r = cli({"rank", "s3://no-such-bucket/x"});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(QString::fromUtf8(r.err).contains("RemoteNotFound"), r.err.constData());
    }

    // ---- HTTP(S) ------------------------------------------------------------------------------------------
    void httpsMatchesLocalByteForByte()
    {
        // every checkpoint of the fixtures and of the wild corpus (other Lightning versions, Windows)
        QStringList paths, urls;
        for (const char* part : {"fixtures", "wild"})
            for (const auto& e : fsys::recursive_directory_iterator(shared() + "/" + part))
                if (e.is_regular_file() && e.path().extension() == ".ckpt") {
                    paths << QString::fromStdString(e.path().string());
                    urls << m_servers.httpsBase() + QString::fromStdString(e.path().string().substr(shared().size()));
                }
        QVERIFY(paths.size() > 50);
        (void)m_servers.takeBytesByPath();
        const auto rl = cli(QStringList{"inspect", "--json"} + paths);
        const auto rr = cli(QStringList{"inspect", "--json"} + urls);
        QCOMPARE(rr.exitCode, rl.exitCode);
        const json local = json::parse(rl.out.toStdString()), remote = json::parse(rr.out.toStdString());
        QCOMPARE(remote.size(), local.size());
        const auto sent = m_servers.takeBytesByPath();
        for (std::size_t i = 0; i < local.size(); ++i) {
            const std::string l = normal(withoutFile(local[i]), paths[static_cast<int>(i)].toStdString()).dump();
            const std::string r = normal(withoutFile(remote[i]), urls[static_cast<int>(i)].toStdString()).dump();
            QVERIFY2(l == r, qPrintable(urls[static_cast<int>(i)] + "\nremote " + QString::fromStdString(r).left(3000) +
                                        "\nlocal  " + QString::fromStdString(l).left(3000)));
            QCOMPARE(remote[i]["file"].get<std::string>(), urls[static_cast<int>(i)].toStdString());
            if (local[i].contains("bytes_read")) {
                const std::string path = urls[static_cast<int>(i)].mid(m_servers.httpsBase().size()).toStdString();
                const auto it = sent.find(path);
                QVERIFY2(it != sent.end(), path.c_str());
                // the bytes nginx sent for this file are the bytes the local reader read
                QCOMPARE(it->second, local[i]["bytes_read"].get<std::uint64_t>());
            }
        }
    }
    void httpAuditOfHostileFilesMatchesLocal()
    {
        QStringList paths, urls;
        for (const auto& e : fsys::recursive_directory_iterator(shared() + "/security"))
            if (e.is_regular_file() && e.path().extension() != ".json" && e.path().extension() != ".md") {
                paths << QString::fromStdString(e.path().string());
                urls << m_servers.httpBase() + QString::fromStdString(e.path().string().substr(shared().size()));
            }
        const auto rl = cli(QStringList{"audit", "--json"} + paths);
        const auto rr = cli(QStringList{"audit", "--json"} + urls);
        QCOMPARE(rr.exitCode, rl.exitCode);
        const json local = json::parse(rl.out.toStdString())["files"], remote = json::parse(rr.out.toStdString())["files"];
        QCOMPARE(remote.size(), local.size());
        for (std::size_t i = 0; i < local.size(); ++i) {
            json l = local[i], r = remote[i];
            QCOMPARE(r["verdict"], l["verdict"]);
            l.erase("file"), r.erase("file"), l.erase("error"), r.erase("error"); // errors name the file
            QCOMPARE(r.dump(), l.dump());
        }
    }
    void redirectKeepsTheRange()
    {
        const std::string rel = "/fixtures/sweep-dev/multirun/2026-11-30/12-00-00/0/lightning_logs/version_0/checkpoints/last.ckpt";
        const json a = cliOk({"inspect", "--json", QString::fromStdString(shared() + rel)});
        (void)m_servers.takeBytesByPath();
        const json b = cliOk({"inspect", "--json", m_servers.httpsBase() + "/redirect" + QString::fromStdString(rel)});
        QCOMPARE(withoutFile(b).dump(), withoutFile(a).dump());
        QCOMPARE(m_servers.takeBytesByPath()[rel], a["bytes_read"].get<std::uint64_t>());
    }
    void serverWithoutRangesIsRefusedUnlessAllowed()
    {
        const std::string rel = "/fixtures/sweep-dev/multirun/2026-11-30/12-00-00/0/lightning_logs/version_0/checkpoints/last.ckpt";
        const QString url = m_servers.httpBase() + "/noranges" + QString::fromStdString(rel);
        const auto r = cli({"inspect", url});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(QString::fromUtf8(r.out + r.err).contains("RemoteNoRanges"), (r.out + r.err).constData());
        QVERIFY2(QString::fromUtf8(r.out + r.err).contains("--allow-full-download"), r.err.constData());
        const json a = cliOk({"inspect", "--json", QString::fromStdString(shared() + rel)});
        const json b = cliOk({"inspect", "--json", "--allow-full-download", url});
        QCOMPARE(withoutFile(b).dump(), withoutFile(a).dump());
    }
    void tlsIsVerifiedUnlessInsecure()
    {
        const QString url = m_servers.httpsBase() + "/fixtures/sweep-dev/multirun/2026-11-30/12-00-00/0/lightning_logs/version_0/checkpoints/last.ckpt";
        QProcessEnvironment env = m_env;
        env.remove("SSL_CERT_FILE"); // the system store does not know the test's CA
        const auto r = cli({"inspect", url}, &env);
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(QString::fromUtf8(r.out + r.err).contains("certificate", Qt::CaseInsensitive), (r.out + r.err).constData());
        QCOMPARE(cli({"inspect", "--insecure", url}, &env).exitCode, 0);
    }
    void missingUrlIs404()
    {
        const auto r = cli({"inspect", m_servers.httpBase() + "/fixtures/no-such.ckpt"});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(QString::fromUtf8(r.out + r.err).contains("RemoteNotFound"), r.err.constData());
    }
    void rankOfAListOfUrls()
    {
        // HTTP has no listing: a file of URLs. One of them is missing: it is an error, the others are ranked
        // exactly as the local folder.
        const std::string dir = "/fixtures/sweep-dev/multirun/2026-11-30/12-00-00/0/lightning_logs/version_0/checkpoints";
        const QString list = m_servers.dir() + "/urls.txt";
        {
            std::ofstream out(list.toStdString());
            for (const auto& e : fsys::directory_iterator(shared() + dir))
                out << m_servers.httpsBase().toStdString() << dir << "/" << e.path().filename().string() << "\n";
            out << m_servers.httpsBase().toStdString() << dir << "/gone.ckpt\n";
        }
        json local = cliOk({"rank", "--json", "--no-index", QString::fromStdString(shared() + dir)});
        json remote = cliJson({"rank", "--json", "@" + list});
        QCOMPARE(remote["exit"], json(1)); // a file could not be read
        remote = remote["json"];
        QCOMPARE(QString::fromStdString(remote["folder"].get<std::string>()), m_servers.httpsBase() + QString::fromStdString(dir));
        QCOMPARE(remote["errors"].size(), std::size_t{1});
        QCOMPARE(remote["errors"][0]["file"].get<std::string>(), std::string("gone.ckpt"));
        QCOMPARE(remote["errors"][0]["code"].get<std::string>(), std::string("RemoteNotFound"));
        remote.erase("errors"), local.erase("errors");
        // and in its directory's group, unranked with the reason (as an unreadable local file)
        auto& unranked = remote["groups"][0]["unranked"];
        const auto gone = std::find_if(unranked.begin(), unranked.end(), [](const json& u) { return u["file"] == "gone.ckpt"; });
        QVERIFY(gone != unranked.end());
        QCOMPARE((*gone)["reason"].get<std::string>(), std::string("could not be read: RemoteNotFound"));
        unranked.erase(gone);
        QCOMPARE(normal(remote, "").dump(), normal(local, "").dump());
    }
    void rankOfOneUrl()
    {
        const std::string rel = "/fixtures/sweep-dev/multirun/2026-11-30/12-00-00/0/lightning_logs/version_0/checkpoints";
        const json j = cliOk({"rank", "--json", m_servers.httpsBase() + QString::fromStdString(rel) + "/last.ckpt"});
        QCOMPARE(QString::fromStdString(j["folder"].get<std::string>()), m_servers.httpsBase() + QString::fromStdString(rel));
    }
};

QTEST_GUILESS_MAIN(TestRemote)
#include "TestRemote.moc"
