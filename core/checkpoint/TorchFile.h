// SPDX-License-Identifier: GPL-3.0-or-later
// TorchFile: a file torch.save wrote, opened as far as a checkpoint reader needs — the container, the main
// pickle run through the safe Machine, and random access to individual storages (never the weights unless
// asked for).
//
// Formats (torch/serialization.py):
//   zip     (torch >= 1.6, the default): see zip/ZipArchive.h. `<prefix>/data.pkl` is found by shape, not
//           by name: `archive/` when Lightning saves, the file stem for a plain torch.save.
//   legacy  (_use_new_zipfile_serialization=False, torch < 1.6): five pickles back to back — the magic
//           number 0x1950a86a20f9469cfc6c, the protocol version 1001, sys_info {little_endian, type_sizes},
//           the main object (persistent ids ('storage', type, key, location, numel, view_metadata)), the
//           sorted list of storage keys — then each storage in key order as an 8-byte element count and the
//           raw bytes. Storage offsets follow from the main pickle's numels, so any storage is read without
//           touching the others.
// The pre-1.0 tar format is recognised and refused with a clear error (its pickles are still judged).
//
// Which container, and which bytes, follow torch.load exactly (safety/AuditTrail.h says why): a zip only
// when the file starts with a local header; data.pkl of the first entry's folder, found as miniz finds it.
// A zip cut short (no end record: a training killed while torch.save wrote it) is read from its local
// headers: epoch, step and the callback states when data.pkl survived, flagged truncated — never loadable.
#pragma once

#include "checkpoint/Checkpoint.h"
#include "pickle/Machine.h"
#include "safety/AuditTrail.h"
#include "util/ByteSource.h"
#include "util/CachingSource.h"
#include "zip/ZipArchive.h"

#include <map>
#include <memory>
#include <optional>

namespace podium::checkpoint {

enum class Format { Zip, Legacy };
std::string_view formatName(Format f) noexcept;

struct ReadOptions {
    pickle::Limits limits;
    zip::ZipLimits zipLimits;
    bool verifyCrc = false; ///< check data.pkl's CRC-32 (inspect does; scans do not)
    Detail detail = Detail::Full; ///< what interpret() keeps (Checkpoint.h)
};

class TorchFile {
public:
    /// Opening reads the first kHeadRead bytes and the zip's tail (ZipArchive::tailReadLength) before
    /// anything else: torch.save writes data.pkl first and the central directory last, so those two reads
    /// (one for a small file) hold all but the score storages of most checkpoints, however many records
    /// they have. Over a network each read is a round trip; on disk the kernel's read-ahead is larger.
    static constexpr std::uint64_t kHeadRead = 64 * 1024;

    /// What opening a file gave: the file when it could be read as a checkpoint (also when it is truncated:
    /// then `error` says where it ends), the error otherwise, and always the trail of what torch.load would
    /// unpickle (for the safety verdict).
    struct Opened {
        std::unique_ptr<TorchFile> file;
        std::optional<Error> error;
        safety::AuditTrail trail;
    };
    /// Errors: FileEmpty, UnknownFormat (with what the file starts with), TruncatedZip/TruncatedLegacy (the
    /// offset where the file ends; `file` is set when data.pkl survived), the container's and the Machine's
    /// errors. The error names the file.
    static Opened openJudged(ByteSource& source, const ReadOptions& options = {});
    /// openJudged without the trail; a truncated file is an error here.
    static Result<std::unique_ptr<TorchFile>> open(ByteSource& source, const ReadOptions& options = {});

    Format format() const noexcept { return m_format; }
    const std::string& zipPrefix() const noexcept { return m_prefix; }
    bool bigEndian() const noexcept { return m_bigEndian; }
    std::size_t entryCount() const noexcept { return m_entryCount; }
    std::uint64_t pickleSize() const noexcept { return m_pickleSize; }
    const pickle::Document& document() const noexcept { return *m_doc; }
    const zip::ZipArchive* zipArchive() const noexcept { return m_zip ? &*m_zip : nullptr; }
    ByteSource& source() const noexcept { return *m_source; }
    /// Cut short: read from what survived (local headers of a zip, a legacy file's pickles); torch cannot load it.
    bool truncated() const noexcept { return m_truncated; }

    /// Reads the storages of these (scalar) tensors ahead, nearby records in one read. Optional: readScalar
    /// works without it, one read per storage.
    void prefetchScalars(const std::vector<const pickle::TensorRef*>& tensors) const;

    /// Size in bytes of storage `key` as the container holds it, or nullopt when it is missing.
    std::optional<std::uint64_t> storageBytes(std::string_view key) const;
    /// `length` bytes at byte `offset` of storage `key`. Errors: StorageMissing, StorageTooSmall.
    Result<std::vector<std::uint8_t>> readStorage(std::string_view key, std::uint64_t offset, std::size_t length) const;
    /// The value of a one-element tensor (a score): float/int/bool dtypes in the file's byte order.
    /// Errors: StorageMissing, StorageTooSmall, InvalidArgument for tensors with more than one element.
    Result<double> readScalar(const pickle::TensorRef& t) const;

private:
    TorchFile() = default;
    static Opened openUnnamed(ByteSource& source, const ReadOptions& o);
    static void openZip(Opened& out, std::unique_ptr<CachingSource> cache, zip::ZipArchive z, const ReadOptions& o);
    static void openLegacy(Opened& out, std::unique_ptr<CachingSource> cache, const ReadOptions& o);
    static void openTar(Opened& out, ByteSource& src, const ReadOptions& o);
    static void openTruncatedZip(Opened& out, std::unique_ptr<CachingSource> cache, const Error& why, const ReadOptions& o,
                                 bool truncatedFile);
    /// Numbers the storages `<prefix>/data/<n>` and reads the byte order (after m_zip and m_prefix are set).
    Status indexZip();

    ByteSource* m_source = nullptr;             // the caching layer over the caller's source
    std::unique_ptr<CachingSource> m_cache;
    Format m_format = Format::Zip;
    std::string m_prefix;
    bool m_bigEndian = false;
    bool m_truncated = false;
    std::size_t m_entryCount = 0;
    std::uint64_t m_pickleSize = 0;
    std::optional<zip::ZipArchive> m_zip;
    std::shared_ptr<pickle::Document> m_doc;
    struct LegacyStorage {
        std::uint64_t offset = 0;   // of the 8-byte count
        std::uint64_t bytes = 0;    // data bytes after it
        std::uint64_t elementSize = 1;
    };
    std::map<std::string, LegacyStorage, std::less<>> m_legacy;
    /// zip: `<prefix>/data/<n>` by n — torch numbers storages 0, 1, 2, ... (other keys fall back to find()).
    std::vector<const zip::ZipEntry*> m_storageByNumber;
    /// a truncated zip: the entries whose local header and data survived (instead of a central directory)
    std::vector<zip::ZipEntry> m_recovered;
    std::vector<std::string> m_recoveredNames; // the names m_recovered points into
    const zip::ZipEntry* storageEntry(std::string_view key) const;
};

/// Decodes one element of `dtype` from `bytes` (host value as double). nullopt for dtypes without a
/// scalar meaning here (complex, quantized).
std::optional<double> decodeScalar(pickle::DType dtype, const std::uint8_t* bytes, bool bigEndian);

} // namespace podium::checkpoint
