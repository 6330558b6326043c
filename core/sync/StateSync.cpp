// SPDX-License-Identifier: GPL-3.0-or-later
#include "sync/StateSync.h"

#include "checkpoint/TorchFile.h"
#include "fs/FileSource.h"
#include "pickle/PicklePatch.h"
#include "rename/RenameExecutor.h"
#include "ranking/EmbeddedPath.h"

#include <algorithm>
#include <filesystem>

namespace podium::sync {

namespace fsys = std::filesystem;
using pickle::Kind;
using pickle::Value;

namespace {

bool isModelCheckpointKey(const Value* k)
{
    std::string_view name;
    if (k->kind == Kind::Str)
        name = k->text().substr(0, k->text().find('{'));
    else if (k->kind == Kind::Global && k->global())
        name = k->global()->name;
    else
        return false;
    return name.size() >= 15 && name.substr(name.size() - 15) == "ModelCheckpoint";
}

std::string tailDir(const std::string& id) { return ".podium/sync/" + id; }

Result<std::vector<std::uint8_t>> readRange(const std::string& path, std::uint64_t from, std::uint64_t to)
{
    auto src = fs::FileSource::open(path);
    if (!src)
        return std::move(src).error();
    std::vector<std::uint8_t> out(static_cast<std::size_t>(to - from));
    if (auto st = (*src)->readAt(from, out); !st)
        return std::move(st).error();
    return out;
}

} // namespace

Result<FileSync> planFileSync(const std::string& path, const SyncConfig& config)
{
    auto src = fs::FileSource::open(path);
    if (!src)
        return std::move(src).error();
    auto id = ranking::identityOf(path);
    if (!id)
        return std::move(id).error();
    return planSourceSync(**src, fsys::path(path).filename().string(), *id,
                          fsys::absolute(path).parent_path().lexically_normal().string(), config);
}

Result<FileSync> planSourceSync(ByteSource& source, const std::string& file, const ranking::FileIdentity& identity,
                                const std::string& directory, const SyncConfig& config)
{
    const std::string path = source.name();
    auto tf = checkpoint::TorchFile::open(source);
    if (!tf)
        return std::move(tf).error();
    const auto* id = &identity;
    FileSync out;
    out.file = file;
    out.identity = identity;
    const pickle::Document& doc = (*tf)->document();
    const Value* callbacks = doc.root ? doc.root->get("callbacks") : nullptr;
    if (!callbacks || !callbacks->isDictLike())
        return out; // weights-only or not Lightning: nothing embedded to sync
    const std::string& here = directory;
    pickle::StringEdits edits;
    pickle::KeyedEdits keyed;
    for (const auto& e : callbacks->entries()) {
        if (!e.first || !isModelCheckpointKey(e.first) || !e.second || !e.second->isDictLike())
            continue;
        const Value* st = e.second;
        const Value* dirV = st->get("dirpath");
        const std::string oldDir = dirV && dirV->isStr() ? std::string(dirV->text()) : std::string();
        if (oldDir.empty())
            continue;
        const std::string newDir = config.rebase ? here : oldDir;
        // Paths written on Windows (`d:\run\checkpoints\x.ckpt`) are split on both separators; a rebase
        // writes the folder's POSIX location, a rename alone keeps the embedded directory and its separator.
        const bool oldWindows = ranking::isWindowsPath(oldDir);
        const auto oldParts = ranking::pathComponents(oldDir);
        auto mapPath = [&](std::string_view p) -> std::string {
            if (p == oldDir)
                return newDir;
            const auto parts = ranking::pathComponents(p);
            if (parts.size() > oldParts.size() && std::equal(oldParts.begin(), oldParts.end(), parts.begin()) &&
                (oldWindows || (p.size() > oldDir.size() && p.starts_with(oldDir)))) {
                std::string name;
                for (std::size_t i = oldParts.size(); i < parts.size(); ++i)
                    name += (name.empty() ? "" : "/") + std::string(parts[i]);
                if (config.renamed)
                    if (auto r = config.renamed->find(name); r != config.renamed->end())
                        name = r->second;
                if (!config.rebase && oldWindows) {
                    std::replace(name.begin(), name.end(), '/', '\\');
                    return oldDir + (oldDir.ends_with('\\') || oldDir.ends_with('/') ? "" : "\\") + name;
                }
                return newDir + (newDir.ends_with('/') ? "" : "/") + name;
            }
            return std::string(p);
        };
        auto edit = [&](const Value* v, const char* field) {
            if (!v || !v->isStr())
                return;
            const std::string now = mapPath(v->text());
            if (now == v->text())
                return;
            if (edits.emplace(v->offset, now).second)
                out.changes.push_back({field, std::string(v->text()), now});
        };
        edit(dirV, "dirpath");
        const Value* best = st->get("best_model_path");
        if (!config.bestModelFile.empty() && keyed.empty()) { // the pin: ckpt_path="best" loads the pinned file
            const std::string pinned = newDir + "/" + config.bestModelFile;
            const std::string now = best && best->isStr() ? mapPath(best->text()) : std::string();
            if (now != pinned) {
                keyed["best_model_path"] = pinned;
                out.changes.push_back({"best_model_path", best && best->isStr() ? std::string(best->text()) : "None", pinned});
            }
        }
        if (keyed.empty())
            edit(best, "best_model_path");
        else if (best && best->isStr() && mapPath(best->text()) != best->text())
            edits.emplace(best->offset, mapPath(best->text())); // the shared string object still follows the rename
        edit(st->get("kth_best_model_path"), "kth_best_model_path");
        edit(st->get("last_model_path"), "last_model_path");
        if (const Value* bk = st->get("best_k_models"); bk && bk->isDictLike())
            for (const auto& k : bk->entries())
                edit(k.first, "best_k_models");
    }
    out.edits = edits.size() + keyed.size();
    if (edits.empty() && keyed.empty())
        return out;
    const Bytes pickleBytes(doc.buffer->data() + doc.begin, static_cast<std::size_t>(doc.end - doc.begin));
    auto patched = pickle::patchStrings(pickleBytes, edits, keyed);
    if (!patched)
        return std::move(patched).error().inFile(path);
    if ((*tf)->format() == checkpoint::Format::Legacy) {
        out.whole = true;
        out.spliceFrom = doc.begin; // the legacy reader's buffer starts at the file's first byte
        out.spliceTo = doc.end;
        out.replacement = std::move(*patched);
        return out;
    }
    auto rw = zip::planReplaceEntry(*(*tf)->zipArchive(), (*tf)->zipPrefix() + "/data.pkl", *patched, id->size);
    if (!rw)
        return std::move(rw).error().inFile(path);
    out.rewrite = std::move(*rw);
    return out;
}

SyncPlan planSync(const std::string& dirAbs, const SyncConfig& given)
{
    SyncPlan plan;
    plan.directory = fsys::absolute(dirAbs).lexically_normal().string();
    SyncConfig config = given;
    if (!config.renamed) {
        auto map = rename::renameMap(plan.directory);
        if (!map)
            plan.skipped.push_back(map.error());
        config.renamed = map ? std::move(*map) : std::map<std::string, std::string>{};
    }
    std::vector<std::string> names;
    std::error_code ec;
    for (fsys::directory_iterator it(plan.directory, ec), end; !ec && it != end; it.increment(ec))
        if (it->path().extension() == ".ckpt" && !it->is_symlink(ec) && it->is_regular_file(ec))
            names.push_back(it->path().filename().string());
    std::sort(names.begin(), names.end());
    for (const auto& n : names) {
        auto f = planFileSync(plan.directory + "/" + n, config);
        if (!f)
            plan.skipped.push_back(f.error());
        else if (!f->changes.empty())
            plan.files.push_back(std::move(*f));
    }
    return plan;
}

// ---------------------------------------------------------------------------------------------- executor

Status SyncExecutor::writeJournal(const std::string& dirAbs, const rename::Journal& j)
{
    return m_fs.writeFileAtomic(rename::journalPath(dirAbs), j.toJson().dump(1));
}

Status SyncExecutor::finish(const std::string& dirAbs, rename::Journal& j)
{
    if (auto st = m_fs.makeDirectories(rename::historyDir(dirAbs)); !st)
        return st;
    if (auto st = m_fs.writeFileAtomic(rename::historyDir(dirAbs) + "/" + j.id + ".json", j.toJson().dump(1)); !st)
        return st;
    if (auto st = m_fs.remove(rename::journalPath(dirAbs)); !st)
        return st;
    return m_fs.syncDirectory(rename::journalDir(dirAbs));
}

Result<SyncReport> SyncExecutor::apply(const SyncPlan& plan, const std::string& pairedWith, bool rebased)
{
    const std::string& dir = plan.directory;
    if (auto i = rename::readInterrupted(dir); !i)
        return std::move(i).error();
    else if (*i)
        return Error(ErrorCode::JournalInterrupted, "an interrupted operation must be recovered first (podium-cli recover)").inFile(dir);
    rename::Journal j;
    j.id = rename::newJournalId();
    j.kind = "sync";
    j.created = rename::nowIso8601();
    j.directory = dir;
    j.pairedWith = pairedWith;
    j.rebased = rebased;
    SyncReport report;
    report.journalId = j.id;
    if (plan.empty())
        return report;
    // Note [tails before rewrite]: both tails of every file are durable before the first file changes.
    if (auto st = m_fs.makeDirectories(dir + "/" + tailDir(j.id)); !st)
        return std::move(st).error();
    for (std::size_t i = 0; i < plan.files.size(); ++i) {
        const FileSync& f = plan.files[i];
        const std::string path = dir + "/" + f.file;
        if (cancelled && cancelled())
            return Error(ErrorCode::Cancelled, "cancelled: no checkpoint was changed").inFile(dir);
        if (progress)
            progress(i, plan.files.size(), f.file, f.bytesToWrite());
        auto now = ranking::identityOf(path, false);
        if (!now || !(*now == f.identity))
            return Error(ErrorCode::FsIdentityChanged, "changed since it was read; nothing was rewritten").inFile(path);
        rename::JournalRewrite w;
        if (f.whole) { // legacy: a complete rewritten copy, and the original kept by a hard link
            w.file = f.file;
            w.identity = f.identity;
            w.whole = true;
            w.oldSize = f.identity.size;
            w.newSize = f.bytesToWrite();
            w.oldTail = tailDir(j.id) + "/" + std::to_string(i) + ".orig";
            w.newTail = tailDir(j.id) + "/" + std::to_string(i) + ".new";
            w.edits = f.edits;
            if (auto st = m_fs.hardlink(path, dir + "/" + w.oldTail); !st)
                return std::move(st).error();
            std::string_view rep(reinterpret_cast<const char*>(f.replacement.data()), f.replacement.size());
            if (auto st = m_fs.writeFileSpliced(dir + "/" + w.newTail, path, f.spliceFrom, f.spliceTo, rep); !st)
                return std::move(st).error();
            j.rewrites.push_back(std::move(w));
            continue;
        }
        auto oldTail = readRange(path, f.rewrite.keepBytes, f.rewrite.oldSize);
        if (!oldTail)
            return std::move(oldTail).error();
        w.file = f.file;
        w.identity = f.identity;
        w.keep = f.rewrite.keepBytes;
        w.oldSize = f.rewrite.oldSize;
        w.newSize = f.rewrite.keepBytes + f.rewrite.tail.size();
        w.oldTail = tailDir(j.id) + "/" + std::to_string(i) + ".old";
        w.newTail = tailDir(j.id) + "/" + std::to_string(i) + ".new";
        w.edits = f.edits;
        const auto& o = *oldTail;
        if (auto st = m_fs.writeFileAtomic(dir + "/" + w.oldTail, std::string_view(reinterpret_cast<const char*>(o.data()), o.size())); !st)
            return std::move(st).error();
        const auto& n = f.rewrite.tail;
        if (auto st = m_fs.writeFileAtomic(dir + "/" + w.newTail, std::string_view(reinterpret_cast<const char*>(n.data()), n.size())); !st)
            return std::move(st).error();
        j.rewrites.push_back(std::move(w));
    }
    if (auto st = writeJournal(dir, j); !st)
        return std::move(st).error();
    for (std::size_t i = 0; i < plan.files.size(); ++i) {
        const auto& w = j.rewrites[i];
        const auto& tail = plan.files[i].rewrite.tail;
        const Status st = w.whole ? install(dir, w.newTail, w.file)
                                  : m_fs.writeTail(dir + "/" + w.file, w.keep, std::string_view(reinterpret_cast<const char*>(tail.data()), tail.size()));
        if (!st) {
            Error e = st.error();
            (void)recover(dir, j, true); // put back what was rewritten so far
            return e;
        }
        report.bytesWritten += plan.files[i].bytesToWrite();
        ++report.files;
        j.completed = i + 1;
        if (auto st = writeJournal(dir, j); !st)
            return std::move(st).error();
    }
    j.state = "applied";
    if (auto st = finish(dir, j); !st)
        return std::move(st).error();
    return report;
}

Status SyncExecutor::install(const std::string& dirAbs, const std::string& copyRel, const std::string& file)
{
    const std::string tmp = dirAbs + "/.podium/sync/install.tmp";
    if (fs::FileSystem::exists(tmp) || fs::FileSystem::isSymlink(tmp))
        if (auto st = m_fs.remove(tmp); !st)
            return st;
    if (auto st = m_fs.hardlink(dirAbs + "/" + copyRel, tmp); !st)
        return st;
    if (auto st = m_fs.renameReplace(tmp, dirAbs + "/" + file); !st)
        return st;
    return m_fs.syncDirectory(dirAbs);
}

Result<SyncReport> SyncExecutor::recover(const std::string& dirAbs, const rename::Journal& interrupted, bool rollback)
{
    rename::Journal j = interrupted;
    SyncReport report;
    report.journalId = j.id;
    for (const auto& w : j.rewrites) {
        const std::string path = dirAbs + "/" + w.file;
        auto now = ranking::identityOf(path, false);
        if (!now || now->device != w.identity.device || (!w.whole && now->inode != w.identity.inode))
            return Error(ErrorCode::JournalBad, "'" + w.file + "' is not the file the journal rewrote; nothing was changed").inFile(dirAbs);
        if (w.whole) {
            if (auto st = install(dirAbs, rollback ? w.oldTail : w.newTail, w.file); !st)
                return std::move(st).error();
            report.bytesWritten += rollback ? w.oldSize : w.newSize;
            ++report.files;
            continue;
        }
        auto tail = fs::FileSystem::readFile(dirAbs + "/" + (rollback ? w.oldTail : w.newTail));
        if (!tail)
            return Error(ErrorCode::JournalBad, "the journal's copy of a tail is missing: " + tail.error().message()).inFile(dirAbs);
        if (auto st = m_fs.writeTail(path, w.keep, *tail); !st)
            return std::move(st).error();
        report.bytesWritten += tail->size();
        ++report.files;
    }
    j.completed = rollback ? 0 : j.rewrites.size();
    j.state = rollback ? "rolled_back" : "applied";
    if (auto st = finish(dirAbs, j); !st)
        return std::move(st).error();
    if (!rollback && j.kind == "unsync" && !j.undoes.empty()) { // an interrupted undo, completed: mark the sync undone
        const std::string p = rename::historyDir(dirAbs) + "/" + j.undoes + ".json";
        if (auto text = fs::FileSystem::readFile(p)) {
            auto orig = rename::Journal::fromJson(nlohmann::json::parse(*text, nullptr, false), p);
            if (orig) {
                orig->undoneBy = j.id;
                (void)m_fs.writeFileAtomic(p, orig->toJson().dump(1));
            }
        }
    }
    return report;
}

Result<SyncReport> SyncExecutor::undo(const std::string& dirAbs, const rename::Journal& sync)
{
    // An undo is a sync the other way: the same rewrites with the tails swapped, under its own journal.
    rename::Journal j;
    j.id = rename::newJournalId();
    j.kind = "unsync";
    j.created = rename::nowIso8601();
    j.directory = dirAbs;
    j.undoes = sync.id;
    for (auto w : sync.rewrites) {
        const std::string path = dirAbs + "/" + w.file;
        auto now = ranking::identityOf(path, false);
        if (!now || now->device != w.identity.device || (!w.whole && now->inode != w.identity.inode) || now->size != w.newSize)
            return Error(ErrorCode::FsIdentityChanged, "'" + w.file + "' changed since the sync; nothing was undone").inFile(dirAbs);
        std::swap(w.oldTail, w.newTail);
        std::swap(w.oldSize, w.newSize);
        w.identity = *now;
        j.rewrites.push_back(std::move(w));
    }
    if (auto st = writeJournal(dirAbs, j); !st)
        return std::move(st).error();
    auto r = recover(dirAbs, j, false);
    if (!r)
        return r;
    r->journalId = j.id;
    return r;
}

Result<std::string> undoLast(fs::FileSystem& fs, const std::string& dirAbs)
{
    auto history = rename::readHistory(dirAbs);
    if (!history)
        return std::move(history).error();
    const rename::Journal* last = nullptr;
    for (const auto& h : *history)
        if ((h.kind == "rename" || h.kind == "sync") && h.state == "applied" && h.undoneBy.empty())
            last = &h;
    if (!last)
        return Error(ErrorCode::NothingToUndo, "no applied rename or sync to undo in this folder").inFile(dirAbs);
    std::string said;
    if (last->kind == "sync") {
        SyncExecutor ex(fs);
        auto r = ex.undo(dirAbs, *last);
        if (!r)
            return std::move(r).error();
        said = "restored the embedded state of " + std::to_string(r->files) + " checkpoint(s)";
        if (last->pairedWith.empty())
            return said;
        bool pairedApplied = false;
        for (const auto& h : *history)
            pairedApplied |= h.id == last->pairedWith && h.state == "applied" && h.undoneBy.empty();
        if (!pairedApplied)
            return said;
    }
    rename::RenameExecutor rex(fs);
    auto r = rex.undo(dirAbs);
    if (!r)
        return std::move(r).error();
    return (said.empty() ? std::string() : said + "; ") + "moved " + std::to_string(r->moved.size()) + " checkpoint(s) back to their names";
}

Result<std::string> recoverAny(fs::FileSystem& fs, const std::string& dirAbs, bool rollback)
{
    auto j = rename::readInterrupted(dirAbs);
    if (!j)
        return std::move(j).error();
    if (!*j)
        return Error(ErrorCode::NothingToUndo, "nothing was interrupted here").inFile(dirAbs);
    if ((*j)->kind == "sync" || (*j)->kind == "unsync") {
        SyncExecutor ex(fs);
        auto r = ex.recover(dirAbs, **j, rollback);
        if (!r)
            return std::move(r).error();
        return std::string(rollback ? "rolled back" : "completed") + " the embedded-state rewrite " + (*j)->id + " (" +
               std::to_string(r->files) + " file(s))";
    }
    rename::RenameExecutor ex(fs);
    auto r = ex.recover(dirAbs, rollback);
    if (!r)
        return std::move(r).error();
    return r->action + " the rename " + r->journalId;
}

} // namespace podium::sync
