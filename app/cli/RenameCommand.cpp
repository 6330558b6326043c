// SPDX-License-Identifier: GPL-3.0-or-later
// podium-cli rename DIR [--monitor NAME] [--template T] [--apply] [--force] [--json]
// podium-cli undo DIR   ·   podium-cli recover DIR [--rollback]
#include "cli/Command.h"

#include "cli/Folder.h"
#include "rename/NameTemplate.h"
#include "rename/RankLinks.h"
#include "rename/RenameExecutor.h"
#include "remote/S3RenameExecutor.h"
#include "remote/S3SyncExecutor.h"
#include "sync/StateSync.h"

#include <cstdio>
#include <filesystem>
#include <set>
#include <iostream>

namespace podium::cli {

namespace {

std::string absolute(const std::string& p)
{
    std::string out = std::filesystem::absolute(p).lexically_normal().string();
    if (out.size() > 1 && out.back() == '/')
        out.pop_back();
    return out;
}

std::string humanSize(std::uint64_t bytes)
{
    char buf[32];
    if (bytes < 1024)
        std::snprintf(buf, sizeof buf, "%llu bytes", static_cast<unsigned long long>(bytes));
    else if (bytes < (1u << 20))
        std::snprintf(buf, sizeof buf, "%.1f KiB", bytes / 1024.0);
    else
        std::snprintf(buf, sizeof buf, "%.1f MiB", bytes / 1048576.0);
    return buf;
}

/// The S3 store of a location argument; prints why and returns null for other locations (HTTP is read-only).
remote::S3Store* s3Store(FolderArgs& args)
{
    return args.remote.writableS3(args.folder, "renaming and rewriting need S3: CopyObject, DeleteObject, multipart uploads");
}

class RenameCommand : public Command {
public:
    void setup(CLI::App& app) override
    {
        sub = app.add_subcommand("rename", "Rename ranked checkpoints to {stem}_top{rank}.ckpt (dry run unless --apply)");
        m_args.add(sub);
        sub->add_option("--template", m_template, "Name template: {stem} {rank} {k} {monitor} {score} {score:.4f} {epoch} {step}")
            ->default_str(std::string(rename::kDefaultTemplate));
        sub->add_flag("--apply", m_apply, "Do it (journaled, crash-safe, undoable with `podium-cli undo`)");
        sub->add_flag("--force", m_force, "Apply even though a checkpoint was modified in the last minute");
        sub->add_flag("--links", m_links, "Create rank links ({stem}_top{rank}.ckpt → the real file) instead of moving "
                                          "files: for runs that are still training; re-running updates them");
        sub->add_flag("--sync-state", m_sync, "Also rewrite the ModelCheckpoint state inside the checkpoints so that "
                                              "Lightning (resume, ckpt_path=\"best\") sees the new names");
        sub->add_flag("--json", m_json, "JSON output");
    }

    int run() override
    {
        auto* s3 = m_args.isRemote() ? s3Store(m_args) : nullptr;
        if (m_args.isRemote() && !s3)
            return Failed;
        if (s3 && m_links) {
            std::cerr << "error: " << m_args.folder << ": S3 has no links; rename the objects (without --links)\n";
            return Failed;
        }
        auto r = m_args.run();
        if (!r) {
            std::cerr << "error: " << r.error().message() << '\n';
            return Failed;
        }
        if (!r->remote && reportInterrupted(r->scan.folder, std::cerr, &r->scan))
            return Interrupted;
        auto g = rename::chooseGroup(r->ranking, m_args.monitor);
        if (!g) {
            std::cerr << "error: " << g.error().message() << '\n';
            return Failed;
        }
        const auto& group = **g;
        if (s3)
            return runS3(*s3, group);
        const std::string dir = absolute(r->ranking.folder + "/" + group.directory);
        if (m_links)
            return runLinks(group, dir);
        rename::PlanConfig pc;
        pc.nameTemplate = m_template;
        pc.tempTag = rename::newJournalId();
        auto plan = rename::planRename(group, rename::namesInDirectory(dir), pc);
        if (!plan) {
            std::cerr << "error: " << plan.error().message() << '\n';
            return Failed;
        }
        std::string journalId;
        if (m_apply && !plan->empty()) {
            const auto ids = rename::identitiesIn(r->scan, group.directory);
            rename::RenameExecutor ex;
            rename::ApplyOptions ao;
            ao.force = m_force;
            auto rep = ex.apply(dir, *plan, ids, ao);
            if (!rep) {
                std::cerr << "error: " << rep.error().message() << '\n';
                return Failed;
            }
            journalId = rep->journalId;
        }
        std::optional<sync::SyncReport> synced;
        if (m_apply && m_sync) {
            const auto splan = sync::planSync(dir, {});
            for (const auto& e : splan.skipped)
                std::cerr << "warning: not synced: " << e.message() << '\n';
            sync::SyncExecutor sx;
            auto rep = sx.apply(splan, journalId);
            if (!rep) {
                std::cerr << "error: the files were renamed, but the embedded state was not rewritten: "
                          << rep.error().message() << '\n';
                return Failed;
            }
            synced = *rep;
        }
        return report(r->ranking.folder, group, *plan, journalId, synced);
    }

private:
    /// A rename in an S3 directory: server-side copies + deletes under the bucket's journal.
    int runS3(remote::S3Store& store, const ranking::Group& group)
    {
        remote::S3RenameExecutor ex(store);
        auto present = ex.objectsIn(group.directory);
        if (!present) {
            std::cerr << "error: " << present.error().message() << '\n';
            return Failed;
        }
        const std::map<std::string, remote::RemoteObject>& objects = *present;
        const std::vector<std::string> names = remote::S3RenameExecutor::namesOf(objects);
        rename::PlanConfig pc;
        pc.nameTemplate = m_template;
        pc.tempTag = rename::newJournalId();
        auto plan = rename::planRename(group, names, pc);
        if (!plan) {
            std::cerr << "error: " << plan.error().message() << '\n';
            return Failed;
        }
        std::string journalId;
        if (m_apply && !plan->empty()) {
            remote::S3ApplyOptions ao;
            ao.force = m_force;
            auto rep = ex.apply(group.directory, *plan, objects, ao);
            if (!rep) {
                std::cerr << "error: " << rep.error().message() << '\n';
                return rep.error().code == ErrorCode::JournalInterrupted ? Interrupted : Failed;
            }
            journalId = rep->journalId;
        }
        std::optional<sync::SyncReport> synced;
        if (m_apply && m_sync) {
            auto now = ex.objectsIn(group.directory);
            if (!now) {
                std::cerr << "error: the objects were renamed, but listing them again failed: " << now.error().message() << '\n';
                return Failed;
            }
            const std::map<std::string, remote::RemoteObject>& after = *now;
            const auto splan = remote::planS3Sync(store, group.directory, after, {});
            for (const auto& e : splan.skipped)
                std::cerr << "warning: not synced: " << e.message() << '\n';
            remote::S3SyncExecutor sx(store);
            auto rep = sx.apply(group.directory, splan, after, journalId);
            if (!rep) {
                std::cerr << "error: the objects were renamed, but the embedded state was not rewritten: "
                          << rep.error().message() << '\n';
                return Failed;
            }
            synced = *rep;
        }
        return report(store.location(), group, *plan, journalId, synced);
    }

    int report(const std::string& folder, const ranking::Group& group, const rename::RenamePlan& plan,
               const std::string& journalId, const std::optional<sync::SyncReport>& synced)
    {
        if (m_json) {
            nlohmann::json j{{"folder", folder}, {"directory", group.directory}, {"monitor", group.monitor},
                             {"applied", m_apply && !plan.empty()}, {"journal", journalId.empty() ? nlohmann::json(nullptr) : nlohmann::json(journalId)}};
            nlohmann::json moves = nlohmann::json::array();
            for (const auto& m : plan.moves)
                moves.push_back({{"from", m.from}, {"to", m.to}, {"rank", m.rank}});
            j["moves"] = moves;
            j["unchanged"] = plan.unchanged;
            if (synced)
                j["synced"] = {{"files", synced->files}, {"bytes_written", synced->bytesWritten}, {"journal", synced->journalId}};
            printJson(std::cout, j);
            return Ok;
        }
        const std::string where = group.directory.empty() ? "" : group.directory + "/";
        if (plan.empty()) {
            std::cout << "Nothing to rename: the " << group.ranked.size() << " ranked checkpoints of " << group.label()
                      << " already carry their rank.\n";
            return Ok;
        }
        std::cout << (m_apply ? "Renamed" : "Would rename") << " (" << group.label() << ", " << where << "):\n";
        std::vector<std::vector<std::string>> rows;
        for (const auto& m : plan.moves)
            rows.push_back({std::to_string(m.rank), m.from, "→", m.to});
        std::cout << formatTable({"rank", "now", "", "new name"}, rows);
        if (synced)
            std::cout << "Embedded state rewritten in " << synced->files << " checkpoint(s) (" << synced->bytesWritten
                      << " bytes written): Lightning sees the new names.\n";
        if (!m_apply)
            std::cout << "Dry run: nothing changed. Add --apply to rename (undo with `podium-cli undo " << m_args.folder << "`).\n";
        else
            std::cout << "Journal " << journalId << " (undo with `podium-cli undo " << m_args.folder << "`).\n";
        return Ok;
    }

    int runLinks(const ranking::Group& group, const std::string& dir)
    {
        auto planned = rename::planRankLinks(group, m_template);
        if (!planned) {
            std::cerr << "error: " << planned.error().message() << '\n';
            return Failed;
        }
        const auto& links = *planned;
        if (m_apply)
            if (auto st = rename::createRankLinks(fs::FileSystem::real(), dir, links); !st) {
                std::cerr << "error: " << st.error().message() << '\n';
                return Failed;
            }
        if (m_json) {
            nlohmann::json arr = nlohmann::json::array();
            for (const auto& l : links)
                arr.push_back({{"link", l.name}, {"target", l.target}, {"rank", l.rank}});
            printJson(std::cout, {{"folder", m_args.folder}, {"directory", group.directory}, {"monitor", group.monitor},
                                  {"applied", m_apply}, {"links", arr}});
            return Ok;
        }
        std::vector<std::vector<std::string>> rows;
        for (const auto& l : links)
            rows.push_back({std::to_string(l.rank), l.name, "→", l.target});
        std::cout << (m_apply ? "Rank links" : "Would link") << " (" << group.label() << "):\n"
                  << formatTable({"rank", "link", "", "checkpoint"}, rows);
        if (!m_apply)
            std::cout << "Dry run: nothing changed. Add --apply to create the links.\n";
        return Ok;
    }

    FolderArgs m_args;
    std::string m_template{rename::kDefaultTemplate};
    bool m_apply = false, m_force = false, m_json = false, m_links = false, m_sync = false;
};

/// The directories below DIR that have a journal or history (the group directories Podium renamed in).
std::vector<std::string> journalDirs(const std::string& folder, const ranking::ScanResult* scan = nullptr)
{
    std::vector<std::string> out;
    if (scan && scan->tree && scan->folder == folder) { // the scan's walk saw them (group folders are never hidden)
        for (const auto& rel : scan->tree->journalDirs)
            out.push_back(absolute(rel.empty() ? folder : folder + "/" + rel));
        std::sort(out.begin(), out.end());
        return out;
    }
    std::error_code ec;
    if (std::filesystem::is_directory(folder + "/.podium", ec))
        out.push_back(absolute(folder));
    for (std::filesystem::recursive_directory_iterator it(folder, ec), end; it != end; it.increment(ec)) {
        if (ec) break;
        if (it->is_directory(ec) && it->path().filename() == ".podium") {
            out.push_back(absolute(it->path().parent_path().string()));
            it.disable_recursion_pending();
        }
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

/// The directories of an S3 location (relative to it) that hold Podium's journal objects (`<dir>/.podium/…`).
Result<std::vector<std::string>> s3JournalDirs(remote::S3Store& store)
{
    auto listed = store.list(true);
    if (!listed)
        return std::move(listed).error();
    std::set<std::string> dirs;
    for (const auto& o : *listed) {
        if (o.rel.starts_with(".podium/"))
            dirs.insert("");
        else if (const auto at = o.rel.find("/.podium/"); at != std::string::npos)
            dirs.insert(o.rel.substr(0, at));
    }
    return std::vector<std::string>(dirs.begin(), dirs.end());
}

/// Undo on an S3 location: the newest operation of any of its directories.
int undoS3(remote::S3Store& store)
{
    auto dirs = s3JournalDirs(store);
    if (!dirs) {
        std::cerr << "error: " << dirs.error().message() << '\n';
        return Failed;
    }
    std::string newestDir, newestId;
    bool found = false;
    for (const auto& d : *dirs) {
        remote::S3Journal journal(store, d);
        if (auto st = journal.pull(); !st) {
            std::cerr << "error: " << st.error().message() << '\n';
            return Failed;
        }
        auto h = rename::readHistory(journal.localDir());
        if (!h)
            continue;
        for (const auto& j : *h)
            if ((j.kind == "rename" || j.kind == "sync") && j.state == "applied" && j.undoneBy.empty() && j.id > newestId)
                newestId = j.id, newestDir = d, found = true;
    }
    if (!found) {
        std::cerr << "error: no applied rename or sync to undo in " << store.location() << "\n";
        return Failed;
    }
    auto r = remote::undoLastS3(store, newestDir);
    const std::string where = store.location() + (newestDir.empty() ? "" : "/" + newestDir);
    if (!r) {
        std::cerr << "error: " << r.error().message() << '\n';
        return r.error().code == ErrorCode::JournalInterrupted ? Interrupted : Failed;
    }
    std::cout << "Undone in " << where << ": " << *r << ".\n";
    return Ok;
}

class UndoCommand : public Command {
public:
    void setup(CLI::App& app) override
    {
        sub = app.add_subcommand("undo", "Reverse the last applied rename or sync (history is kept in .podium/history)");
        sub->add_option("folder", m_args.folder, "Checkpoint folder, or an S3 location (s3://bucket/prefix)")->required()
            ->check(existingOrRemote(true));
        m_args.remote.add(sub);
    }
    int run() override
    {
        if (m_args.isRemote()) {
            auto* s3 = s3Store(m_args);
            return s3 ? undoS3(*s3) : Failed;
        }
        const std::string& m_folder = m_args.folder;
        // the newest operation first, whichever directory it was in (journal ids sort by time)
        std::string newestDir, newestId;
        for (const auto& d : journalDirs(m_folder)) {
            auto h = rename::readHistory(d);
            if (!h)
                continue;
            for (const auto& j : *h)
                if ((j.kind == "rename" || j.kind == "sync") && j.state == "applied" && j.undoneBy.empty() && j.id > newestId)
                    newestId = j.id, newestDir = d;
        }
        if (newestDir.empty()) {
            std::cerr << "error: no applied rename or sync to undo in " << m_folder << "\n";
            return Failed;
        }
        auto r = sync::undoLast(fs::FileSystem::real(), newestDir);
        if (!r) {
            std::cerr << "error: " << r.error().message() << '\n';
            return r.error().code == ErrorCode::JournalInterrupted ? Interrupted : Failed;
        }
        std::cout << "Undone in " << newestDir << ": " << *r << ".\n";
        return Ok;
    }

private:
    FolderArgs m_args;
};

class SyncCommand : public Command {
public:
    void setup(CLI::App& app) override
    {
        sub = app.add_subcommand("sync", "Rewrite the ModelCheckpoint state inside the checkpoints so that its paths name "
                                         "the files as they are now (journaled; `podium-cli undo` restores the bytes)");
        m_args.add(sub);
        sub->add_flag("--rebase", m_rebase, "Also replace the embedded directory with the folder's current location "
                                            "(a run copied from another machine resumes with its top-k)");
        sub->add_flag("--dry-run", m_dryRun, "Show what would change, change nothing");
        sub->add_flag("--json", m_json, "JSON output");
    }
    int run() override
    {
        auto* s3 = m_args.isRemote() ? s3Store(m_args) : nullptr;
        if (m_args.isRemote() && !s3)
            return Failed;
        auto r = m_args.run();
        if (!r) {
            std::cerr << "error: " << r.error().message() << '\n';
            return Failed;
        }
        if (s3)
            return runS3(*s3, *r);
        if (reportInterrupted(r->scan.folder, std::cerr, &r->scan))
            return Interrupted;
        std::set<std::string> dirs;
        for (const auto& g : r->ranking.groups)
            if (g.stateKey.rfind("filename:", 0) != 0)
                dirs.insert(absolute(r->ranking.folder + "/" + g.directory));
        return syncEach(r->ranking.folder, dirs, "file(s) rewritten, ", " bytes written",
                        [&](const std::string& dir) -> Result<Prepared> {
                            sync::SyncConfig sc;
                            sc.rebase = m_rebase;
                            Prepared p{sync::planSync(dir, sc), dir, {}};
                            p.apply = [this](const sync::SyncPlan& plan) {
                                sync::SyncExecutor ex;
                                if (!m_json)
                                    ex.progress = [](std::size_t done, std::size_t total, const std::string& file, std::uint64_t bytes) {
                                        std::cerr << "  [" << done + 1 << "/" << total << "] " << file << " (" << humanSize(bytes) << ")\n";
                                    };
                                return ex.apply(plan, {}, m_rebase);
                            };
                            return p;
                        });
    }

private:
    /// The plan of one directory as JSON, printed too unless --json.
    nlohmann::json describe(const sync::SyncPlan& plan, const std::string& dir) const
    {
        nlohmann::json jd{{"directory", dir}};
        nlohmann::json files = nlohmann::json::array();
        for (const auto& f : plan.files) {
            nlohmann::json changes = nlohmann::json::array();
            for (const auto& c : f.changes)
                changes.push_back({{"field", c.field}, {"from", c.from}, {"to", c.to}});
            files.push_back({{"file", f.file}, {"changes", changes}, {"bytes", f.bytesToWrite()}, {"whole_file", f.whole}});
        }
        jd["files"] = files;
        nlohmann::json skipped = nlohmann::json::array();
        for (const auto& e : plan.skipped) {
            skipped.push_back({{"file", e.file}, {"error", e.describe()}});
            std::cerr << "warning: not synced: " << e.message() << '\n';
        }
        jd["skipped"] = skipped;
        if (!m_json) {
            std::cout << (plan.empty() ? "Already in sync: " : m_dryRun ? "Would rewrite in " : "Rewriting in ") << dir
                      << (plan.empty() ? "\n" : ":\n");
            for (const auto& f : plan.files) {
                std::cout << "  " << f.file << " (" << f.edits << " string" << (f.edits == 1 ? "" : "s")
                          << (f.whole ? ", legacy format: the whole file is rewritten, " + humanSize(f.bytesToWrite()) + "; the original is kept for undo" : std::string()) << ")\n";
                for (const auto& c : f.changes)
                    std::cout << "      " << c.field << ": " << c.from << " → " << c.to << '\n';
            }
        }
        return jd;
    }

    /// One directory's plan, what it is called in the output, and how to apply it.
    struct Prepared {
        sync::SyncPlan plan;
        std::string where;
        std::function<Result<sync::SyncReport>(const sync::SyncPlan&)> apply;
    };

    /// Plans (and unless --dry-run applies) the sync of every directory; one directory's failure does not stop the others.
    int syncEach(const std::string& folder, const std::set<std::string>& dirs, const char* rewritten, const char* written,
                 const std::function<Result<Prepared>(const std::string&)>& prepare)
    {
        nlohmann::json out{{"folder", folder}, {"rebase", m_rebase}, {"applied", !m_dryRun}};
        nlohmann::json jdirs = nlohmann::json::array();
        bool failed = false;
        for (const auto& dir : dirs) {
            auto p = prepare(dir);
            if (!p) {
                std::cerr << "error: " << p.error().message() << '\n';
                failed = true;
                continue;
            }
            nlohmann::json jd = describe(p->plan, p->where);
            if (!m_dryRun && !p->plan.empty()) {
                auto rep = p->apply(p->plan);
                if (!rep) {
                    std::cerr << "error: " << rep.error().message() << '\n';
                    failed = true;
                    continue;
                }
                jd["journal"] = rep->journalId;
                jd["bytes_written"] = rep->bytesWritten;
                if (!m_json)
                    std::cout << "  " << rep->files << " " << rewritten << rep->bytesWritten << written << " (journal "
                              << rep->journalId << "; undo with `podium-cli undo " << m_args.folder << "`)\n";
            }
            jdirs.push_back(std::move(jd));
        }
        out["directories"] = jdirs;
        if (m_json)
            printJson(std::cout, out);
        else if (dirs.empty())
            std::cout << "No checkpoint with ModelCheckpoint state in " << m_args.folder << ".\n";
        return failed ? Failed : Ok;
    }

    /// Sync on S3: each checkpoint replaced by a multipart upload that copies its unchanged bytes server-side.
    int runS3(remote::S3Store& store, const FolderResult& r)
    {
        std::set<std::string> dirs;
        for (const auto& g : r.ranking.groups)
            if (g.stateKey.rfind("filename:", 0) != 0)
                dirs.insert(g.directory);
        remote::S3RenameExecutor lister(store);
        return syncEach(r.ranking.folder, dirs, "object(s) rewritten, ", " bytes uploaded",
                        [&](const std::string& dir) -> Result<Prepared> {
                            auto present = lister.objectsIn(dir);
                            if (!present)
                                return std::move(present).error();
                            sync::SyncConfig sc;
                            sc.rebase = m_rebase;
                            Prepared p{remote::planS3Sync(store, dir, *present, sc),
                                       store.location() + (dir.empty() ? "" : "/" + dir), {}};
                            p.apply = [&store, dir, objects = std::move(*present), this](const sync::SyncPlan& plan) {
                                return remote::S3SyncExecutor(store).apply(dir, plan, objects, {}, m_rebase);
                            };
                            return p;
                        });
    }

    FolderArgs m_args;
    bool m_rebase = false, m_dryRun = false, m_json = false;
};

class RecoverCommand : public Command {
public:
    void setup(CLI::App& app) override
    {
        sub = app.add_subcommand("recover", "Complete (or --rollback) a rename or sync that was interrupted");
        sub->add_option("folder", m_args.folder, "Checkpoint folder, or an S3 location (s3://bucket/prefix)")->required()
            ->check(existingOrRemote(true));
        sub->add_flag("--rollback", m_rollback, "Put every file back under its old name instead");
        m_args.remote.add(sub);
    }
    int run() override
    {
        if (m_args.isRemote())
            return runS3();
        const std::string& m_folder = m_args.folder;
        bool any = false;
        for (const auto& d : journalDirs(m_folder)) {
            auto r = sync::recoverAny(fs::FileSystem::real(), d, m_rollback);
            if (!r && r.error().code == ErrorCode::NothingToUndo)
                continue;
            any = true;
            if (!r) {
                std::cerr << "error: " << r.error().message() << '\n';
                return Failed;
            }
            std::cout << "In " << d << ": " << *r << ".\n";
        }
        if (!any)
            std::cout << "No interrupted rename in " << m_folder << ".\n";
        return Ok;
    }

private:
    int runS3()
    {
        auto* s3 = s3Store(m_args);
        if (!s3)
            return Failed;
        auto dirs = s3JournalDirs(*s3);
        if (!dirs) {
            std::cerr << "error: " << dirs.error().message() << '\n';
            return Failed;
        }
        bool any = false;
        for (const auto& d : *dirs) {
            auto r = remote::recoverAnyS3(*s3, d, m_rollback);
            if (!r && r.error().code == ErrorCode::NothingToUndo)
                continue;
            any = true;
            if (!r) {
                std::cerr << "error: " << r.error().message() << '\n';
                return Failed;
            }
            std::cout << "In " << s3->location() << (d.empty() ? "" : "/" + d) << ": " << *r << ".\n";
        }
        if (!any)
            std::cout << "No interrupted rename in " << s3->location() << ".\n";
        return Ok;
    }

    FolderArgs m_args;
    bool m_rollback = false;
};

} // namespace

bool reportInterrupted(const std::string& folder, std::ostream& err, const ranking::ScanResult* scan)
{
    bool found = false;
    for (const auto& d : journalDirs(folder, scan)) {
        auto j = rename::readInterrupted(d);
        if (!j) {
            err << "warning: " << j.error().message() << "\n";
            continue;
        }
        if (*j) {
            found = true;
            err << "warning: an interrupted rename (" << (*j)->id << ", " << (*j)->completed << " of "
                << (*j)->steps.size() << " steps recorded) is pending in " << d
                << ": run `podium-cli recover " << folder << "` to complete it (or add --rollback)\n";
        }
    }
    return found;
}

std::unique_ptr<Command> makeRenameCommand() { return std::make_unique<RenameCommand>(); }
std::unique_ptr<Command> makeUndoCommand() { return std::make_unique<UndoCommand>(); }
std::unique_ptr<Command> makeRecoverCommand() { return std::make_unique<RecoverCommand>(); }
std::unique_ptr<Command> makeSyncCommand() { return std::make_unique<SyncCommand>(); }

} // namespace podium::cli
