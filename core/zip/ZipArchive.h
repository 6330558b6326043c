// SPDX-License-Identifier: GPL-3.0-or-later
// ZipArchive: the zip container torch.save writes (PyTorch's PytorchStreamWriter, miniz underneath).
//
// What torch writes, and what this reader relies on:
//   - every entry lives under one prefix folder: `archive/` when Lightning saves, the file's stem for a
//     plain torch.save(obj, "last.ckpt") (`last/data.pkl`); entries are `<prefix>/data.pkl`,
//     `<prefix>/data/<key>` (tensor bytes), `<prefix>/version`, `<prefix>/byteorder` (absent = little),
//     `<prefix>/.data/serialization_id`;
//   - entries are stored (method 0) with data aligned to 64 bytes by padding in the local header's extra
//     field, so the data offset must be read from each local header, never assumed;
//   - files over 4 GiB use ZIP64 end records and ZIP64 extra fields;
//   - entry dates are the invalid DOS date 1980-00-00: dates are never interpreted here.
// Reading costs: one read of the file's last 64 KiB (tailReadLength: the end records wherever a comment
// leaves them, and the central directory of most checkpoints), one read of the central directory when it
// starts before that, and one read per entry whose bytes are asked for (local header and data together). The central directory is parsed into one vector of entries whose names point into the directory
// buffer: no allocation per entry. Deflated entries (from tools that re-zip) are inflated with zlib.
// libzip is the test oracle for this reader (tests/unit/TestZipArchive.cpp, tests/fuzz/fuzz_zip_diff.cpp).
#pragma once

#include "util/ByteSource.h"
#include "util/Result.h"

#include <functional>
#include <optional>
#include <string_view>
#include <vector>

namespace podium::zip {

struct ZipEntry {
    std::string_view name;             ///< points into the archive's central directory buffer
    std::uint64_t compressedSize = 0;
    std::uint64_t uncompressedSize = 0;
    std::uint64_t localHeaderOffset = 0;
    std::uint32_t crc32 = 0;
    std::uint16_t method = 0;          ///< 0 stored, 8 deflated
    std::uint16_t flags = 0;
};

struct ZipLimits {
    std::uint64_t maxEntrySize = std::uint64_t{1} << 30;     ///< largest entry read into memory
    std::uint64_t maxCentralDirectory = std::uint64_t{256} << 20;
    bool operator==(const ZipLimits&) const = default;
};

class ZipArchive {
public:
    /// Reads the end records and the central directory of `source` (which must outlive the archive).
    /// Errors: ZipNoEndRecord (truncated or not a zip), ZipBadEndRecord, ZipBadZip64, ZipBadCentralDirectory.
    static Result<ZipArchive> open(ByteSource& source, const ZipLimits& limits = {});
    /// open() reads the last tailReadLength(size) bytes in one read: the end records wherever a comment
    /// of up to 64 KiB leaves them, and the central directory of most checkpoints (~60 bytes a record).
    static constexpr std::uint64_t kTailRead = 64 * 1024;
    static constexpr std::uint64_t tailReadLength(std::uint64_t size) noexcept
    {
        return size < kTailRead + 22 ? size : kTailRead + 22;
    }

    /// A zip cut short (no end record, as a training killed inside torch.save leaves it): the entries whose
    /// local header and data are all there, walked from the first local header on. `recovered()` is true;
    /// `recoveredEnd()` is where the walk stopped (the first entry cut off, or the end of the file).
    /// Errors: ZipBadLocalHeader when not even the first local header is whole.
    /// torch's writer streams records, so their sizes are in data descriptors after the data: `sizeOf`
    /// may say how long an entry's data is (a storage's numel times its element size), or kStopRecovery to
    /// end the walk there; without a size a descriptor whose size field fits is looked for (cheap for
    /// data.pkl, which torch writes first).
    static constexpr std::uint64_t kStopRecovery = ~std::uint64_t{0};
    static Result<ZipArchive> recover(ByteSource& source, const ZipLimits& limits = {},
                                      const std::function<std::optional<std::uint64_t>(std::string_view)>& sizeOf = {});
    bool recovered() const noexcept { return m_recovered; }
    std::uint64_t recoveredEnd() const noexcept { return m_recoveredEnd; }
    /// The name of the entry the walk stopped inside ("" when it ended between entries).
    const std::string& cutEntry() const noexcept { return m_cutEntry; }

    ~ZipArchive(); ///< gives its central directory and entry vector back for the thread's next archive
    ZipArchive(ZipArchive&&) noexcept = default;
    ZipArchive& operator=(ZipArchive&&) noexcept = default;

    const std::vector<ZipEntry>& entries() const noexcept { return m_entries; }
    const ZipEntry* find(std::string_view name) const noexcept;

    /// Offset of the entry's first data byte (reads the local header and checks it against the central
    /// directory). Errors: ZipBadLocalHeader, ZipEntryOutOfBounds.
    Result<std::uint64_t> dataOffset(const ZipEntry& e) const;
    /// The entry's bytes (inflated when deflated); `verifyCrc` checks the CRC-32.
    Result<std::vector<std::uint8_t>> read(const ZipEntry& e, bool verifyCrc = false) const;
    /// The same without moving the bytes: `buffer` from `offset` on is the entry (the local header that was
    /// read with it stays in front). Used for data.pkl, which the pickle machine runs in place. Sizes over
    /// `maxSize` are refused before anything is read or inflated. A CRC-32 mismatch is reported in
    /// `crcMatches`, not as an error (torch reads such an entry when its CRC checks are off).
    struct Loaded {
        std::vector<std::uint8_t> buffer;
        std::size_t offset = 0;
        bool crcMatches = true;        ///< false only when verifyCrc found a mismatch
        bool localNameDiffers = false; ///< the local header names another entry than the central directory
        bool inflatesPast = false;     ///< the deflate stream goes on past the declared size (kept: the declared size)
    };
    Result<Loaded> load(const ZipEntry& e, bool verifyCrc = false, std::uint64_t maxSize = ~std::uint64_t{0}) const;
    /// Entries whose name equals `name` ignoring ASCII case (miniz's lookups are case-insensitive).
    std::vector<const ZipEntry*> findAnyCase(std::string_view name) const;
    /// The entry torch's PyTorchStreamReader::getRecord returns for `name`: miniz sorts the central directory
    /// by lowercased name (a heap sort) and binary-searches it; nullptr when none matches.
    const ZipEntry* locateLikeMiniz(std::string_view name) const;
    /// End-record signatures in the searched tail (more than one: the last one is used, as miniz does).
    std::size_t endRecordCandidates() const noexcept { return m_eocdCandidates; }
    /// `length` bytes at `offset` inside a stored entry (for a scalar inside a tensor storage).
    Result<std::vector<std::uint8_t>> readRange(const ZipEntry& e, std::uint64_t offset, std::size_t length) const;

    bool zip64() const noexcept { return m_zip64; }
    /// The central directory's bytes as stored (for rewriting it).
    const std::vector<std::uint8_t>& centralDirectory() const noexcept { return m_cd; }
    std::uint64_t centralDirectoryOffset() const noexcept { return m_cdOffset; }
    std::uint64_t centralDirectorySize() const noexcept { return m_cdSize; }
    std::uint64_t endOfCentralDirectoryOffset() const noexcept { return m_eocdOffset; }
    ByteSource& source() const noexcept { return *m_source; }

private:
    ZipArchive() = default;
    Result<std::uint64_t> dataOffsetWithHint(const ZipEntry& e, std::size_t prefetch,
                                             std::vector<std::uint8_t>* prefetched, std::size_t* skip,
                                             bool* localNameDiffers) const;
    Result<std::vector<std::uint8_t>> inflatePrefix(const ZipEntry& e, std::uint64_t offset, std::size_t length) const;

    ByteSource* m_source = nullptr;
    ZipLimits m_limits;
    std::vector<std::uint8_t> m_cd;    // the central directory bytes; entry names point into it
    std::vector<ZipEntry> m_entries;
    std::uint64_t m_cdOffset = 0, m_cdSize = 0, m_eocdOffset = 0;
    bool m_zip64 = false;
    std::size_t m_eocdCandidates = 0;
    bool m_recovered = false;
    std::uint64_t m_recoveredEnd = 0;
    std::string m_cutEntry;
};

} // namespace podium::zip
