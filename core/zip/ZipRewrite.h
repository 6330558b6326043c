// SPDX-License-Identifier: GPL-3.0-or-later
// ZipRewrite: replace one entry of a torch zip without touching the others — the embedded-state sync's
// container step, with cost O(new entry + central directory), never O(file).
//
// The new entry is written as a stored record where the archive's tail begins: at the central directory, or
// at the old record itself when it is the last record before the central directory (a second sync reuses the
// space of the first). A new central directory follows — every other entry's record copied byte for byte
// (their local headers, tensor data and 64-byte alignment never move), the replaced entry's record pointing at
// the new data — then the end records (ZIP64 ones when the archive had them or now needs them). The old
// record, when it was not reused, stays in the file as unreferenced bytes, which zip readers (miniz in torch,
// libzip, Python's zipfile) ignore.
//
// Nothing is written here: the result is the tail to put at `keepBytes` (see fs::FileSystem::writeTail).
#pragma once

#include "util/ByteReader.h"
#include "zip/ZipArchive.h"

namespace podium::zip {

struct TailRewrite {
    std::uint64_t keepBytes = 0;      ///< bytes of the file that stay as they are
    std::vector<std::uint8_t> tail;   ///< what follows them in the new file
    std::uint64_t oldSize = 0;        ///< the file's size before
};

/// Errors: ZipBadCentralDirectory (the directory cannot be walked again), InvalidArgument (no such entry).
Result<TailRewrite> planReplaceEntry(const ZipArchive& archive, std::string_view name, Bytes data, std::uint64_t fileSize);

} // namespace podium::zip
