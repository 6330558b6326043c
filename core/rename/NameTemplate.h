// SPDX-License-Identifier: GPL-3.0-or-later
// NameTemplate: the names the rename gives ranked checkpoints.
//
// The canonical name is `{stem}_top{rank}.ckpt`, where the stem is the file's name without `.ckpt`, without
// Lightning's version counter `-vN`, and without an earlier `_topN` — so `best.ckpt`, `best-v1.ckpt` …
// become `best_top1.ckpt` …, and `epoch=3-step=16-val_loss=0.730.ckpt` becomes
// `epoch=3-step=16-val_loss=0.730_top1.ckpt`; renaming again gives the same names.
// A user template may use {stem} {rank} {k} {monitor} {score} {epoch} {step}, each optionally with a
// printf-like spec: {score:.4f}, {rank:02d}. `/` in a monitor name becomes `_`. `.ckpt` is appended when the
// template does not end with it.
#pragma once

#include "util/Result.h"

#include <optional>
#include <string>
#include <string_view>

namespace podium::rename {

inline constexpr std::string_view kDefaultTemplate = "{stem}_top{rank}";

struct NameFields {
    std::string stem;
    int rank = 0;
    int k = 0;
    std::string monitor;
    std::optional<double> score;
    std::optional<std::int64_t> epoch;
    std::optional<std::int64_t> step;
};

/// `best-v3_top2.ckpt` → `best`.
std::string canonicalStem(std::string_view filename);

/// Renders `tmpl` for `fields`. Errors: PlanInvalidName (unknown field, bad spec, or a result that is not a
/// valid file name).
Result<std::string> renderName(std::string_view tmpl, const NameFields& fields);

/// A plain file name: not empty, not "." or "..", no '/', no NUL, not hidden, at most 255 bytes.
bool isValidFileName(std::string_view name) noexcept;

} // namespace podium::rename
