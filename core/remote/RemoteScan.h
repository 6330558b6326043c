// SPDX-License-Identifier: GPL-3.0-or-later
// RemoteScan: a FolderScan of a remote location. The listing (ListObjectsV2, or the URLs given) stands for
// the walk: checkpoints are the `*.ckpt` objects outside hidden "folders", a ".ckpt/" prefix is a sharded
// checkpoint directory, and the rest of the tree (directories, .hydra/ and .podium/ prefixes, log and
// configuration files) fills the same TreeListing a local walk fills. Each checkpoint is read through a
// RemoteSource on one of `threads` workers (default: the client's connection count), so many files are in
// flight at once while each makes the reads a local file gets.
//
// Run discovery and metric logs read small files (metrics.csv, event files, hparams.yaml, .hydra/*.yaml):
// mirrorTreeFiles copies those — never a checkpoint — into a local folder with the same layout and the
// objects' modification times, for runs/ and metrics/ to read as they read any folder.
#pragma once

#include "ranking/FolderScan.h"
#include "remote/RemoteStore.h"

namespace podium::remote {

struct RemoteScanOptions {
    bool recursive = false;
    unsigned threads = 0; ///< 0: the HTTP client's connection count
    std::function<bool(std::size_t done, std::size_t total)> progress;
    std::function<void(const ranking::ScannedFile&)> fileRead;
    checkpoint::ReadOptions read;
};

struct RemoteScan {
    ranking::ScanResult scan;            ///< folder = the store's location; paths are URLs
    std::vector<RemoteObject> objects;   ///< everything listed (checkpoints and the rest)
};

/// Lists and reads. Errors: the listing's (RemoteForbidden, RemoteNotFound, RemoteFailed, ...); a file
/// that cannot be read is listed with its error.
Result<RemoteScan> scanRemote(RemoteStore& store, const RemoteScanOptions& options = {});

/// What a reader says of an object that could not be read: `error`, judged suspicious (nothing was seen).
checkpoint::Judged unreadableObject(Error error);

/// Reads one object (inspect, audit): the store's own listing is not needed.
checkpoint::Judged readRemote(RemoteStore& store, const RemoteObject& object, const checkpoint::ReadOptions& options = {});

/// Copies the listing's log and configuration files into `dir` (see above). Files over `maxBytes` are skipped.
Status mirrorTreeFiles(RemoteStore& store, const RemoteScan& scan, const std::string& dir,
                       std::uint64_t maxBytes = 256ull << 20);

/// Copies the rename history and the pin of the directory `dir` (relative to the location) —
/// `<dir>/.podium/history/*.json`, `<dir>/.podium/pin.json` — into the same place under `local` (a recursive scan's mirrorTreeFiles copies every directory's). Nothing
/// for locations that have none (HTTP). Errors: the listing's.
Status mirrorHistories(RemoteStore& store, const std::string& dir, const std::string& local);

/// Lists the whole location and copies its log files (metrics.csv, event files, hparams.yaml, config.yaml,
/// .hydra/) into `dir` — the `metrics` verb's view of a remote run. Errors: the listing's.
Status mirrorLogs(RemoteStore& store, const std::string& dir);

} // namespace podium::remote
