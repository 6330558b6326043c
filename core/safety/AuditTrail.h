// SPDX-License-Identifier: GPL-3.0-or-later
// AuditTrail: what torch.load would unpickle from one file, as the container reader found it.
//
// TorchFile fills it while it opens a file, whatever happens — also when the file cannot be read as a
// checkpoint — because the safety verdict is about the bytes torch.load runs, not about what Podium could
// make of them:
//   - the container torch picks: a zip only when the file starts with a zip local header
//     (torch.serialization._is_zipfile); a tar when its first block is a tar header (the pre-1.0 format,
//     tried first on the legacy path); else the legacy path, which unpickles up to five pickles in a row
//     from the first byte (a text file is a protocol 0 pickle to it);
//   - in a zip, the `data.pkl` of the first entry's folder as torch's reader (miniz) looks it up:
//     case-insensitively, in the last end record's central directory, at the data offset the local header
//     gives;
//   - each pickle's Document (its globals, calls and findings, also up to the opcode where it broke) and
//     notes about the container (two end records, names that differ only in case, a local name that
//     differs from the central one, a CRC mismatch, a TorchScript archive, pickles torch never reads).
// safety/Audit.h turns it into the verdict.
#pragma once

#include "pickle/Machine.h"
#include "util/Error.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace podium::safety {

struct JudgedPickle {
    std::string part;              ///< "archive/data.pkl", "main pickle", "tar member 'pickle'" ...
    bool readByTorch = true;       ///< false: in the file, but torch.load never unpickles it (shown, not counted)
    bool mainObject = false;       ///< the pickle whose object torch.load returns (where-labels follow its keys)
    bool stream = false;           ///< one of several pickles read in a row from a file (legacy): its bytes end at
                                   ///< its STOP; else the pickle is a whole record (a zip entry)
    std::shared_ptr<const pickle::Document> doc; ///< never null once judged: globals and findings so far
    std::optional<Error> error;    ///< where and why the pickle stopped, when it did
};

struct Note {
    pickle::Verdict verdict = pickle::Verdict::Safe; ///< Safe: for information; Unknown: the file cannot be
                                                     ///< called safe; Unsafe: it is not
    std::string what;
};

struct AuditTrail {
    std::string container = "unknown"; ///< "zip", "legacy", "tar", "pickle" (a bare pickle), "empty", "unknown"
    std::vector<JudgedPickle> pickles;
    std::vector<Note> notes;

    void note(pickle::Verdict v, std::string what) { notes.push_back({v, std::move(what)}); }
};

} // namespace podium::safety
