// SPDX-License-Identifier: GPL-3.0-or-later
#include "index/ScanIndex.h"

#include "fs/FileSystem.h"
#include "index/CheckpointCodec.h"

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <sqlite3.h>

namespace podium::index {

namespace fsys = std::filesystem;

namespace {

constexpr int kApplicationId = 0x50646d49; // 'PdmI'

std::string readerId()
{
    return std::string("podium ") + PODIUM_VERSION + " codec " + std::to_string(kCodecVersion);
}

/// A prepared statement that finalizes itself.
class Statement {
public:
    Statement(sqlite3* db, const char* sql) { m_rc = sqlite3_prepare_v2(db, sql, -1, &m_stmt, nullptr); }
    ~Statement() { sqlite3_finalize(m_stmt); }
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    bool ok() const noexcept { return m_rc == SQLITE_OK && m_stmt; }
    int rc() const noexcept { return m_rc; }
    sqlite3_stmt* get() const noexcept { return m_stmt; }
    void text(int i, std::string_view s) { sqlite3_bind_text(m_stmt, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT); }
    void blob(int i, std::string_view s) { sqlite3_bind_blob(m_stmt, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT); }
    void i64(int i, std::int64_t v) { sqlite3_bind_int64(m_stmt, i, v); }
    int step() { return m_rc = sqlite3_step(m_stmt); }
    void reset()
    {
        sqlite3_reset(m_stmt);
        sqlite3_clear_bindings(m_stmt);
    }
    std::int64_t colI64(int c) const { return sqlite3_column_int64(m_stmt, c); }
    std::string_view colText(int c) const
    {
        const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(m_stmt, c));
        return p ? std::string_view(p, static_cast<std::size_t>(sqlite3_column_bytes(m_stmt, c))) : std::string_view();
    }
    std::string_view colBlob(int c) const
    {
        const auto* p = static_cast<const char*>(sqlite3_column_blob(m_stmt, c));
        return p ? std::string_view(p, static_cast<std::size_t>(sqlite3_column_bytes(m_stmt, c))) : std::string_view();
    }

private:
    sqlite3_stmt* m_stmt = nullptr;
    int m_rc = SQLITE_ERROR;
};

ranking::FileIdentity identityAt(const Statement& s, int first)
{
    return {static_cast<std::uint64_t>(s.colI64(first)), static_cast<std::uint64_t>(s.colI64(first + 1)),
            static_cast<std::uint64_t>(s.colI64(first + 2)), s.colI64(first + 3)};
}

void bindIdentity(Statement& s, int first, const ranking::FileIdentity& id)
{
    s.i64(first, static_cast<std::int64_t>(id.device));
    s.i64(first + 1, static_cast<std::int64_t>(id.inode));
    s.i64(first + 2, static_cast<std::int64_t>(id.size));
    s.i64(first + 3, id.mtimeNs);
}

/// The range of keys below `folder`: (folder + "/", folder + "0") — '0' follows '/'.
std::pair<std::string, std::string> rangeBelow(const std::string& folder)
{
    const std::string base = folder == "/" ? std::string() : folder;
    return {base + "/", base + "0"};
}

bool directlyIn(std::string_view path, std::string_view folder)
{
    return path.size() > folder.size() + 1 && path.starts_with(folder) && path[folder.size()] == '/' &&
           path.find('/', folder.size() + 1) == std::string_view::npos;
}

void removeDatabase(const std::string& path)
{
    for (const char* suffix : {"", "-wal", "-shm", "-journal"})
        if (fs::FileSystem::exists(path + suffix))
            (void)fs::FileSystem::real().remove(path + suffix); // Podium's own cache files, never a checkpoint
}

enum class Check { Ok, Empty, Foreign, Locked, Broken };

Check checkIdentity(sqlite3* db, std::string* why)
{
    auto pragma = [&](const char* sql, std::int64_t& out) {
        Statement s(db, sql);
        if (!s.ok())
            return s.rc();
        const int rc = s.step();
        if (rc == SQLITE_ROW)
            out = s.colI64(0);
        return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
    };
    std::int64_t app = 0, version = 0, tables = 0;
    int rc = pragma("PRAGMA application_id", app);
    if (rc == SQLITE_OK)
        rc = pragma("PRAGMA user_version", version);
    if (rc == SQLITE_OK)
        rc = pragma("SELECT count(*) FROM sqlite_master", tables);
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
        *why = "locked by another process";
        return Check::Locked;
    }
    if (rc != SQLITE_OK) {
        *why = sqlite3_errstr(rc);
        return Check::Broken;
    }
    if (app == 0 && version == 0 && tables == 0)
        return Check::Empty;
    if (app != kApplicationId) {
        *why = "not Podium's index (application_id " + std::to_string(app) + ")";
        return Check::Foreign;
    }
    if (version != kSchemaVersion) {
        *why = "schema version " + std::to_string(version) + ", this Podium writes " + std::to_string(kSchemaVersion);
        return Check::Foreign;
    }
    return Check::Ok;
}

const char* const kSchema = R"sql(
PRAGMA application_id = 1348758857;
PRAGMA user_version = 2;
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
-- a rowid table: records of a few KB fit its pages (WITHOUT ROWID would spill each into overflow pages)
CREATE TABLE files (
  path TEXT NOT NULL UNIQUE,
  device INTEGER NOT NULL, inode INTEGER NOT NULL, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,
  detail INTEGER NOT NULL,
  record BLOB NOT NULL
);
CREATE TABLE facts (
  path TEXT NOT NULL, kind TEXT NOT NULL,
  device INTEGER NOT NULL, inode INTEGER NOT NULL, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,
  value BLOB NOT NULL,
  PRIMARY KEY (path, kind)
) WITHOUT ROWID;
)sql";

static_assert(kApplicationId == 1348758857 && kSchemaVersion == 2, "kSchema spells both out");

} // namespace

std::string ScanIndex::defaultPath()
{
    if (const char* p = std::getenv("PODIUM_INDEX"); p && *p)
        return p;
    std::string base;
    if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x == '/')
        base = x;
    else if (const char* h = std::getenv("HOME"); h && *h)
        base = std::string(h) + "/.cache";
    else
        base = "/tmp";
    return base + "/podium/scan-index.sqlite3";
}

Result<std::unique_ptr<ScanIndex>> ScanIndex::open(const std::string& path, const Options& options, std::string* note)
{
    std::unique_ptr<ScanIndex> index(new ScanIndex());
    index->m_path = path;
    if (auto st = fs::FileSystem::real().makeDirectories(fsys::path(path).parent_path().string()); !st)
        return std::move(st).error();
    std::error_code ec;
    if (fsys::file_size(path, ec) > options.maxBytes && !ec) {
        removeDatabase(path);
        if (note)
            *note = "rebuilt: larger than " + std::to_string(options.maxBytes >> 20) + " MiB";
    }
    for (int attempt = 0; attempt < 2; ++attempt) {
        sqlite3* db = nullptr;
        int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
        if (rc != SQLITE_OK) {
            const std::string why = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
            sqlite3_close(db);
            if (attempt == 0) {
                removeDatabase(path);
                if (note)
                    *note = "rebuilt: " + why;
                continue;
            }
            return Error(ErrorCode::IoOpenFailed, "cannot open the scan index: " + why).inFile(path);
        }
        sqlite3_busy_timeout(db, options.busyMs);
        std::string why;
        Check c = checkIdentity(db, &why);
        if (c == Check::Ok) {
            // the reader that wrote the records
            Statement s(db, "SELECT value FROM meta WHERE key = 'reader'");
            const bool same = s.ok() && s.step() == SQLITE_ROW && s.colText(0) == readerId();
            if (s.rc() == SQLITE_BUSY) {
                c = Check::Locked;
                why = "locked by another process";
            } else if (!same) {
                index->m_db = db;
                const std::string sql = "BEGIN IMMEDIATE; DELETE FROM files; DELETE FROM facts; "
                                        "INSERT OR REPLACE INTO meta VALUES ('reader', '" + readerId() + "'); COMMIT;";
                if (!index->exec(sql.c_str())) {
                    index->exec("ROLLBACK");
                    index->m_db = nullptr;
                    c = Check::Broken;
                    why = sqlite3_errmsg(db);
                } else if (note) {
                    *note = "emptied: written by another reader";
                }
                index->m_db = nullptr;
            }
        }
        if (c == Check::Empty) {
            index->m_db = db;
            const bool made = index->exec("PRAGMA journal_mode = WAL") && index->exec("BEGIN IMMEDIATE") &&
                              index->exec(kSchema) &&
                              index->exec(("INSERT INTO meta VALUES ('reader', '" + readerId() + "')").c_str()) &&
                              index->exec("COMMIT");
            index->m_db = nullptr;
            if (made) {
                c = Check::Ok;
            } else {
                const int err = sqlite3_errcode(db);
                c = err == SQLITE_BUSY || err == SQLITE_LOCKED ? Check::Locked : Check::Broken;
                why = sqlite3_errmsg(db);
            }
        }
        if (c == Check::Ok) {
            index->m_db = db;
            index->exec("PRAGMA journal_mode = WAL");
            index->exec("PRAGMA synchronous = NORMAL");
            return index;
        }
        sqlite3_close(db);
        if (attempt == 1)
            return Error(ErrorCode::IoOpenFailed, "cannot make the scan index: " + why).inFile(path);
        // corrupt, foreign, another schema, or held by a process that does not let go: never trusted
        removeDatabase(path);
        if (note)
            *note = "rebuilt: " + why;
    }
    return Error(ErrorCode::IoOpenFailed, "cannot open the scan index").inFile(path);
}

ScanIndex::~ScanIndex()
{
    flush();
    if (m_db)
        sqlite3_close(m_db);
}

bool ScanIndex::exec(const char* sql)
{
    char* err = nullptr;
    const int rc = sqlite3_exec(m_db, sql, nullptr, nullptr, &err);
    sqlite3_free(err);
    return rc == SQLITE_OK;
}

void ScanIndex::broken(const char*)
{
    // A query failed (the file was damaged under us, the disk is full, a lock was never released): the
    // scan goes on without the index; records are not trusted or written for the rest of this process.
    m_usable = false;
    m_rows.clear();
    m_facts.clear();
    m_pending.clear();
}

void ScanIndex::prepare(const std::string& folderAbs, bool recursive)
{
    std::lock_guard lock(m_mutex);
    m_rows.clear();
    m_byInode.clear();
    if (!m_usable)
        return;
    const auto [lo, hi] = rangeBelow(folderAbs);
    Statement s(m_db, "SELECT path, device, inode, size, mtime_ns, detail, record FROM files WHERE path >= ?1 AND path < ?2");
    if (!s.ok())
        return broken("prepare");
    s.text(1, lo);
    s.text(2, hi);
    int rc;
    while ((rc = s.step()) == SQLITE_ROW) {
        const auto p = s.colText(0);
        if (!recursive && !directlyIn(p, folderAbs))
            continue;
        Row row{identityAt(s, 1), static_cast<int>(s.colI64(5)), std::string(s.colBlob(6))};
        m_rows.emplace(std::string(p), std::move(row));
    }
    if (rc != SQLITE_DONE)
        return broken("prepare");
    for (const auto& [p, row] : m_rows)
        m_byInode[row.identity.inode ^ (row.identity.device << 32)].push_back(&row);
}

bool ScanIndex::lookup(const std::string& absPath, ranking::ScannedFile& f, checkpoint::Detail detail)
{
    // The rows change only in prepare and store, never during the lookups of a scan (its workers call
    // this concurrently): the lock covers finding the row and the counters, not the decoding.
    std::unique_lock lock(m_mutex);
    // Full (0) covers Ranking (1): a record answers when its detail is at least the one asked for
    auto answers = [&](const Row& r) { return r.identity == f.identity && r.detail <= static_cast<int>(detail); };
    const Row* row = nullptr;
    if (const auto it = m_rows.find(absPath); it != m_rows.end() && answers(it->second))
        row = &it->second;
    if (!row)
        if (const auto moved = m_byInode.find(f.identity.inode ^ (f.identity.device << 32)); moved != m_byInode.end())
            for (const Row* r : moved->second)
                if (answers(*r)) {
                    row = r;
                    break;
                }
    if (!row) {
        ++m_stats.misses;
        return false;
    }
    lock.unlock();
    auto o = decode(row->record, Names{f.relPath, f.path});
    lock.lock();
    if (!o) {
        ++m_stats.badRecords;
        ++m_stats.misses;
        return false;
    }
    ++m_stats.hits;
    lock.unlock();
    if (o->checkpoint)
        f.checkpoint = std::make_shared<const checkpoint::Checkpoint>(std::move(*o->checkpoint));
    f.error = std::move(o->error);
    f.verdict = o->verdict;
    f.verdictSummary = std::move(o->verdictSummary);
    return true;
}

void ScanIndex::store(const std::string& folderAbs, bool recursive,
                      const std::vector<std::pair<std::string, const ranking::ScannedFile*>>& read,
                      const std::vector<std::string>& listedAbs, checkpoint::Detail detail)
{
    std::lock_guard lock(m_mutex);
    m_byInode.clear(); // points into m_rows, which changes below; lookups are over for this scan
    if (!m_usable)
        return;
    // records of files no longer listed
    std::unordered_map<std::string_view, bool> listed;
    listed.reserve(listedAbs.size());
    for (const auto& p : listedAbs)
        listed.emplace(p, true);
    std::vector<std::string> gone;
    for (const auto& [p, row] : m_rows)
        if (!listed.count(p))
            gone.push_back(p);
    (void)recursive; // m_rows holds only what this scan could list
    if (read.empty() && gone.empty())
        return;
    if (!exec("BEGIN IMMEDIATE"))
        return broken("store");
    {
        Statement ins(m_db, "INSERT OR REPLACE INTO files (path, device, inode, size, mtime_ns, detail, record) "
                            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
        Statement del(m_db, "DELETE FROM files WHERE path = ?1");
        if (!ins.ok() || !del.ok()) {
            exec("ROLLBACK");
            return broken("store");
        }
        for (const auto& [abs, f] : read) {
            ReadOutcome o;
            if (f->checkpoint)
                o.checkpoint = *f->checkpoint;
            o.error = f->error;
            o.verdict = f->verdict;
            o.verdictSummary = f->verdictSummary;
            const std::string record = encode(o, Names{f->relPath, f->path});
            ins.text(1, abs);
            bindIdentity(ins, 2, f->identity);
            ins.i64(6, static_cast<int>(f->checkpoint ? f->checkpoint->detail : detail));
            ins.blob(7, record);
            if (ins.step() != SQLITE_DONE) {
                exec("ROLLBACK");
                return broken("store");
            }
            ins.reset();
            ++m_stats.stored;
            m_rows[abs] = Row{f->identity, static_cast<int>(f->checkpoint ? f->checkpoint->detail : detail), record};
        }
        for (const auto& p : gone) {
            del.text(1, p);
            if (del.step() != SQLITE_DONE) {
                exec("ROLLBACK");
                return broken("store");
            }
            del.reset();
            m_rows.erase(p);
            ++m_stats.dropped;
        }
    }
    (void)folderAbs;
    if (!exec("COMMIT")) {
        exec("ROLLBACK");
        broken("store");
    }
}

void ScanIndex::prepareFacts(const std::string& folderAbs)
{
    std::lock_guard lock(m_mutex);
    m_facts.clear();
    m_statted.clear();
    m_factsPrefix = folderAbs;
    if (!m_usable)
        return;
    const auto [lo, hi] = rangeBelow(folderAbs);
    Statement s(m_db, "SELECT path, kind, device, inode, size, mtime_ns, value FROM facts WHERE path >= ?1 AND path < ?2");
    if (!s.ok())
        return broken("facts");
    s.text(1, lo);
    s.text(2, hi);
    int rc;
    while ((rc = s.step()) == SQLITE_ROW) {
        std::string key(s.colText(0));
        key.push_back('\0');
        key.append(s.colText(1));
        m_facts.emplace(std::move(key), Fact{identityAt(s, 2), std::string(s.colBlob(6))});
    }
    if (rc != SQLITE_DONE)
        broken("facts");
}

std::optional<std::string> ScanIndex::fact(const std::string& absPath, std::string_view kind)
{
    auto id = ranking::identityOf(absPath);
    std::lock_guard lock(m_mutex);
    if (!id || !m_usable)
        return std::nullopt;
    m_statted[absPath] = *id;
    std::string key = absPath;
    key.push_back('\0');
    key.append(kind);
    const auto it = m_facts.find(key);
    if (it == m_facts.end() || it->second.identity != *id) {
        ++m_stats.factMisses;
        return std::nullopt;
    }
    ++m_stats.factHits;
    return it->second.value;
}

void ScanIndex::remember(const std::string& absPath, std::string_view kind, std::string value)
{
    std::lock_guard lock(m_mutex);
    if (!m_usable)
        return;
    const auto id = m_statted.find(absPath);
    if (id == m_statted.end()) // only what was asked for first: the identity is the one the value was read under
        return;
    // a file written in the last two seconds may change again within its mtime's tick: not remembered
    const auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    if (id->second.mtimeNs > now - 2'000'000'000)
        return;
    m_pending.push_back({absPath, std::string(kind), std::move(value), id->second});
}

void ScanIndex::flush()
{
    std::lock_guard lock(m_mutex);
    if (!m_usable || m_pending.empty() || !m_db) {
        m_pending.clear();
        return;
    }
    if (!exec("BEGIN IMMEDIATE"))
        return broken("facts");
    Statement ins(m_db, "INSERT OR REPLACE INTO facts (path, kind, device, inode, size, mtime_ns, value) "
                        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    if (!ins.ok()) {
        exec("ROLLBACK");
        return broken("facts");
    }
    for (const auto& p : m_pending) {
        ins.text(1, p.path);
        ins.text(2, p.kind);
        bindIdentity(ins, 3, p.identity);
        ins.blob(7, p.value);
        if (ins.step() != SQLITE_DONE) {
            exec("ROLLBACK");
            return broken("facts");
        }
        ins.reset();
        std::string key = p.path;
        key.push_back('\0');
        key.append(p.kind);
        m_facts[key] = Fact{p.identity, p.value};
    }
    m_pending.clear();
    if (!exec("COMMIT")) {
        exec("ROLLBACK");
        broken("facts");
    }
}

ScanIndex::Stats ScanIndex::stats() const
{
    std::lock_guard lock(m_mutex);
    return m_stats;
}

} // namespace podium::index
