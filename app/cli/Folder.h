// SPDX-License-Identifier: GPL-3.0-or-later
// FolderArgs: the DIR [--recursive] [--monitor] [--mode] options every folder verb shares, and the scan +
// ranking they all start from.
#pragma once

#include "cli/RemoteArgs.h"
#include "ranking/Ranking.h"
#include "runs/RunTree.h"

#include <CLI/CLI.hpp>
#include <iosfwd>

namespace podium::cli {

struct FolderResult {
    ranking::ScanResult scan;
    ranking::Ranking ranking;
    std::map<std::string, std::string> renamed; ///< folder-relative: Podium's renames from the history
    runs::RunTree runs;                          ///< the runs of the tree (groups know theirs)
    std::map<std::string, ranking::MetricTable> metricsByRun; ///< each run's own logs, by run name
    bool remote = false;           ///< the folder is a URL (s3://, http(s)://)
    std::string localMirror;       ///< remote: the local copy of the tree's logs, histories and pins
    std::uint64_t bytesFetched = 0; ///< remote: body bytes received
    std::uint64_t requests = 0;     ///< remote: requests made
};

struct FolderArgs {
    std::string folder;
    bool recursive = false;
    std::string monitor;
    std::string mode;
    bool noIndex = false; ///< neither use nor update the scan index
    RemoteArgs remote;    ///< a URL instead of a folder: how to reach it

    void add(CLI::App* sub);
    /// Scans (recursively when asked, or when DIR has no checkpoint of its own), finds the runs and ranks.
    /// `full` reads every checkpoint's hyper-parameters too (the runs verb shows them).
    Result<FolderResult> run(bool full = false) const;
    bool isRemote() const;
    /// `file` (folder-relative) under the folder: a path, or a URL for a remote folder.
    std::string pathOf(const std::string& folderText, const std::string& file) const;

    /// --monitor and --mode as the ranking's configuration.
    ranking::RankConfig rankConfig() const;

private:
    Result<FolderResult> runRemote(bool full) const;
};

/// Now, in nanoseconds since the Unix epoch (file mtimes are compared with it).
std::int64_t nowNs();

/// Keeps a verb's scan alive until the process ends instead of freeing it: a verb prints and the process
/// exits, the kernel takes the pages back at once, and freeing a thousand checkpoints' results one block
/// at a time cost ~2 ms of a ~90 ms `rank` of 1000 files. (The pointer stays reachable: no leak report.)
void keepUntilExit(FolderResult&& r);

/// Prints a warning for every interrupted rename journal under `folder`; true when there is one. `scan` (a
/// recursive scan of `folder`) saves walking the tree again.
bool reportInterrupted(const std::string& folder, std::ostream& err, const ranking::ScanResult* scan = nullptr);

} // namespace podium::cli
