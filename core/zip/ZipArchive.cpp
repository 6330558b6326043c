// SPDX-License-Identifier: GPL-3.0-or-later
#include "zip/ZipArchive.h"

#include "util/BufferPool.h"
#include "util/ByteReader.h"

#include <algorithm>
#include <cstring>
#include <zlib.h>

namespace podium::zip {

namespace {

constexpr std::uint32_t kEocdSig = 0x06054b50;
constexpr std::uint32_t kZip64LocatorSig = 0x07064b50;
constexpr std::uint32_t kZip64EocdSig = 0x06064b50;
constexpr std::uint32_t kCentralSig = 0x02014b50;
constexpr std::uint32_t kLocalSig = 0x04034b50;
constexpr std::size_t kEocdSize = 22;
constexpr std::size_t kZip64LocatorSize = 20;
constexpr std::size_t kCentralSize = 46;
constexpr std::size_t kLocalSize = 30;
constexpr std::size_t kTailRead = 4096; // end records (+ the central directory of a small file)

Error zipError(ErrorCode c, std::string detail, std::uint64_t offset = Error::npos)
{
    return Error(c, std::move(detail), offset, offset == Error::npos ? "" : "file");
}

} // namespace

Result<ZipArchive> ZipArchive::open(ByteSource& src, const ZipLimits& limits)
{
    ZipArchive z;
    z.m_source = &src;
    z.m_limits = limits;
    const std::uint64_t size = src.size();
    if (size < kEocdSize)
        return zipError(ErrorCode::ZipNoEndRecord, "file has " + std::to_string(size) +
                                                        " bytes, too short for a zip end record").inFile(src.name());

    // 1. Read the tail and find the end-of-central-directory record, scanning backwards (a comment of up
    //    to 64 KiB may follow it: when the first small read does not find it, read the largest tail once).
    std::vector<std::uint8_t> tail;
    std::uint64_t tailStart = 0, tailLen = 0;
    std::optional<std::size_t> eocdPos;
    for (const std::uint64_t want : {std::uint64_t{kTailRead + kEocdSize}, std::uint64_t{0xFFFF + kEocdSize}}) {
        if (tailLen >= std::min<std::uint64_t>(size, want))
            break; // the first read already covered the whole file
        tailLen = std::min<std::uint64_t>(size, want);
        tailStart = size - tailLen;
        BufferPool::give(std::move(tail));
        tail = BufferPool::take(static_cast<std::size_t>(tailLen));
        if (auto st = src.readAt(tailStart, tail); !st)
            return std::move(st).error().inFile(src.name());
        for (std::size_t i = tail.size() - kEocdSize + 1; i-- > 0;) {
            if (loadLE<std::uint32_t>(&tail[i]) == kEocdSig) {
                const std::uint16_t commentLen = loadLE<std::uint16_t>(&tail[i + 20]);
                if (i + kEocdSize + commentLen == tail.size()) { // the record and its comment end the file
                    eocdPos = i;
                    break;
                }
            }
        }
        if (eocdPos)
            break;
    }
    if (!eocdPos)
        return zipError(ErrorCode::ZipNoEndRecord,
                        "no end-of-central-directory record in the last " + std::to_string(tailLen) +
                            " bytes: the file is truncated (" + std::to_string(size) + " bytes) or not a zip")
            .inFile(src.name());

    z.m_eocdOffset = tailStart + *eocdPos;
    const std::uint8_t* e = &tail[*eocdPos];
    const std::uint16_t disk = loadLE<std::uint16_t>(e + 4);
    const std::uint16_t cdDisk = loadLE<std::uint16_t>(e + 6);
    std::uint64_t countDisk = loadLE<std::uint16_t>(e + 8);
    std::uint64_t count = loadLE<std::uint16_t>(e + 10);
    std::uint64_t cdSize = loadLE<std::uint32_t>(e + 12);
    std::uint64_t cdOffset = loadLE<std::uint32_t>(e + 16);
    std::uint64_t cdEnd = z.m_eocdOffset; // the central directory must end before the end records

    // 2. ZIP64: the locator sits just before the EOCD and points to the ZIP64 end record.
    const bool wants64 = count == 0xFFFF || countDisk == 0xFFFF || cdSize == 0xFFFFFFFF || cdOffset == 0xFFFFFFFF;
    if (z.m_eocdOffset >= kZip64LocatorSize) {
        std::uint8_t loc[kZip64LocatorSize];
        const std::uint64_t locOff = z.m_eocdOffset - kZip64LocatorSize;
        const bool inTail = locOff >= tailStart;
        if (inTail)
            std::memcpy(loc, &tail[static_cast<std::size_t>(locOff - tailStart)], sizeof loc);
        else if (auto st = src.readAt(locOff, loc); !st)
            return std::move(st).error().inFile(src.name());
        if (loadLE<std::uint32_t>(loc) == kZip64LocatorSig) {
            const std::uint64_t rec = loadLE<std::uint64_t>(loc + 8);
            if (rec > locOff || locOff - rec < 56)
                return zipError(ErrorCode::ZipBadZip64, "ZIP64 locator points to " + std::to_string(rec) +
                                                              ", outside the file", locOff).inFile(src.name());
            std::uint8_t r64[56];
            if (rec >= tailStart && rec + 56 <= size)
                std::memcpy(r64, &tail[static_cast<std::size_t>(rec - tailStart)], 56);
            else if (auto st = src.readAt(rec, r64); !st)
                return std::move(st).error().inFile(src.name());
            if (loadLE<std::uint32_t>(r64) != kZip64EocdSig)
                return zipError(ErrorCode::ZipBadZip64, "no ZIP64 end record where the locator points", rec)
                    .inFile(src.name());
            countDisk = loadLE<std::uint64_t>(r64 + 24);
            count = loadLE<std::uint64_t>(r64 + 32);
            cdSize = loadLE<std::uint64_t>(r64 + 40);
            cdOffset = loadLE<std::uint64_t>(r64 + 48);
            cdEnd = rec;
            z.m_zip64 = true;
        } else if (wants64) {
            return zipError(ErrorCode::ZipBadZip64, "the end record asks for ZIP64 but there is no ZIP64 locator",
                            z.m_eocdOffset).inFile(src.name());
        }
    }
    if (disk != 0 || cdDisk != 0 || countDisk != count)
        return zipError(ErrorCode::ZipBadEndRecord, "multi-disk archives are not supported", z.m_eocdOffset)
            .inFile(src.name());
    if (cdOffset > cdEnd || cdSize > cdEnd - cdOffset)
        return zipError(ErrorCode::ZipBadEndRecord,
                        "central directory (" + std::to_string(cdSize) + " bytes at " + std::to_string(cdOffset) +
                            ") does not fit before the end record at " + std::to_string(cdEnd),
                        z.m_eocdOffset).inFile(src.name());
    if (cdSize > limits.maxCentralDirectory)
        return zipError(ErrorCode::ZipBadCentralDirectory, "central directory of " + std::to_string(cdSize) +
                                                                 " bytes exceeds the limit").inFile(src.name());
    if (count > cdSize / kCentralSize)
        return zipError(ErrorCode::ZipBadEndRecord, std::to_string(count) + " entries cannot fit in a central directory of " +
                                                         std::to_string(cdSize) + " bytes", z.m_eocdOffset).inFile(src.name());
    z.m_cdOffset = cdOffset;
    z.m_cdSize = cdSize;

    // 3. The central directory: usually already in the tail buffer.
    if (cdOffset >= tailStart) {
        const auto from = static_cast<std::size_t>(cdOffset - tailStart);
        z.m_cd = BufferPool::take(static_cast<std::size_t>(cdSize));
        std::memcpy(z.m_cd.data(), tail.data() + from, static_cast<std::size_t>(cdSize));
    } else {
        z.m_cd = BufferPool::take(static_cast<std::size_t>(cdSize));
        if (auto st = src.readAt(cdOffset, z.m_cd); !st)
            return std::move(st).error().inFile(src.name());
    }

    BufferPool::give(std::move(tail));

    // 4. Walk it: one vector, names point into m_cd.
    z.m_entries = SpareVector<ZipEntry>::take(static_cast<std::size_t>(count));
    try {
        ByteReader r(z.m_cd, ErrorCode::ZipBadCentralDirectory, "file", cdOffset);
        for (std::uint64_t i = 0; i < count; ++i) {
            const std::size_t at = r.pos();
            // The fixed part in one bounds check (a state_dict's checkpoint has hundreds of entries).
            const std::uint8_t* h = r.take(kCentralSize, "central directory entry").data();
            if (loadLE<std::uint32_t>(h) != kCentralSig)
                r.failAt(ErrorCode::ZipBadCentralDirectory, at,
                         "entry " + std::to_string(i) + " of " + std::to_string(count) + " has no central directory signature");
            ZipEntry ent;
            ent.flags = loadLE<std::uint16_t>(h + 8);
            ent.method = loadLE<std::uint16_t>(h + 10);
            // h + 12: DOS time and date (torch writes 1980-00-00: never interpreted)
            ent.crc32 = loadLE<std::uint32_t>(h + 16);
            ent.compressedSize = loadLE<std::uint32_t>(h + 20);
            ent.uncompressedSize = loadLE<std::uint32_t>(h + 24);
            const std::uint16_t nameLen = loadLE<std::uint16_t>(h + 28);
            const std::uint16_t extraLen = loadLE<std::uint16_t>(h + 30);
            const std::uint16_t commentLen = loadLE<std::uint16_t>(h + 32);
            const std::uint16_t startDisk = loadLE<std::uint16_t>(h + 34);
            // h + 36: internal and external attributes
            ent.localHeaderOffset = loadLE<std::uint32_t>(h + 42);
            ent.name = asChars(r.take(nameLen, "entry name"));
            Bytes extra = r.take(extraLen, "extra field");
            r.skip(commentLen, "entry comment");
            // ZIP64 extended information: only the fields saturated in the fixed part, in this order.
            const bool needU = ent.uncompressedSize == 0xFFFFFFFF, needC = ent.compressedSize == 0xFFFFFFFF,
                       needO = ent.localHeaderOffset == 0xFFFFFFFF, needD = startDisk == 0xFFFF;
            if (needU || needC || needO || needD) {
                ByteReader x(extra, ErrorCode::ZipBadZip64, "file", cdOffset + at + kCentralSize + nameLen);
                bool found = false;
                while (x.left() >= 4) {
                    const std::uint16_t id = x.u16(), len = x.u16();
                    Bytes body = x.take(len, "extra field body");
                    if (id != 0x0001)
                        continue;
                    ByteReader b(body, ErrorCode::ZipBadZip64, "file");
                    if (needU) ent.uncompressedSize = b.u64("ZIP64 uncompressed size");
                    if (needC) ent.compressedSize = b.u64("ZIP64 compressed size");
                    if (needO) ent.localHeaderOffset = b.u64("ZIP64 local header offset");
                    found = true;
                    break;
                }
                if (!found)
                    r.failAt(ErrorCode::ZipBadZip64, at, "entry '" + std::string(ent.name) +
                                                             "' needs a ZIP64 extra field and has none");
            }
            if (ent.localHeaderOffset >= cdOffset)
                r.failAt(ErrorCode::ZipBadCentralDirectory, at, "entry '" + std::string(ent.name) +
                                                                    "' starts inside the central directory");
            z.m_entries.push_back(ent);
        }
    } catch (const ParseFailure& f) {
        return Error(f.error).inFile(src.name());
    }
    return z;
}

ZipArchive::~ZipArchive()
{
    BufferPool::give(std::move(m_cd));
    SpareVector<ZipEntry>::give(std::move(m_entries));
}

const ZipEntry* ZipArchive::find(std::string_view name) const noexcept
{
    // torch's names share long prefixes ("archive/data/1", "archive/data/12"): compare the last byte first.
    if (name.empty())
        return nullptr;
    for (const auto& e : m_entries)
        if (e.name.size() == name.size() && e.name.back() == name.back() && e.name == name)
            return &e;
    return nullptr;
}

Result<std::uint64_t> ZipArchive::dataOffsetWithHint(const ZipEntry& e, std::size_t prefetch,
                                                     std::vector<std::uint8_t>* prefetched, std::size_t* skip) const
{
    // One read covers the local header, its name and (usually) its extra field and the data after it.
    const std::uint64_t size = m_source->size();
    if (e.localHeaderOffset > size || size - e.localHeaderOffset < kLocalSize)
        return zipError(ErrorCode::ZipEntryOutOfBounds, "local header of '" + std::string(e.name) + "' lies past the end",
                        e.localHeaderOffset).inFile(m_source->name());
    const std::uint64_t want = std::min<std::uint64_t>(size - e.localHeaderOffset, kLocalSize + e.name.size() + 128 + prefetch);
    std::vector<std::uint8_t> buf = BufferPool::take(static_cast<std::size_t>(want));
    if (auto st = m_source->readAt(e.localHeaderOffset, buf); !st)
        return std::move(st).error().inFile(m_source->name());
    const std::uint8_t* h = buf.data();
    if (loadLE<std::uint32_t>(h) != kLocalSig)
        return zipError(ErrorCode::ZipBadLocalHeader, "no local header signature for '" + std::string(e.name) + "'",
                        e.localHeaderOffset).inFile(m_source->name());
    const std::uint16_t nameLen = loadLE<std::uint16_t>(h + 26);
    const std::uint16_t extraLen = loadLE<std::uint16_t>(h + 28);
    if (nameLen != e.name.size() || (kLocalSize + nameLen <= buf.size() &&
                                     std::memcmp(h + kLocalSize, e.name.data(), nameLen) != 0))
        return zipError(ErrorCode::ZipBadLocalHeader, "local header names another entry than '" + std::string(e.name) + "'",
                        e.localHeaderOffset).inFile(m_source->name());
    const std::uint64_t data = e.localHeaderOffset + kLocalSize + nameLen + extraLen;
    if (data > size || e.compressedSize > size - data)
        return zipError(ErrorCode::ZipEntryOutOfBounds,
                        "entry '" + std::string(e.name) + "' (" + std::to_string(e.compressedSize) + " bytes at " +
                            std::to_string(data) + ") runs past the end of the file (" + std::to_string(size) + " bytes)",
                        e.localHeaderOffset).inFile(m_source->name());
    if (prefetched) {
        // The data follows the header in the same buffer: hand both over, with where the data starts.
        const std::uint64_t inBuf = kLocalSize + nameLen + extraLen;
        *skip = static_cast<std::size_t>(std::min<std::uint64_t>(inBuf, buf.size()));
        *prefetched = std::move(buf);
    } else {
        BufferPool::give(std::move(buf));
    }
    return data;
}

Result<std::uint64_t> ZipArchive::dataOffset(const ZipEntry& e) const
{
    return dataOffsetWithHint(e, 0, nullptr, nullptr);
}

Result<std::vector<std::uint8_t>> ZipArchive::read(const ZipEntry& e, bool verifyCrc) const
{
    auto l = load(e, verifyCrc);
    if (!l)
        return std::move(l).error();
    if (l->offset)
        l->buffer.erase(l->buffer.begin(), l->buffer.begin() + static_cast<std::ptrdiff_t>(l->offset));
    return std::move(l->buffer);
}

Result<ZipArchive::Loaded> ZipArchive::load(const ZipEntry& e, bool verifyCrc) const
{
    if (e.flags & 0x1)
        return zipError(ErrorCode::ZipEncrypted, "entry '" + std::string(e.name) + "' is encrypted").inFile(m_source->name());
    if (e.method != 0 && e.method != 8)
        return zipError(ErrorCode::ZipUnsupportedCompression, "entry '" + std::string(e.name) + "' uses compression method " +
                                                                   std::to_string(e.method)).inFile(m_source->name());
    if (e.method == 0 && e.compressedSize != e.uncompressedSize)
        return zipError(ErrorCode::ZipBadCentralDirectory, "stored entry '" + std::string(e.name) +
                                                                "' has different compressed and uncompressed sizes").inFile(m_source->name());
    // One read for header and data; its size is bounded by the file, so the bounds check inside comes
    // before any allocation the declared size could ask for.
    std::vector<std::uint8_t> pre;
    std::size_t skip = 0;
    auto off = dataOffsetWithHint(e, static_cast<std::size_t>(std::min<std::uint64_t>(e.compressedSize, m_source->size())),
                                  &pre, &skip);
    if (!off)
        return std::move(off).error();
    if (e.uncompressedSize > m_limits.maxEntrySize || e.compressedSize > m_limits.maxEntrySize)
        return zipError(ErrorCode::ZipEntryOutOfBounds, "entry '" + std::string(e.name) + "' is larger than the limit of " +
                                                             std::to_string(m_limits.maxEntrySize) + " bytes").inFile(m_source->name());
    Loaded raw;
    if (pre.size() - skip >= e.compressedSize) {
        pre.resize(static_cast<std::size_t>(skip + e.compressedSize));
        raw = {std::move(pre), skip};
    } else {
        BufferPool::give(std::move(pre));
        raw.buffer = BufferPool::take(static_cast<std::size_t>(e.compressedSize));
        if (auto st = m_source->readAt(*off, raw.buffer); !st)
            return std::move(st).error().inFile(m_source->name());
    }
    Loaded out;
    if (e.method == 0) {
        out = std::move(raw);
    } else {
        // Deflate: refuse sizes no deflate stream can reach before allocating (ratio at most 1032:1).
        if (e.uncompressedSize > e.compressedSize * 1032 + 1024)
            return zipError(ErrorCode::ZipInflateFailed, "entry '" + std::string(e.name) + "' declares an impossible size ratio")
                .inFile(m_source->name());
        z_stream zs{};
        if (inflateInit2(&zs, -MAX_WBITS) != Z_OK)
            return zipError(ErrorCode::ZipInflateFailed, "zlib init failed").inFile(m_source->name());
        out.buffer.resize(static_cast<std::size_t>(e.uncompressedSize));
        zs.next_in = raw.buffer.data() + raw.offset;
        zs.avail_in = static_cast<uInt>(raw.buffer.size() - raw.offset);
        zs.next_out = out.buffer.data();
        zs.avail_out = static_cast<uInt>(out.buffer.size());
        const int rc = inflate(&zs, Z_FINISH);
        const auto produced = zs.total_out;
        inflateEnd(&zs);
        BufferPool::give(std::move(raw.buffer));
        if (rc != Z_STREAM_END || produced != out.buffer.size())
            return zipError(ErrorCode::ZipInflateFailed, "entry '" + std::string(e.name) + "' does not inflate to its declared " +
                                                              std::to_string(out.buffer.size()) + " bytes").inFile(m_source->name());
    }
    if (verifyCrc) {
        const auto crc = static_cast<std::uint32_t>(
            crc32(0L, out.buffer.data() + out.offset, static_cast<uInt>(out.buffer.size() - out.offset)));
        if (crc != e.crc32)
            return zipError(ErrorCode::ZipBadCentralDirectory, "entry '" + std::string(e.name) + "' fails its CRC-32 check")
                .inFile(m_source->name());
    }
    return out;
}

Result<std::vector<std::uint8_t>> ZipArchive::readRange(const ZipEntry& e, std::uint64_t offset, std::size_t length) const
{
    if (e.method != 0) {
        auto all = read(e);
        if (!all)
            return std::move(all).error();
        if (offset > all->size() || length > all->size() - offset)
            return zipError(ErrorCode::StorageTooSmall, "entry '" + std::string(e.name) + "' has " + std::to_string(all->size()) +
                                                             " bytes; asked for " + std::to_string(length) + " at " +
                                                             std::to_string(offset)).inFile(m_source->name());
        return std::vector<std::uint8_t>(all->begin() + static_cast<std::ptrdiff_t>(offset),
                                         all->begin() + static_cast<std::ptrdiff_t>(offset + length));
    }
    if (offset > e.uncompressedSize || length > e.uncompressedSize - offset)
        return zipError(ErrorCode::StorageTooSmall, "entry '" + std::string(e.name) + "' has " +
                                                         std::to_string(e.uncompressedSize) + " bytes; asked for " +
                                                         std::to_string(length) + " at " + std::to_string(offset))
            .inFile(m_source->name());
    std::vector<std::uint8_t> pre;
    std::size_t skip = 0;
    auto off = dataOffsetWithHint(e, static_cast<std::size_t>(offset + length), &pre, &skip);
    if (!off)
        return std::move(off).error();
    if (pre.size() - skip >= offset + length)
        return std::vector<std::uint8_t>(pre.begin() + static_cast<std::ptrdiff_t>(skip + offset),
                                         pre.begin() + static_cast<std::ptrdiff_t>(skip + offset + length));
    return m_source->read(*off + offset, length);
}

} // namespace podium::zip
