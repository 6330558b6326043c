// SPDX-License-Identifier: GPL-3.0-or-later
#include "rename/RenameExecutor.h"

#include <chrono>
#include <algorithm>
#include <filesystem>
#include <set>

namespace podium::rename {

namespace {

bool sameFile(const ranking::FileIdentity& a, const ranking::FileIdentity& b)
{
    return a.device == b.device && a.inode == b.inode;
}

/// Where is the file of `move` now: at `from` of the step (false), at `to` (true), or neither (nullopt)?
std::optional<bool> stepDone(const std::string& dir, const Step& s, const JournalMove& m)
{
    auto atTo = ranking::identityOf(dir + "/" + s.to, false);
    if (atTo && sameFile(*atTo, m.identity))
        return true;
    auto atFrom = ranking::identityOf(dir + "/" + s.from, false);
    if (atFrom && sameFile(*atFrom, m.identity))
        return false;
    return std::nullopt;
}

} // namespace

std::map<std::string, ranking::FileIdentity> identitiesIn(const ranking::ScanResult& scan, const std::string& directory)
{
    std::map<std::string, ranking::FileIdentity> ids;
    for (const auto& f : scan.files)
        if (std::filesystem::path(f.relPath).parent_path().generic_string() == directory)
            ids[std::filesystem::path(f.relPath).filename().string()] = f.identity;
    return ids;
}

std::vector<std::string> namesInDirectory(const std::string& dirAbs)
{
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(dirAbs, ec))
        out.push_back(e.path().filename().string());
    return out;
}

Status RenameExecutor::requireNoInterrupted(const std::string& dir) const
{
    auto open = readInterrupted(dir);
    if (!open)
        return std::move(open).error();
    if (*open)
        return Error(ErrorCode::JournalInterrupted, "an interrupted rename (" + (*open)->id +
                                                        ") must be recovered first: podium-cli recover").inFile(dir);
    return {};
}

Status RenameExecutor::finish(const std::string& dir, Journal& journal)
{
    // Links in the folder that named a moved file (the pin, rank links, save_last='link') follow it.
    if (journal.state == "applied") {
        std::map<std::string, std::string> moved;
        for (const auto& m : journal.moves)
            moved[m.from] = m.to;
        std::error_code ec;
        for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
            if (!e.is_symlink(ec))
                continue;
            const std::string target = std::filesystem::read_symlink(e.path(), ec).string();
            if (auto it = moved.find(target); it != moved.end())
                if (auto st = fs::replaceLink(m_fs, it->second, e.path().string()); !st)
                    return st;
        }
    }
    // history first, then drop the live journal: a crash in between leaves both, and recovery finds every
    // step done and finishes again.
    if (auto st = m_fs.makeDirectories(historyDir(dir)); !st)
        return st;
    if (auto st = m_fs.writeFileAtomic(historyDir(dir) + "/" + journal.id + ".json", journal.toJson().dump(2)); !st)
        return st;
    if (auto st = m_fs.remove(journalPath(dir)); !st)
        return st;
    return m_fs.syncDirectory(journalDir(dir));
}

Result<ApplyReport> RenameExecutor::run(const std::string& dir, Journal journal, const ApplyOptions&)
{
    // Note [journal before rename]
    if (auto st = m_fs.makeDirectories(journalDir(dir)); !st)
        return std::move(st).error();
    if (auto st = m_fs.writeFileAtomic(journalPath(dir), journal.toJson().dump(2)); !st)
        return std::move(st).error();
    for (std::size_t i = 0; i < journal.steps.size(); ++i) {
        const auto& s = journal.steps[i];
        if (auto st = m_fs.renameNoReplace(dir + "/" + s.from, dir + "/" + s.to); !st) {
            // Stop here; the journal says how far it got and `recover` completes or rolls back.
            Error e = st.error();
            e.detail += " (the rename stopped after " + std::to_string(i) + " of " + std::to_string(journal.steps.size()) +
                        " steps; run `podium-cli recover` to complete or roll it back)";
            return e;
        }
        if (auto st = m_fs.syncDirectory(dir); !st)
            return std::move(st).error();
        journal.completed = i + 1;
        if (auto st = m_fs.writeFileAtomic(journalPath(dir), journal.toJson().dump(2)); !st)
            return std::move(st).error();
    }
    journal.state = "applied";
    if (auto st = finish(dir, journal); !st)
        return std::move(st).error();
    return ApplyReport{journal.id, journal.moves};
}

Result<ApplyReport> RenameExecutor::apply(const std::string& dir, const RenamePlan& plan,
                                          const std::map<std::string, ranking::FileIdentity>& identities,
                                          const ApplyOptions& options)
{
    if (auto st = requireNoInterrupted(dir); !st)
        return std::move(st).error();
    if (plan.empty())
        return ApplyReport{};

    // A folder still being written to: refuse without --force.
    if (!options.force) {
        const auto now = std::chrono::system_clock::now().time_since_epoch();
        const std::int64_t nowNs = std::chrono::duration_cast<std::chrono::nanoseconds>(now).count();
        std::error_code ec;
        for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
            if (e.path().extension() != ".ckpt" || e.is_symlink(ec))
                continue;
            auto id = ranking::identityOf(e.path().string(), false);
            if (id && nowNs - id->mtimeNs < options.activeSeconds * 1000000000LL)
                return Error(ErrorCode::FolderActive, "'" + e.path().filename().string() + "' was modified less than " +
                                                          std::to_string(options.activeSeconds) +
                                                          " s ago: training may still be writing (use --force)").inFile(dir);
        }
    }

    Journal j;
    j.id = newJournalId();
    j.kind = "rename";
    j.created = nowIso8601();
    j.directory = dir;
    j.monitor = plan.monitor;
    for (const auto& m : plan.moves) {
        // Each file must still be the one the scan read.
        auto now = ranking::identityOf(dir + "/" + m.from, false);
        auto it = identities.find(m.from);
        if (!now)
            return Error(ErrorCode::FsIdentityChanged, "'" + m.from + "' is gone since the scan; nothing was renamed").inFile(dir);
        if (it == identities.end() || !(it->second == *now))
            return Error(ErrorCode::FsIdentityChanged, "'" + m.from +
                                                           "' changed since the scan; nothing was renamed (scan again)").inFile(dir);
        j.moves.push_back({m.from, m.to, m.rank, *now});
    }
    j.steps = plan.steps;
    return run(dir, std::move(j), options);
}

Result<RecoveryReport> RenameExecutor::recover(const std::string& dir, bool rollback)
{
    auto open = readInterrupted(dir);
    if (!open)
        return std::move(open).error();
    if (!*open)
        return Error(ErrorCode::NothingToUndo, "no interrupted rename in this folder").inFile(dir);
    Journal j = std::move(**open);
    std::vector<bool> done(j.steps.size());
    for (std::size_t i = 0; i < j.steps.size(); ++i) {
        auto d = stepDone(dir, j.steps[i], j.moves[j.steps[i].move]);
        if (!d) {
            // A later step may already have moved this file on: then this step is done too.
            bool later = false;
            for (std::size_t k = i + 1; k < j.steps.size(); ++k)
                if (j.steps[k].move == j.steps[i].move && stepDone(dir, j.steps[k], j.moves[j.steps[k].move]).value_or(false))
                    later = true;
            if (!later)
                return Error(ErrorCode::JournalBad, "'" + j.moves[j.steps[i].move].from +
                                                        "' is neither at '" + j.steps[i].from + "' nor at '" + j.steps[i].to +
                                                        "': the folder changed since the rename; fix it by hand (nothing was changed)")
                    .inFile(dir);
            d = true;
        }
        done[i] = *d;
    }
    RecoveryReport rep;
    rep.journalId = j.id;
    auto move = [&](const std::string& from, const std::string& to) -> Status {
        if (auto st = m_fs.renameNoReplace(dir + "/" + from, dir + "/" + to); !st)
            return st;
        ++rep.stepsDone;
        return m_fs.syncDirectory(dir);
    };
    if (!rollback) {
        for (std::size_t i = 0; i < j.steps.size(); ++i)
            if (!done[i])
                if (auto st = move(j.steps[i].from, j.steps[i].to); !st)
                    return std::move(st).error();
        j.completed = j.steps.size();
        j.state = "applied";
        rep.action = "completed";
    } else {
        for (std::size_t i = j.steps.size(); i-- > 0;)
            if (done[i])
                if (auto st = move(j.steps[i].to, j.steps[i].from); !st)
                    return std::move(st).error();
        j.completed = 0;
        j.state = "rolled_back";
        rep.action = "rolled back";
    }
    if (auto st = finish(dir, j); !st)
        return std::move(st).error();
    // an undo that a crash interrupted and recovery completed still marks what it undid
    if (j.kind == "undo" && j.state == "applied" && !j.undoes.empty())
        if (auto st = markUndone(dir, j.undoes, j.id); !st)
            return std::move(st).error();
    return rep;
}

Result<ApplyReport> RenameExecutor::undo(const std::string& dir, const ApplyOptions& options)
{
    if (auto st = requireNoInterrupted(dir); !st)
        return std::move(st).error();
    auto history = readHistory(dir);
    if (!history)
        return std::move(history).error();
    const Journal* last = nullptr;
    for (const auto& h : *history)
        if (h.kind == "rename" && h.state == "applied" && h.undoneBy.empty())
            last = &h;
    if (!last)
        return Error(ErrorCode::NothingToUndo, "no applied rename to undo in this folder").inFile(dir);

    std::vector<Move> moves;
    const std::vector<std::string> present = namesInDirectory(dir);
    Journal j;
    j.id = newJournalId();
    j.kind = "undo";
    j.created = nowIso8601();
    j.directory = dir;
    j.monitor = last->monitor;
    j.undoes = last->id;
    std::set<std::string> leaving;
    for (const auto& m : last->moves)
        leaving.insert(m.to);
    for (const auto& m : last->moves) {
        auto now = ranking::identityOf(dir + "/" + m.to, false);
        if (!now || !sameFile(*now, m.identity))
            return Error(ErrorCode::FsIdentityChanged, "'" + m.to + "' is no longer the file the rename moved there; "
                                                                    "nothing was undone").inFile(dir);
        if (std::find(present.begin(), present.end(), m.from) != present.end() && !leaving.count(m.from)) {
            // A link there is usually Podium's own pin (best.ckpt -> the pinned file): say so, and how to go on.
            std::error_code ec;
            const auto target = std::filesystem::read_symlink(dir + "/" + m.from, ec);
            const std::string what = ec ? "" : " by a link to '" + target.string() + "' (a pin: unpin it; else remove the link), then undo again";
            return Error(ErrorCode::PlanConflict, "the original name '" + m.from + "' is taken again" + what +
                                                      "; nothing was undone")
                .inFile(dir);
        }
        moves.push_back({m.to, m.from, m.rank});
        j.moves.push_back({m.to, m.from, m.rank, *now});
    }
    j.steps = orderSteps(moves, present, j.id);
    ApplyOptions o = options;
    o.force = true; // an undo restores names; it never fights a running training for them
    auto r = run(dir, std::move(j), o);
    if (!r)
        return r;
    if (auto st = markUndone(dir, last->id, r->journalId); !st)
        return std::move(st).error();
    return r;
}

Status RenameExecutor::markUndone(const std::string& dir, const std::string& originalId, const std::string& undoId)
{
    auto history = readHistory(dir);
    if (!history)
        return std::move(history).error();
    for (auto& h : *history)
        if (h.id == originalId) {
            h.undoneBy = undoId;
            return m_fs.writeFileAtomic(historyDir(dir) + "/" + h.id + ".json", h.toJson().dump(2));
        }
    return {};
}

} // namespace podium::rename
