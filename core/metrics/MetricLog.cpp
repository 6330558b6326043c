// SPDX-License-Identifier: GPL-3.0-or-later
#include "metrics/MetricLog.h"

#include "metrics/CsvLog.h"
#include "metrics/EventFile.h"
#include "checkpoint/Checkpoint.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>
#include <sstream>

namespace podium::metrics {

namespace fsys = std::filesystem;
using nlohmann::json;

namespace {

constexpr int kMaxDirectories = 4000;

bool isEventFile(const std::string& name)
{
    return name.rfind("events.out.tfevents.", 0) == 0;
}

/// -1 unless `name` is version_<N>.
long versionNumber(const std::string& name)
{
    if (name.rfind("version_", 0) != 0 || name.size() == 8)
        return -1;
    for (std::size_t i = 8; i < name.size(); ++i)
        if (name[i] < '0' || name[i] > '9')
            return -1;
    return std::strtol(name.c_str() + 8, nullptr, 10);
}

void walk(const fsys::path& dir, int depth, int& budget, std::vector<LogSource>& out, const fsys::path& skip = {})
{
    std::error_code ec;
    fsys::directory_iterator it(dir, fsys::directory_options::skip_permission_denied, ec);
    if (ec || --budget < 0)
        return;
    std::vector<fsys::path> subdirs;
    for (; it != fsys::directory_iterator(); it.increment(ec)) {
        if (ec)
            break;
        const std::string name = it->path().filename().string();
        if (name.empty() || name[0] == '.')
            continue;
        std::error_code e2;
        if (it->is_directory(e2) && !it->is_symlink(e2)) {
            if (depth > 0 && it->path() != skip)
                subdirs.push_back(it->path());
        } else if (name == "metrics.csv") {
            out.push_back({fsys::absolute(it->path()).lexically_normal().string(), LogKind::Csv});
        } else if (isEventFile(name)) {
            out.push_back({fsys::absolute(it->path()).lexically_normal().string(), LogKind::TfEvents});
        }
    }
    std::sort(subdirs.begin(), subdirs.end());
    for (const auto& s : subdirs)
        walk(s, depth - 1, budget, out, skip);
}

/// Sort key: kind, then the logger directory, then the version number, then the name.
struct SourceOrder {
    bool operator()(const LogSource& a, const LogSource& b) const
    {
        auto key = [](const LogSource& s) {
            const fsys::path p(s.path);
            const fsys::path dir = p.parent_path();
            const long v = versionNumber(dir.filename().string());
            return std::tuple(int(s.kind), v >= 0 ? dir.parent_path().string() : dir.string(), v, p.filename().string());
        };
        return key(a) < key(b);
    }
};

void addSiblingVersions(std::vector<LogSource>& found)
{
    std::set<std::string> loggers;
    for (const auto& s : found) {
        const fsys::path dir = fsys::path(s.path).parent_path();
        if (versionNumber(dir.filename().string()) >= 0)
            loggers.insert(dir.parent_path().string());
    }
    std::set<std::string> have;
    for (const auto& s : found)
        have.insert(s.path);
    for (const auto& logger : loggers) {
        std::error_code ec;
        for (fsys::directory_iterator it(logger, ec), end; !ec && it != end; it.increment(ec)) {
            if (versionNumber(it->path().filename().string()) < 0)
                continue;
            std::vector<LogSource> more;
            int budget = 50;
            walk(it->path(), 0, budget, more);
            for (auto& m : more)
                if (have.insert(m.path).second)
                    found.push_back(std::move(m));
        }
    }
}

std::string relativeTo(const std::string& path, const std::string& base)
{
    std::error_code ec;
    const auto rel = fsys::relative(path, fsys::absolute(base), ec);
    return ec || rel.empty() ? path : rel.generic_string();
}

json number(double v)
{
    return checkpoint::scoreJson(v); // "nan" / "inf" / "-inf" strings, like every score Podium prints
}

} // namespace

std::vector<LogSource> findLogsUnder(const std::string& logsDir)
{
    std::vector<LogSource> out;
    int budget = kMaxDirectories;
    walk(logsDir, 5, budget, out);
    std::sort(out.begin(), out.end(), SourceOrder{});
    return out;
}

std::vector<LogSource> discoverLogs(const std::string& checkpointFolder)
{
    std::error_code ec;
    fsys::path dir = fsys::absolute(checkpointFolder, ec).lexically_normal();
    if (dir.has_filename() == false)
        dir = dir.parent_path();
    std::vector<LogSource> found;
    fsys::path walked;
    for (int up = 0; up < 3 && found.empty(); ++up) {
        int budget = kMaxDirectories;
        walk(dir, up == 2 ? 3 : 4, budget, found, walked);
        walked = dir;
        if (!dir.has_parent_path() || dir.parent_path() == dir)
            break;
        dir = dir.parent_path();
    }
    addSiblingVersions(found);
    std::sort(found.begin(), found.end(), SourceOrder{});
    return found;
}

MetricLog loadMetricLog(std::vector<LogSource> sources)
{
    std::sort(sources.begin(), sources.end(), SourceOrder{});
    MetricLog log;
    log.sources = sources;
    std::map<std::pair<int, std::string>, std::size_t> index; // (kind, name) → series
    auto add = [&](LogKind kind, const std::string& name, const std::string& source, std::vector<Point> points) {
        const auto key = std::make_pair(int(kind), name);
        auto it = index.find(key);
        if (it == index.end()) {
            index.emplace(key, log.series.size());
            log.series.push_back(Series{name, kind, source, {source}, std::move(points)});
            return;
        }
        Series& s = log.series[it->second];
        if (std::find(s.sources.begin(), s.sources.end(), source) == s.sources.end())
            s.sources.push_back(source);
        s.points.insert(s.points.end(), points.begin(), points.end());
    };
    for (const auto& src : sources) {
        if (src.kind == LogKind::Csv) {
            auto series = readMetricsCsv(src.path);
            if (!series) {
                log.problems.push_back(series.error());
                continue;
            }
            for (auto& s : *series)
                add(LogKind::Csv, s.name, src.path, std::move(s.points));
            continue;
        }
        auto ev = readEventFile(src.path);
        if (!ev) {
            log.problems.push_back(ev.error());
            continue;
        }
        if (ev->corruption)
            log.problems.push_back(*ev->corruption);
        // the file's own epoch scalar gives every point its epoch (latest epoch logged at or before the step)
        std::vector<std::pair<std::int64_t, double>> epochs;
        if (auto e = ev->scalars.find("epoch"); e != ev->scalars.end())
            for (const auto& p : e->second)
                if (p.step) epochs.emplace_back(*p.step, p.value);
        std::stable_sort(epochs.begin(), epochs.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
        for (auto& [tag, points] : ev->scalars) {
            for (auto& p : points) {
                if (!p.step || epochs.empty())
                    continue;
                auto it = std::upper_bound(epochs.begin(), epochs.end(), *p.step, [](std::int64_t s, const auto& e) { return s < e.first; });
                if (it != epochs.begin())
                    p.epoch = std::prev(it)->second;
            }
            add(LogKind::TfEvents, tag, src.path, std::move(points));
        }
    }
    return log;
}

json toJson(const MetricLog& log, const std::string& baseDir)
{
    json sources = json::array();
    for (const auto& s : log.sources)
        sources.push_back({{"path", relativeTo(s.path, baseDir)}, {"kind", kindName(s.kind)}});
    json series = json::array();
    for (const auto& s : log.series) {
        json points = json::array();
        for (const auto& p : s.points)
            points.push_back({{"step", p.step ? json(*p.step) : json(nullptr)},
                              {"epoch", std::isnan(p.epoch) ? json(nullptr) : json(p.epoch == std::floor(p.epoch) && std::abs(p.epoch) < 1e15 ? json(static_cast<std::int64_t>(p.epoch)) : json(p.epoch))},
                              {"wall_time", std::isnan(p.wallTime) ? json(nullptr) : json(p.wallTime)},
                              {"value", number(p.value)}});
        json sourcesOf = json::array();
        for (const auto& f : s.sources)
            sourcesOf.push_back(relativeTo(f, baseDir));
        series.push_back({{"name", s.name}, {"kind", kindName(s.kind)}, {"source", relativeTo(s.source, baseDir)},
                          {"sources", sourcesOf}, {"points", std::move(points)}});
    }
    json problems = json::array();
    for (const auto& e : log.problems)
        problems.push_back({{"file", relativeTo(e.file, baseDir)}, {"error", e.describe()}});
    return {{"sources", sources}, {"series", series}, {"problems", problems}};
}

std::string toCsv(const MetricLog& log)
{
    std::ostringstream out;
    out.precision(17);
    out << "name,kind,step,epoch,wall_time,value\n";
    auto quoted = [](const std::string& s) {
        if (s.find_first_of(",\"\n") == std::string::npos) return s;
        std::string q = "\"";
        for (char c : s) { if (c == '"') q += '"'; q += c; }
        return q + "\"";
    };
    auto num = [](double v) -> std::string {
        if (std::isnan(v)) return "nan";
        if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
        std::ostringstream o;
        o.precision(17);
        o << v;
        return o.str();
    };
    for (const auto& s : log.series)
        for (const auto& p : s.points)
            out << quoted(s.name) << ',' << kindName(s.kind) << ',' << (p.step ? std::to_string(*p.step) : "") << ','
                << (std::isnan(p.epoch) ? "" : num(p.epoch)) << ',' << (std::isnan(p.wallTime) ? "" : num(p.wallTime)) << ','
                << num(p.value) << '\n';
    return out.str();
}

std::map<std::string, std::map<std::int64_t, double>> valuesByStep(const MetricLog& log)
{
    std::map<std::string, std::map<std::int64_t, double>> out;
    std::set<std::string> taken;
    for (const auto& s : log.series) { // csv series come first (sources are sorted by kind)
        if (!taken.insert(s.name).second)
            continue;
        auto& m = out[s.name];
        for (const auto& p : s.points)
            if (p.step)
                m[*p.step] = p.value;
    }
    return out;
}

} // namespace podium::metrics
