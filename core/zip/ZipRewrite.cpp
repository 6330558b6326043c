// SPDX-License-Identifier: GPL-3.0-or-later
#include "zip/ZipRewrite.h"

#include <zlib.h>

#include <algorithm>

namespace podium::zip {

namespace {

constexpr std::uint32_t kLocalSig = 0x04034b50, kCentralSig = 0x02014b50, kEndSig = 0x06054b50;
constexpr std::uint32_t kZip64EndSig = 0x06064b50, kZip64LocatorSig = 0x07064b50;
constexpr std::uint64_t k32 = 0xFFFFFFFFu;

void put16(std::vector<std::uint8_t>& o, std::uint16_t v) { o.push_back(v & 0xFF); o.push_back(v >> 8); }
void put32(std::vector<std::uint8_t>& o, std::uint32_t v) { for (int i = 0; i < 4; ++i) o.push_back((v >> (8 * i)) & 0xFF); }
void put64(std::vector<std::uint8_t>& o, std::uint64_t v) { for (int i = 0; i < 8; ++i) o.push_back((v >> (8 * i)) & 0xFF); }

} // namespace

Result<TailRewrite> planReplaceEntry(const ZipArchive& archive, std::string_view name, Bytes data, std::uint64_t fileSize)
{
    const ZipEntry* target = archive.find(name);
    if (!target)
        return Error(ErrorCode::InvalidArgument, "the archive has no entry '" + std::string(name) + "'");
    // Where the new record goes: over the old one when nothing but the central directory follows it.
    std::uint64_t lastOther = 0;
    for (const auto& e : archive.entries())
        if (e.name != name)
            lastOther = std::max(lastOther, e.localHeaderOffset);
    const std::uint64_t at = target->localHeaderOffset > lastOther ? target->localHeaderOffset : archive.centralDirectoryOffset();

    const std::uint32_t crc = static_cast<std::uint32_t>(::crc32(::crc32(0L, Z_NULL, 0), data.data(), static_cast<uInt>(data.size())));
    const bool big = data.size() >= k32 || at >= k32;
    TailRewrite out;
    out.keepBytes = at;
    out.oldSize = fileSize;
    auto& t = out.tail;
    t.reserve(data.size() + archive.centralDirectorySize() + 256);

    // --- the new local record: stored, no data descriptor
    put32(t, kLocalSig);
    put16(t, big ? 45 : 20);                 // version needed
    put16(t, 0);                              // flags
    put16(t, 0);                              // stored
    put16(t, 0); put16(t, 0x21);              // DOS time and date (1980-01-01), as zip tools expect
    put32(t, crc);
    put32(t, big ? static_cast<std::uint32_t>(k32) : static_cast<std::uint32_t>(data.size()));
    put32(t, big ? static_cast<std::uint32_t>(k32) : static_cast<std::uint32_t>(data.size()));
    put16(t, static_cast<std::uint16_t>(name.size()));
    put16(t, big ? 20 : 0);
    t.insert(t.end(), name.begin(), name.end());
    if (big) {
        put16(t, 0x0001); put16(t, 16);
        put64(t, data.size()); put64(t, data.size());
    }
    t.insert(t.end(), data.begin(), data.end());

    // --- the central directory: every record copied, the target's rebuilt
    const std::uint64_t cdStart = at + t.size();
    const auto& cd = archive.centralDirectory();
    std::uint64_t count = 0;
    try {
        ByteReader r(cd, ErrorCode::ZipBadCentralDirectory, "central directory", archive.centralDirectoryOffset());
        while (!r.atEnd()) {
            const std::size_t start = r.pos();
            if (r.u32("signature") != kCentralSig)
                r.failAt(ErrorCode::ZipBadCentralDirectory, start, "not a central directory record");
            r.skip(24, "record");
            const std::uint16_t nameLen = r.u16("name length"), extraLen = r.u16("extra length"), commentLen = r.u16("comment length");
            r.skip(12, "record");
            const Bytes n = r.take(nameLen, "name");
            r.skip(static_cast<std::size_t>(extraLen) + commentLen, "extra and comment");
            ++count;
            if (std::string_view(reinterpret_cast<const char*>(n.data()), n.size()) != name) {
                t.insert(t.end(), cd.begin() + static_cast<std::ptrdiff_t>(start), cd.begin() + static_cast<std::ptrdiff_t>(r.pos()));
                continue;
            }
            put32(t, kCentralSig);
            put16(t, big ? 45 : 20);         // made by
            put16(t, big ? 45 : 20);         // needed
            put16(t, 0);
            put16(t, 0);
            put16(t, 0); put16(t, 0x21);
            put32(t, crc);
            put32(t, big ? static_cast<std::uint32_t>(k32) : static_cast<std::uint32_t>(data.size()));
            put32(t, big ? static_cast<std::uint32_t>(k32) : static_cast<std::uint32_t>(data.size()));
            put16(t, nameLen);
            put16(t, big ? 28 : 0);
            put16(t, 0);                     // comment
            put16(t, 0);                     // disk
            put16(t, 0);                     // internal attributes
            put32(t, 0);                     // external attributes
            put32(t, big ? static_cast<std::uint32_t>(k32) : static_cast<std::uint32_t>(at));
            t.insert(t.end(), n.begin(), n.end());
            if (big) {
                put16(t, 0x0001); put16(t, 24);
                put64(t, data.size()); put64(t, data.size()); put64(t, at);
            }
        }
    } catch (const ParseFailure& f) {
        return f.error;
    }
    const std::uint64_t cdSize = at + t.size() - cdStart;

    // --- end records
    const bool zip64End = archive.zip64() || big || cdStart >= k32 || count >= 0xFFFF;
    if (zip64End) {
        const std::uint64_t z64 = at + t.size();
        put32(t, kZip64EndSig);
        put64(t, 44);                        // size of the rest of this record
        put16(t, 45); put16(t, 45);
        put32(t, 0); put32(t, 0);            // disk numbers
        put64(t, count); put64(t, count);
        put64(t, cdSize); put64(t, cdStart);
        put32(t, kZip64LocatorSig);
        put32(t, 0);
        put64(t, z64);
        put32(t, 1);
    }
    put32(t, kEndSig);
    put16(t, 0); put16(t, 0);
    // 32-bit fields say "see ZIP64" only where the value does not fit
    put16(t, count >= 0xFFFF ? 0xFFFF : static_cast<std::uint16_t>(count));
    put16(t, count >= 0xFFFF ? 0xFFFF : static_cast<std::uint16_t>(count));
    put32(t, cdSize >= k32 ? static_cast<std::uint32_t>(k32) : static_cast<std::uint32_t>(cdSize));
    put32(t, cdStart >= k32 ? static_cast<std::uint32_t>(k32) : static_cast<std::uint32_t>(cdStart));
    put16(t, 0);
    return out;
}

} // namespace podium::zip
