// SPDX-License-Identifier: GPL-3.0-or-later
// ScanIndex: the persistent scan cache — SQLite in the user's cache folder — so that reopening a tree
// reads only the files that changed.
//
// - Per checkpoint: (absolute path) -> (device, inode, size, mtime in ns, detail, record). A record is what
//   reading the file gave (CheckpointCodec); it answers only while all four identity fields match and its
//   detail covers the one asked for — also under another path of the folder with the same identity (a
//   rename keeps device, inode, size and mtime, so Podium's own renames cost no reading). Per small text file of a tree (metrics.csv, event files, YAML): the
//   facts run discovery derives from it, keyed the same way.
// - Its identity: application_id 'PdmI', user_version = the schema version, and a meta row naming the
//   reader (Podium's version and the codec's): a record written by another reader is not trusted, the
//   tables are emptied. A file that is not such an index (corrupt, foreign, another schema) is deleted
//   and made again; one locked by another process for longer than `busyMs` is set aside the same way.
//   The index is a cache: deleting it loses nothing (`--no-index` bypasses it).
// - WAL journal, synchronous=NORMAL: a crash loses at most the last scan's records, never the file.
// - One scan at a time per ScanIndex (prepare, lookups from the scan's workers, store); the lookups may run
//   concurrently and decode outside the lock. The window and a CLI may share the file (SQLite locking).
#pragma once

#include "ranking/FolderScan.h"
#include "runs/RunTree.h"

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

struct sqlite3;

namespace podium::index {

inline constexpr int kSchemaVersion = 2; ///< 2: files is a rowid table

class ScanIndex final : public ranking::ScanCache, public runs::FactCache {
public:
    struct Options {
        int busyMs = 2000;          ///< how long a lock held by another process is waited for
        std::uint64_t maxBytes = std::uint64_t{1} << 30; ///< a larger index is started afresh
    };

    /// `$PODIUM_INDEX` when set, else `$XDG_CACHE_HOME/podium/scan-index.sqlite3` (`~/.cache/...`).
    static std::string defaultPath();
    /// Opens (or makes) the index at `path`. `note` says what was done to a file that could not be trusted
    /// ("rebuilt: not a database"). Errors (the cache folder cannot be written ...) mean: scan without it.
    static Result<std::unique_ptr<ScanIndex>> open(const std::string& path, const Options& options, std::string* note = nullptr);
    static Result<std::unique_ptr<ScanIndex>> open(const std::string& path, std::string* note = nullptr)
    {
        return open(path, Options{}, note);
    }
    ~ScanIndex() override;
    ScanIndex(const ScanIndex&) = delete;
    ScanIndex& operator=(const ScanIndex&) = delete;

    const std::string& path() const noexcept { return m_path; }

    // ranking::ScanCache
    void prepare(const std::string& folderAbs, bool recursive) override;
    bool lookup(const std::string& absPath, ranking::ScannedFile& f, checkpoint::Detail detail) override;
    void store(const std::string& folderAbs, bool recursive,
               const std::vector<std::pair<std::string, const ranking::ScannedFile*>>& read,
               const std::vector<std::string>& listedAbs, checkpoint::Detail detail) override;

    // runs::FactCache
    void prepareFacts(const std::string& folderAbs) override;
    std::optional<std::string> fact(const std::string& absPath, std::string_view kind) override;
    void remember(const std::string& absPath, std::string_view kind, std::string value) override;
    void flush() override;

    /// Counters since opening (tests and benchmarks).
    struct Stats {
        std::size_t hits = 0, misses = 0, stored = 0, dropped = 0, factHits = 0, factMisses = 0;
        std::size_t badRecords = 0; ///< records that did not decode (counted as misses, overwritten)
    };
    Stats stats() const;

private:
    ScanIndex() = default;
    struct Row {
        ranking::FileIdentity identity;
        int detail = 0;
        std::string record;
    };
    struct Fact {
        ranking::FileIdentity identity;
        std::string value;
    };
    struct PendingFact {
        std::string path, kind, value;
        ranking::FileIdentity identity;
    };
    bool exec(const char* sql);
    void broken(const char* what); ///< a query failed: stop trusting the index for this process

    sqlite3* m_db = nullptr;
    std::string m_path;
    mutable std::mutex m_mutex;
    bool m_usable = true;
    std::unordered_map<std::string, Row> m_rows;         ///< the prepared folder's records
    /// The same by (device, inode): a file renamed within the folder (Apply Rename) keeps its identity.
    std::unordered_map<std::uint64_t, std::vector<const Row*>> m_byInode;
    std::string m_factsPrefix;                           ///< folder whose facts are loaded
    std::unordered_map<std::string, Fact> m_facts;       ///< path + '\0' + kind
    std::unordered_map<std::string, ranking::FileIdentity> m_statted; ///< identities of facts asked for
    std::vector<PendingFact> m_pending;
    Stats m_stats;
};

} // namespace podium::index
