// SPDX-License-Identifier: GPL-3.0-or-later
// Error: the one error family of the core.
//
// Every failure the engine reports carries a stable code (documented in docs/errors.md and printed by
// `podium-cli` as `code`), the file it concerns, the byte offset where a parser noticed it (or npos when
// it is not about a position) and the facts (`TUPLE2 needs 2 items, found 1`). Codes are never renumbered
// or renamed: scripts and the JSON output rely on their names.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace podium {

#define PODIUM_ERROR_CODES(X)                                                                                 \
    /* input/output */                                                                                        \
    X(IoOpenFailed)                                                                                           \
    X(IoReadFailed)                                                                                           \
    X(IoWriteFailed)                                                                                          \
    X(IoNotRegularFile)                                                                                       \
    /* what the file is */                                                                                    \
    X(FileEmpty)                                                                                              \
    X(UnknownFormat)                                                                                          \
    X(ShardedCheckpointDirectory)                                                                             \
    /* zip container */                                                                                       \
    X(ZipNoEndRecord)                                                                                         \
    X(ZipBadEndRecord)                                                                                        \
    X(ZipBadZip64)                                                                                            \
    X(ZipBadCentralDirectory)                                                                                 \
    X(ZipBadLocalHeader)                                                                                      \
    X(ZipEntryOutOfBounds)                                                                                    \
    X(ZipUnsupportedCompression)                                                                              \
    X(ZipEncrypted)                                                                                           \
    X(ZipInflateFailed)                                                                                       \
    X(ZipNoDataPkl)                                                                                           \
    X(ZipAmbiguousDataPkl)                                                                                    \
    X(ZipEntryMissing)                                                                                        \
    /* legacy torch format */                                                                                 \
    X(LegacyBadMagic)                                                                                         \
    X(LegacyBadHeader)                                                                                        \
    X(LegacyBadStorage)                                                                                       \
    /* pickle machine */                                                                                      \
    X(PickleTruncated)                                                                                        \
    X(PickleUnknownOpcode)                                                                                    \
    X(PickleStackUnderflow)                                                                                   \
    X(PickleNoMark)                                                                                           \
    X(PickleMarkOnStack)                                                                                      \
    X(PickleMemoMissing)                                                                                      \
    X(PickleBadArgument)                                                                                      \
    X(PickleBadType)                                                                                          \
    X(PickleNoStop)                                                                                           \
    X(PickleStackLimit)                                                                                       \
    X(PickleDepthLimit)                                                                                       \
    X(PickleMemoLimit)                                                                                        \
    X(PickleSizeLimit)                                                                                        \
    X(PickleNodeLimit)                                                                                        \
    X(PickleLengthExceedsInput)                                                                               \
    /* checkpoint interpretation */                                                                           \
    X(StorageMissing)                                                                                         \
    X(StorageTooSmall)                                                                                        \
    /* file system operations */                                                                              \
    X(FsExists)                                                                                               \
    X(FsNotFound)                                                                                             \
    X(FsPermission)                                                                                           \
    X(FsNoSpace)                                                                                              \
    X(FsReadOnly)                                                                                             \
    X(FsFailed)                                                                                               \
    X(FsIdentityChanged)                                                                                      \
    /* rename / pin / manifest */                                                                             \
    X(PlanConflict)                                                                                           \
    X(PlanInvalidName)                                                                                        \
    X(PlanNoGroup)                                                                                            \
    X(PlanAmbiguousGroup)                                                                                     \
    X(JournalBad)                                                                                             \
    X(JournalInterrupted)                                                                                     \
    X(FolderActive)                                                                                           \
    X(NothingToUndo)                                                                                          \
    X(PinRefusesRegularFile)                                                                                  \
    X(SyncUnsupported)                                                                                        \
    /* metric logs */                                                                                         \
    X(CsvBad)                                                                                                 \
    X(EventsBadRecord)                                                                                        \
    X(EventsCrcMismatch)                                                                                      \
    X(ProtobufBad)                                                                                            \
    /* generic */                                                                                             \
    X(InvalidArgument)                                                                                        \
    X(Cancelled)                                                                                              \
    /* added later (appended so that no code is renumbered) */                                                \
    X(PickleMemoryLimit)                                                                                      \
    X(TruncatedZip)                                                                                           \
    X(TruncatedLegacy)                                                                                        \
    /* remote storage (remote/) */                                                                            \
    X(RemoteBadUrl)                                                                                           \
    X(RemoteFailed)                                                                                           \
    X(RemoteHttpStatus)                                                                                       \
    X(RemoteForbidden)                                                                                        \
    X(RemoteNotFound)                                                                                         \
    X(RemoteNoRanges)                                                                                         \
    X(RemoteBadListing)                                                                                       \
    X(RemoteNotConfirmed)                                                                                     \
    X(RemoteTaken)

enum class ErrorCode : std::uint16_t {
#define PODIUM_ENUM_ENTRY(name) name,
    PODIUM_ERROR_CODES(PODIUM_ENUM_ENTRY)
#undef PODIUM_ENUM_ENTRY
};

/// The stable name of a code, e.g. "PickleStackUnderflow".
std::string_view errorCodeName(ErrorCode code) noexcept;

struct Error {
    static constexpr std::uint64_t npos = ~std::uint64_t{0};

    ErrorCode code = ErrorCode::InvalidArgument;
    std::string file;                 ///< the file concerned ("" when none)
    std::uint64_t offset = npos;      ///< byte offset in the part named by `where`, or npos
    std::string detail;               ///< the facts, in words
    std::string where;                ///< which part of the file the offset is in ("data.pkl", "zip"), or ""

    Error() = default;
    Error(ErrorCode c, std::string d, std::uint64_t off = npos, std::string w = {})
        : code(c), offset(off), detail(std::move(d)), where(std::move(w)) {}

    /// `file: Code at data.pkl+1834: detail` — the one line shown to users.
    std::string message() const;
    /// The same without the file name (for places that show the file elsewhere).
    std::string describe() const;

    Error& inFile(std::string f) & { if (file.empty()) file = std::move(f); return *this; }
    Error&& inFile(std::string f) && { if (file.empty()) file = std::move(f); return std::move(*this); }
};

} // namespace podium
