// SPDX-License-Identifier: GPL-3.0-or-later
#include "zip/ZipArchive.h"

#include "util/BufferPool.h"
#include "util/ByteReader.h"

#include <algorithm>
#include <cstring>
#include <functional>
#include <optional>
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

char lower(char c) noexcept // MZ_TOLOWER: ASCII only
{
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

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

    // 1. Read the tail and find the end-of-central-directory record, scanning backwards: in the last 4 KiB
    //    first, then, when it is not there, as far back as a comment of up to 64 KiB allows. One read of
    //    kTailRead bytes serves both and, for most checkpoints, the central directory too.
    const std::uint64_t tailLen = tailReadLength(size);
    const std::uint64_t tailStart = size - tailLen;
    std::vector<std::uint8_t> tail = BufferPool::take(static_cast<std::size_t>(tailLen));
    if (auto st = src.readAt(tailStart, tail); !st) {
        BufferPool::give(std::move(tail));
        return std::move(st).error().inFile(src.name());
    }
    std::optional<std::size_t> eocdPos;
    std::uint64_t window = 0;
    for (const std::uint64_t want : {std::uint64_t{4096 + kEocdSize}, std::uint64_t{0xFFFF + kEocdSize}}) {
        if (window >= std::min<std::uint64_t>(tailLen, want))
            break; // the first window already covered the whole file
        window = std::min<std::uint64_t>(tailLen, want);
        // As torch's reader (miniz, mz_zip_reader_locate_header_sig) finds it: the last signature with a
        // whole record after it, whatever the comment length says (bytes after the record are ignored).
        z.m_eocdCandidates = 0;
        const std::size_t from = static_cast<std::size_t>(tailLen - window);
        for (std::size_t i = tail.size() - kEocdSize + 1; i-- > from;) {
            if (loadLE<std::uint32_t>(&tail[i]) == kEocdSig) {
                ++z.m_eocdCandidates;
                if (!eocdPos)
                    eocdPos = i;
            }
        }
        if (eocdPos)
            break;
    }
    if (!eocdPos) {
        BufferPool::give(std::move(tail));
        return zipError(ErrorCode::ZipNoEndRecord,
                        "no end-of-central-directory record in the last " + std::to_string(window) +
                            " bytes: the file is truncated (" + std::to_string(size) + " bytes) or not a zip")
            .inFile(src.name());
    }

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
                                                     std::vector<std::uint8_t>* prefetched, std::size_t* skip,
                                                     bool* localNameDiffers) const
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
    // miniz (torch's reader) takes the data after the local header's own name and extra field and never
    // compares the names: a local name that differs from the central one is followed, and reported.
    if (localNameDiffers)
        *localNameDiffers = nameLen != e.name.size() || (kLocalSize + nameLen <= buf.size() &&
                                                         std::memcmp(h + kLocalSize, e.name.data(), nameLen) != 0);
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
    return dataOffsetWithHint(e, 0, nullptr, nullptr, nullptr);
}

Result<std::vector<std::uint8_t>> ZipArchive::read(const ZipEntry& e, bool verifyCrc) const
{
    auto l = load(e, verifyCrc);
    if (!l)
        return std::move(l).error();
    if (!l->crcMatches)
        return zipError(ErrorCode::ZipBadCentralDirectory, "entry '" + std::string(e.name) + "' fails its CRC-32 check")
            .inFile(m_source->name());
    if (l->offset)
        l->buffer.erase(l->buffer.begin(), l->buffer.begin() + static_cast<std::ptrdiff_t>(l->offset));
    return std::move(l->buffer);
}

Result<ZipArchive::Loaded> ZipArchive::load(const ZipEntry& e, bool verifyCrc, std::uint64_t maxSize) const
{
    const std::uint64_t limit = std::min(maxSize, m_limits.maxEntrySize);
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
    if (e.uncompressedSize > limit || e.compressedSize > limit)
        return zipError(ErrorCode::ZipEntryOutOfBounds, "entry '" + std::string(e.name) + "' declares " +
                                                             std::to_string(std::max(e.uncompressedSize, e.compressedSize)) +
                                                             " bytes, more than the limit of " + std::to_string(limit) +
                                                             " for what is read into memory").inFile(m_source->name());
    std::vector<std::uint8_t> pre;
    std::size_t skip = 0;
    bool differs = false;
    auto off = dataOffsetWithHint(e, static_cast<std::size_t>(std::min<std::uint64_t>(e.compressedSize, m_source->size())),
                                  &pre, &skip, &differs);
    if (!off)
        return std::move(off).error();
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
        // A stream that would inflate past the declared size fills the buffer and stops there: that is what
        // torch's reader hands on (a zip bomb costs the declared size, no more). One that ends short is an error.
        const bool full = produced == out.buffer.size() && (rc == Z_OK || rc == Z_BUF_ERROR || rc == Z_STREAM_END);
        if (!full)
            return zipError(ErrorCode::ZipInflateFailed, "entry '" + std::string(e.name) + "' does not inflate to its declared " +
                                                              std::to_string(out.buffer.size()) + " bytes").inFile(m_source->name());
        out.inflatesPast = rc != Z_STREAM_END;
    }
    out.localNameDiffers = differs;
    if (verifyCrc) {
        const auto crc = static_cast<std::uint32_t>(
            crc32(0L, out.buffer.data() + out.offset, static_cast<uInt>(out.buffer.size() - out.offset)));
        out.crcMatches = crc == e.crc32;
    }
    return out;
}

Result<std::vector<std::uint8_t>> ZipArchive::readRange(const ZipEntry& e, std::uint64_t offset, std::size_t length) const
{
    if (e.method != 0)
        return inflatePrefix(e, offset, length);
    if (offset > e.uncompressedSize || length > e.uncompressedSize - offset)
        return zipError(ErrorCode::StorageTooSmall, "entry '" + std::string(e.name) + "' has " +
                                                         std::to_string(e.uncompressedSize) + " bytes; asked for " +
                                                         std::to_string(length) + " at " + std::to_string(offset))
            .inFile(m_source->name());
    std::vector<std::uint8_t> pre;
    std::size_t skip = 0;
    auto off = dataOffsetWithHint(e, static_cast<std::size_t>(offset + length), &pre, &skip, nullptr);
    if (!off)
        return std::move(off).error();
    if (pre.size() - skip >= offset + length)
        return std::vector<std::uint8_t>(pre.begin() + static_cast<std::ptrdiff_t>(skip + offset),
                                         pre.begin() + static_cast<std::ptrdiff_t>(skip + offset + length));
    return m_source->read(*off + offset, length);
}

Result<std::vector<std::uint8_t>> ZipArchive::inflatePrefix(const ZipEntry& e, std::uint64_t offset, std::size_t length) const
{
    // A deflated storage (from a tool that re-zipped the checkpoint): inflate only up to the bytes asked
    // for, in slices, so a score at the start of a 256 MiB storage costs a few KiB, not the whole entry.
    if (e.method != 8)
        return zipError(ErrorCode::ZipUnsupportedCompression, "entry '" + std::string(e.name) + "' uses compression method " +
                                                                   std::to_string(e.method)).inFile(m_source->name());
    if (offset > e.uncompressedSize || length > e.uncompressedSize - offset)
        return zipError(ErrorCode::StorageTooSmall, "entry '" + std::string(e.name) + "' has " +
                                                         std::to_string(e.uncompressedSize) + " bytes; asked for " +
                                                         std::to_string(length) + " at " + std::to_string(offset))
            .inFile(m_source->name());
    auto off = dataOffset(e);
    if (!off)
        return std::move(off).error();
    const std::uint64_t want = offset + length;
    z_stream zs{};
    if (inflateInit2(&zs, -MAX_WBITS) != Z_OK)
        return zipError(ErrorCode::ZipInflateFailed, "zlib init failed").inFile(m_source->name());
    std::vector<std::uint8_t> out(static_cast<std::size_t>(want));
    std::vector<std::uint8_t> in(64 * 1024);
    zs.next_out = out.data();
    zs.avail_out = static_cast<uInt>(out.size());
    std::uint64_t readAt = *off, left = e.compressedSize;
    int rc = Z_OK;
    while (zs.avail_out > 0 && rc == Z_OK) {
        if (zs.avail_in == 0) {
            if (left == 0)
                break;
            const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(left, in.size()));
            if (auto st = m_source->readAt(readAt, std::span(in.data(), n)); !st) {
                inflateEnd(&zs);
                return std::move(st).error().inFile(m_source->name());
            }
            readAt += n;
            left -= n;
            zs.next_in = in.data();
            zs.avail_in = static_cast<uInt>(n);
        }
        rc = inflate(&zs, Z_NO_FLUSH);
    }
    const bool full = zs.avail_out == 0;
    inflateEnd(&zs);
    if (!full)
        return zipError(ErrorCode::ZipInflateFailed, "entry '" + std::string(e.name) + "' inflates to fewer than the " +
                                                          std::to_string(want) + " bytes asked for").inFile(m_source->name());
    out.erase(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(offset));
    return out;
}

std::vector<const ZipEntry*> ZipArchive::findAnyCase(std::string_view name) const
{
    std::vector<const ZipEntry*> out;
    for (const auto& e : m_entries)
        if (e.name.size() == name.size() &&
            std::equal(e.name.begin(), e.name.end(), name.begin(), [](char a, char b) { return lower(a) == lower(b); }))
            out.push_back(&e);
    return out;
}

const ZipEntry* ZipArchive::locateLikeMiniz(std::string_view name) const
{
    // mz_zip_reader_sort_central_dir_offsets_by_filename (a heap sort of the entries by lowercased name,
    // shorter first on a common prefix) and mz_zip_locate_file_binary_search, step by step: with names that
    // differ only in case, which of them torch's getRecord returns depends on this exact order.
    const std::size_t size = m_entries.size();
    if (size == 0)
        return nullptr;
    auto less = [&](std::uint32_t l, std::uint32_t r) {
        const auto a = m_entries[l].name, b = m_entries[r].name;
        const std::size_t n = std::min(a.size(), b.size());
        for (std::size_t i = 0; i < n; ++i)
            if (lower(a[i]) != lower(b[i]))
                return static_cast<unsigned char>(lower(a[i])) < static_cast<unsigned char>(lower(b[i]));
        return a.size() < b.size();
    };
    std::vector<std::uint32_t> idx(size);
    for (std::uint32_t i = 0; i < size; ++i)
        idx[i] = i;
    if (size > 1) {
        for (std::size_t start = (size - 2) >> 1;; --start) {
            std::size_t root = start;
            for (;;) {
                std::size_t child = (root << 1) + 1;
                if (child >= size)
                    break;
                child += (child + 1 < size) && less(idx[child], idx[child + 1]);
                if (!less(idx[root], idx[child]))
                    break;
                std::swap(idx[root], idx[child]);
                root = child;
            }
            if (start == 0)
                break;
        }
        for (std::size_t end = size - 1; end > 0; --end) {
            std::swap(idx[end], idx[0]);
            std::size_t root = 0;
            for (;;) {
                std::size_t child = (root << 1) + 1;
                if (child >= end)
                    break;
                child += (child + 1 < end) && less(idx[child], idx[child + 1]);
                if (!less(idx[root], idx[child]))
                    break;
                std::swap(idx[root], idx[child]);
                root = child;
            }
        }
    }
    auto compare = [&](std::uint32_t l) {
        const auto a = m_entries[l].name;
        const std::size_t n = std::min(a.size(), name.size());
        for (std::size_t i = 0; i < n; ++i)
            if (lower(a[i]) != lower(name[i]))
                return static_cast<int>(static_cast<unsigned char>(lower(a[i]))) -
                       static_cast<int>(static_cast<unsigned char>(lower(name[i])));
        return static_cast<int>(a.size()) - static_cast<int>(name.size());
    };
    std::int64_t lo = 0, hi = static_cast<std::int64_t>(size) - 1;
    while (lo <= hi) {
        const std::int64_t m = lo + ((hi - lo) >> 1);
        const int c = compare(idx[static_cast<std::size_t>(m)]);
        if (c == 0)
            return &m_entries[idx[static_cast<std::size_t>(m)]];
        if (c < 0)
            lo = m + 1;
        else
            hi = m - 1;
    }
    return nullptr;
}

namespace {

struct Descriptor {
    std::uint32_t crc = 0;
    std::uint64_t size = 0, uncompressed = 0;
    std::uint64_t length = 0; // of the descriptor itself
};

/// The data descriptor that ends a streamed record whose data starts at `data`: at `data + size` when the
/// size is known, else the first "PK\7\8" whose compressed-size field equals its distance from `data`.
std::optional<Descriptor> findDescriptor(ByteSource& src, std::uint64_t data, std::optional<std::uint64_t> size,
                                         std::uint64_t maxSize)
{
    const std::uint64_t end = src.size();
    auto at = [&](std::uint64_t p) -> std::optional<Descriptor> {
        std::uint8_t d[24] = {};
        const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(24, end - p));
        if (n < 16 || !src.readAt(p, std::span(d, n)) || loadLE<std::uint32_t>(d) != 0x08074b50)
            return std::nullopt;
        const std::uint64_t dist = p - data;
        if (loadLE<std::uint32_t>(d + 8) == dist)
            return Descriptor{loadLE<std::uint32_t>(d + 4), dist, loadLE<std::uint32_t>(d + 12), 16};
        if (n >= 24 && loadLE<std::uint64_t>(d + 8) == dist) // ZIP64: 8-byte sizes
            return Descriptor{loadLE<std::uint32_t>(d + 4), dist, loadLE<std::uint64_t>(d + 16), 24};
        return std::nullopt;
    };
    if (size)
        return data + *size + 16 <= end ? at(data + *size) : std::nullopt;
    const std::uint64_t limit = std::min(end, data + std::min<std::uint64_t>(maxSize, std::uint64_t{64} << 20) + 24);
    std::vector<std::uint8_t> chunk(64 * 1024);
    for (std::uint64_t p = data; p + 4 <= limit;) {
        const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(chunk.size(), limit - p));
        if (!src.readAt(p, std::span(chunk.data(), n)))
            return std::nullopt;
        for (std::size_t i = 0; i + 4 <= n; ++i)
            if (chunk[i] == 'P' && chunk[i + 1] == 'K' && chunk[i + 2] == 7 && chunk[i + 3] == 8)
                if (auto d = at(p + i))
                    return d;
        p += n > 3 ? n - 3 : n; // a signature across two chunks is found in the next
    }
    return std::nullopt;
}

} // namespace

Result<ZipArchive> ZipArchive::recover(ByteSource& src, const ZipLimits& limits,
                                       const std::function<std::optional<std::uint64_t>(std::string_view)>& sizeOf)
{
    ZipArchive z;
    z.m_source = &src;
    z.m_limits = limits;
    z.m_recovered = true;
    const std::uint64_t size = src.size();
    struct Found {
        ZipEntry e;
        std::size_t nameAt, nameLen;
    };
    std::vector<Found> found;
    std::string names;
    std::uint64_t off = 0;
    std::uint8_t h[kLocalSize];
    while (off + kLocalSize <= size && found.size() < (std::size_t{1} << 20)) {
        if (auto st = src.readAt(off, h); !st)
            return std::move(st).error().inFile(src.name());
        if (loadLE<std::uint32_t>(h) != kLocalSig)
            break; // the central directory's start, or bytes that are no entry: the walk ends here
        ZipEntry e;
        e.flags = loadLE<std::uint16_t>(h + 6);
        e.method = loadLE<std::uint16_t>(h + 8);
        e.crc32 = loadLE<std::uint32_t>(h + 14);
        e.compressedSize = loadLE<std::uint32_t>(h + 18);
        e.uncompressedSize = loadLE<std::uint32_t>(h + 22);
        const std::uint16_t nameLen = loadLE<std::uint16_t>(h + 26), extraLen = loadLE<std::uint16_t>(h + 28);
        e.localHeaderOffset = off;
        if (off + kLocalSize + nameLen + extraLen > size) {
            z.m_cutEntry = "(a local header)";
            break;
        }
        std::vector<std::uint8_t> ne(nameLen + extraLen);
        if (auto st = src.readAt(off + kLocalSize, ne); !st)
            return std::move(st).error().inFile(src.name());
        const std::string name(reinterpret_cast<const char*>(ne.data()), nameLen);
        if (e.compressedSize == 0xFFFFFFFF || e.uncompressedSize == 0xFFFFFFFF) {
            ByteReader x(Bytes(ne.data() + nameLen, extraLen), ErrorCode::ZipBadZip64, "file", off + kLocalSize + nameLen);
            bool ok = false;
            try {
                while (x.left() >= 4) {
                    const std::uint16_t id = x.u16(), len = x.u16();
                    Bytes body = x.take(len, "extra field body");
                    if (id != 0x0001)
                        continue;
                    ByteReader b(body, ErrorCode::ZipBadZip64, "file");
                    if (e.uncompressedSize == 0xFFFFFFFF) e.uncompressedSize = b.u64("ZIP64 uncompressed size");
                    if (e.compressedSize == 0xFFFFFFFF) e.compressedSize = b.u64("ZIP64 compressed size");
                    ok = true;
                    break;
                }
            } catch (const ParseFailure&) {
                ok = false;
            }
            if (!ok)
                break;
        }
        const std::uint64_t data = off + kLocalSize + nameLen + extraLen;
        std::uint64_t descriptor = 0; // bytes of the data descriptor after the data
        if ((e.flags & 0x8) && e.compressedSize == 0 && e.uncompressedSize == 0) {
            // torch's writer streams each record and puts its CRC and sizes in a data descriptor after the
            // data ("PK\7\8", CRC-32, sizes of 4 or 8 bytes). The size comes from the caller (a storage's
            // numel), or a descriptor whose size field equals its own distance from the data is looked for.
            const auto hint = sizeOf ? sizeOf(name) : std::nullopt;
            if (hint == kStopRecovery) {
                z.m_cutEntry = "";
                break;
            }
            auto found = findDescriptor(src, data, hint, limits.maxEntrySize);
            if (!found) {
                z.m_cutEntry = name;
                break;
            }
            e.crc32 = found->crc;
            e.compressedSize = e.uncompressedSize = found->size;
            descriptor = found->length;
            if (e.method != 0) {
                z.m_cutEntry = name; // a deflated streamed record: its uncompressed size is in the descriptor
                e.uncompressedSize = found->uncompressed;
            }
        } else if (e.flags & 0x8) {
            descriptor = 16;
        }
        if (data + e.compressedSize + descriptor > size) {
            z.m_cutEntry = name;
            break;
        }
        found.push_back({e, names.size(), name.size()});
        names += name;
        off = data + e.compressedSize + descriptor;
    }
    z.m_recoveredEnd = off;
    if (found.empty())
        return zipError(ErrorCode::ZipBadLocalHeader, "no whole local header at the start: the zip is cut off before its "
                                                       "first entry", 0).inFile(src.name());
    z.m_cd = BufferPool::take(names.size());
    std::memcpy(z.m_cd.data(), names.data(), names.size());
    z.m_entries.clear();
    for (auto& f : found) {
        f.e.name = std::string_view(reinterpret_cast<const char*>(z.m_cd.data()) + f.nameAt, f.nameLen);
        z.m_entries.push_back(f.e);
    }
    return z;
}

} // namespace podium::zip
