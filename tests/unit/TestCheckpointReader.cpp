// SPDX-License-Identifier: GPL-3.0-or-later
// CheckpointReader on every fixture scenario against truth.json (computed by Python from Lightning itself),
// on the generated files for formats the fixtures lack, and on broken and hostile files.
#include "support/TestData.h"

#include "checkpoint/CheckpointReader.h"
#include "util/CachingSource.h"
#include "zip/ZipArchive.h"
#include <fstream>
#include <QTemporaryDir>
#include "ranking/Ranking.h"

#include <QtTest>
#include <cmath>
#include <filesystem>

using namespace podium;
using namespace podium::checkpoint;

namespace {

bool sameScore(const Score& s, const nlohmann::json& truth)
{
    if (truth.is_null()) return !s.has_value();
    if (!s) return false;
    const double t = test::truthScore(truth);
    if (std::isnan(t)) return std::isnan(*s);
    return *s == t; // float32 scores widen to the same double Python prints
}

Checkpoint mustRead(const std::string& rel)
{
    auto r = readCheckpoint(test::dataPath(rel));
    if (!r) qFatal("%s", r.error().message().c_str());
    return *r;
}

} // namespace

Q_DECLARE_METATYPE(std::string)

class TestCheckpointReader : public QObject {
    Q_OBJECT
private slots:
    void fixtures_data();
    void fixtures();
    void broken_data();
    void broken();
    void otherFormatsReadTheSame_data();
    void otherFormatsReadTheSame();
    void deviceTaggedStorages();
    void nanScores();
    void numpyAndHalfScores();
    void omegaConfHyperParameters();
    void hyperParametersRich();
    void weightsOnly();
    void lightning14ClassKeys();
    void hostileFiles_data();
    void hostileFiles();
    void stateKeyParsing();
    void readsFewBytes();
    void cachingSourceReadsOnlyWhatItLacks();
    void shardedDirectory();
    void truncatedAtSeveralOffsets_data();
    void truncatedAtSeveralOffsets();
};

void TestCheckpointReader::fixtures_data()
{
    QTest::addColumn<QString>("scenario");
    QTest::addColumn<QString>("file");
    for (const auto& s : test::scenarios()) {
        if (s == "broken")
            continue;
        const auto t = test::truth(s);
        for (auto it = t["files"].begin(); it != t["files"].end(); ++it)
            QTest::newRow((s + "/" + it.key()).c_str()) << QString::fromStdString(s) << QString::fromStdString(it.key());
    }
}

void TestCheckpointReader::fixtures()
{
    QFETCH(QString, scenario);
    QFETCH(QString, file);
    const auto truth = test::truth(scenario.toStdString())["files"][file.toStdString()];
    auto r = readCheckpoint(test::fixturePath(scenario.toStdString(), file.toStdString()));
    QVERIFY2(r.ok(), r.ok() ? "" : r.error().message().c_str());
    const Checkpoint& c = *r;
    QCOMPARE(c.format, truth["format"].get<std::string>());
    QCOMPARE(c.zipPrefix, truth["zip_prefix"].get<std::string>());
    QCOMPARE(c.pickleProtocol, truth["pickle_protocol"].get<int>());
    QCOMPARE(c.entries, truth["n_entries"].get<std::size_t>());
    QCOMPARE(c.isLightning, truth["is_lightning"].get<bool>());
    QCOMPARE(c.epoch.value_or(-1), truth["epoch"].get<std::int64_t>());
    QCOMPARE(c.globalStep.value_or(-1), truth["global_step"].get<std::int64_t>());
    QCOMPARE(c.lightningVersion.value_or(""), truth["pytorch-lightning_version"].get<std::string>());
    auto keys = c.topLevelKeys;
    std::sort(keys.begin(), keys.end());
    QCOMPARE(keys, truth["top_level_keys"].get<std::vector<std::string>>());
    for (const auto& loc : truth["storage_locations"])
        QVERIFY(c.stateDict.locations.count(loc.get<std::string>()));

    // Every callback state: current_score and best_model_path as Lightning saw them.
    QCOMPARE(c.callbacks.size(), truth["current_score"].size());
    for (auto it = truth["current_score"].begin(); it != truth["current_score"].end(); ++it) {
        const CallbackState* cb = c.callback(it.key());
        QVERIFY2(cb, it.key().c_str());
        QVERIFY2(sameScore(cb->currentScore, it.value()), it.key().c_str());
        QCOMPARE(cb->bestModelPath, truth["best_model_path"][it.key()].get<std::string>());
        QCOMPARE(cb->modeSource, std::string("state_key"));
        QVERIFY(cb->mode != Mode::Unknown);
    }
}

void TestCheckpointReader::broken_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("code");
    // ../shared/fixtures/broken: what torch.load said is in its truth.json; ours are codes with facts.
    QTest::newRow("empty file") << "empty.ckpt" << "FileEmpty";
    QTest::newRow("text file named .ckpt") << "text-file.ckpt" << "UnknownFormat";
    // a zip cut short: read from its local headers, listed as truncated (torch cannot load it)
    QTest::newRow("truncated at half") << "truncated-half.ckpt" << "TruncatedZip";
    QTest::newRow("truncated tail") << "truncated-tail.ckpt" << "TruncatedZip";
    QTest::newRow("zeroed central directory") << "zeroed-central-directory.ckpt" << "ZipBadCentralDirectory";
}

void TestCheckpointReader::broken()
{
    QFETCH(QString, file);
    QFETCH(QString, code);
    const auto path = test::fixturePath("broken", file.toStdString());
    auto r = readCheckpoint(path);
    if (r.ok()) { // only a truncated file whose data.pkl survived reads, flagged
        QVERIFY(r->truncated);
        QVERIFY(r->truncation);
        QCOMPARE(QString::fromUtf8(errorCodeName(r->truncation->code).data()), code);
        QCOMPARE(r->truncation->offset, static_cast<std::uint64_t>(std::filesystem::file_size(path)));
        return;
    }
    QCOMPARE(QString::fromUtf8(errorCodeName(r.error().code).data()), code);
    QCOMPARE(r.error().file, path);
    QVERIFY(r.error().message().find(file.toStdString()) != std::string::npos);
}

void TestCheckpointReader::otherFormatsReadTheSame_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("format");
    QTest::addColumn<int>("protocol");
    QTest::addColumn<QString>("prefix");
    // All made by tests/data/make_test_data.py from fixtures/seed-static-name/checkpoints/best-v4.ckpt.
    QTest::newRow("legacy format, protocol 2") << "legacy-p2.ckpt" << "legacy" << 2 << "";
    QTest::newRow("legacy format, protocol 4") << "legacy-p4.ckpt" << "legacy" << 4 << "";
    QTest::newRow("zip, protocol 4 (FRAME, MEMOIZE)") << "zip-p4.ckpt" << "zip" << 4 << "zip-p4";
    QTest::newRow("plain torch.save: file-stem prefix") << "stemmed.ckpt" << "zip" << 2 << "stemmed";
    QTest::newRow("big-endian storages") << "big-endian.ckpt" << "zip" << 2 << "archive";
}

void TestCheckpointReader::otherFormatsReadTheSame()
{
    QFETCH(QString, file);
    QFETCH(QString, format);
    QFETCH(int, protocol);
    QFETCH(QString, prefix);
    const Checkpoint ref = mustRead("fixtures/seed-static-name/checkpoints/best-v4.ckpt");
    const Checkpoint c = mustRead("generated/" + file.toStdString());
    QCOMPARE(QString::fromStdString(c.format), format);
    QCOMPARE(c.pickleProtocol, protocol);
    if (format == "zip")
        QCOMPARE(QString::fromStdString(c.zipPrefix), prefix);
    QCOMPARE(c.epoch, ref.epoch);
    QCOMPARE(c.globalStep, ref.globalStep);
    QCOMPARE(c.callbacks.size(), std::size_t{1});
    const auto& a = c.callbacks[0];
    const auto& b = ref.callbacks[0];
    QCOMPARE(a.stateKey, b.stateKey);
    QCOMPARE(a.currentScore, b.currentScore);
    QCOMPARE(a.bestModelScore, b.bestModelScore);
    QCOMPARE(a.bestKModels, b.bestKModels);
    QCOMPARE(a.kthValue, b.kthValue);
    QCOMPARE(c.stateDict.tensors, ref.stateDict.tensors);
    QCOMPARE(c.stateDict.elements, ref.stateDict.elements);
    QCOMPARE(c.bigEndian, file == "big-endian.ckpt");
    QVERIFY(c.warnings.empty());
}

void TestCheckpointReader::deviceTaggedStorages()
{
    const Checkpoint c = mustRead("generated/cuda-tagged.ckpt");
    QCOMPARE(c.stateDict.locations.size(), std::size_t{1});
    QCOMPARE(c.stateDict.locations.begin()->first, std::string("cuda:0"));
    QCOMPARE(c.callbacks.at(0).currentScore.value_or(-1), 0.7492460012435913);
}

void TestCheckpointReader::nanScores()
{
    const Checkpoint c = mustRead("generated/nan-scores.ckpt");
    const auto& cb = c.callbacks.at(0);
    QVERIFY(cb.currentScore && std::isnan(*cb.currentScore));
    QVERIFY(cb.kthValue && std::isinf(*cb.kthValue) && *cb.kthValue > 0);
    QVERIFY(cb.bestKModels.at(0).second && std::isnan(*cb.bestKModels.at(0).second));
    const auto j = toJson(c);
    QCOMPARE(j["callbacks"][0]["current_score"], "nan");
    QCOMPARE(j["callbacks"][0]["kth_value"], "inf");
}

void TestCheckpointReader::numpyAndHalfScores()
{
    const Checkpoint c = mustRead("generated/numpy-scores.ckpt");
    const auto& cb = c.callbacks.at(0);
    QCOMPARE(cb.currentScore.value_or(-1), 0.625);    // numpy.float64 via numpy.core.multiarray.scalar
    QCOMPARE(cb.bestModelScore.value_or(-1), 0.5);    // float64 tensor
    QCOMPARE(cb.bestKModels.at(0).second.value_or(-1), 0.75);  // float16 tensor
    QCOMPARE(cb.bestKModels.at(1).second.value_or(-1), 0.875); // bfloat16 tensor
    bool numpySeen = false;
    for (const auto& g : c.audit.globals)
        if (g.module == "numpy.core.multiarray" && g.name == "scalar") numpySeen = g.verdict == pickle::Verdict::Safe;
    QVERIFY(numpySeen);
}

void TestCheckpointReader::omegaConfHyperParameters()
{
    const Checkpoint c = mustRead("generated/omegaconf.ckpt");
    QCOMPARE(c.hyperParameters["model"]["lr"].get<double>(), 0.001);
    QCOMPARE(c.hyperParameters["model"]["layers"], nlohmann::json::parse("[64, 32]"));
    QCOMPARE(c.hyperParameters["name"], "hydra-run");
    QCOMPARE(c.hyperParameters["missing"], "???");
    QVERIFY(!c.hasUnsafeGlobals());
}

void TestCheckpointReader::hyperParametersRich()
{
    const Checkpoint c = mustRead("fixtures/hparams-rich/checkpoints/last.ckpt");
    const auto& hp = c.hyperParameters;
    QCOMPARE(hp["root"], "/data/datasets/toy");                 // pathlib.PurePosixPath
    QCOMPARE(hp["opts"]["precision"], "32");                    // argparse.Namespace attributes
    QCOMPARE(hp["opts"]["ratios"], nlohmann::json::parse("[0.8, 0.2]"));
    QCOMPARE(hp["tags"], nlohmann::json::parse(R"(["tiny", "mlp"])")); // a tuple
    QCOMPARE(hp["config"]["nested"]["a"]["b"]["c"], nlohmann::json::parse(R"([1, 2.5, "three", null, true])"));
    QCOMPARE(c.datamoduleHyperParameters["batch_size"], 16);
    QCOMPARE(c.datamoduleHyperParameters["split"]["names"], nlohmann::json::parse(R"(["a", "b"])"));
}

void TestCheckpointReader::weightsOnly()
{
    const Checkpoint c = mustRead("generated/weights-only.ckpt");
    QVERIFY(c.isLightning);
    QVERIFY(c.callbacks.empty());
    QCOMPARE(c.stateDict.tensors, std::size_t{4});
    QCOMPARE(c.optimizers, std::size_t{0});
}

void TestCheckpointReader::lightning14ClassKeys()
{
    const Checkpoint c = mustRead("generated/lightning-1.4.ckpt");
    QCOMPARE(c.callbacks.size(), std::size_t{1});
    const auto& cb = c.callbacks[0];
    QCOMPARE(cb.stateKey, std::string("pytorch_lightning.callbacks.model_checkpoint.ModelCheckpoint"));
    QCOMPARE(cb.kind, std::string("ModelCheckpoint"));
    QCOMPARE(cb.monitor, std::string("val_acc"));
    QCOMPARE(cb.mode, Mode::Max); // kth_value == -inf
    QCOMPARE(cb.modeSource, std::string("kth_value"));
}

void TestCheckpointReader::hostileFiles_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("code");
    QTest::newRow("stack underflow") << "stack-underflow" << "PickleStackUnderflow";
    QTest::newRow("memo out of range") << "memo-missing" << "PickleMemoMissing";
    QTest::newRow("MARK missing") << "mark-missing" << "PickleNoMark";
    QTest::newRow("100,000 nested MARKs") << "deep-nesting" << "PickleDepthLimit";
    QTest::newRow("100,000 nested lists") << "deep-lists" << "PickleDepthLimit";
    QTest::newRow("length larger than the file") << "length-too-large" << "PickleLengthExceedsInput";
    QTest::newRow("unknown opcode") << "unknown-opcode" << "PickleUnknownOpcode";
    QTest::newRow("no STOP") << "no-stop" << "PickleNoStop";
    QTest::newRow("SETITEMS with odd count") << "setitems-odd" << "PickleStackUnderflow";
    QTest::newRow("entry count too large") << "entry-count-too-large" << "ZipBadEndRecord";
    QTest::newRow("data.pkl past the end") << "entry-past-end" << "ZipEntryOutOfBounds";
    QTest::newRow("REDUCE of os.system: read, flagged unsafe") << "reduce-os-system" << "";
    QTest::newRow("builtins.eval in a dict: read, flagged unsafe") << "eval-in-dict" << "";
}

void TestCheckpointReader::hostileFiles()
{
    QFETCH(QString, file);
    QFETCH(QString, code);
    auto r = readCheckpoint(test::dataPath("generated/hostile/" + file.toStdString() + ".ckpt"));
    if (code.isEmpty()) {
        QVERIFY(r.ok());
        QVERIFY(r->hasUnsafeGlobals());
        QVERIFY(!r->isLightning);
        return;
    }
    QVERIFY(!r.ok());
    QCOMPARE(QString::fromUtf8(errorCodeName(r.error().code).data()), code);
}

void TestCheckpointReader::stateKeyParsing()
{
    auto k = parseStateKey("ModelCheckpoint{'monitor': 'val/loss', 'mode': 'min', 'every_n_train_steps': 0, "
                           "'every_n_epochs': 1, 'train_time_interval': datetime.timedelta(seconds=60), "
                           "'save_on_train_epoch_end': True}");
    QVERIFY(k);
    QCOMPARE(k->first, std::string("ModelCheckpoint"));
    QCOMPARE(k->second["monitor"], "val/loss");
    QCOMPARE(k->second["mode"], "min");
    QCOMPARE(k->second["every_n_epochs"], 1);
    QCOMPARE(k->second["train_time_interval"], "datetime.timedelta(seconds=60)");
    QCOMPARE(k->second["save_on_train_epoch_end"], true);
    auto sub = parseStateKey("MyCheckpoint{'monitor': None, 'mode': 'max'}");
    QVERIFY(sub);
    QCOMPARE(sub->first, std::string("MyCheckpoint"));
    QVERIFY(sub->second["monitor"].is_null());
    QVERIFY(!parseStateKey("not a key"));
}

namespace {
/// Remembers every byte range read.
class LoggingSource : public MemorySource {
public:
    using MemorySource::MemorySource;
    Status readAt(std::uint64_t offset, std::span<std::uint8_t> out) override
    {
        reads.emplace_back(offset, out.size());
        return MemorySource::readAt(offset, out);
    }
    std::vector<std::pair<std::uint64_t, std::size_t>> reads;
};
} // namespace

void TestCheckpointReader::readsFewBytes()
{
    // A small checkpoint is one read: the head and tail read-aheads (TorchFile::kHeadRead,
    // ZipArchive::kTailRead) cover all of it.
    {
        const auto bytes = test::readFile(test::fixturePath("seed-static-name", "checkpoints/best-v4.ckpt"));
        LoggingSource src(bytes, "best-v4.ckpt");
        auto f = TorchFile::open(src);
        QVERIFY(f.ok());
        QCOMPARE(interpret(**f, "best-v4.ckpt").callbacks.size(), std::size_t{1});
        QCOMPARE(src.reads.size(), std::size_t{1});
        QCOMPARE(src.reads[0], std::make_pair(std::uint64_t{0}, bytes.size()));
    }
    // A larger one (a real 1.6 MB checkpoint of Lightning 1.x): the first 64 KiB (data.pkl, which torch writes
    // first), the last 64 KiB (end records and central directory), then one read for the score storages of
    // best_k_models together (the records sit next to each other and CachingSource merges them): never the weights.
    const std::string path = test::sharedPath("wild/LanceKnight__MolKGNN/training_molkgnn/last.ckpt");
    const auto bytes = test::readFile(path);
    QVERIFY(bytes.size() > 1'000'000);
    LoggingSource src(bytes, path);
    auto f = TorchFile::open(src);
    QVERIFY(f.ok());
    const Checkpoint c = interpret(**f, path);
    QVERIFY(!c.callbacks.empty());
    QCOMPARE(src.reads.size(), std::size_t{3});
    QCOMPARE(src.reads[0], std::make_pair(std::uint64_t{0}, std::size_t{TorchFile::kHeadRead}));
    const auto tail = zip::ZipArchive::tailReadLength(bytes.size());
    QCOMPARE(src.reads[1], std::make_pair(bytes.size() - tail, std::size_t{tail}));
    QVERIFY(src.bytesRead() < TorchFile::kHeadRead + tail + 4096);
    const auto reads = src.reads; // the checks below read local headers themselves
    const auto* z = (*f)->zipArchive();
    std::size_t weights = 0;
    for (const auto* t : (*f)->document().tensors) {
        if (t->numel() == 1)
            continue; // scores are 0-dim
        const auto* e = z->find("archive/data/" + std::string(t->storage->key));
        QVERIFY(e);
        const auto start = *z->dataOffset(*e), end = start + e->uncompressedSize;
        if (end <= TorchFile::kHeadRead || start >= bytes.size() - tail)
            continue; // inside the read-aheads
        ++weights;
        // the storage read is local headers + data, with up to 128 bytes of slack for a header's padding,
        // so it may touch the start of the next record, never more
        const auto [off, len] = reads[2];
        const auto overlap = std::min<std::uint64_t>(off + len, end) - std::max<std::uint64_t>(off, start);
        QVERIFY2(off + len <= start || off >= end || overlap <= 128, ("weights of storage " + std::string(t->storage->key) + " were read").c_str());
    }
    QVERIFY(weights > 10);
}

void TestCheckpointReader::cachingSourceReadsOnlyWhatItLacks()
{
    std::vector<std::uint8_t> bytes(1000);
    for (std::size_t i = 0; i < bytes.size(); ++i)
        bytes[i] = static_cast<std::uint8_t>(i * 7 + 3);
    LoggingSource inner(bytes, "bytes");
    CachingSource cache(inner);
    // two blocks far apart (not merged), and one range inside the first (not read again)
    QVERIFY(cache.prefetch({{100, 200}, {600, 100}, {150, 50}}, 16, 1024));
    QCOMPARE(inner.reads, (std::vector<std::pair<std::uint64_t, std::size_t>>{{100, 200}, {600, 100}}));
    inner.reads.clear();
    auto check = [&](std::uint64_t off, std::size_t n) {
        std::vector<std::uint8_t> out(n);
        QVERIFY(cache.readAt(off, out));
        QVERIFY(std::equal(out.begin(), out.end(), bytes.begin() + static_cast<std::ptrdiff_t>(off)));
    };
    check(120, 50); // inside a block: no read
    QVERIFY(inner.reads.empty());
    check(50, 700); // before, between and after the blocks: only those parts are read
    QCOMPARE(inner.reads, (std::vector<std::pair<std::uint64_t, std::size_t>>{{50, 50}, {300, 300}, {700, 50}}));
    inner.reads.clear();
    check(250, 400); // starts inside the first block, ends inside the second
    QCOMPARE(inner.reads, (std::vector<std::pair<std::uint64_t, std::size_t>>{{300, 300}}));
    inner.reads.clear();
    std::vector<std::uint8_t> past(10);
    QVERIFY(!cache.readAt(995, past)); // the inner source's error for what is not there
}

void TestCheckpointReader::shardedDirectory()
{
    QTemporaryDir dir;
    QVERIFY(QDir(dir.path()).mkdir("sharded.ckpt"));
    auto r = readCheckpoint((dir.path() + "/sharded.ckpt").toStdString());
    QVERIFY(!r.ok());
    QCOMPARE(r.error().code, ErrorCode::ShardedCheckpointDirectory);
}

void TestCheckpointReader::truncatedAtSeveralOffsets_data()
{
    QTest::addColumn<std::string>("source");
    QTest::addColumn<double>("fraction");
    for (const char* src : {"fixtures/seed-static-name/checkpoints/best-v4.ckpt", "generated/legacy-p2.ckpt"})
        for (double f : {0.02, 0.3, 0.45, 0.6, 0.8, 0.95, 0.999})
            QTest::newRow((std::string(src).substr(std::string(src).rfind('/') + 1) + " at " + std::to_string(f)).c_str())
                << test::dataPath(src) << f;
}

void TestCheckpointReader::truncatedAtSeveralOffsets()
{
    // A training killed inside torch.save: the file ends early. Never a readable checkpoint; read from what
    // survived (a zip's local headers, a legacy file's pickles) with its epoch and step when data.pkl did.
    QFETCH(std::string, source);
    QFETCH(double, fraction);
    const auto whole = test::readFile(source);
    const auto reference = readCheckpoint(source);
    QVERIFY(reference.ok());
    const std::size_t cut = static_cast<std::size_t>(static_cast<double>(whole.size()) * fraction);
    QTemporaryDir tmp;
    const std::string path = tmp.path().toStdString() + "/cut.ckpt";
    {
        std::ofstream out(path, std::ios::binary);
        out.write(reinterpret_cast<const char*>(whole.data()), static_cast<std::streamsize>(cut));
    }
    const auto r = readJudged(path);
    if (r.checkpoint) {
        QVERIFY(r.checkpoint->truncated);
        QVERIFY(r.checkpoint->truncation);
        const auto code = r.checkpoint->truncation->code;
        QVERIFY(code == ErrorCode::TruncatedZip || code == ErrorCode::TruncatedLegacy);
        QCOMPARE(r.checkpoint->truncation->offset, std::uint64_t{cut});
        QCOMPARE(r.checkpoint->epoch, reference->epoch);
        QCOMPARE(r.checkpoint->globalStep, reference->globalStep);
        QCOMPARE(r.checkpoint->callbacks.size(), reference->callbacks.size());
        // inspect --json: error (Truncated..., the offset where it ends), truncated, epoch, global_step, callbacks
        const auto j = toJson(*r.checkpoint);
        QCOMPARE(j["truncated"], true);
        QVERIFY(j["error"]["code"].get<std::string>().starts_with("Truncated"));
        QCOMPARE(j["error"]["offset"].get<std::uint64_t>(), std::uint64_t{cut});
        QCOMPARE(j["epoch"], nlohmann::json(*reference->epoch));
        // and a ranking lists it, unranked, as truncated
        ranking::FolderScanner scanner;
        auto scan = scanner.scan(tmp.path().toStdString());
        QVERIFY(scan);
        const auto rk = ranking::rank(*scan);
        bool listed = false;
        for (const auto& g : rk.groups)
            for (const auto& u : g.unranked)
                listed = listed || (u.file == "cut.ckpt" && u.reason.starts_with("truncated"));
        for (const auto& u : rk.unranked)
            listed = listed || (u.file == "cut.ckpt" && u.reason.starts_with("truncated"));
        QVERIFY(listed);
    } else {
        QVERIFY(r.error);
        QVERIFY2(r.error->code == ErrorCode::TruncatedZip || r.error->code == ErrorCode::TruncatedLegacy ||
                     r.error->code == ErrorCode::PickleTruncated || r.error->code == ErrorCode::PickleNoStop,
                 r.error->message().c_str());
        QVERIFY(r.error->message().find("cut.ckpt") != std::string::npos);
    }
}

QTEST_GUILESS_MAIN(TestCheckpointReader)
#include "TestCheckpointReader.moc"
