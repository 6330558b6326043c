// SPDX-License-Identifier: GPL-3.0-or-later
#include "remote/S3RenameExecutor.h"

#include <algorithm>
#include <chrono>
#include <set>

namespace podium::remote {

using rename::Journal;
using rename::JournalMove;
using rename::Step;

namespace {

std::string relIn(const std::string& dir, const std::string& name) { return dir.empty() ? name : dir + "/" + name; }

std::optional<RemoteObject> lookUp(S3Store& store, const std::string& rel, Status& failure)
{
    auto o = store.object(rel);
    if (o)
        return std::move(*o);
    if (o.error().code != ErrorCode::RemoteNotFound)
        failure = std::move(o).error();
    return std::nullopt;
}

} // namespace

bool S3RenameExecutor::sameObject(const RemoteObject& o, const JournalMove& move) const
{
    if (o.size != move.identity.size)
        return false;
    // a copy above the single-copy limit is a multipart upload, whose ETag is not the source's
    return o.etag == move.etag || move.identity.size > m_store.limits().copyMax;
}

Result<std::map<std::string, RemoteObject>> S3RenameExecutor::objectsIn(const std::string& dir)
{
    auto listed = m_store.listUnder(dir.empty() ? "" : dir + "/", false);
    if (!listed)
        return std::move(listed).error();
    std::map<std::string, RemoteObject> out;
    for (auto& o : *listed) {
        o.rel = o.rel.substr(dir.empty() ? 0 : dir.size() + 1);
        std::string name = o.rel;
        out.emplace(std::move(name), std::move(o));
    }
    return out;
}

std::vector<std::string> S3RenameExecutor::namesOf(const std::map<std::string, RemoteObject>& objects)
{
    std::vector<std::string> names;
    names.reserve(objects.size());
    for (const auto& entry : objects)
        names.push_back(entry.first);
    return names;
}

S3RenameExecutor::StepState S3RenameExecutor::stateOf(const std::string& dir, const Step& s, const JournalMove& m)
{
    Status failure;
    const auto from = lookUp(m_store, relIn(dir, s.from), failure);
    const auto to = lookUp(m_store, relIn(dir, s.to), failure);
    if (!failure)
        return StepState::Unknown;
    const bool atFrom = from && sameObject(*from, m), atTo = to && sameObject(*to, m);
    if (atFrom && atTo)
        return StepState::Copied;
    if (atFrom)
        return StepState::NotDone;
    if (atTo)
        return StepState::Done;
    return StepState::Unknown;
}

Status S3RenameExecutor::confirmAndDelete(const std::string& dir, const std::string& from, const std::string& to, const JournalMove& m)
{
    Status failure;
    const auto copied = lookUp(m_store, relIn(dir, to), failure);
    if (!failure)
        return failure;
    if (!copied || !sameObject(*copied, m))
        return Error(ErrorCode::RemoteNotConfirmed, "the copy of '" + from + "' at '" + to + "' is not the same object (size " +
                                                        (copied ? std::to_string(copied->size) + ", ETag " + copied->etag : std::string("none")) +
                                                        "; expected " + std::to_string(m.identity.size) + ", " + m.etag +
                                                        "): '" + from + "' was not deleted").inFile(m_store.location() + "/" + relIn(dir, from));
    if (auto st = crash("delete"); !st)
        return st;
    return m_store.remove(relIn(dir, from));
}

Status S3RenameExecutor::moveObject(const std::string& dir, const std::string& from, const std::string& to, const JournalMove& m)
{
    Status failure;
    if (const auto taken = lookUp(m_store, relIn(dir, to), failure); taken || !failure)
        return failure ? Error(ErrorCode::RemoteTaken, "'" + to + "' exists already (an object the rename did not expect): '" + from +
                                                           "' was not copied there").inFile(m_store.location() + "/" + relIn(dir, to))
                       : failure;
    // the source as it is now: the journal's object (a multipart copy of it has another ETag, which the copy's
    // condition must name)
    const auto source = lookUp(m_store, relIn(dir, from), failure);
    if (!failure)
        return failure;
    if (!source || !sameObject(*source, m))
        return Error(ErrorCode::FsIdentityChanged, "'" + from + "' is not the object the rename planned to move (" +
                                                       (source ? "ETag " + source->etag : std::string("gone")) + "); nothing was copied")
            .inFile(m_store.location() + "/" + relIn(dir, from));
    if (auto st = crash("copy"); !st)
        return st;
    auto etag = m_store.copy(relIn(dir, from), relIn(dir, to), m.identity.size, source->etag);
    if (!etag)
        return std::move(etag).error();
    return confirmAndDelete(dir, from, to, m);
}

Result<rename::ApplyReport> S3RenameExecutor::run(S3Journal& journal, Journal j)
{
    if (auto st = crash("journal"); !st)
        return std::move(st).error();
    if (auto st = journal.write(j); !st) // Note [journal before rename]
        return std::move(st).error();
    for (std::size_t i = 0; i < j.steps.size(); ++i) {
        const auto& s = j.steps[i];
        if (auto st = moveObject(journal.dir(), s.from, s.to, j.moves[s.move]); !st) {
            Error e = st.error();
            e.detail += " (the rename stopped after " + std::to_string(i) + " of " + std::to_string(j.steps.size()) +
                        " steps; run `podium-cli recover " + journal.url() + "` to complete or roll it back)";
            return e;
        }
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
    return rename::ApplyReport{j.id, j.moves};
}

Result<rename::ApplyReport> S3RenameExecutor::apply(const std::string& dir, const rename::RenamePlan& plan,
                                                    const std::map<std::string, RemoteObject>& objects, const S3ApplyOptions& options)
{
    S3Journal journal(m_store, dir);
    if (auto st = journal.pull(); !st)
        return std::move(st).error();
    if (auto st = journal.requireNoInterrupted(); !st)
        return std::move(st).error();
    if (plan.empty())
        return rename::ApplyReport{};
    if (!options.force) {
        const std::int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                     std::chrono::system_clock::now().time_since_epoch()).count();
        for (const auto& [name, o] : objects)
            if (name.ends_with(".ckpt") && o.mtimeNs && now - o.mtimeNs < options.activeSeconds * 1000000000LL)
                return Error(ErrorCode::FolderActive, "'" + name + "' was written less than " + std::to_string(options.activeSeconds) +
                                                          " s ago: training may still be writing (use --force)").inFile(journal.url());
    }
    Journal j;
    j.id = rename::newJournalId();
    j.kind = "rename";
    j.created = rename::nowIso8601();
    j.directory = journal.url();
    j.monitor = plan.monitor;
    for (const auto& m : plan.moves) {
        auto it = objects.find(m.from);
        auto now = m_store.object(relIn(dir, m.from));
        if (!now && now.error().code == ErrorCode::RemoteNotFound)
            return Error(ErrorCode::FsIdentityChanged, "'" + m.from + "' is gone since the scan; nothing was renamed").inFile(journal.url());
        if (!now)
            return std::move(now).error();
        if (it == objects.end() || it->second.etag != now->etag || it->second.size != now->size)
            return Error(ErrorCode::FsIdentityChanged, "'" + m.from + "' changed since the scan; nothing was renamed (scan again)")
                .inFile(journal.url());
        JournalMove jm{m.from, m.to, m.rank, {0, 0, now->size, now->mtimeNs}, now->etag};
        j.moves.push_back(std::move(jm));
    }
    j.steps = plan.steps;
    return run(journal, std::move(j));
}

Result<rename::RecoveryReport> S3RenameExecutor::recover(const std::string& dir, bool rollback)
{
    S3Journal journal(m_store, dir);
    if (auto st = journal.pull(); !st)
        return std::move(st).error();
    auto open = rename::readInterrupted(journal.localDir());
    if (!open)
        return std::move(open).error();
    if (!*open)
        return Error(ErrorCode::NothingToUndo, "no interrupted rename here").inFile(journal.url());
    Journal j = std::move(**open);
    std::vector<StepState> state(j.steps.size());
    for (std::size_t i = 0; i < j.steps.size(); ++i) {
        auto st = stateOf(dir, j.steps[i], j.moves[j.steps[i].move]);
        if (st == StepState::Unknown) {
            // an earlier step has not carried this object here yet (a temporary's second step): not done
            for (std::size_t k = i; k-- > 0;)
                if (j.steps[k].move == j.steps[i].move) {
                    if (state[k] == StepState::NotDone || state[k] == StepState::Copied)
                        st = StepState::NotDone;
                    break;
                }
            // a later step may already have carried this object on: then this one is done too
            for (std::size_t k = i + 1; st == StepState::Unknown && k < j.steps.size(); ++k)
                if (j.steps[k].move == j.steps[i].move) {
                    const auto later = stateOf(dir, j.steps[k], j.moves[j.steps[k].move]);
                    if (later == StepState::Done || later == StepState::Copied)
                        st = StepState::Done;
                }
            if (st == StepState::Unknown)
                return Error(ErrorCode::JournalBad, "'" + j.moves[j.steps[i].move].from + "' (ETag " + j.moves[j.steps[i].move].etag +
                                                        ") is neither at '" + j.steps[i].from + "' nor at '" + j.steps[i].to +
                                                        "': the bucket changed since the rename; fix it by hand (nothing was changed)")
                    .inFile(journal.url());
        }
        state[i] = st;
    }
    rename::RecoveryReport rep;
    rep.journalId = j.id;
    if (!rollback) {
        for (std::size_t i = 0; i < j.steps.size(); ++i) {
            const auto& s = j.steps[i];
            const auto& m = j.moves[s.move];
            Status st;
            if (state[i] == StepState::NotDone)
                st = moveObject(dir, s.from, s.to, m);
            else if (state[i] == StepState::Copied)
                st = confirmAndDelete(dir, s.from, s.to, m);
            else
                continue;
            if (!st)
                return std::move(st).error();
            ++rep.stepsDone;
        }
        j.completed = j.steps.size();
        j.state = "applied";
        rep.action = "completed";
    } else {
        for (std::size_t i = j.steps.size(); i-- > 0;) {
            const auto& s = j.steps[i];
            const auto& m = j.moves[s.move];
            Status st;
            if (state[i] == StepState::Done)
                st = moveObject(dir, s.to, s.from, m);
            else if (state[i] == StepState::Copied) { // the source is intact: the copy goes
                if (st = crash("delete"); st)
                    st = m_store.remove(relIn(dir, s.to));
            } else
                continue;
            if (!st)
                return std::move(st).error();
            ++rep.stepsDone;
        }
        j.completed = 0;
        j.state = "rolled_back";
        rep.action = "rolled back";
    }
    if (auto st = crash("history"); !st)
        return std::move(st).error();
    if (auto st = journal.finish(j); !st)
        return std::move(st).error();
    if (j.kind == "undo" && j.state == "applied" && !j.undoes.empty())
        if (auto st = journal.markUndone(j.undoes, j.id); !st)
            return std::move(st).error();
    return rep;
}

Result<rename::ApplyReport> S3RenameExecutor::undo(const std::string& dir)
{
    S3Journal journal(m_store, dir);
    if (auto st = journal.pull(); !st)
        return std::move(st).error();
    if (auto st = journal.requireNoInterrupted(); !st)
        return std::move(st).error();
    auto history = rename::readHistory(journal.localDir());
    if (!history)
        return std::move(history).error();
    const Journal* last = nullptr;
    for (const auto& h : *history)
        if (h.kind == "rename" && h.state == "applied" && h.undoneBy.empty())
            last = &h;
    if (!last)
        return Error(ErrorCode::NothingToUndo, "no applied rename to undo here").inFile(journal.url());
    auto present = objectsIn(dir);
    if (!present)
        return std::move(present).error();
    const std::map<std::string, RemoteObject>& byName = *present;
    const std::vector<std::string> names = namesOf(byName);
    Journal j;
    j.id = rename::newJournalId();
    j.kind = "undo";
    j.created = rename::nowIso8601();
    j.directory = journal.url();
    j.monitor = last->monitor;
    j.undoes = last->id;
    std::set<std::string> leaving;
    for (const auto& m : last->moves)
        leaving.insert(m.to);
    std::vector<rename::Move> moves;
    for (const auto& m : last->moves) {
        auto it = byName.find(m.to);
        if (it == byName.end() || !sameObject(it->second, m))
            return Error(ErrorCode::FsIdentityChanged, "'" + m.to + "' is no longer the object the rename moved there; nothing was undone")
                .inFile(journal.url());
        if (byName.count(m.from) && !leaving.count(m.from))
            return Error(ErrorCode::PlanConflict, "the original name '" + m.from + "' is taken again; nothing was undone").inFile(journal.url());
        moves.push_back({m.to, m.from, m.rank});
        j.moves.push_back({m.to, m.from, m.rank, {0, 0, it->second.size, it->second.mtimeNs}, it->second.etag});
    }
    j.steps = rename::orderSteps(moves, names, j.id);
    const std::string undone = last->id;
    auto r = run(journal, std::move(j));
    if (!r)
        return r;
    if (auto st = journal.markUndone(undone, r->journalId); !st)
        return std::move(st).error();
    return r;
}

} // namespace podium::remote
