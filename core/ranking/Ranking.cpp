// SPDX-License-Identifier: GPL-3.0-or-later
#include "ranking/Ranking.h"

#include "pickle/ValueJson.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>

namespace podium::ranking {

namespace {

/// The last component of `p` (a view into it).
std::string_view baseView(std::string_view p)
{
    const auto slash = p.rfind('/');
    return slash == std::string_view::npos ? p : p.substr(slash + 1);
}

/// The directory part of a folder-relative path ("" at the top; a view into it).
std::string_view dirView(std::string_view rel)
{
    const auto slash = rel.rfind('/');
    return slash == std::string_view::npos ? std::string_view{} : rel.substr(0, slash);
}

std::string dirOf(std::string_view rel) { return std::string(dirView(rel)); }
std::string baseOf(std::string_view p) { return std::string(baseView(p)); }

std::string join(const std::string& dir, const std::string& name)
{
    return dir.empty() ? name : dir + "/" + name;
}

/// An embedded absolute path, relative to the embedded dirpath (its basename when outside it). A view into
/// `path`: the per-file loops below compare thousands of these.
std::string_view relativeView(std::string_view path, std::string_view dirpath)
{
    if (!dirpath.empty()) {
        while (dirpath.size() > 1 && dirpath.back() == '/') dirpath.remove_suffix(1);
        if (path.size() > dirpath.size() && path.starts_with(dirpath) && path[dirpath.size()] == '/')
            return path.substr(dirpath.size() + 1);
    }
    return baseView(path);
}

std::string relativeToDirpath(const std::string& path, const std::string& dirpath)
{
    return std::string(relativeView(path, dirpath));
}

bool isLastName(const std::string& name)
{
    // last.ckpt, last-v1.ckpt (Lightning's version counter)
    if (name == "last.ckpt") return true;
    if (!name.starts_with("last-v") || !name.ends_with(".ckpt")) return false;
    const auto digits = name.substr(6, name.size() - 6 - 5);
    return !digits.empty() && std::all_of(digits.begin(), digits.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
}

struct Carrier {
    const ScannedFile* file;
    const checkpoint::CallbackState* state;
};

std::string groupKeyOf(const checkpoint::CallbackState& cb)
{
    // Lightning 1.4 keyed states by class: two ModelCheckpoints of one class differ only by monitor.
    return cb.stateKey.find('{') == std::string::npos ? cb.stateKey + "|" + cb.monitor : cb.stateKey;
}

/// The file's own state lists the file itself in best_k_models: it was saved by this callback as a top-k entry.
std::optional<Score> ownTopKScore(const ScannedFile& f, const checkpoint::CallbackState& cb)
{
    const std::string_view name = baseView(f.relPath);
    for (const auto& [p, s] : cb.bestKModels)
        if (relativeView(p, cb.dirpath) == name || baseView(p) == name)
            return s;
    return std::nullopt;
}

bool betterThan(const RankedEntry& a, const RankedEntry& b, Mode mode)
{
    const bool an = !a.score || std::isnan(*a.score), bn = !b.score || std::isnan(*b.score);
    if (an != bn) return bn;          // NaN / missing last
    if (!an && *a.score != *b.score)
        return mode == Mode::Max ? *a.score > *b.score : *a.score < *b.score;
    const auto as = a.globalStep.value_or(INT64_MAX), bs = b.globalStep.value_or(INT64_MAX);
    if (as != bs) return as < bs;     // ties: the earlier save first
    return a.file < b.file;
}

void finish(Group& g, const RankConfig& cfg, Mode fileMode, const std::string& fileModeSource)
{
    if (cfg.mode) {
        g.mode = *cfg.mode;
        g.modeSource = "user";
    } else if (fileMode != Mode::Unknown) {
        g.mode = fileMode;
        g.modeSource = fileModeSource;
    } else {
        g.mode = guessMode(g.monitor);
        g.modeSource = "guessed";
    }
    std::stable_sort(g.ranked.begin(), g.ranked.end(), [&](const auto& a, const auto& b) { return betterThan(a, b, g.mode); });
    for (std::size_t i = 0; i < g.ranked.size(); ++i)
        g.ranked[i].rank = static_cast<int>(i + 1);
    std::sort(g.unranked.begin(), g.unranked.end(), [](const auto& a, const auto& b) { return a.file < b.file; });
}

bool isNumberStart(std::string_view s, std::size_t i)
{
    return i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '-' || s[i] == '.' || s[i] == '+');
}

std::optional<double> numberAt(std::string_view s, std::size_t i)
{
    if (s.substr(i).starts_with("nan")) return std::nan("");
    if (s.substr(i).starts_with("inf")) return HUGE_VAL;
    if (s.substr(i).starts_with("-inf")) return -HUGE_VAL;
    std::size_t j = i;
    if (j < s.size() && (s[j] == '-' || s[j] == '+')) ++j;
    const std::size_t digitsStart = j;
    while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
    if (j < s.size() && s[j] == '.') {
        ++j;
        while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
    }
    if (j == digitsStart || (j == digitsStart + 1 && s[digitsStart] == '.'))
        return std::nullopt;
    if (j + 1 < s.size() && (s[j] == 'e' || s[j] == 'E') &&
        (std::isdigit(static_cast<unsigned char>(s[j + 1])) || ((s[j + 1] == '-' || s[j + 1] == '+') && j + 2 < s.size() &&
                                                                  std::isdigit(static_cast<unsigned char>(s[j + 2]))))) {
        j += 2;
        while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
    }
    std::string text(s.substr(i, j - i));
    if (!text.empty() && text.back() == '.') text.pop_back();
    try {
        return std::stod(text);
    } catch (...) {
        return std::nullopt;
    }
}

} // namespace

std::string Group::label() const
{
    const char* arrow = mode == Mode::Max ? " ↑" : mode == Mode::Min ? " ↓" : "";
    return (monitor.empty() ? std::string("(no monitor)") : monitor) + arrow;
}

std::vector<const Group*> Ranking::select(std::string_view monitor) const
{
    std::vector<const Group*> out;
    for (const auto& g : groups)
        if (monitor.empty() || g.monitor == monitor)
            out.push_back(&g);
    return out;
}

Mode guessMode(std::string_view monitor) noexcept
{
    std::string m(monitor);
    std::transform(m.begin(), m.end(), m.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    static constexpr std::string_view maxWords[] = {"acc", "auc", "f1", "precision", "recall", "iou", "map", "score",
                                                    "dice", "bleu", "rouge", "r2", "psnr", "ssim", "top1", "top5"};
    for (auto w : maxWords)
        if (m.find(w) != std::string::npos)
            return Mode::Max;
    return Mode::Min;
}

std::optional<double> scoreFromFilename(std::string_view filename, std::string_view monitor)
{
    std::string_view stem = filename;
    if (stem.ends_with(".ckpt")) stem.remove_suffix(5);
    if (monitor.empty()) return std::nullopt;
    std::vector<std::string> names{std::string(monitor)};
    std::string underscored(monitor);
    std::replace(underscored.begin(), underscored.end(), '/', '_');
    names.push_back(underscored);
    if (const auto s = monitor.rfind('/'); s != std::string_view::npos) names.emplace_back(monitor.substr(s + 1));
    if (const auto u = monitor.rfind('_'); u != std::string_view::npos) names.emplace_back(monitor.substr(u + 1));
    for (const auto& n : names) {
        for (std::size_t pos = stem.find(n); pos != std::string_view::npos; pos = stem.find(n, pos + 1)) {
            if (pos > 0 && std::isalnum(static_cast<unsigned char>(stem[pos - 1])))
                continue; // inside another word
            std::size_t v = pos + n.size();
            if (v < stem.size() && (stem[v] == '=' || stem[v] == ':')) ++v;
            if (isNumberStart(stem, v) || stem.substr(v).starts_with("nan") || stem.substr(v).starts_with("inf"))
                if (auto x = numberAt(stem, v))
                    return x;
        }
    }
    return std::nullopt;
}

/// The monitor's logged value for a checkpoint saved at `globalStep`: Lightning logs validation metrics at the
/// step of the last training batch, which is global_step - 1 when the checkpoint is saved; a log written at
/// global_step itself (manual logging, other loops) is taken first.
static std::optional<double> loggedValue(const MetricTable* metrics, const std::string& monitor, std::optional<std::int64_t> globalStep)
{
    if (!metrics || !globalStep)
        return std::nullopt;
    const auto m = metrics->find(monitor);
    if (m == metrics->end())
        return std::nullopt;
    for (std::int64_t s : {*globalStep, *globalStep - 1})
        if (auto v = m->second.find(s); v != m->second.end())
            return v->second;
    return std::nullopt;
}

bool wantsMetricLogs(const Ranking& r)
{
    for (const auto& g : r.groups)
        if (g.stateKey.rfind("filename:", 0) == 0)
            for (const auto& u : g.unranked)
                if (u.reason.rfind("no value for", 0) == 0)
                    return true;
    return false;
}

/// "truncated (not loadable by torch): the file ends at byte N ..." — the reason a truncated file is unranked.
std::string truncatedReason(const checkpoint::Checkpoint& c)
{
    std::string why = "truncated (not loadable by torch)";
    if (c.truncation && c.truncation->offset != Error::npos)
        why += ": the file ends at byte " + std::to_string(c.truncation->offset);
    if (c.epoch)
        why += "; it was epoch " + std::to_string(*c.epoch) + ", step " + std::to_string(c.globalStep.value_or(-1));
    return why;
}

Ranking rank(const ScanResult& scan, const RankConfig& cfg)
{
    Ranking r;
    r.folder = scan.folder;
    for (const auto& f : scan.files)
        if (f.error)
            r.errors.push_back({f.relPath, *f.error});

    // 1. groups by identity, with every file that carries their state
    std::map<std::string, std::vector<Carrier>, std::less<>> carriers;
    std::vector<std::string> order;
    for (const auto& f : scan.files) {
        if (!f.checkpoint || f.checkpoint->truncated || (f.isSymlink && !f.linkTargetRel.empty()))
            continue; // a truncated file's state is shown, never trusted as the authority
        for (const auto& cb : f.checkpoint->callbacks) {
            // the state key itself when it is Lightning >= 1.5's dict repr: no copy per file
            const bool byClass = cb.stateKey.find('{') == std::string::npos;
            auto it = byClass ? carriers.find(groupKeyOf(cb)) : carriers.find(std::string_view(cb.stateKey));
            if (it == carriers.end()) {
                it = carriers.emplace(groupKeyOf(cb), std::vector<Carrier>{}).first;
                order.push_back(it->first);
            }
            it->second.push_back({&f, &cb});
        }
    }
    std::sort(order.begin(), order.end());

    std::set<std::string, std::less<>> dirs;
    for (const auto& f : scan.files)
        if (const auto d = dirView(f.relPath); !dirs.contains(d))
            dirs.emplace(d);
    // a folder-relative name as the embedded state has it -> the file now (after Podium's own renames)
    auto resolve = [&](const std::string& rel) {
        if (cfg.renamed)
            if (auto it = cfg.renamed->find(rel); it != cfg.renamed->end())
                return it->second;
        return rel;
    };

    for (const auto& key : order) {
        const auto& cs = carriers[key];
        // 2. the authority: newest carrier
        const Carrier* auth = &cs.front();
        for (const auto& c : cs) {
            const auto step = c.file->checkpoint->globalStep.value_or(-1), best = auth->file->checkpoint->globalStep.value_or(-1);
            if (step > best || (step == best && c.file->identity.mtimeNs > auth->file->identity.mtimeNs))
                auth = &c;
        }
        const auto& A = *auth->state;
        Group g;
        g.stateKey = A.stateKey;
        g.monitor = A.monitor;
        g.embeddedDirpath = A.dirpath;
        g.authority = auth->file->relPath;
        if (A.keyFields.is_object() && A.keyFields.contains("save_top_k") && A.keyFields["save_top_k"].is_number_integer())
            g.saveTopK = A.keyFields["save_top_k"].get<std::int64_t>();
        if (!cfg.monitor.empty() && g.monitor != cfg.monitor)
            continue;

        // the group's directory: where most of the names its state mentions exist
        std::set<std::string> names;
        for (const auto& [p, s] : A.bestKModels) names.insert(relativeToDirpath(p, A.dirpath));
        for (const auto* p : {&A.bestModelPath, &A.lastModelPath, &A.kthBestModelPath})
            if (!p->empty()) names.insert(relativeToDirpath(*p, A.dirpath));
        std::size_t bestCount = 0;
        g.directory = dirOf(auth->file->relPath);
        for (const auto& d : dirs) {
            std::size_t n = 0;
            for (const auto& name : names)
                if (scan.find(resolve(join(d, name)))) ++n;
            if (n > bestCount || (n == bestCount && n > 0 && d == dirOf(auth->file->relPath))) {
                bestCount = n;
                g.directory = d;
            }
        }

        // members: the authority's best_k_models, matched by name
        std::set<std::string> members;
        for (const auto& [path, score] : A.bestKModels) {
            const std::string rel = resolve(join(g.directory, relativeToDirpath(path, A.dirpath)));
            const ScannedFile* f = scan.find(rel);
            if (!f) {
                g.problems.push_back("stale entry: best_k_models names '" + rel + "' (embedded " + path +
                                     "), which is not in the folder");
                continue;
            }
            members.insert(rel);
            if (const ScannedFile* d = f->isSymlink && !f->linkTargetRel.empty() ? scan.find(f->linkTargetRel) : f;
                d && d->checkpoint && d->checkpoint->truncated) {
                g.unranked.push_back({rel, truncatedReason(*d->checkpoint)});
                g.problems.push_back("top-k member '" + rel + "' is truncated: torch cannot load it");
                continue;
            }
            RankedEntry e;
            e.file = rel;
            e.score = score;
            e.scoreSource = "best_k_models";
            const ScannedFile* data = f->isSymlink && !f->linkTargetRel.empty() ? scan.find(f->linkTargetRel) : f;
            if (data && data->checkpoint) {
                e.epoch = data->checkpoint->epoch;
                e.globalStep = data->checkpoint->globalStep;
            } else {
                g.problems.push_back("top-k member '" + rel + "' could not be read; its score comes from " + g.authority);
            }
            g.ranked.push_back(std::move(e));
        }

        // everything else in the group's directory
        // where last_model_path points (after Podium's renames), computed once
        const std::string lastRel = A.lastModelPath.empty()
                                        ? std::string()
                                        : resolve(join(g.directory, relativeToDirpath(A.lastModelPath, A.dirpath)));
        for (const auto& f : scan.files) {
            if (dirView(f.relPath) != g.directory || members.count(f.relPath))
                continue;
            const std::string name = baseOf(f.relPath);
            std::string reason;
            const checkpoint::CallbackState* own = f.checkpoint ? f.checkpoint->callback(A.stateKey) : nullptr;
            if (f.checkpoint && f.checkpoint->truncated)
                reason = truncatedReason(*f.checkpoint);
            else if (f.isSymlink)
                reason = "link to " + (f.linkTargetRel.empty() ? f.linkTarget : f.linkTargetRel);
            else if (isLastName(name) || (!lastRel.empty() && lastRel == f.relPath))
                reason = "last checkpoint";
            else if (f.error)
                reason = "could not be read: " + std::string(errorCodeName(f.error->code));
            else if (!f.checkpoint->isLightning)
                reason = "not a Lightning checkpoint";
            else if (own && ownTopKScore(f, *own)) {
                reason = "not in the embedded top-k: left over from an earlier run, or evicted";
                g.problems.push_back("extra file: '" + f.relPath + "' was a top-k save but is not in the newest best_k_models");
            } else if (!own)
                reason = "saved without this callback's state";
            else
                reason = "not in the embedded top-k";
            g.unranked.push_back({f.relPath, reason});
        }

        Mode fileMode = A.mode;
        std::string fileModeSource = A.modeSource;
        finish(g, cfg, fileMode, fileModeSource);
        if (!A.bestModelPath.empty() && !g.ranked.empty()) {
            const std::string best = resolve(join(g.directory, relativeToDirpath(A.bestModelPath, A.dirpath)));
            if (best != g.ranked.front().file)
                g.problems.push_back("best_model_path names '" + best + "' but rank 1 is '" + g.ranked.front().file + "'");
        }
        r.groups.push_back(std::move(g));
    }

    std::stable_sort(r.groups.begin(), r.groups.end(), [](const Group& a, const Group& b) {
        return a.directory != b.directory ? a.directory < b.directory : a.stateKey < b.stateKey;
    });

    // 3. checkpoints without callback state (save_weights_only=True): scores from names or logs
    std::vector<const ScannedFile*> bare;
    for (const auto& f : scan.files)
        if (f.checkpoint && f.checkpoint->isLightning && f.checkpoint->callbacks.empty() && !f.isSymlink &&
            !f.checkpoint->truncated)
            bare.push_back(&f);
    if (!bare.empty()) {
        std::string monitor = cfg.monitor;
        if (monitor.empty()) {
            // the most common `name=value` key in the file names, other than epoch and step
            std::map<std::string, int> counts;
            for (const auto* f : bare) {
                const std::string name = baseOf(f->relPath);
                std::size_t eq = name.find('=');
                while (eq != std::string::npos) {
                    // keys may themselves contain '_' (val_loss): extend back over word characters
                    std::size_t k = eq;
                    while (k > 0 && (std::isalnum(static_cast<unsigned char>(name[k - 1])) || name[k - 1] == '_' || name[k - 1] == '/')) --k;
                    const std::string key = name.substr(k, eq - k);
                    if (key != "epoch" && key != "step" && !key.empty()) ++counts[key];
                    eq = name.find('=', eq + 1);
                }
            }
            int best = 0;
            for (const auto& [k, n] : counts)
                if (n > best) { best = n; monitor = k; }
        }
        if (!monitor.empty()) {
            Group g;
            g.stateKey = "filename:" + monitor;
            g.monitor = monitor;
            std::set<std::string> gdirs;
            for (const auto* f : bare) gdirs.insert(dirOf(f->relPath));
            g.directory = gdirs.size() == 1 ? *gdirs.begin() : std::string();
            for (const auto* f : bare) {
                const std::string name = baseOf(f->relPath);
                if (isLastName(name)) {
                    g.unranked.push_back({f->relPath, "last checkpoint"});
                    continue;
                }
                RankedEntry e;
                e.file = f->relPath;
                e.epoch = f->checkpoint->epoch;
                e.globalStep = f->checkpoint->globalStep;
                if (auto s = scoreFromFilename(name, monitor)) {
                    e.score = s;
                    e.scoreSource = "filename";
                } else if (auto logged = loggedValue(cfg.metrics, monitor, e.globalStep)) {
                    e.score = logged;
                    e.scoreSource = "metrics.csv";
                } else {
                    g.unranked.push_back({f->relPath, "no value for '" + monitor + "' in the file name or the logs"});
                    continue;
                }
                g.ranked.push_back(std::move(e));
            }
            g.problems.push_back("no ModelCheckpoint state in these files (save_weights_only=True?): scores come from "
                                 "file names or logs");
            finish(g, cfg, Mode::Unknown, "");
            r.groups.push_back(std::move(g));
        }
    }
    return r;
}

nlohmann::json toJson(const Group& g)
{
    using nlohmann::json;
    json o;
    o["state_key"] = g.stateKey;
    o["monitor"] = g.monitor;
    o["mode"] = checkpoint::modeName(g.mode);
    o["mode_source"] = g.modeSource;
    o["directory"] = g.directory;
    o["embedded_dirpath"] = g.embeddedDirpath;
    o["authority"] = g.authority;
    json ranked = json::array();
    for (const auto& e : g.ranked)
        ranked.push_back({{"rank", e.rank}, {"file", e.file}, {"score", checkpoint::scoreJson(e.score)},
                          {"score_source", e.scoreSource},
                          {"epoch", e.epoch ? json(*e.epoch) : json(nullptr)},
                          {"global_step", e.globalStep ? json(*e.globalStep) : json(nullptr)}});
    o["ranked"] = std::move(ranked);
    json unranked = json::array();
    for (const auto& u : g.unranked)
        unranked.push_back({{"file", u.file}, {"reason", u.reason}});
    o["unranked"] = std::move(unranked);
    o["problems"] = g.problems;
    return o;
}

nlohmann::json errorsJson(const Ranking& r)
{
    nlohmann::json errors = nlohmann::json::array();
    for (const auto& e : r.errors)
        errors.push_back({{"file", e.file}, {"error", e.error.message()}, {"code", errorCodeName(e.error.code)}});
    return errors;
}

nlohmann::json toJson(const Ranking& r)
{
    nlohmann::json j;
    j["folder"] = r.folder;
    nlohmann::json groups = nlohmann::json::array();
    for (const auto& g : r.groups)
        groups.push_back(toJson(g));
    j["groups"] = std::move(groups);
    j["errors"] = errorsJson(r);
    return j;
}

} // namespace podium::ranking
