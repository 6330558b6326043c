// SPDX-License-Identifier: GPL-3.0-or-later
#include "rename/RenameJournal.h"

#include "fs/FileSystem.h"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <random>
#include <set>

namespace podium::rename {

using nlohmann::json;

std::string journalDir(const std::string& dir) { return dir + "/.podium"; }
std::string journalPath(const std::string& dir) { return journalDir(dir) + "/journal.json"; }
std::string historyDir(const std::string& dir) { return journalDir(dir) + "/history"; }

std::string nowIso8601()
{
    const std::time_t t = std::time(nullptr);
    std::tm tm {};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

std::string newJournalId()
{
    // Sortable by time to the nanosecond (history is read in this order), then a random tail.
    timespec ts {};
    clock_gettime(CLOCK_REALTIME, &ts);
    std::tm tm {};
    gmtime_r(&ts.tv_sec, &tm);
    char buf[48];
    std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%S", &tm);
    std::random_device rd;
    char suffix[32];
    std::snprintf(suffix, sizeof suffix, ".%09ldZ-%04x", static_cast<long>(ts.tv_nsec), rd() & 0xFFFF);
    return std::string(buf) + suffix;
}

json Journal::toJson() const
{
    json j;
    j["format"] = "podium-rename-journal";
    j["version"] = 1;
    j["id"] = id;
    j["kind"] = kind;
    j["created"] = created;
    j["directory"] = directory;
    j["monitor"] = monitor;
    j["state"] = state;
    j["undoes"] = undoes.empty() ? json(nullptr) : json(undoes);
    j["undone_by"] = undoneBy.empty() ? json(nullptr) : json(undoneBy);
    json ms = json::array();
    for (const auto& m : moves) {
        ms.push_back({{"from", m.from}, {"to", m.to}, {"rank", m.rank},
                      {"identity", {{"device", m.identity.device}, {"inode", m.identity.inode},
                                    {"size", m.identity.size}, {"mtime_ns", m.identity.mtimeNs}}}});
        if (!m.etag.empty())
            ms.back()["etag"] = m.etag;
    }
    j["moves"] = std::move(ms);
    json ss = json::array();
    for (const auto& s : steps)
        ss.push_back({{"from", s.from}, {"to", s.to}, {"move", s.move}});
    j["steps"] = std::move(ss);
    j["completed"] = completed;
    if (!rewrites.empty() || kind == "sync" || kind == "unsync") {
        json rs = json::array();
        for (const auto& w : rewrites) {
            rs.push_back({{"file", w.file}, {"keep", w.keep}, {"old_size", w.oldSize}, {"new_size", w.newSize},
                          {"old_tail", w.oldTail}, {"new_tail", w.newTail}, {"edits", w.edits}, {"whole", w.whole},
                          {"identity", {{"device", w.identity.device}, {"inode", w.identity.inode},
                                        {"size", w.identity.size}, {"mtime_ns", w.identity.mtimeNs}}}});
            if (!w.etag.empty())
                rs.back()["etag"] = w.etag;
        }
        j["rewrites"] = std::move(rs);
        j["paired_with"] = pairedWith.empty() ? json(nullptr) : json(pairedWith);
        j["rebased"] = rebased;
    }
    return j;
}

Result<Journal> Journal::fromJson(const json& j, const std::string& file)
{
    try {
        if (j.at("format") != "podium-rename-journal" || j.at("version").get<int>() != 1)
            return Error(ErrorCode::JournalBad, "not a podium rename journal of version 1").inFile(file);
        Journal r;
        r.id = j.at("id");
        r.kind = j.at("kind");
        r.created = j.value("created", "");
        r.directory = j.at("directory");
        r.monitor = j.value("monitor", "");
        r.state = j.at("state");
        if (j.contains("undoes") && j["undoes"].is_string()) r.undoes = j["undoes"];
        if (j.contains("undone_by") && j["undone_by"].is_string()) r.undoneBy = j["undone_by"];
        for (const auto& m : j.at("moves")) {
            JournalMove jm;
            jm.from = m.at("from");
            jm.to = m.at("to");
            jm.rank = m.value("rank", 0);
            const auto& id = m.at("identity");
            jm.identity = {id.at("device"), id.at("inode"), id.at("size"), id.at("mtime_ns")};
            jm.etag = m.value("etag", "");
            r.moves.push_back(std::move(jm));
        }
        for (const auto& s : j.at("steps")) {
            Step st{s.at("from"), s.at("to"), s.at("move")};
            if (st.move >= r.moves.size())
                return Error(ErrorCode::JournalBad, "a step names move " + std::to_string(st.move) + " of " +
                                                        std::to_string(r.moves.size())).inFile(file);
            r.steps.push_back(std::move(st));
        }
        r.completed = j.value("completed", std::size_t{0});
        if (j.contains("rewrites"))
            for (const auto& w : j.at("rewrites")) {
                JournalRewrite jw;
                jw.file = w.at("file");
                jw.keep = w.at("keep");
                jw.oldSize = w.at("old_size");
                jw.newSize = w.at("new_size");
                jw.oldTail = w.at("old_tail");
                jw.newTail = w.at("new_tail");
                jw.edits = w.value("edits", std::size_t{0});
                jw.whole = w.value("whole", false);
                const auto& id = w.at("identity");
                jw.identity = {id.at("device"), id.at("inode"), id.at("size"), id.at("mtime_ns")};
                jw.etag = w.value("etag", "");
                r.rewrites.push_back(std::move(jw));
            }
        if (j.contains("paired_with") && j["paired_with"].is_string()) r.pairedWith = j["paired_with"];
        r.rebased = j.value("rebased", false);
        return r;
    } catch (const std::exception& e) {
        return Error(ErrorCode::JournalBad, std::string("malformed journal: ") + e.what()).inFile(file);
    }
}

static Result<Journal> readJournalFile(const std::string& path)
{
    auto text = fs::FileSystem::readFile(path);
    if (!text)
        return Error(ErrorCode::JournalBad, text.error().detail).inFile(path);
    const auto j = json::parse(*text, nullptr, false);
    if (j.is_discarded())
        return Error(ErrorCode::JournalBad, "not valid JSON").inFile(path);
    return Journal::fromJson(j, path);
}

Result<std::map<std::string, std::string>> renameMap(const std::string& dir)
{
    auto history = readHistory(dir);
    if (!history)
        return std::move(history).error();
    std::map<std::string, std::string> now; // original -> current
    // A sync rewrote the embedded names to the names of its time: start after the last one in effect
    // (an undone sync restored the names from before it, so it does not count).
    std::size_t from = 0;
    for (std::size_t i = 0; i < history->size(); ++i) {
        const auto& j = (*history)[i];
        if (j.kind == "sync" && j.state == "applied" && j.undoneBy.empty())
            from = i + 1;
    }
    for (std::size_t i = from; i < history->size(); ++i) {
        const auto& j = (*history)[i];
        if (j.state != "applied" || j.kind == "sync" || j.kind == "unsync")
            continue;
        std::map<std::string, std::string> step;
        for (const auto& m : j.moves)
            step[m.from] = m.to;
        std::map<std::string, std::string> next;
        std::set<std::string> covered;
        for (const auto& [orig, cur] : now) {
            auto it = step.find(cur);
            next[orig] = it == step.end() ? cur : it->second;
            covered.insert(cur);
        }
        for (const auto& [from, to] : step)
            if (!covered.count(from))
                next[from] = to;
        now = std::move(next);
    }
    std::erase_if(now, [](const auto& p) { return p.first == p.second; });
    return now;
}

Result<std::map<std::string, std::string>> renameMapForScan(const ranking::ScanResult& scan)
{
    std::set<std::string> dirs{""};
    for (const auto& f : scan.files)
        dirs.insert(std::filesystem::path(f.relPath).parent_path().generic_string());
    std::map<std::string, std::string> out;
    for (const auto& d : dirs) {
        auto map = renameMap(d.empty() ? scan.folder : scan.folder + "/" + d);
        if (!map)
            return std::move(map).error();
        for (const auto& [from, to] : *map)
            out[d.empty() ? from : d + "/" + from] = d.empty() ? to : d + "/" + to;
    }
    return out;
}

Result<std::optional<Journal>> readInterrupted(const std::string& dir)
{
    const std::string p = journalPath(dir);
    if (!fs::FileSystem::exists(p))
        return std::optional<Journal>{};
    auto j = readJournalFile(p);
    if (!j)
        return std::move(j).error();
    return std::optional<Journal>(std::move(*j));
}

Result<std::vector<Journal>> readHistory(const std::string& dir)
{
    std::vector<Journal> out;
    std::error_code ec;
    const std::string h = historyDir(dir);
    if (!std::filesystem::is_directory(h, ec))
        return out;
    std::vector<std::string> files;
    for (const auto& e : std::filesystem::directory_iterator(h, ec))
        if (e.path().extension() == ".json")
            files.push_back(e.path().string());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
        auto j = readJournalFile(f);
        if (!j)
            return std::move(j).error();
        out.push_back(std::move(*j));
    }
    return out;
}

} // namespace podium::rename
