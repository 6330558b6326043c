// SPDX-License-Identifier: GPL-3.0-or-later
#include "remote/S3SyncExecutor.h"

#include "remote/RemoteSource.h"
#include "remote/S3RenameExecutor.h"

#include <algorithm>

namespace podium::remote {

using rename::Journal;
using rename::JournalRewrite;

namespace {

std::string relIn(const std::string& dir, const std::string& name) { return dir.empty() ? name : dir + "/" + name; }

/// A small object holding the name of a checkpoint beside it (a link stored as text): not a checkpoint to sync.
bool isTextLink(S3Store& store, const RemoteObject& o)
{
    if (o.size == 0 || o.size > 4096)
        return false;
    auto bytes = store.fetch(o);
    if (!bytes)
        return false;
    std::string text(bytes->begin(), bytes->end());
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
        text.pop_back();
    return text.ends_with(".ckpt") && std::all_of(text.begin(), text.end(), [](unsigned char c) { return c >= 0x20 && c < 0x7f; });
}

} // namespace

sync::SyncPlan planS3Sync(S3Store& store, const std::string& dir, const std::map<std::string, RemoteObject>& objects,
                          sync::SyncConfig config)
{
    S3Journal journal(store, dir);
    sync::SyncPlan plan;
    plan.directory = journal.url();
    if (!config.renamed) {
        std::map<std::string, std::string> map;
        if (auto st = journal.pull(); !st)
            plan.skipped.push_back(st.error());
        else if (auto m = rename::renameMap(journal.localDir()); !m)
            plan.skipped.push_back(m.error());
        else
            map = std::move(*m);
        config.renamed = std::move(map);
    }
    for (const auto& [name, o] : objects) {
        if (!name.ends_with(".ckpt") || name.find('/') != std::string::npos)
            continue;
        RemoteObject object = o;
        object.rel = relIn(dir, name);
        RemoteSource src(store, object);
        auto f = sync::planSourceSync(src, name, {0, 0, o.size, o.mtimeNs}, plan.directory, config);
        if (!f) {
            if (!isTextLink(store, object))
                plan.skipped.push_back(std::move(f).error().inFile(o.url));
            continue;
        }
        if (!f->changes.empty())
            plan.files.push_back(std::move(*f));
    }
    return plan;
}

Result<S3SyncExecutor::FileState> S3SyncExecutor::stateOf(S3Journal& journal, const JournalRewrite& w,
                                                          const std::vector<std::uint8_t>& oldBytes,
                                                          const std::vector<std::uint8_t>& newBytes)
{
    auto o = m_store.object(journal.rel(w.file));
    if (!o)
        return std::move(o).error();
    auto matches = [&](const std::vector<std::uint8_t>& bytes) -> Result<bool> {
        if (o->size < w.keep + bytes.size())
            return false;
        auto at = m_store.readRange(journal.rel(w.file), w.keep, w.keep + bytes.size());
        if (!at)
            return std::move(at).error();
        return *at == bytes;
    };
    if (o->size == w.newSize) {
        auto m = matches(newBytes);
        if (!m)
            return std::move(m).error();
        if (*m)
            return FileState::New;
    }
    if (o->size == w.oldSize) {
        auto m = matches(oldBytes);
        if (!m)
            return std::move(m).error();
        if (*m)
            return FileState::Old;
    }
    return FileState::Unknown;
}

Result<std::uint64_t> S3SyncExecutor::rewrite(S3Journal& journal, const JournalRewrite& w, const std::vector<std::uint8_t>& from,
                                              const std::vector<std::uint8_t>& to)
{
    auto o = m_store.object(journal.rel(w.file));
    if (!o)
        return std::move(o).error();
    std::vector<Segment> segments{Segment{0, w.keep, {}}, Segment{0, 0, to}};
    if (w.keep + from.size() < o->size)
        segments.push_back(Segment{w.keep + from.size(), o->size, {}});
    std::uint64_t uploaded = 0;
    auto etag = m_store.writeSpliced(journal.rel(w.file), journal.rel(w.file), o->etag, segments, &uploaded);
    if (!etag)
        return std::move(etag).error();
    return uploaded;
}

Result<sync::SyncReport> S3SyncExecutor::run(S3Journal& journal, Journal& j)
{
    if (auto st = crash("journal"); !st)
        return std::move(st).error();
    if (auto st = journal.write(j); !st)
        return std::move(st).error();
    sync::SyncReport rep;
    rep.journalId = j.id;
    for (std::size_t i = 0; i < j.rewrites.size(); ++i) {
        const auto& w = j.rewrites[i];
        auto oldBytes = journal.getFile(w.oldTail);
        if (!oldBytes)
            return std::move(oldBytes).error();
        auto newBytes = journal.getFile(w.newTail);
        if (!newBytes)
            return std::move(newBytes).error();
        if (auto st = crash("write"); !st)
            return std::move(st).error();
        auto up = rewrite(journal, w, *oldBytes, *newBytes);
        if (!up) {
            Error e = std::move(up).error();
            e.detail += " (the rewrite stopped after " + std::to_string(i) + " of " + std::to_string(j.rewrites.size()) +
                        " files; run `podium-cli recover " + journal.url() + "`)";
            return e;
        }
        rep.bytesWritten += *up;
        ++rep.files;
        j.completed = i + 1;
        if (auto st = crash("journal"); !st)
            return std::move(st).error();
        if (auto st = journal.write(j); !st)
            return std::move(st).error();
    }
    j.state = "applied";
    if (auto st = crash("history"); !st)
        return std::move(st).error();
    if (auto st = journal.finish(j); !st)
        return std::move(st).error();
    return rep;
}

Result<sync::SyncReport> S3SyncExecutor::apply(const std::string& dir, const sync::SyncPlan& plan,
                                               const std::map<std::string, RemoteObject>& objects, const std::string& pairedWith,
                                               bool rebased)
{
    S3Journal journal(m_store, dir);
    if (auto st = journal.pull(); !st)
        return std::move(st).error();
    if (auto st = journal.requireNoInterrupted(); !st)
        return std::move(st).error();
    if (plan.empty())
        return sync::SyncReport{};
    Journal j;
    j.id = rename::newJournalId();
    j.kind = "sync";
    j.created = rename::nowIso8601();
    j.directory = journal.url();
    j.pairedWith = pairedWith;
    j.rebased = rebased;
    for (const auto& f : plan.files) {
        auto listed = objects.find(f.file);
        auto now = m_store.object(journal.rel(f.file));
        if (!now)
            return std::move(now).error();
        if (listed == objects.end() || listed->second.etag != now->etag || now->size != f.identity.size)
            return Error(ErrorCode::FsIdentityChanged, "'" + f.file + "' changed since it was read; nothing was rewritten (scan again)")
                .inFile(journal.url());
        JournalRewrite w;
        w.file = f.file;
        w.identity = f.identity;
        w.etag = now->etag;
        w.oldSize = now->size;
        w.edits = f.edits;
        w.whole = f.whole;
        std::vector<std::uint8_t> newBytes;
        std::uint64_t oldEnd = 0;
        if (f.whole) { // legacy: the main pickle is replaced, what follows it shifts
            w.keep = f.spliceFrom;
            oldEnd = f.spliceTo;
            newBytes = f.replacement;
        } else {
            w.keep = f.rewrite.keepBytes;
            oldEnd = now->size;
            newBytes = f.rewrite.tail;
        }
        w.newSize = w.oldSize - (oldEnd - w.keep) + newBytes.size();
        auto oldBytes = m_store.readRange(journal.rel(f.file), w.keep, oldEnd);
        if (!oldBytes)
            return std::move(oldBytes).error();
        w.oldTail = ".podium/sync/" + j.id + "/" + f.file + ".old";
        w.newTail = ".podium/sync/" + j.id + "/" + f.file + ".new";
        if (auto st = crash("tails"); !st)
            return std::move(st).error();
        if (auto st = journal.putFile(w.oldTail, std::string_view(reinterpret_cast<const char*>(oldBytes->data()), oldBytes->size())); !st)
            return std::move(st).error();
        if (auto st = journal.putFile(w.newTail, std::string_view(reinterpret_cast<const char*>(newBytes.data()), newBytes.size())); !st)
            return std::move(st).error();
        j.rewrites.push_back(std::move(w));
    }
    return run(journal, j);
}

Result<sync::SyncReport> S3SyncExecutor::undo(const std::string& dir, const Journal& sync)
{
    S3Journal journal(m_store, dir);
    if (auto st = journal.pull(); !st)
        return std::move(st).error();
    Journal j;
    j.id = rename::newJournalId();
    j.kind = "unsync";
    j.created = rename::nowIso8601();
    j.directory = journal.url();
    j.undoes = sync.id;
    for (const auto& w : sync.rewrites) {
        auto oldBytes = journal.getFile(w.oldTail);
        if (!oldBytes)
            return std::move(oldBytes).error();
        auto newBytes = journal.getFile(w.newTail);
        if (!newBytes)
            return std::move(newBytes).error();
        auto state = stateOf(journal, w, *oldBytes, *newBytes);
        if (!state)
            return std::move(state).error();
        if (*state != FileState::New)
            return Error(ErrorCode::FsIdentityChanged, "'" + w.file + "' is no longer what the sync wrote; nothing was undone")
                .inFile(journal.url());
        auto now = m_store.object(journal.rel(w.file));
        if (!now)
            return std::move(now).error();
        JournalRewrite back = w;
        back.oldSize = w.newSize;
        back.newSize = w.oldSize;
        back.oldTail = w.newTail;
        back.newTail = w.oldTail;
        back.etag = now->etag;
        back.identity.size = now->size;
        j.rewrites.push_back(std::move(back));
    }
    auto rep = run(journal, j);
    if (!rep)
        return rep;
    if (auto st = journal.markUndone(sync.id, j.id); !st)
        return std::move(st).error();
    return rep;
}

Result<sync::SyncReport> S3SyncExecutor::recover(const std::string& dir, const Journal& interrupted, bool rollback)
{
    S3Journal journal(m_store, dir);
    Journal j = interrupted;
    sync::SyncReport rep;
    rep.journalId = j.id;
    for (const auto& w : j.rewrites) {
        auto oldBytes = journal.getFile(w.oldTail);
        if (!oldBytes)
            return std::move(oldBytes).error();
        auto newBytes = journal.getFile(w.newTail);
        if (!newBytes)
            return std::move(newBytes).error();
        auto state = stateOf(journal, w, *oldBytes, *newBytes);
        if (!state)
            return std::move(state).error();
        if (*state == FileState::Unknown)
            return Error(ErrorCode::JournalBad, "'" + w.file + "' holds neither the bytes before the rewrite nor after it: "
                                                "the bucket changed since; fix it by hand (nothing was changed)").inFile(journal.url());
        const bool wantNew = !rollback;
        if ((*state == FileState::New) == wantNew)
            continue;
        if (auto st = crash("write"); !st)
            return std::move(st).error();
        auto up = wantNew ? rewrite(journal, w, *oldBytes, *newBytes) : rewrite(journal, w, *newBytes, *oldBytes);
        if (!up)
            return std::move(up).error();
        rep.bytesWritten += *up;
        ++rep.files;
    }
    j.state = rollback ? "rolled_back" : "applied";
    j.completed = rollback ? 0 : j.rewrites.size();
    if (auto st = crash("history"); !st)
        return std::move(st).error();
    if (auto st = journal.finish(j); !st)
        return std::move(st).error();
    if (j.kind == "unsync" && !rollback && !j.undoes.empty())
        if (auto st = journal.markUndone(j.undoes, j.id); !st)
            return std::move(st).error();
    return rep;
}

Result<std::string> undoLastS3(S3Store& store, const std::string& dir)
{
    S3Journal journal(store, dir);
    if (auto st = journal.pull(); !st)
        return std::move(st).error();
    if (auto st = journal.requireNoInterrupted(); !st)
        return std::move(st).error();
    auto history = rename::readHistory(journal.localDir());
    if (!history)
        return std::move(history).error();
    const Journal* last = nullptr;
    for (const auto& h : *history)
        if ((h.kind == "rename" || h.kind == "sync") && h.state == "applied" && h.undoneBy.empty())
            last = &h;
    if (!last)
        return Error(ErrorCode::NothingToUndo, "no applied rename or sync to undo here").inFile(journal.url());
    std::string said;
    if (last->kind == "sync") {
        S3SyncExecutor ex(store);
        auto r = ex.undo(dir, *last);
        if (!r)
            return std::move(r).error();
        said = "restored the embedded state of " + std::to_string(r->files) + " checkpoint(s)";
        bool pairedApplied = false;
        for (const auto& h : *history)
            pairedApplied |= !last->pairedWith.empty() && h.id == last->pairedWith && h.state == "applied" && h.undoneBy.empty();
        if (!pairedApplied)
            return said;
    }
    S3RenameExecutor rex(store);
    auto r = rex.undo(dir);
    if (!r)
        return std::move(r).error();
    return (said.empty() ? std::string() : said + "; ") + "moved " + std::to_string(r->moved.size()) + " checkpoint(s) back to their names";
}

Result<std::string> recoverAnyS3(S3Store& store, const std::string& dir, bool rollback)
{
    S3Journal journal(store, dir);
    if (auto st = journal.pull(); !st)
        return std::move(st).error();
    auto j = rename::readInterrupted(journal.localDir());
    if (!j)
        return std::move(j).error();
    if (!*j)
        return Error(ErrorCode::NothingToUndo, "nothing was interrupted here").inFile(journal.url());
    if ((*j)->kind == "sync" || (*j)->kind == "unsync") {
        S3SyncExecutor ex(store);
        auto r = ex.recover(dir, **j, rollback);
        if (!r)
            return std::move(r).error();
        return std::string(rollback ? "rolled back" : "completed") + " the embedded-state rewrite " + (*j)->id + " (" +
               std::to_string(r->files) + " file(s))";
    }
    S3RenameExecutor ex(store);
    auto r = ex.recover(dir, rollback);
    if (!r)
        return std::move(r).error();
    return r->action + " the rename " + r->journalId;
}

} // namespace podium::remote
