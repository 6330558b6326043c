// SPDX-License-Identifier: GPL-3.0-or-later
#include "remote/S3Journal.h"

#include "fs/FileSystem.h"

#include <cstdlib>
#include <filesystem>
#include <set>

namespace podium::remote {

std::string s3StateRoot()
{
    if (const char* x = std::getenv("XDG_STATE_HOME"); x && *x == '/')
        return std::string(x) + "/podium/s3";
    const char* home = std::getenv("HOME");
    return std::string(home && *home ? home : "/tmp") + "/.local/state/podium/s3";
}

S3Journal::S3Journal(S3Store& store, std::string dir) : m_store(store), m_dir(std::move(dir))
{
    std::string key = store.prefix() + (m_dir.empty() ? "" : m_dir + "/");
    if (!key.empty() && key.back() == '/')
        key.pop_back();
    m_local = s3StateRoot() + "/" + store.bucket() + (key.empty() ? "" : "/" + key);
}

std::string S3Journal::url() const
{
    return m_store.location() + (m_dir.empty() ? "" : "/" + m_dir);
}

Status S3Journal::pull()
{
    auto& fsys = fs::FileSystem::real();
    auto listed = m_store.listUnder(rel(".podium/"), true);
    if (!listed)
        return std::move(listed).error();
    const std::string live = rel(".podium/journal.json"), history = rel(".podium/history/");
    std::set<std::string> inBucket;
    bool liveInBucket = false;
    for (const auto& o : *listed) {
        const bool isLive = o.rel == live;
        const bool isHistory = o.rel.starts_with(history) && o.rel.ends_with(".json") &&
                               o.rel.find('/', history.size()) == std::string::npos;
        if (!isLive && !isHistory)
            continue; // sync tails are read when needed
        auto bytes = m_store.fetch(o);
        if (!bytes)
            return std::move(bytes).error();
        const std::string local = m_local + "/" + o.rel.substr(m_dir.empty() ? 0 : m_dir.size() + 1);
        if (auto st = fsys.makeDirectories(std::filesystem::path(local).parent_path().string()); !st)
            return st;
        if (auto st = fsys.writeFileAtomic(local, std::string_view(reinterpret_cast<const char*>(bytes->data()), bytes->size())); !st)
            return st;
        if (isLive)
            liveInBucket = true;
        else
            inBucket.insert(o.rel.substr(history.size()));
    }
    // the bucket is authoritative: what it no longer has (finished elsewhere, pruned) leaves the copy
    if (!liveInBucket && fs::FileSystem::exists(rename::journalPath(m_local)))
        if (auto st = fsys.remove(rename::journalPath(m_local)); !st)
            return st;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(rename::historyDir(m_local), ec))
        if (e.path().extension() == ".json" && !inBucket.count(e.path().filename().string()))
            if (auto st = fsys.remove(e.path().string()); !st)
                return st;
    return {};
}

Status S3Journal::putFile(const std::string& name, std::string_view bytes)
{
    if (auto st = m_store.put(rel(name), bytes); !st)
        return st;
    auto& fsys = fs::FileSystem::real();
    const std::string local = m_local + "/" + name;
    if (auto st = fsys.makeDirectories(std::filesystem::path(local).parent_path().string()); !st)
        return st;
    return fsys.writeFileAtomic(local, bytes);
}

Result<std::vector<std::uint8_t>> S3Journal::getFile(const std::string& name)
{
    auto o = m_store.object(rel(name));
    if (o) {
        auto bytes = m_store.fetch(*o);
        if (bytes)
            return bytes;
    }
    auto text = fs::FileSystem::readFile(m_local + "/" + name);
    if (!text)
        return o ? Error(ErrorCode::JournalBad, "cannot be read from the bucket nor from the local copy").inFile(url() + "/" + name)
                 : std::move(o).error();
    return std::vector<std::uint8_t>(text->begin(), text->end());
}

Status S3Journal::write(const rename::Journal& journal)
{
    return putFile(".podium/journal.json", journal.toJson().dump(1));
}

Status S3Journal::writeHistory(const rename::Journal& journal)
{
    return putFile(".podium/history/" + journal.id + ".json", journal.toJson().dump(1));
}

Status S3Journal::markUndone(const std::string& undone, const std::string& by)
{
    auto history = rename::readHistory(m_local);
    if (!history)
        return std::move(history).error();
    for (auto& h : *history)
        if (h.id == undone) {
            h.undoneBy = by;
            return writeHistory(h);
        }
    return {};
}

Status S3Journal::requireNoInterrupted() const
{
    auto open = rename::readInterrupted(m_local);
    if (!open)
        return std::move(open).error();
    if (*open)
        return Error(ErrorCode::JournalInterrupted, "an interrupted " + ((*open)->kind.empty() ? std::string("operation") : (*open)->kind) +
                                                        " (" + (*open)->id + ") must be recovered first: podium-cli recover " + url())
            .inFile(url());
    return {};
}

Status S3Journal::finish(const rename::Journal& journal)
{
    // history first, then the live journal goes: a crash in between leaves both, and recovery finds every
    // step done and finishes again
    if (auto st = writeHistory(journal); !st)
        return st;
    if (auto st = m_store.remove(rel(".podium/journal.json")); !st)
        return st;
    if (fs::FileSystem::exists(rename::journalPath(m_local)))
        return fs::FileSystem::real().remove(rename::journalPath(m_local));
    return {};
}

} // namespace podium::remote
