// SPDX-License-Identifier: GPL-3.0-or-later
// ZipArchive against its oracle, libzip: on every zip checkpoint in tests/data the purpose-built reader must
// find the same entries (names, sizes, CRCs, methods) and the same bytes, reading each entry's data at the
// offset it took from the local header. Hostile containers fail with their own codes.
#include "support/TestData.h"

#include "util/BufferPool.h"
#include "util/ByteSource.h"
#include "util/ByteReader.h"
#include "zip/ZipArchive.h"

#include <QtTest>
#include <set>
#include <zip.h>

using namespace podium;

class TestZipArchive : public QObject {
    Q_OBJECT
private slots:
    void matchesLibzip_data();
    void matchesLibzip();
    void hostile_data();
    void hostile();
    void entryPastEnd();
    void readsOnlyWhatItNeeds();
    void longComment();
    void bufferPoolReuses();
    void readsAfterReuseAreFresh();
};

void TestZipArchive::matchesLibzip_data()
{
    QTest::addColumn<QString>("path");
    std::vector<std::string> files = test::checkpointsBelow(test::dataPath("fixtures"));
    for (auto& f : test::checkpointsBelow(test::dataPath("generated")))
        if (f.find("/hostile/") == std::string::npos)
            files.push_back(f);
    for (const auto& f : files) {
        const auto bytes = test::readFile(f);
        if (bytes.size() < 4 || bytes[0] != 'P' || bytes[1] != 'K')
            continue; // legacy files and the broken ones that are not zips
        if (f.find("/broken/") != std::string::npos)
            continue;
        QTest::newRow(f.substr(test::dataPath().size() + 1).c_str()) << QString::fromStdString(f);
    }
}

void TestZipArchive::matchesLibzip()
{
    QFETCH(QString, path);
    const auto bytes = test::readFile(path.toStdString());
    MemorySource src(bytes, path.toStdString());
    auto z = zip::ZipArchive::open(src);
    QVERIFY2(z.ok(), z.ok() ? "" : z.error().message().c_str());

    int err = 0;
    zip_t* lz = zip_open(path.toUtf8().constData(), ZIP_RDONLY, &err);
    QVERIFY2(lz, "libzip cannot open the file");
    const zip_int64_t n = zip_get_num_entries(lz, 0);
    QCOMPARE(static_cast<std::size_t>(n), z->entries().size());
    for (zip_int64_t i = 0; i < n; ++i) {
        zip_stat_t st;
        QCOMPARE(zip_stat_index(lz, static_cast<zip_uint64_t>(i), 0, &st), 0);
        const auto& e = z->entries()[static_cast<std::size_t>(i)];
        QCOMPARE(QString::fromUtf8(e.name.data(), static_cast<int>(e.name.size())), QString::fromUtf8(st.name));
        QCOMPARE(e.uncompressedSize, st.size);
        QCOMPARE(e.compressedSize, st.comp_size);
        QCOMPARE(e.crc32, st.crc);
        QCOMPARE(static_cast<int>(e.method), static_cast<int>(st.comp_method));

        // The bytes libzip reads equal the bytes at the offset our local-header walk found.
        std::vector<std::uint8_t> expected(st.size);
        zip_file_t* zf = zip_fopen_index(lz, static_cast<zip_uint64_t>(i), 0);
        QVERIFY(zf);
        QCOMPARE(zip_fread(zf, expected.data(), st.size), static_cast<zip_int64_t>(st.size));
        zip_fclose(zf);
        auto off = z->dataOffset(e);
        QVERIFY(off.ok());
        QVERIFY(*off + e.compressedSize <= bytes.size());
        if (e.method == 0) {
            QVERIFY(std::equal(expected.begin(), expected.end(), bytes.begin() + static_cast<std::ptrdiff_t>(*off)));
        }
        auto mine = z->read(e, /*verifyCrc=*/true);
        QVERIFY2(mine.ok(), mine.ok() ? "" : mine.error().message().c_str());
        QVERIFY(*mine == expected);
    }
    zip_close(lz);
}

void TestZipArchive::hostile_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("code");
    // Files from ../shared/fixtures/broken (truncated copies of a real checkpoint) and tests/data/make_test_data.py.
    QTest::newRow("truncated half (fixtures/broken)") << "fixtures/broken/truncated-half.ckpt" << "ZipNoEndRecord";
    QTest::newRow("truncated tail (fixtures/broken)") << "fixtures/broken/truncated-tail.ckpt" << "ZipNoEndRecord";
    QTest::newRow("zeroed central directory (fixtures/broken)") << "fixtures/broken/zeroed-central-directory.ckpt"
                                                               << "ZipBadCentralDirectory";
    QTest::newRow("entry count larger than the directory") << "generated/hostile/entry-count-too-large.ckpt"
                                                           << "ZipBadEndRecord";
}

void TestZipArchive::hostile()
{
    QFETCH(QString, path);
    QFETCH(QString, code);
    const auto bytes = test::readFile(test::dataPath(path.toStdString()));
    MemorySource src(bytes, path.toStdString());
    auto z = zip::ZipArchive::open(src);
    QVERIFY(!z.ok());
    QCOMPARE(QString::fromUtf8(errorCodeName(z.error().code).data()), code);
    QVERIFY(z.error().message().find(path.toStdString()) != std::string::npos); // names the file
}

void TestZipArchive::entryPastEnd()
{
    // A record whose size runs past the end is caught when read, before any allocation of that size.
    const auto past = test::readFile(test::dataPath("generated/hostile/entry-past-end.ckpt"));
    MemorySource psrc(past);
    auto pz = zip::ZipArchive::open(psrc);
    QVERIFY(pz.ok());
    auto r = pz->read(pz->entries().front());
    QVERIFY(!r.ok());
    QCOMPARE(r.error().code, ErrorCode::ZipEntryOutOfBounds);
}

void TestZipArchive::readsOnlyWhatItNeeds()
{
    // Opening reads the tail once (end records and the central directory), nothing else.
    const auto bytes = test::readFile(test::fixturePath("seed-static-name", "checkpoints/best-v4.ckpt"));
    MemorySource src(bytes);
    auto z = zip::ZipArchive::open(src);
    QVERIFY(z.ok());
    QCOMPARE(src.readCalls(), std::uint64_t{1});
    QVERIFY(z->zip64()); // torch always writes ZIP64 end records
    const auto* pkl = z->find("archive/data.pkl");
    QVERIFY(pkl);
    auto data = z->read(*pkl);
    QVERIFY(data.ok());
    QCOMPARE(src.readCalls(), std::uint64_t{2}); // header and data in one read
}

void TestZipArchive::longComment()
{
    // A zip comment of 20,000 bytes after the end record: found with the second, larger tail read.
    auto bytes = test::readFile(test::fixturePath("seed-static-name", "checkpoints/best-v4.ckpt"));
    const std::size_t eocd = bytes.size() - 22;
    QCOMPARE(loadLE<std::uint32_t>(&bytes[eocd]), std::uint32_t{0x06054b50});
    bytes[eocd + 20] = 20000 & 0xFF;
    bytes[eocd + 21] = 20000 >> 8;
    bytes.insert(bytes.end(), 20000, 'x');
    MemorySource src(bytes);
    auto z = zip::ZipArchive::open(src);
    QVERIFY2(z.ok(), z.ok() ? "" : z.error().message().c_str());
    QCOMPARE(z->entries().size(), std::size_t{23});
    QVERIFY(z->read(*z->find("archive/data.pkl"), true).ok());
}

void TestZipArchive::bufferPoolReuses()
{
    auto a = BufferPool::take(1000);
    QCOMPARE(a.size(), std::size_t{1000});
    const auto* storage = a.data();
    BufferPool::give(std::move(a));
    auto b = BufferPool::take(600); // the same storage, shrunk without a fill
    QCOMPARE(b.data(), storage);
    QCOMPARE(b.size(), std::size_t{600});
    BufferPool::give(std::move(b));
    auto c = BufferPool::take(5000); // too small: the pooled one grows
    QCOMPARE(c.size(), std::size_t{5000});
    BufferPool::give(std::move(c));
    // Large buffers are not kept; the pool holds at most kMaxBuffers.
    auto big = BufferPool::take(BufferPool::kMaxBytes + 1);
    BufferPool::give(std::move(big)); // freed, not pooled
    auto small = BufferPool::take(10);
    QVERIFY(small.capacity() <= BufferPool::kMaxBytes);
    BufferPool::give(std::move(small));
    std::vector<std::vector<std::uint8_t>> many;
    for (std::size_t i = 0; i < 2 * BufferPool::kMaxBuffers; ++i)
        many.push_back(BufferPool::take(100 + i));
    for (auto& m : many)
        BufferPool::give(std::move(m));
    std::vector<std::vector<std::uint8_t>> again;
    std::set<const std::uint8_t*> distinct;
    for (std::size_t i = 0; i < 2 * BufferPool::kMaxBuffers; ++i) {
        again.push_back(BufferPool::take(50));
        distinct.insert(again.back().data());
    }
    QCOMPARE(distinct.size(), 2 * BufferPool::kMaxBuffers);
}

void TestZipArchive::readsAfterReuseAreFresh()
{
    // Two different checkpoints read one after the other reuse the first one's buffers: every byte of the
    // second must be its own (compared with a copy read independently).
    const auto first = test::readFile(test::fixturePath("hparams-rich", "checkpoints/last.ckpt"));
    const auto second = test::readFile(test::fixturePath("seed-static-name", "checkpoints/best-v4.ckpt"));
    for (int round = 0; round < 3; ++round) {
        for (const auto* bytes : {&first, &second}) {
            MemorySource src(*bytes);
            auto z = zip::ZipArchive::open(src);
            QVERIFY(z.ok());
            for (const auto& e : z->entries()) {
                auto data = z->read(e, true); // the CRC-32 check catches stale bytes
                QVERIFY2(data.ok(), data.ok() ? "" : data.error().message().c_str());
            }
        }
    }
}

QTEST_GUILESS_MAIN(TestZipArchive)
#include "TestZipArchive.moc"
