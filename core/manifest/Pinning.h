// SPDX-License-Identifier: GPL-3.0-or-later
// Pinning: "this one is the best" as the user decides — a relative symlink (default `best.ckpt`) beside the
// pinned checkpoint, and the record `<dir>/.podium/pin.json` (the link's name and when) that the manifest
// reports. The pinned file is whatever the link points to, so a rename (which re-points links to moved
// files) keeps the pin. A pin never
// replaces a regular file: Lightning's static `best.ckpt` is a real checkpoint, and stays one.
#pragma once

#include "manifest/Manifest.h"

namespace podium::manifest {

/// Pins `fileAbs` with a link named `linkName` in the same directory. Errors: FsNotFound, PlanInvalidName,
/// PinRefusesRegularFile (with what to do instead), the file system's.
Result<Pin> pinCheckpoint(fs::FileSystem& fs, const std::string& fileAbs, const std::string& linkName = "best.ckpt");

/// Removes the pin of `dirAbs` (its link, only if it is a symlink, and the record). NothingToUndo if none.
Status unpinCheckpoint(fs::FileSystem& fs, const std::string& dirAbs);


} // namespace podium::manifest
