// SPDX-License-Identifier: GPL-3.0-or-later
// S3Journal: the rename journal (rename/RenameJournal.h, docs/journal.md) of one S3 "directory" — a key
// prefix holding checkpoints. The same documents as on disk, as objects beside the checkpoints, so that any
// machine sees an interrupted operation: `<dir>/.podium/journal.json` while one runs,
// `<dir>/.podium/history/<id>.json` after, `<dir>/.podium/sync/<id>/…` the old and new bytes of a sync. Each
// is also written to a local copy with the same layout, `$XDG_STATE_HOME/podium/s3/<bucket>/<dir>/` (default
// `~/.local/state`), which rename::readInterrupted / readHistory / renameMap read after pull(): the bucket is
// authoritative, the copy is what a user can read when the bucket is gone or unreachable.
//
// Order of writes: the bucket first, then the copy; a journal is removed from the bucket last.
#pragma once

#include "remote/S3Store.h"
#include "rename/RenameJournal.h"

namespace podium::remote {

/// `$XDG_STATE_HOME/podium/s3` (default `~/.local/state/podium/s3`).
std::string s3StateRoot();

class S3Journal {
public:
    /// `dir` is relative to the store's location ("" = the location itself).
    S3Journal(S3Store& store, std::string dir);

    /// Makes the local copy equal to the bucket's journal and history. Errors: the listing's, the reads'.
    Status pull();
    /// Writes the live journal (journal.json).
    Status write(const rename::Journal& journal);
    /// Moves `journal` into the history (written first) and removes the live journal.
    Status finish(const rename::Journal& journal);
    /// Rewrites one finished journal of the history (an undo marks what it undid).
    Status writeHistory(const rename::Journal& journal);
    /// Marks the history's journal `undone` as undone by `by` (nothing when the history has no such journal).
    Status markUndone(const std::string& undone, const std::string& by);
    /// After pull(): JournalInterrupted when an operation of this directory was interrupted and must be
    /// recovered first (rename, sync or undo, from any machine).
    Status requireNoInterrupted() const;
    /// Writes `rel` (relative to the directory, e.g. ".podium/sync/<id>/x.ckpt.new") in the bucket and the copy.
    Status putFile(const std::string& rel, std::string_view bytes);
    /// Reads `rel` from the bucket, else from the local copy.
    Result<std::vector<std::uint8_t>> getFile(const std::string& rel);

    /// The local copy's directory (where rename::readInterrupted and friends look).
    const std::string& localDir() const noexcept { return m_local; }
    /// "s3://bucket/prefix/dir": what journals call their directory.
    std::string url() const;
    /// `name` as the store's relative name (dir/name).
    std::string rel(const std::string& name) const { return m_dir.empty() ? name : m_dir + "/" + name; }
    const std::string& dir() const noexcept { return m_dir; }
    S3Store& store() noexcept { return m_store; }

private:
    S3Store& m_store;
    std::string m_dir;
    std::string m_local;
};

} // namespace podium::remote
