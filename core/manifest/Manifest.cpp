// SPDX-License-Identifier: GPL-3.0-or-later
#include "manifest/Manifest.h"

#include <ctime>
#include <set>
#include <filesystem>
#include <sstream>

namespace podium::manifest {

using nlohmann::json;

namespace {

std::string isoTime(std::int64_t ns)
{
    const std::time_t t = static_cast<std::time_t>(ns / 1000000000);
    std::tm tm {};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

std::string csvField(const std::string& s)
{
    if (s.find_first_of(",\"\n\r") == std::string::npos)
        return s;
    std::string out = "\"";
    for (char c : s) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

std::string scoreText(const checkpoint::Score& s)
{
    const json j = checkpoint::scoreJson(s);
    return j.is_null() ? std::string() : j.is_string() ? j.get<std::string>() : j.dump();
}

} // namespace

json toJson(const ManifestInput& in)
{
    json j;
    j["schema_version"] = kSchemaVersion;
    j["generator"] = {{"name", "podium"}, {"version", PODIUM_VERSION}};
    j["created"] = rename::nowIso8601();
    j["folder"] = in.ranking->folder;
    json groups = json::array();
    for (const auto& g : in.ranking->groups) {
        json o = ranking::toJson(g); // the `rank --json` group, plus file facts
        o["k"] = g.ranked.size();
        for (auto& r : o["ranked"]) {
            const std::string file = r["file"];
            if (const auto* f = in.scan ? in.scan->find(file) : nullptr) {
                r["size"] = f->identity.size;
                r["mtime"] = isoTime(f->identity.mtimeNs);
            }
            if (auto it = in.sha256.find(file); it != in.sha256.end())
                r["sha256"] = it->second;
        }
        groups.push_back(std::move(o));
    }
    j["groups"] = std::move(groups);
    json unranked = json::array(); // files of directories without a group: every checkpoint is listed once
    for (const auto& u : in.ranking->unranked)
        unranked.push_back({{"file", u.file}, {"reason", u.reason}});
    j["unranked"] = std::move(unranked);
    if (in.runs)
        j["runs"] = *in.runs;
    j["errors"] = ranking::errorsJson(*in.ranking);
    j["pin"] = in.pin ? json{{"file", in.pin->file}, {"link", in.pin->link.empty() ? json(nullptr) : json(in.pin->link)}, {"pinned_at", in.pin->pinnedAt}} : json(nullptr);
    json renames = json::array();
    for (const auto& [dir, h] : in.history) {
        json moves = json::array();
        for (const auto& m : h.moves)
            moves.push_back({{"from", m.from}, {"to", m.to}, {"rank", m.rank}});
        renames.push_back({{"id", h.id}, {"kind", h.kind}, {"created", h.created}, {"directory", dir},
                           {"state", h.state}, {"undoes", h.undoes.empty() ? json(nullptr) : json(h.undoes)},
                           {"undone_by", h.undoneBy.empty() ? json(nullptr) : json(h.undoneBy)}, {"moves", moves}});
    }
    j["renames"] = std::move(renames);
    return j;
}

std::string toCsv(const ManifestInput& in)
{
    std::ostringstream out;
    out << "group,monitor,mode,rank,file,score,score_source,epoch,global_step,size,mtime,sha256,status\n";
    for (const auto& g : in.ranking->groups) {
        auto row = [&](const std::string& rank, const std::string& file, const std::string& score, const std::string& src,
                       const std::string& epoch, const std::string& step, const std::string& status) {
            const auto* f = in.scan ? in.scan->find(file) : nullptr;
            auto h = in.sha256.find(file);
            out << csvField(g.stateKey) << ',' << csvField(g.monitor) << ',' << checkpoint::modeName(g.mode) << ','
                << rank << ',' << csvField(file) << ',' << score << ',' << src << ',' << epoch << ',' << step << ','
                << (f ? std::to_string(f->identity.size) : "") << ',' << (f ? isoTime(f->identity.mtimeNs) : "") << ','
                << (h != in.sha256.end() ? h->second : "") << ',' << csvField(status) << '\n';
        };
        for (const auto& e : g.ranked)
            row(std::to_string(e.rank), e.file, scoreText(e.score), e.scoreSource, e.epoch ? std::to_string(*e.epoch) : "",
                e.globalStep ? std::to_string(*e.globalStep) : "", "ranked");
        for (const auto& u : g.unranked)
            row("", u.file, "", "", "", "", "unranked: " + u.reason);
    }
    for (const auto& u : in.ranking->unranked) { // directories without a group
        const auto* f = in.scan ? in.scan->find(u.file) : nullptr;
        out << ",,,," << csvField(u.file) << ",,,,," << (f ? std::to_string(f->identity.size) : "") << ','
            << (f ? isoTime(f->identity.mtimeNs) : "") << ",," << csvField("unranked: " + u.reason) << '\n';
    }
    return out.str();
}

Status write(fs::FileSystem& fs, const std::string& path, std::string_view bytes)
{
    return fs.writeFileAtomic(path, bytes);
}

std::string pinPath(const std::string& dirAbs)
{
    return rename::journalDir(dirAbs) + "/pin.json";
}

Result<std::optional<Pin>> readPin(const std::string& dirAbs, const std::string& dirRel)
{
    const std::string p = pinPath(dirAbs);
    if (!fs::FileSystem::exists(p))
        return std::optional<Pin>{};
    auto text = fs::FileSystem::readFile(p);
    if (!text)
        return std::move(text).error();
    const auto j = json::parse(*text, nullptr, false);
    auto rel = [&](const std::string& name) { return dirRel.empty() ? name : dirRel + "/" + name; };
    // on S3 (no links) the record names the pinned object itself
    if (!j.is_discarded() && j.contains("file") && j["file"].is_string() && (!j.contains("link") || j["link"].is_null()))
        return std::optional<Pin>(Pin{rel(j["file"]), "", j.value("pinned_at", "")});
    if (j.is_discarded() || !j.contains("link") || !j["link"].is_string())
        return Error(ErrorCode::JournalBad, "not a pin record").inFile(p);
    const std::string link = j["link"];
    // the pinned file is the link's target
    std::error_code ec;
    const std::string target = std::filesystem::read_symlink(dirAbs + "/" + link, ec).string();
    return std::optional<Pin>(Pin{ec ? std::string() : rel(target), rel(link), j.value("pinned_at", "")});
}

namespace {

/// The folder-relative directories that hold scanned files ("" = the folder itself), sorted.
std::set<std::string> scannedDirectories(const ranking::ScanResult& scan)
{
    std::set<std::string> dirs{""};
    for (const auto& f : scan.files)
        dirs.insert(std::filesystem::path(f.relPath).parent_path().generic_string());
    return dirs;
}

std::string absoluteDir(const ranking::ScanResult& scan, const std::string& rel)
{
    return rel.empty() ? scan.folder : scan.folder + "/" + rel;
}

} // namespace

void readFolderRecords(ManifestInput& in, const ranking::ScanResult& scan)
{
    for (const auto& d : scannedDirectories(scan)) {
        const std::string abs = absoluteDir(scan, d);
        if (auto h = rename::readHistory(abs); h)
            for (auto& j : *h)
                in.history.emplace_back(d, std::move(j));
        if (auto p = readPin(abs, d); p && *p)
            in.pin = **p;
    }
}

std::optional<std::pair<Pin, std::string>> findPin(const ranking::ScanResult& scan)
{
    for (const auto& d : scannedDirectories(scan)) {
        const std::string abs = absoluteDir(scan, d);
        if (auto p = readPin(abs, d); p && *p)
            return std::make_pair(**p, abs);
    }
    return std::nullopt;
}

} // namespace podium::manifest
