// SPDX-License-Identifier: GPL-3.0-or-later
// EmbeddedPath: the absolute paths Lightning stores inside a checkpoint (best_model_path, best_k_models,
// dirpath ...) come from the training machine — POSIX (`/data/runs/x/checkpoints/best.ckpt`) or Windows
// (`d:\Users\me\run\checkpoints\model.ckpt`, mixed `C:/runs\model.ckpt`, UNC `\\server\share\...`).
// A path is read as a Windows path when it carries a drive letter, a UNC prefix or a backslash: then both
// separators split it. Names are matched exactly, as for POSIX paths.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace podium::ranking {

/// True for a path written on Windows (drive letter, UNC prefix, or a backslash anywhere).
bool isWindowsPath(std::string_view path) noexcept;
/// Its components, empty ones dropped ("C:", "Users", "me", ...).
std::vector<std::string_view> pathComponents(std::string_view path);
/// The last component (a view into `path`).
std::string_view embeddedBase(std::string_view path) noexcept;
/// `path` relative to `dirpath` ('/'-separated), when `path` lies under it; else its last component.
std::string relativeToDirpath(std::string_view path, std::string_view dirpath);

} // namespace podium::ranking
