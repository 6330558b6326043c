// SPDX-License-Identifier: GPL-3.0-or-later
// The run's logs: metrics.csv (sparse columns, quoted fields, non-finite values, a resumed run's versions),
// TensorBoard event files against the tensorboard-dev fixture's truth.json (every scalar), the CRC checks,
// a truncated tail, scalars from simple_value and from tensor, discovery from a checkpoint folder, smoothing,
// and the ranking's metrics.csv fallback for weights-only files.
#include "support/TestData.h"

#include "metrics/Crc32c.h"
#include "metrics/CsvLog.h"
#include "metrics/EventFile.h"
#include "metrics/MetricLog.h"
#include "metrics/Smoothing.h"
#include "ranking/Ranking.h"

#include <QtTest>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

using namespace podium;
using namespace podium::metrics;
namespace fsys = std::filesystem;

namespace {

std::string slurp(const std::string& path)
{
    std::ifstream f(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), {}};
}

void spit(const std::string& path, std::string_view bytes)
{
    fsys::create_directories(fsys::path(path).parent_path());
    std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

const Series* find(const std::vector<Series>& v, const std::string& name, LogKind kind = LogKind::Csv)
{
    for (const auto& s : v)
        if (s.name == name && s.kind == kind)
            return &s;
    return nullptr;
}

// --- a tiny protobuf writer for building event records in tests
std::string varint(std::uint64_t v)
{
    std::string out;
    while (v >= 0x80) { out += static_cast<char>((v & 0x7F) | 0x80); v >>= 7; }
    out += static_cast<char>(v);
    return out;
}
std::string key(int field, int wire) { return varint(static_cast<std::uint64_t>(field) << 3 | static_cast<std::uint64_t>(wire)); }
std::string lenField(int field, const std::string& body) { return key(field, 2) + varint(body.size()) + body; }
template <typename T> std::string raw(T v) { std::string s(sizeof v, '\0'); std::memcpy(s.data(), &v, sizeof v); return s; }

std::string eventRecord(double wall, std::int64_t step, const std::string& summaryValues)
{
    return key(1, 1) + raw(wall) + key(2, 0) + varint(static_cast<std::uint64_t>(step)) + lenField(5, summaryValues);
}
std::string simpleValue(const std::string& tag, float v) { return lenField(1, lenField(1, tag) + key(2, 5) + raw(v)); }
std::string tensorValue(const std::string& tag, const std::string& tensor) { return lenField(1, lenField(1, tag) + lenField(8, tensor)); }

std::string record(const std::string& data)
{
    const std::string len = raw(static_cast<std::uint64_t>(data.size()));
    auto crc = [](const std::string& s) { return maskCrc(crc32c(reinterpret_cast<const std::uint8_t*>(s.data()), s.size())); };
    return len + raw(crc(len)) + data + raw(crc(data));
}

} // namespace

class TestMetrics : public QObject {
    Q_OBJECT
private slots:
    void crc32cKnownAnswer();
    void csvSparseQuotedNonFinite();
    void csvBadInputNamesTheCell();
    void csvOfEveryFixture();
    void tensorboardFixtureEqualsTruth();
    void eventCrcCatchesAFlippedByte();
    void eventTruncatedTailIsNormal();
    void eventTensorScalars();
    void discoveryFromCheckpointFolder();
    void resumedRunVersionsJoin();
    void smoothingLikeTensorBoard();
    void weightsOnlyRankingFromMetricsCsv();
};

void TestMetrics::crc32cKnownAnswer()
{
    const char* s = "123456789";
    QCOMPARE(crc32c(reinterpret_cast<const std::uint8_t*>(s), 9), 0xE3069283u); // RFC 3720's check value
}

void TestMetrics::csvSparseQuotedNonFinite()
{
    const std::string text =
        "epoch,step,train_loss,\"val/acc,top1\",val/loss\n"
        "0,0,1.5,,\n"
        "0,1,nan,,\n"
        "0,1,,0.25,inf\n"
        "1,2,-inf,\"0.5\",1e-3\n";
    auto s = parseMetricsCsv(text, "m.csv");
    QVERIFY(bool(s));
    QCOMPARE(s->size(), std::size_t{3});
    const auto* train = find(*s, "train_loss");
    QVERIFY(train);
    QCOMPARE(train->points.size(), std::size_t{3});
    QCOMPARE(train->points[0].value, 1.5);
    QVERIFY(std::isnan(train->points[1].value));
    QVERIFY(std::isinf(train->points[2].value) && train->points[2].value < 0);
    QCOMPARE(*train->points[2].step, std::int64_t{2});
    QCOMPARE(train->points[2].epoch, 1.0);
    const auto* acc = find(*s, "val/acc,top1"); // a quoted header with a comma is one column
    QVERIFY(acc);
    QCOMPARE(acc->points.size(), std::size_t{2});
    QCOMPARE(acc->points[1].value, 0.5);
    const auto* loss = find(*s, "val/loss");
    QCOMPARE(loss->points.size(), std::size_t{2}); // only the rows where it was logged
    QVERIFY(std::isinf(loss->points[0].value));
    QCOMPARE(loss->points[1].value, 1e-3);
    QVERIFY(std::isnan(loss->points[0].wallTime));
}

void TestMetrics::csvBadInputNamesTheCell()
{
    auto s = parseMetricsCsv("epoch,step,loss\n0,0,abc\n", "run/metrics.csv");
    QVERIFY(!s);
    QCOMPARE(s.error().code, ErrorCode::CsvBad);
    QVERIFY(s.error().message().find("run/metrics.csv") != std::string::npos);
    QVERIFY(s.error().message().find("'abc'") != std::string::npos);
    QVERIFY(!parseMetricsCsv("epoch,loss\n0,1\n", "x.csv")); // no step column
    QVERIFY(!parseNumber("0x1p3"));  // Python's float() rejects hex
    QCOMPARE(*parseNumber(" -Infinity "), -HUGE_VAL);
}

void TestMetrics::csvOfEveryFixture()
{
    // every fixture's metrics.csv: one series per metric column, a point per non-empty cell
    int files = 0;
    for (const auto& e : fsys::recursive_directory_iterator(test::dataPath("fixtures"))) {
        if (e.path().filename() != "metrics.csv")
            continue;
        ++files;
        auto s = readMetricsCsv(e.path().string());
        QVERIFY2(bool(s), e.path().c_str());
        const std::string text = slurp(e.path().string());
        const auto header = text.substr(0, text.find('\n'));
        const auto columns = static_cast<std::size_t>(std::count(header.begin(), header.end(), ',') + 1);
        QCOMPARE(s->size(), columns - 2);
        for (const auto& series : *s)
            QVERIFY2(!series.points.empty(), series.name.c_str());
    }
    QVERIFY(files >= 7);
}

void TestMetrics::tensorboardFixtureEqualsTruth()
{
    const auto truth = test::truth("tensorboard-dev")["tfevents"];
    std::size_t compared = 0;
    std::map<std::string, std::vector<Point>> all;
    for (const auto& [rel, facts] : truth["files"].items()) {
        auto ev = readEventFile(test::fixturePath("tensorboard-dev", rel));
        QVERIFY(bool(ev));
        QVERIFY2(!ev->corruption, ev->corruption ? ev->corruption->message().c_str() : "");
        QVERIFY(!ev->truncatedTail);
        QCOMPARE(ev->records, facts["n_records"].get<std::size_t>());
        QCOMPARE(ev->fileVersion, facts["file_version"].get<std::string>());
        for (auto& [tag, pts] : ev->scalars)
            all[tag].insert(all[tag].end(), pts.begin(), pts.end());
    }
    for (const auto& [tag, points] : truth["scalars"].items()) {
        QVERIFY2(all.count(tag), tag.c_str());
        const auto& got = all[tag];
        QCOMPARE(got.size(), points.size());
        for (std::size_t i = 0; i < got.size(); ++i) {
            QCOMPARE(*got[i].step, points[i]["step"].get<std::int64_t>());
            QCOMPARE(got[i].value, test::truthScore(points[i]["value"]));
            QVERIFY(got[i].wallTime > 1.6e9);
            ++compared;
        }
    }
    QCOMPARE(all.size(), truth["scalars"].size());
    QVERIFY(compared > 100);
}

void TestMetrics::eventCrcCatchesAFlippedByte()
{
    std::string file = record(key(1, 1) + raw(1.0) + lenField(3, "brain.Event:2"));
    for (int i = 0; i < 5; ++i)
        file += record(eventRecord(1.7e9 + i, i, simpleValue("loss", 1.0f / float(i + 1))));
    QCOMPARE(parseEventFile(file, "ok").records, std::size_t{6});
    const std::size_t third = file.size() / 2;
    std::string flipped = file;
    flipped[third] = static_cast<char>(flipped[third] ^ 0x10);
    const auto ev = parseEventFile(flipped, "flipped");
    QVERIFY(ev.corruption);
    QCOMPARE(ev.corruption->code, ErrorCode::EventsCrcMismatch);
    QVERIFY(ev.corruption->offset <= third);
    QVERIFY(ev.records < 6);
    QVERIFY(ev.scalars.at("loss").size() == ev.records - 1); // what came before is kept
    // a flipped byte in a length is caught by the length's own CRC
    std::string badLen = file;
    badLen[0] = static_cast<char>(badLen[0] ^ 1);
    const auto ev2 = parseEventFile(badLen, "badlen");
    QVERIFY(ev2.corruption);
    QVERIFY(ev2.corruption->detail.find("length") != std::string::npos);
}

void TestMetrics::eventTruncatedTailIsNormal()
{
    std::string file;
    for (int i = 0; i < 4; ++i)
        file += record(eventRecord(1.7e9 + i, i * 10, simpleValue("val/loss", 0.5f + float(i))));
    const std::size_t whole = file.size();
    file += record(eventRecord(1.8e9, 40, simpleValue("val/loss", 9.0f)));
    for (std::size_t cut : {whole + 3, whole + 12, file.size() - 1}) {
        const auto ev = parseEventFile(std::string_view(file).substr(0, cut), "live");
        QVERIFY(!ev.corruption);
        QVERIFY(ev.truncatedTail);
        QCOMPARE(ev.records, std::size_t{4});
        QCOMPARE(ev.scalars.at("val/loss").back().value, 3.5);
    }
}

void TestMetrics::eventTensorScalars()
{
    // TensorProto: dtype=1 (float) with tensor_content; dtype=2 (double) with packed double_val; float_val unpacked
    const std::string contentTensor = key(1, 0) + varint(1) + lenField(4, raw(0.25f));
    const std::string doubleTensor = key(1, 0) + varint(2) + lenField(6, raw(0.125));
    const std::string floatValTensor = key(1, 0) + varint(1) + key(5, 5) + raw(2.5f);
    std::string file = record(eventRecord(1.7e9, 7, tensorValue("a", contentTensor) + tensorValue("b", doubleTensor) +
                                                  tensorValue("c", floatValTensor) + simpleValue("d", 4.0f)));
    const auto ev = parseEventFile(file, "t");
    QVERIFY(!ev.corruption);
    QCOMPARE(ev.scalars.at("a").at(0).value, 0.25);
    QCOMPARE(ev.scalars.at("b").at(0).value, 0.125);
    QCOMPARE(ev.scalars.at("c").at(0).value, 2.5);
    QCOMPARE(ev.scalars.at("d").at(0).value, 4.0);
    QCOMPARE(*ev.scalars.at("a").at(0).step, std::int64_t{7});
    QCOMPARE(ev.tensorValues, std::size_t{3});
    QCOMPARE(ev.simpleValues, std::size_t{1});
    // a record whose protobuf is malformed is reported, not guessed at
    const auto bad = parseEventFile(record(lenField(5, std::string("\x0a\x7f", 2))), "bad");
    QVERIFY(bad.corruption);
    QCOMPARE(bad.corruption->code, ErrorCode::ProtobufBad);
}

void TestMetrics::discoveryFromCheckpointFolder()
{
    // the fixture layout: <run>/checkpoints/*.ckpt beside <run>/logs/{lightning_logs,tensorboard}/version_0
    const auto fromCheckpoints = discoverLogs(test::fixturePath("tensorboard-dev", "checkpoints"));
    const auto fromRun = discoverLogs(test::fixturePath("tensorboard-dev"));
    QCOMPARE(fromCheckpoints.size(), std::size_t{2});
    QCOMPARE(fromRun.size(), std::size_t{2});
    QCOMPARE(fromCheckpoints[0].kind, LogKind::Csv); // csv first, then tfevents
    QCOMPARE(fromCheckpoints[1].kind, LogKind::TfEvents);
    const auto log = loadMetricLog(fromCheckpoints);
    QVERIFY(log.problems.empty());
    const auto* tb = find(log.series, "val_loss", LogKind::TfEvents);
    const auto* csv = find(log.series, "val_loss", LogKind::Csv);
    QVERIFY(tb && csv);
    QCOMPARE(tb->points.size(), csv->points.size());
    for (std::size_t i = 0; i < tb->points.size(); ++i) {
        QCOMPARE(*tb->points[i].step, *csv->points[i].step);
        QCOMPARE(tb->points[i].epoch, csv->points[i].epoch); // from the event file's own epoch scalar
        QCOMPARE(float(tb->points[i].value), float(csv->points[i].value));
    }
    const auto j = toJson(log, test::fixturePath("tensorboard-dev"));
    QCOMPARE(j["sources"][0]["path"].get<std::string>(), std::string("logs/lightning_logs/version_0/metrics.csv"));
    QCOMPARE(j["series"][0]["kind"].get<std::string>(), std::string("csv"));
    QVERIFY(j["series"][0]["points"][0].contains("wall_time"));
}

void TestMetrics::resumedRunVersionsJoin()
{
    QTemporaryDir tmp;
    const std::string run = tmp.path().toStdString();
    spit(run + "/lightning_logs/version_0/metrics.csv", "epoch,step,val/loss\n0,9,1.0\n1,19,0.8\n");
    spit(run + "/lightning_logs/version_1/metrics.csv", "epoch,step,val/loss\n2,29,0.7\n3,39,nan\n");
    spit(run + "/lightning_logs/version_10/metrics.csv", "epoch,step,val/loss\n4,49,0.6\n");
    fsys::create_directories(run + "/lightning_logs/version_1/checkpoints");
    // opened from the resumed version's checkpoints: the earlier versions join in numeric order
    const auto log = loadMetricLog(discoverLogs(run + "/lightning_logs/version_1/checkpoints"));
    QCOMPARE(log.sources.size(), std::size_t{3});
    QCOMPARE(log.series.size(), std::size_t{1});
    const auto& s = log.series[0];
    QCOMPARE(s.points.size(), std::size_t{5});
    std::vector<std::int64_t> steps;
    for (const auto& p : s.points) steps.push_back(*p.step);
    QCOMPARE(steps, (std::vector<std::int64_t>{9, 19, 29, 39, 49}));
    QCOMPARE(s.sources.size(), std::size_t{3});
    const auto j = toJson(log, run);
    QCOMPARE(j["series"][0]["points"][3]["value"].get<std::string>(), std::string("nan"));
}

void TestMetrics::smoothingLikeTensorBoard()
{
    const std::vector<double> v{1, 2, 3, NAN, 4};
    QCOMPARE(smoothEma(v, 0.0)[2], 3.0);
    const auto s = smoothEma(v, 0.5);
    QCOMPARE(s[0], 1.0);                       // debiased: the first point is itself
    QCOMPARE(s[1], (0.25 + 1.0) / 0.75);       // (0.5*0.5*1 + 0.5*2) / (1 - 0.25)
    QVERIFY(std::isnan(s[3]));                 // passes through, does not enter the average
    QVERIFY(s[4] > s[2] && s[4] < 4.0);
}

void TestMetrics::weightsOnlyRankingFromMetricsCsv()
{
    // weights-only files with no score in their names: metrics.csv of the run gives the scores, matched on
    // global_step (Lightning logs validation at global_step - 1)
    QTemporaryDir tmp;
    const std::string run = tmp.path().toStdString();
    fsys::create_directories(run + "/checkpoints");
    fsys::copy(test::dataPath("generated/weights-only.ckpt"), run + "/checkpoints/model.ckpt"); // global_step 48
    spit(run + "/logs/lightning_logs/version_0/metrics.csv", "epoch,step,train_loss,val/loss\n11,47,,0.625\n11,47,0.9,\n");
    ranking::FolderScanner scanner;
    auto scan = scanner.scan(run + "/checkpoints");
    QVERIFY(bool(scan));
    ranking::RankConfig cfg;
    cfg.monitor = "val/loss";
    auto r = ranking::rank(*scan, cfg);
    QVERIFY(ranking::wantsMetricLogs(r));
    const auto table = valuesByStep(loadMetricLog(discoverLogs(run + "/checkpoints")));
    cfg.metrics = &table;
    r = ranking::rank(*scan, cfg);
    QCOMPARE(r.groups.at(0).ranked.at(0).scoreSource, std::string("metrics.csv"));
    QCOMPARE(r.groups.at(0).ranked.at(0).score.value_or(0), 0.625);
}

QTEST_GUILESS_MAIN(TestMetrics)
#include "TestMetrics.moc"
