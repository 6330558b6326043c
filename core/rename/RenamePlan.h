// SPDX-License-Identifier: GPL-3.0-or-later
// RenamePlan: which files move where so that a group's ranked checkpoints carry their rank in their names.
// A pure function: it sees names, never the disk.
//
// - Only ranked files whose name changes move; last.ckpt and unranked files never move.
// - Targets must be valid names, distinct, and not taken by a file outside the plan (PlanConflict names it).
// - Moves are ordered so that no step's target is still occupied: chains run back to front, and a cycle
//   (best_top1 ↔ best_top2 after ranks changed) goes through a temporary name `.podium-<tag>-<n>.tmp` in
//   the same directory (hidden, and not a .ckpt, so scans never list it).
// - Applying a plan and planning again gives an empty plan.
#pragma once

#include "ranking/Ranking.h"

#include <string>
#include <vector>

namespace podium::rename {

struct Move {
    std::string from; ///< file name in the plan's directory
    std::string to;
    int rank = 0;
};

struct Step {
    std::string from;
    std::string to;
    std::size_t move = 0; ///< index into moves: whose file this step carries
};

struct RenamePlan {
    std::string directory;               ///< folder-relative directory of the group ("" = the folder)
    std::string monitor;
    std::vector<Move> moves;             ///< what changes, by rank
    std::vector<Step> steps;             ///< the order to do it in, temporaries included
    std::vector<std::string> unchanged;  ///< ranked files already named right
    bool empty() const noexcept { return moves.empty(); }
};

struct PlanConfig {
    std::string nameTemplate = "{stem}_top{rank}";
    std::string tempTag = "tmp";         ///< makes temporary names unique per plan
};

/// Plans the rename of `group` given every name now in its directory (files, links, folders).
/// Errors: PlanInvalidName, PlanConflict.
Result<RenamePlan> planRename(const ranking::Group& group, const std::vector<std::string>& namesInDirectory,
                              const PlanConfig& config = {});

/// Orders `moves` into steps (see above); `present` is every name in the directory.
std::vector<Step> orderSteps(const std::vector<Move>& moves, const std::vector<std::string>& present,
                             const std::string& tempTag);

/// The group to rename: the one whose monitor is `monitor`, or the only one. PlanNoGroup / PlanAmbiguousGroup
/// (listing the monitors) otherwise.
Result<const ranking::Group*> chooseGroup(const ranking::Ranking& r, std::string_view monitor);

} // namespace podium::rename
