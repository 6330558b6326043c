// SPDX-License-Identifier: GPL-3.0-or-later
// RankLinks: instead of moving files, give each ranked checkpoint a second name — a relative symlink
// `{stem}_top{rank}.ckpt` → the real file — for people who must keep Lightning's names. A rank link only
// ever replaces an older link: a regular file with that name is an error (FsExists), never overwritten.
#pragma once

#include "fs/FileSystem.h"
#include "ranking/Ranking.h"

#include <string>
#include <vector>

namespace podium::rename {

struct RankLink {
    std::string name;   ///< link name in the group's directory
    std::string target; ///< file name it points to (same directory)
    int rank = 0;
};

/// The links of `group` named by `nameTemplate` (ranked files already named so get none). Pure.
/// Errors: PlanInvalidName, PlanConflict (two ranks render the same name).
Result<std::vector<RankLink>> planRankLinks(const ranking::Group& group, std::string_view nameTemplate);

/// Creates (or re-points) every link in `dirAbs`. Stops at the first error, naming the link.
Status createRankLinks(fs::FileSystem& fs, const std::string& dirAbs, const std::vector<RankLink>& links);

} // namespace podium::rename
