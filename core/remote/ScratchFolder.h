// SPDX-License-Identifier: GPL-3.0-or-later
// ScratchFolder: a folder Podium makes for itself under $TMPDIR (a remote tree's log and configuration files,
// copied for runs/ and metrics/ to read) and removes when the process ends. Never holds a checkpoint.
#pragma once

#include "util/Result.h"

#include <string>

namespace podium::remote {

/// Creates `$TMPDIR/podium-remote-XXXXXX` (mkdtemp); removed at exit (fs::FileSystem::removeOwnTree).
Result<std::string> makeScratchFolder();

} // namespace podium::remote
