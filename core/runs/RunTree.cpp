// SPDX-License-Identifier: GPL-3.0-or-later
#include "runs/RunTree.h"

#include "metrics/CsvLog.h"
#include "metrics/EventFile.h"
#include "ranking/EmbeddedPath.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <numeric>
#include <set>
#include <unordered_map>
#include <sstream>
#include <unordered_set>
#include <sys/stat.h>

namespace podium::runs {

namespace fsys = std::filesystem;
using nlohmann::json;

namespace {

constexpr std::size_t kMaxEntries = 2'000'000; // a walk's bound: directories and files seen

std::string dirOf(std::string_view rel)
{
    const auto slash = rel.rfind('/');
    return slash == std::string_view::npos ? std::string() : std::string(rel.substr(0, slash));
}

/// True when `path` is `dir` or lies under it (folder-relative, '/'-separated; "" is the folder).
bool under(std::string_view path, std::string_view dir)
{
    if (dir.empty())
        return true;
    return path == dir || (path.size() > dir.size() && path.starts_with(dir) && path[dir.size()] == '/');
}

/// Paths in natural order: digit runs compare as numbers (version_10 after version_9).
bool naturalLess(const std::string& a, const std::string& b)
{
    std::size_t i = 0, j = 0;
    while (i < a.size() && j < b.size()) {
        if (std::isdigit(static_cast<unsigned char>(a[i])) && std::isdigit(static_cast<unsigned char>(b[j]))) {
            std::size_t i2 = i, j2 = j;
            while (i2 < a.size() && std::isdigit(static_cast<unsigned char>(a[i2]))) ++i2;
            while (j2 < b.size() && std::isdigit(static_cast<unsigned char>(b[j2]))) ++j2;
            const std::string na = a.substr(i, i2 - i), nb = b.substr(j, j2 - j);
            const auto ta = na.find_first_not_of('0'), tb = nb.find_first_not_of('0');
            const std::string va = ta == std::string::npos ? "0" : na.substr(ta), vb = tb == std::string::npos ? "0" : nb.substr(tb);
            if (va.size() != vb.size())
                return va.size() < vb.size();
            if (va != vb)
                return va < vb;
            i = i2;
            j = j2;
            continue;
        }
        if (a[i] != b[j])
            return a[i] < b[j];
        ++i;
        ++j;
    }
    return a.size() - i < b.size() - j;
}

std::string readText(const fsys::path& p, std::size_t limit = 4 << 20)
{
    std::ifstream in(p, std::ios::binary | std::ios::ate);
    if (!in)
        return {};
    const auto end = in.tellg();
    if (end <= 0)
        return {};
    std::string s(std::min<std::size_t>(static_cast<std::size_t>(end), limit), '\0');
    in.seekg(0);
    in.read(s.data(), static_cast<std::streamsize>(s.size()));
    s.resize(static_cast<std::size_t>(in.gcount()));
    return s;
}

std::int64_t mtimeNs(const fsys::path& p)
{
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0)
        return 0;
    return static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
}

void flatten(const YAML::Node& n, const std::string& prefix, std::map<std::string, std::string>& out)
{
    switch (n.Type()) {
    case YAML::NodeType::Map:
        for (const auto& kv : n) {
            const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "?";
            flatten(kv.second, prefix.empty() ? key : prefix + "." + key, out);
        }
        break;
    case YAML::NodeType::Sequence: {
        YAML::Emitter e;
        e << YAML::Flow << n;
        out[prefix] = e.c_str();
        break;
    }
    case YAML::NodeType::Scalar: out[prefix] = n.Scalar(); break;
    case YAML::NodeType::Null: out[prefix] = "null"; break;
    default: break;
    }
}

void flattenJson(const json& j, const std::string& prefix, std::map<std::string, std::string>& out)
{
    if (j.is_object()) {
        for (const auto& [k, v] : j.items())
            flattenJson(v, prefix.empty() ? k : prefix + "." + k, out);
    } else if (j.is_string()) {
        out[prefix] = j.get<std::string>();
    } else {
        out[prefix] = j.dump(-1, ' ', false, json::error_handler_t::replace);
    }
}

std::map<std::string, std::string> flattenYamlText(const std::string& text);

/// What discovery derives from the tree's small files, through the FactCache when there is one: a file
/// unchanged since it was last read is not read again (the scan index keeps the facts by identity).
class Facts {
public:
    explicit Facts(FactCache* cache) : m_cache(cache) {}

    /// A YAML file's mappings, flattened ("" when missing or not YAML).
    std::map<std::string, std::string> yaml(const fsys::path& p)
    {
        if (auto j = cached(p, "yaml"); j && j->is_object())
            try {
                return j->get<std::map<std::string, std::string>>();
            } catch (const json::exception&) { // not what was written: read the file
            }
        auto out = flattenYamlText(readText(p));
        keep(p, "yaml", json(out));
        return out;
    }
    /// hydra.yaml: whether it is Hydra's (a top-level `hydra:` key) and the job number.
    std::pair<bool, std::optional<int>> hydraHead(const fsys::path& p)
    {
        if (auto j = cached(p, "hydra"); j && j->is_object() && j->contains("hydra") && (*j)["hydra"].is_boolean()) {
            std::optional<int> num;
            if ((*j)["num"].is_number_integer())
                num = (*j)["num"].get<int>();
            return {(*j)["hydra"].get<bool>(), num};
        }
        bool hydra = false;
        std::optional<int> num;
        try {
            const YAML::Node h = YAML::Load(readText(p));
            hydra = h.IsMap() && h["hydra"];
            if (hydra)
                if (const auto n = h["hydra"]["job"]["num"]; n && n.IsScalar())
                    num = n.as<int>();
        } catch (const YAML::Exception&) {
            hydra = false;
        }
        keep(p, "hydra", json{{"hydra", hydra}, {"num", num ? json(*num) : json(nullptr)}});
        return {hydra, num};
    }
    /// A YAML list of scalars (overrides.yaml).
    std::vector<std::string> scalars(const fsys::path& p)
    {
        if (auto j = cached(p, "list"); j && j->is_array())
            try {
                return j->get<std::vector<std::string>>();
            } catch (const json::exception&) {
            }
        std::vector<std::string> out;
        try {
            const YAML::Node o = YAML::Load(readText(p));
            if (o.IsSequence())
                for (const auto& x : o)
                    if (x.IsScalar())
                        out.push_back(x.Scalar());
        } catch (const YAML::Exception&) {
        }
        keep(p, "list", json(out));
        return out;
    }
    struct Steps {
        std::optional<std::int64_t> first, last, lastEpoch;
    };
    /// The steps and epochs one log file holds.
    Steps steps(const metrics::LogSource& src)
    {
        auto opt = [](const json& v) { return v.is_number_integer() ? std::optional<std::int64_t>(v.get<std::int64_t>()) : std::nullopt; };
        if (auto j = cached(src.path, "steps"); j && j->is_object())
            return {opt((*j)["first"]), opt((*j)["last"]), opt((*j)["epoch"])};
        Steps st;
        auto note = [&](std::optional<std::int64_t> step, double epoch) {
            if (step) {
                st.first = st.first ? std::min(*st.first, *step) : *step;
                st.last = st.last ? std::max(*st.last, *step) : *step;
            }
            if (!std::isnan(epoch)) {
                const auto e = static_cast<std::int64_t>(epoch);
                st.lastEpoch = st.lastEpoch ? std::max(*st.lastEpoch, e) : e;
            }
        };
        bool read = false;
        if (src.kind == metrics::LogKind::Csv) {
            if (auto series = metrics::readMetricsCsv(src.path)) {
                read = true;
                for (const auto& ser : *series)
                    for (const auto& p : ser.points)
                        note(p.step, p.epoch);
            }
        } else if (auto ev = metrics::readEventFile(src.path)) {
            read = true;
            for (const auto& [tag, points] : ev->scalars)
                for (const auto& p : points)
                    note(p.step, tag == "epoch" ? p.value : metrics::kNaN);
        }
        auto val = [](const std::optional<std::int64_t>& v) { return v ? json(*v) : json(nullptr); };
        if (read) // a file that failed to read is read again next time
            keep(src.path, "steps", json{{"first", val(st.first)}, {"last", val(st.last)}, {"epoch", val(st.lastEpoch)}});
        return st;
    }

private:
    std::optional<json> cached(const fsys::path& p, std::string_view kind)
    {
        if (!m_cache)
            return std::nullopt;
        auto v = m_cache->fact(p.string(), kind);
        if (!v)
            return std::nullopt;
        auto j = json::parse(*v, nullptr, false);
        if (j.is_discarded())
            return std::nullopt;
        return j;
    }
    void keep(const fsys::path& p, std::string_view kind, const json& j)
    {
        if (m_cache)
            m_cache->remember(p.string(), kind, j.dump(-1, ' ', false, json::error_handler_t::replace));
    }
    FactCache* m_cache;
};

/// A Hydra job directory's description (D2).
struct HydraJob {
    std::string dir;
    std::optional<int> num;
    std::vector<std::string> overrides;
    std::map<std::string, std::string> config;
    std::optional<std::string> ckptPath;
};

std::optional<HydraJob> readHydraJob(const fsys::path& abs, const std::string& rel, Facts& facts)
{
    const auto hydraYaml = abs / ".hydra" / "hydra.yaml";
    std::error_code ec;
    if (!fsys::is_regular_file(hydraYaml, ec))
        return std::nullopt;
    HydraJob job;
    job.dir = rel;
    const auto [isHydra, num] = facts.hydraHead(hydraYaml);
    if (!isHydra)
        return std::nullopt;
    job.num = num;
    job.overrides = facts.scalars(abs / ".hydra" / "overrides.yaml");
    job.config = facts.yaml(abs / ".hydra" / "config.yaml");
    for (const auto& [k, v] : job.config)
        if ((k == "ckpt_path" || k.ends_with(".ckpt_path")) && v != "null" && !v.empty())
            job.ckptPath = v;
    for (const auto& o : job.overrides) {
        const auto eq = o.find('=');
        if (eq != std::string::npos) {
            std::string key = o.substr(0, eq);
            while (!key.empty() && (key[0] == '+' || key[0] == '~')) key.erase(0, 1);
            if ((key == "ckpt_path" || key.ends_with(".ckpt_path")) && eq + 1 < o.size())
                job.ckptPath = o.substr(eq + 1);
        }
    }
    return job;
}

/// The steps and epochs a stream logged, from its own files.
void readSteps(LogStream& s, Facts& facts)
{
    for (const auto& src : s.sources) {
        s.newestMtimeNs = std::max(s.newestMtimeNs, mtimeNs(src.path));
        const auto st = facts.steps(src);
        if (st.first)
            s.firstStep = s.firstStep ? std::min(*s.firstStep, *st.first) : *st.first;
        if (st.last)
            s.lastStep = s.lastStep ? std::max(*s.lastStep, *st.last) : *st.last;
        if (st.lastEpoch)
            s.lastEpoch = s.lastEpoch ? std::max(*s.lastEpoch, *st.lastEpoch) : *st.lastEpoch;
    }
}

/// Union-find over units.
struct Units {
    std::vector<std::size_t> parent;
    std::size_t add()
    {
        parent.push_back(parent.size());
        return parent.size() - 1;
    }
    std::size_t find(std::size_t i)
    {
        while (parent[i] != i)
            i = parent[i] = parent[parent[i]];
        return i;
    }
    void merge(std::size_t a, std::size_t b)
    {
        a = find(a);
        b = find(b);
        if (a != b)
            parent[std::max(a, b)] = std::min(a, b);
    }
};

struct UnitInfo {
    std::optional<std::size_t> job;                 // index into jobs
    std::vector<std::size_t> streams;               // indices into tree.streams
    std::vector<std::string> checkpointDirs;
    std::string resumedFrom, derivedFrom;
};

} // namespace

std::map<std::string, std::string> flattenYaml(const std::string& text)
{
    return flattenYamlText(text);
}

namespace {

std::map<std::string, std::string> flattenYamlText(const std::string& text)
{
    std::map<std::string, std::string> out;
    if (text.empty())
        return out;
    try {
        const YAML::Node n = YAML::Load(text);
        if (n.IsMap())
            flatten(n, "", out);
    } catch (const YAML::Exception&) {
    }
    return out;
}

} // namespace

void RunTree::indexDirectories()
{
    m_owner.clear();
    for (std::size_t i = 0; i < runs.size(); ++i) {
        for (const auto& d : runs[i].checkpointDirs)
            m_owner.try_emplace(d, static_cast<int>(i));
        for (const auto& d : runs[i].logDirs)
            m_owner.try_emplace(d, static_cast<int>(i));
        if (runs[i].hydraJob)
            m_owner.try_emplace(runs[i].path, static_cast<int>(i));
    }
    m_ownerRuns = runs.size();
}

int RunTree::runOf(std::string_view relPath) const
{
    if (m_ownerRuns == runs.size() && !runs.empty()) {
        // the longest directory of a run that holds relPath: relPath itself, then each parent, then the folder
        std::string_view p = relPath;
        for (;;) {
            if (auto it = m_owner.find(std::string(p)); it != m_owner.end())
                return it->second;
            if (p.empty())
                return -1;
            const auto slash = p.rfind('/');
            p = slash == std::string_view::npos ? std::string_view() : p.substr(0, slash);
        }
    }
    int best = -1;
    std::size_t bestLen = 0;
    for (std::size_t i = 0; i < runs.size(); ++i) {
        auto consider = [&](const std::string& d) {
            if (under(relPath, d) && (best < 0 || d.size() > bestLen)) {
                best = static_cast<int>(i);
                bestLen = d.size();
            }
        };
        for (const auto& d : runs[i].checkpointDirs)
            consider(d);
        for (const auto& d : runs[i].logDirs)
            consider(d);
        if (runs[i].hydraJob)
            consider(runs[i].path);
    }
    return best;
}

std::vector<metrics::LogSource> RunTree::logsOf(const Run& run) const
{
    std::vector<metrics::LogSource> out;
    for (const auto& d : run.logDirs)
        for (const auto& s : streams)
            if (s.dir == d)
                out.insert(out.end(), s.sources.begin(), s.sources.end());
    return out;
}

RunTree discoverRuns(const std::string& folder, const ranking::ScanResult& scan, std::int64_t nowNs, FactCache* cache)
{
    RunTree tree;
    tree.folder = folder;
    std::error_code ec;
    const fsys::path root = fsys::absolute(folder, ec).lexically_normal();
    if (cache) {
        std::string abs = root.string();
        while (abs.size() > 1 && abs.back() == '/')
            abs.pop_back();
        cache->prepareFacts(abs);
    }
    Facts facts(cache);

    // ---- the walk: log streams (D1), Hydra jobs (D2) ------------------------------------------------------
    std::vector<HydraJob> jobs;
    std::map<std::string, LogStream> streamByDir;
    std::size_t seen = 0;
    auto visitDir = [&](const fsys::path& abs, const std::string& rel) {
        if (auto job = readHydraJob(abs, rel, facts))
            jobs.push_back(std::move(*job));
    };
    auto visitFile = [&](const fsys::path& p, const std::string& name) {
        const bool csv = name == "metrics.csv", events = name.starts_with("events.out.tfevents.");
        if (!csv && !events && name != "hparams.yaml" && name != "config.yaml")
            return;
        std::string rel = p.parent_path().lexically_relative(root).generic_string();
        if (rel == ".")
            rel.clear();
        LogStream& s = streamByDir[rel];
        s.dir = rel;
        if (csv || events)
            s.sources.push_back({p.string(), csv ? metrics::LogKind::Csv : metrics::LogKind::TfEvents});
        else if (name == "hparams.yaml")
            s.hparams = facts.yaml(p);
        else if (auto cfg = facts.yaml(p); cfg.count("ckpt_path") && cfg["ckpt_path"] != "null")
            s.ckptPath = cfg["ckpt_path"];
    };
    // A recursive scan of this folder walked the tree already: its listing says where .hydra folders and
    // log files are (the same walk order, the same folders skipped). Otherwise: a walk of its own.
    const ranking::TreeListing* listing = nullptr;
    if (scan.tree) {
        std::error_code e1;
        if (fsys::absolute(scan.folder, e1).lexically_normal() == root)
            listing = scan.tree.get();
    }
    if (listing) {
        const std::unordered_set<std::string_view> hydra(listing->hydraDirs.begin(), listing->hydraDirs.end());
        for (const auto& d : listing->dirs)
            if (hydra.count(d))
                visitDir(d.empty() ? root : root / d, d);
        for (const auto& f : listing->treeFiles) {
            const fsys::path p = root / f;
            visitFile(p, p.filename().string());
        }
    } else {
        visitDir(root, "");
        for (fsys::recursive_directory_iterator it(root, fsys::directory_options::skip_permission_denied, ec), end;
             !ec && it != end && seen < kMaxEntries; it.increment(ec), ++seen) {
            const auto& p = it->path();
            const std::string name = p.filename().string();
            std::error_code e2;
            const bool isDir = it->is_directory(e2) && !it->is_symlink(e2);
            if (isDir) {
                if (name.starts_with(".") || name.ends_with(".ckpt")) {
                    it.disable_recursion_pending(); // .hydra is read by visitDir, .podium is ours, *.ckpt a checkpoint
                    continue;
                }
                visitDir(p, p.lexically_relative(root).generic_string());
                continue;
            }
            visitFile(p, name);
        }
    }
    for (auto& [dir, s] : streamByDir) {
        std::sort(s.sources.begin(), s.sources.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
        readSteps(s, facts);
        tree.streams.push_back(std::move(s));
    }
    std::sort(tree.streams.begin(), tree.streams.end(), [](const auto& a, const auto& b) { return naturalLess(a.dir, b.dir); });

    // checkpoint directories and what their files say (steps, epochs, mtimes)
    struct CkptDir {
        std::vector<const ranking::ScannedFile*> files;
        std::int64_t newestStep = -1;
    };
    std::map<std::string, CkptDir> ckptDirs;
    for (const auto& f : scan.files) {
        auto& d = ckptDirs[dirOf(f.relPath)];
        d.files.push_back(&f);
        if (f.checkpoint && f.checkpoint->globalStep)
            d.newestStep = std::max(d.newestStep, *f.checkpoint->globalStep);
    }

    // ---- units: one per Hydra job, one per stream outside jobs ---------------------------------------------
    Units uf;
    std::vector<UnitInfo> info;
    std::vector<std::size_t> jobUnit(jobs.size()), streamUnit(tree.streams.size());
    auto jobOf = [&](std::string_view rel) -> std::optional<std::size_t> {
        std::optional<std::size_t> best;
        for (std::size_t j = 0; j < jobs.size(); ++j)
            if (under(rel, jobs[j].dir) && (!best || jobs[j].dir.size() > jobs[*best].dir.size()))
                best = j;
        return best;
    };
    for (std::size_t j = 0; j < jobs.size(); ++j) {
        jobUnit[j] = uf.add();
        info.push_back({j, {}, {}, {}, {}});
    }
    for (std::size_t s = 0; s < tree.streams.size(); ++s) {
        if (auto j = jobOf(tree.streams[s].dir)) {
            streamUnit[s] = jobUnit[*j];
            info[jobUnit[*j]].streams.push_back(s);
            continue;
        }
        streamUnit[s] = uf.add();
        info.push_back({std::nullopt, {s}, {}, {}, {}});
    }
    // checkpoint folders: under a job, under a stream (version_N/checkpoints), else assigned below (D3)
    std::vector<std::string> orphans;
    for (const auto& [dir, d] : ckptDirs) {
        if (auto j = jobOf(dir)) {
            info[jobUnit[*j]].checkpointDirs.push_back(dir);
            continue;
        }
        std::optional<std::size_t> owner;
        for (std::size_t s = 0; s < tree.streams.size(); ++s)
            if (under(dir, tree.streams[s].dir) && !tree.streams[s].dir.empty() &&
                (!owner || tree.streams[s].dir.size() > tree.streams[*owner].dir.size()))
                owner = s;
        if (owner)
            info[streamUnit[*owner]].checkpointDirs.push_back(dir);
        else
            orphans.push_back(dir);
    }

    // unit step ranges (logs and checkpoints)
    auto lastStepOf = [&](std::size_t u) {
        std::int64_t last = -1;
        for (std::size_t i = 0; i < info.size(); ++i) {
            if (uf.find(i) != uf.find(u))
                continue;
            for (auto s : info[i].streams)
                if (tree.streams[s].lastStep) last = std::max(last, *tree.streams[s].lastStep);
            for (const auto& d : info[i].checkpointDirs)
                last = std::max(last, ckptDirs[d].newestStep);
        }
        return last;
    };
    auto firstStepOf = [&](std::size_t u) {
        std::optional<std::int64_t> first;
        for (auto s : info[u].streams)
            if (tree.streams[s].firstStep) first = first ? std::min(*first, *tree.streams[s].firstStep) : *tree.streams[s].firstStep;
        return first;
    };
    auto hparamsOf = [&](std::size_t u) -> const std::map<std::string, std::string>* {
        for (auto s : info[u].streams)
            if (!tree.streams[s].hparams.empty())
                return &tree.streams[s].hparams;
        return nullptr;
    };
    // a pointer (an absolute path from the training machine, or a relative one) -> a scanned checkpoint
    auto resolvePointer = [&](const std::string& pointer) -> const ranking::ScannedFile* {
        const auto parts = ranking::pathComponents(pointer);
        const ranking::ScannedFile* best = nullptr;
        std::size_t bestLen = 0;
        for (const auto& f : scan.files) {
            const auto fp = ranking::pathComponents(f.relPath);
            std::size_t n = 0;
            while (n < fp.size() && n < parts.size() && fp[fp.size() - 1 - n] == parts[parts.size() - 1 - n])
                ++n;
            if (n > bestLen && n >= std::min<std::size_t>(fp.size(), 2)) {
                best = &f;
                bestLen = n;
            }
        }
        return best;
    };
    auto unitOfDir = [&](const std::string& dir) -> std::optional<std::size_t> {
        for (std::size_t i = 0; i < info.size(); ++i)
            for (const auto& d : info[i].checkpointDirs)
                if (d == dir)
                    return i;
        return std::nullopt;
    };

    // two loggers of one Trainer: <save_dir>/<name1>/version_N and <save_dir>/<name2>/version_N, same steps
    for (std::size_t a = 0; a < tree.streams.size(); ++a)
        for (std::size_t b = a + 1; b < tree.streams.size(); ++b) {
            const auto& A = tree.streams[a];
            const auto& B = tree.streams[b];
            if (info[streamUnit[a]].job || info[streamUnit[b]].job)
                continue;
            const fsys::path pa(A.dir), pb(B.dir);
            if (pa.filename() != pb.filename() || pa.parent_path() == pb.parent_path() ||
                pa.parent_path().parent_path() != pb.parent_path().parent_path() || A.dir.empty() || B.dir.empty())
                continue;
            const bool sameSteps = A.firstStep == B.firstStep && A.lastStep == B.lastStep;
            if (sameSteps)
                uf.merge(streamUnit[a], streamUnit[b]);
        }

    // R1 / R2: a continuation joins the run it resumes; a pointer from step 0 is a warm start
    std::vector<std::size_t> order(info.size());
    std::iota(order.begin(), order.end(), 0);
    for (std::size_t u : order) {
        const auto first = firstStepOf(u);
        std::optional<std::string> pointer;
        if (info[u].job)
            pointer = jobs[*info[u].job].ckptPath;
        for (auto s : info[u].streams)
            if (!pointer && tree.streams[s].ckptPath)
                pointer = tree.streams[s].ckptPath;
        if (pointer) {
            if (const ranking::ScannedFile* f = resolvePointer(*pointer)) {
                const auto target = unitOfDir(dirOf(f->relPath));
                if (target && uf.find(*target) != uf.find(u)) {
                    if (first && *first > 0) {
                        uf.merge(*target, u);
                        info[u].resumedFrom = f->relPath;
                    } else {
                        info[u].derivedFrom = f->relPath;
                    }
                    continue;
                }
            } else {
                tree.problems.push_back("ckpt_path " + *pointer + " names no checkpoint under the folder");
            }
        }
        if (!first || *first == 0 || info[u].job)
            continue; // a fresh start, or a Hydra trial (independent by definition)
        // R2: the run with equal hyper-parameters whose steps end where this one's begin
        const auto* hp = hparamsOf(u);
        std::optional<std::size_t> best;
        std::int64_t bestLast = -1;
        for (std::size_t p = 0; p < info.size(); ++p) {
            if (uf.find(p) == uf.find(u) || info[p].job || info[p].streams.empty())
                continue;
            const auto pf = firstStepOf(p);
            const auto pl = lastStepOf(p);
            const auto* php = hparamsOf(p);
            const bool same = (!hp && !php) || (hp && php && *hp == *php);
            if (!same || !pf || *pf >= *first || pl < 0 || pl > *first)
                continue;
            if (pl > bestLast) {
                best = p;
                bestLast = pl;
            }
        }
        if (best) {
            uf.merge(*best, u);
            // the checkpoint it most likely resumed from: the predecessor's save at that step (last.ckpt first)
            const ranking::ScannedFile* from = nullptr;
            for (std::size_t i = 0; i < info.size(); ++i)
                if (uf.find(i) == uf.find(*best) && i != u)
                    for (const auto& d : info[i].checkpointDirs)
                        for (const auto* f : ckptDirs[d].files) {
                            if (!f->checkpoint || !f->checkpoint->globalStep)
                                continue;
                            const bool atStart = *f->checkpoint->globalStep == *first;
                            const bool better = !from || (atStart && (!from->checkpoint->globalStep || *from->checkpoint->globalStep != *first)) ||
                                                (atStart && f->relPath.ends_with("/last.ckpt"));
                            if (better && (atStart || !from))
                                from = f;
                        }
            if (from)
                info[u].resumedFrom = from->relPath;
        }
    }

    // D3 / R3: a checkpoint folder outside the streams goes to the run whose steps cover its checkpoints';
    // one that spans two streams (a shared dirpath, reloaded on resume) joins them
    for (const auto& dir : orphans) {
        const auto& d = ckptDirs[dir];
        const std::string parent = dirOf(dir);
        std::map<std::size_t, std::size_t> votes; // unit root -> checkpoints covered
        for (const auto* f : d.files) {
            if (!f->checkpoint || !f->checkpoint->globalStep)
                continue;
            const auto step = *f->checkpoint->globalStep;
            for (std::size_t s = 0; s < tree.streams.size(); ++s) {
                const auto& st = tree.streams[s];
                if (info[streamUnit[s]].job || !under(st.dir, parent) || !st.firstStep || !st.lastStep)
                    continue;
                if (step >= *st.firstStep && step <= *st.lastStep + 1)
                    ++votes[uf.find(streamUnit[s])];
            }
        }
        if (votes.empty()) {
            // no logs nearby: the folder is a run of its own
            const std::size_t u = uf.add();
            info.push_back({std::nullopt, {}, {dir}, {}, {}});
            (void)u;
            continue;
        }
        std::size_t owner = votes.begin()->first, most = 0;
        for (const auto& [u, n] : votes)
            if (n > most) {
                owner = u;
                most = n;
            }
        info[owner].checkpointDirs.push_back(dir);
        if (votes.size() > 1)
            for (const auto& [u, n] : votes)
                uf.merge(owner, u); // one dirpath written by several streams: Lightning reloaded its state
    }

    // a continuation joined by its steps (R2) whose predecessor's saves were overwritten since: Lightning's
    // resumes read last.ckpt, the one file of the joined run that can have been it
    for (std::size_t u = 0; u < info.size(); ++u) {
        const auto first = firstStepOf(u);
        if (!info[u].resumedFrom.empty() || !first || *first == 0 || info[u].job || uf.find(u) == u)
            continue;
        for (std::size_t i = 0; i < info.size() && info[u].resumedFrom.empty(); ++i)
            if (uf.find(i) == uf.find(u))
                for (const auto& d : info[i].checkpointDirs)
                    for (const auto* f : ckptDirs[d].files)
                        if (info[u].resumedFrom.empty() && f->relPath.ends_with("last.ckpt"))
                            info[u].resumedFrom = f->relPath;
    }

    // ---- runs from the units --------------------------------------------------------------------------------
    std::map<std::size_t, std::vector<std::size_t>> members;
    for (std::size_t i = 0; i < info.size(); ++i)
        members[uf.find(i)].push_back(i);
    std::vector<std::vector<std::string>> allDirs;
    for (const auto& [rootUnit, list] : members) {
        Run r;
        std::vector<std::size_t> streams;
        for (auto i : list) {
            streams.insert(streams.end(), info[i].streams.begin(), info[i].streams.end());
            r.checkpointDirs.insert(r.checkpointDirs.end(), info[i].checkpointDirs.begin(), info[i].checkpointDirs.end());
            if (!info[i].resumedFrom.empty() && r.resumedFrom.empty())
                r.resumedFrom = info[i].resumedFrom;
            if (!info[i].derivedFrom.empty() && r.derivedFrom.empty())
                r.derivedFrom = info[i].derivedFrom;
            if (info[i].job) {
                const auto& j = jobs[*info[i].job];
                r.hydraJob = j.num;
                r.overrides = j.overrides;
                r.path = j.dir;
                for (const auto& [k, v] : j.config)
                    r.params[k] = v;
            }
        }
        std::sort(streams.begin(), streams.end(), [&](std::size_t a, std::size_t b) {
            const auto fa = tree.streams[a].firstStep.value_or(0), fb = tree.streams[b].firstStep.value_or(0);
            return fa != fb ? fa < fb : naturalLess(tree.streams[a].dir, tree.streams[b].dir);
        });
        std::int64_t lastEpoch = -1, lastStep = -1;
        for (auto s : streams) {
            const auto& st = tree.streams[s];
            r.logDirs.push_back(st.dir);
            for (const auto& [k, v] : st.hparams)
                r.params.try_emplace(k, v);
            if (st.lastEpoch) lastEpoch = std::max(lastEpoch, *st.lastEpoch);
            if (st.lastStep) lastStep = std::max(lastStep, *st.lastStep);
            r.newestMtimeNs = std::max(r.newestMtimeNs, st.newestMtimeNs);
        }
        std::sort(r.checkpointDirs.begin(), r.checkpointDirs.end(), naturalLess);
        for (const auto& d : r.checkpointDirs)
            for (const auto* f : ckptDirs[d].files) {
                r.newestMtimeNs = std::max(r.newestMtimeNs, f->identity.mtimeNs);
                if (!f->checkpoint)
                    continue;
                if (f->checkpoint->globalStep) lastStep = std::max(lastStep, *f->checkpoint->globalStep);
                if (f->checkpoint->epoch) lastEpoch = std::max(lastEpoch, *f->checkpoint->epoch);
                if (r.params.empty() && f->checkpoint->hyperParameters.is_object())
                    flattenJson(f->checkpoint->hyperParameters, "", r.params);
            }
        if (lastEpoch >= 0) r.epochs = lastEpoch + 1;
        if (lastStep >= 0) r.steps = lastStep;
        r.active = r.newestMtimeNs > 0 && nowNs - r.newestMtimeNs < std::int64_t{60} * 1000000000;
        std::vector<std::string> dirs = r.logDirs;
        dirs.insert(dirs.end(), r.checkpointDirs.begin(), r.checkpointDirs.end());
        allDirs.push_back(dirs);
        tree.runs.push_back(std::move(r));
    }
    // a run's path: its Hydra job; else the deepest directory holding all of its folders and none of another run's
    for (std::size_t i = 0; i < tree.runs.size(); ++i) {
        Run& r = tree.runs[i];
        if (r.hydraJob)
            continue;
        const auto& dirs = allDirs[i];
        if (dirs.empty())
            continue;
        std::string common = dirs.front();
        for (const auto& d : dirs)
            while (!under(d, common))
                common = dirOf(common);
        bool exclusive = true;
        for (std::size_t k = 0; k < tree.runs.size() && exclusive; ++k)
            if (k != i)
                for (const auto& d : allDirs[k])
                    if (under(d, common))
                        exclusive = false;
        r.path = exclusive ? common : (r.logDirs.empty() ? r.checkpointDirs.front() : r.logDirs.front());
    }
    std::sort(tree.runs.begin(), tree.runs.end(), [](const Run& a, const Run& b) { return naturalLess(a.path, b.path); });
    for (auto& r : tree.runs) {
        r.name = r.path.empty() ? "." : r.path;
        for (const auto& o : r.overrides)
            r.name += " " + o;
    }
    // the parameters that differ across runs
    if (tree.runs.size() > 1) {
        std::set<std::string> keys;
        for (const auto& r : tree.runs)
            for (const auto& [k, v] : r.params)
                keys.insert(k);
        for (const auto& k : keys) {
            std::set<std::string> values;
            for (const auto& r : tree.runs) {
                auto it = r.params.find(k);
                values.insert(it == r.params.end() ? std::string("\x01(unset)") : it->second);
            }
            if (values.size() > 1)
                tree.differs.push_back(k);
        }
    }
    tree.indexDirectories();
    if (cache)
        cache->flush();
    return tree;
}

void assignRuns(ranking::Ranking& ranking, const RunTree& tree)
{
    for (auto& g : ranking.groups) {
        const int i = tree.runOf(g.directory);
        g.run = i >= 0 ? tree.runs[static_cast<std::size_t>(i)].path : std::string();
    }
}

namespace {

bool better(double a, double b, checkpoint::Mode m)
{
    if (std::isnan(a)) return false;
    if (std::isnan(b)) return true;
    return m == checkpoint::Mode::Max ? a > b : a < b;
}

std::vector<const ranking::Group*> groupsOf(const Run& run, const RunTree* tree, const ranking::Ranking& ranking)
{
    std::vector<const ranking::Group*> out;
    for (const auto& g : ranking.groups) {
        bool mine = false;
        for (const auto& d : run.checkpointDirs)
            mine = mine || g.directory == d || (tree == nullptr && under(g.directory, d));
        if (mine)
            out.push_back(&g);
    }
    return out;
}

} // namespace

std::vector<std::vector<const ranking::Group*>> groupsByRun(const RunTree& tree, const ranking::Ranking& ranking)
{
    // what groupsOf finds for each run (the groups at or under one of its checkpoint directories), for all runs
    // in one pass: each group looks its directory and its ancestors up
    std::unordered_map<std::string, std::vector<std::size_t>> runsAt;
    for (std::size_t r = 0; r < tree.runs.size(); ++r)
        for (const auto& d : tree.runs[r].checkpointDirs)
            runsAt[d].push_back(r);
    std::vector<std::vector<const ranking::Group*>> out(tree.runs.size());
    for (const auto& g : ranking.groups) {
        std::string_view dir = g.directory;
        for (;;) {
            if (const auto it = runsAt.find(std::string(dir)); it != runsAt.end())
                for (const std::size_t r : it->second)
                    if (out[r].empty() || out[r].back() != &g)
                        out[r].push_back(&g);
            if (dir.empty())
                break;
            const auto slash = dir.rfind('/');
            dir = slash == std::string_view::npos ? std::string_view() : dir.substr(0, slash);
        }
    }
    return out;
}

std::vector<RunBest> bestOf(const Run& run, const ranking::Ranking& ranking, const metrics::MetricLog& logs,
                            const std::vector<const ranking::Group*>* groupsOfRun)
{
    std::vector<RunBest> out;
    const std::vector<const ranking::Group*> found = groupsOfRun ? std::vector<const ranking::Group*>{} : groupsOf(run, nullptr, ranking);
    const auto& groups = groupsOfRun ? *groupsOfRun : found;
    for (const auto* g : groups) {
        auto it = std::find_if(out.begin(), out.end(), [&](const RunBest& b) { return b.monitor == g->monitor && b.mode == g->mode; });
        if (it == out.end()) {
            out.push_back({g->monitor, g->mode, std::nullopt, {}, std::nullopt, std::nullopt, false});
            it = std::prev(out.end());
        }
        if (!g->ranked.empty() && g->ranked.front().score &&
            (!it->bestScore || better(*g->ranked.front().score, *it->bestScore, g->mode))) {
            it->bestScore = g->ranked.front().score;
            it->bestFile = g->ranked.front().file;
        }
    }
    for (auto& b : out) {
        for (const auto& s : logs.series) {
            if (s.name != b.monitor)
                continue;
            for (const auto& p : s.points)
                if (p.step && (!b.bestLoggedScore || better(p.value, *b.bestLoggedScore, b.mode))) {
                    b.bestLoggedScore = p.value;
                    b.bestLoggedStep = p.step;
                }
            break; // csv first, the same values in a second logger
        }
        if (b.bestLoggedStep)
            for (const auto* g : groups) {
                for (const auto& e : g->ranked)
                    if (e.globalStep && (*e.globalStep == *b.bestLoggedStep || *e.globalStep == *b.bestLoggedStep + 1))
                        b.bestLoggedHasCheckpoint = true;
                for (const auto& u : g->unranked)
                    (void)u;
            }
    }
    return out;
}

Leaderboard leaderboard(const RunTree& tree, const ranking::Ranking& ranking, const std::string& monitor, std::size_t top)
{
    Leaderboard board;
    board.monitor = monitor;
    if (board.monitor.empty()) { // the monitor most runs have
        std::map<std::string, std::set<std::string>> runsPer;
        for (const auto& g : ranking.groups)
            if (!g.monitor.empty())
                runsPer[g.monitor].insert(g.run.empty() ? g.directory : g.run);
        std::size_t most = 0;
        for (const auto& [m, r] : runsPer)
            if (r.size() > most) {
                most = r.size();
                board.monitor = m;
            }
    }
    // the mode most of its groups have; groups of the other mode are not mixed in
    std::map<checkpoint::Mode, int> modes;
    for (const auto& g : ranking.groups)
        if (g.monitor == board.monitor)
            ++modes[g.mode];
    int most = 0;
    for (const auto& [m, n] : modes)
        if (n > most) {
            most = n;
            board.mode = m;
        }
    std::set<std::string> withMonitor;
    for (const auto& g : ranking.groups) {
        if (g.monitor != board.monitor || g.mode != board.mode)
            continue; // another metric, or the same name minimised in one run and maximised in another
        withMonitor.insert(g.run);
        for (const auto& e : g.ranked)
            board.entries.push_back({0, g.run, {}, e.file, e.score, e.epoch, e.globalStep});
    }
    std::stable_sort(board.entries.begin(), board.entries.end(), [&](const LeaderEntry& a, const LeaderEntry& b) {
        const bool an = !a.score || std::isnan(*a.score), bn = !b.score || std::isnan(*b.score);
        if (an != bn) return bn;
        if (!an && *a.score != *b.score) return board.mode == checkpoint::Mode::Max ? *a.score > *b.score : *a.score < *b.score;
        return a.globalStep.value_or(0) < b.globalStep.value_or(0);
    });
    if (top && board.entries.size() > top)
        board.entries.resize(top);
    for (std::size_t i = 0; i < board.entries.size(); ++i)
        board.entries[i].rank = static_cast<int>(i + 1);
    for (const auto& r : tree.runs)
        if (!withMonitor.count(r.path))
            board.runsWithoutMonitor.push_back(r.path);
    std::unordered_map<std::string_view, const std::string*> nameOf;
    for (const auto& r : tree.runs)
        nameOf.emplace(r.path, &r.name);
    for (auto& e : board.entries)
        if (const auto it = nameOf.find(e.run); it != nameOf.end())
            e.runName = *it->second;
    return board;
}

json toJson(const RunTree& tree, const ranking::Ranking& ranking, const std::vector<metrics::MetricLog>& logsPerRun)
{
    json runs = json::array();
    const auto groupsOfRun = groupsByRun(tree, ranking);
    for (std::size_t i = 0; i < tree.runs.size(); ++i) {
        const Run& r = tree.runs[i];
        json o;
        o["name"] = r.name;
        o["path"] = r.path;
        o["log_dirs"] = r.logDirs;
        o["checkpoint_dirs"] = r.checkpointDirs;
        o["resumed_from"] = r.resumedFrom.empty() ? json(nullptr) : json(r.resumedFrom);
        o["derived_from"] = r.derivedFrom.empty() ? json(nullptr) : json(r.derivedFrom);
        o["params"] = r.params;
        json differs = json::array();
        for (const auto& k : tree.differs)
            if (r.params.count(k))
                differs.push_back(k);
        o["differs"] = std::move(differs);
        if (!r.overrides.empty())
            o["overrides"] = r.overrides;
        if (r.hydraJob)
            o["hydra_job"] = *r.hydraJob;
        json groups = json::array();
        static const metrics::MetricLog kNoLogs;
        for (const auto& b : bestOf(r, ranking, i < logsPerRun.size() ? logsPerRun[i] : kNoLogs, &groupsOfRun[i])) {
            json g{{"monitor", b.monitor},
                   {"mode", checkpoint::modeName(b.mode)},
                   {"best_score", checkpoint::scoreJson(b.bestScore)},
                   {"best_file", b.bestFile.empty() ? json(nullptr) : json(b.bestFile)},
                   {"best_logged_score", b.bestLoggedScore ? checkpoint::scoreJson(b.bestLoggedScore) : json(nullptr)},
                   {"best_logged_step", b.bestLoggedStep ? json(*b.bestLoggedStep) : json(nullptr)}};
            if (b.bestLoggedStep)
                g["best_logged_has_checkpoint"] = b.bestLoggedHasCheckpoint;
            groups.push_back(std::move(g));
        }
        o["groups"] = std::move(groups);
        o["epochs"] = r.epochs ? json(*r.epochs) : json(nullptr);
        o["steps"] = r.steps ? json(*r.steps) : json(nullptr);
        o["status"] = r.active ? "active" : "idle";
        runs.push_back(std::move(o));
    }
    return json{{"folder", tree.folder}, {"runs", std::move(runs)}, {"differs", tree.differs}, {"problems", tree.problems}};
}

json toJson(const Leaderboard& board, const std::string& folder)
{
    json entries = json::array();
    for (const auto& e : board.entries)
        entries.push_back({{"rank", e.rank},
                           {"run", e.run},
                           {"run_name", e.runName},
                           {"file", e.file},
                           {"score", checkpoint::scoreJson(e.score)},
                           {"epoch", e.epoch ? json(*e.epoch) : json(nullptr)},
                           {"global_step", e.globalStep ? json(*e.globalStep) : json(nullptr)}});
    return json{{"folder", folder},
                {"monitor", board.monitor},
                {"mode", checkpoint::modeName(board.mode)},
                {"leaderboard", std::move(entries)},
                {"runs_without_monitor", board.runsWithoutMonitor}};
}

} // namespace podium::runs
