// SPDX-License-Identifier: GPL-3.0-or-later
#include "ranking/Ranking.h"

#include "pickle/ValueJson.h"
#include "ranking/EmbeddedPath.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>
#include <unordered_map>

namespace podium::ranking {

namespace {

/// The last component of a folder-relative path (a view into it).
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
        if (relativeToDirpath(p, cb.dirpath) == name || embeddedBase(p) == name)
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

/// The number written at s[i], and how many characters it takes.
std::optional<std::pair<double, std::size_t>> numberAt(std::string_view s, std::size_t i)
{
    if (s.substr(i).starts_with("nan")) return std::pair{std::nan(""), std::size_t{3}};
    if (s.substr(i).starts_with("inf")) return std::pair{HUGE_VAL, std::size_t{3}};
    if (s.substr(i).starts_with("-inf")) return std::pair{-HUGE_VAL, std::size_t{4}};
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
        return std::pair{std::stod(text), text.size()};
    } catch (...) {
        return std::nullopt;
    }
}

/// The text of the monitor's value in a file name ("0.7127"), where scoreFromFilename finds it.
std::optional<std::string> scoreTextFromFilename(std::string_view filename, std::string_view monitor)
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
                    return std::string(stem.substr(v, x->second));
        }
    }
    return std::nullopt;
}

/// Half a unit of the last digit a number was written with ("0.7127" -> 0.00005, "1.5e-03" -> 0.00005).
double roundingOf(std::string_view text)
{
    int exponent = 0;
    if (const auto e = text.find_first_of("eE"); e != std::string_view::npos) {
        try {
            exponent = std::stoi(std::string(text.substr(e + 1)));
        } catch (...) {
        }
        text = text.substr(0, e);
    }
    int decimals = 0;
    if (const auto dot = text.find('.'); dot != std::string_view::npos)
        decimals = static_cast<int>(text.size() - dot - 1);
    return 0.5 * std::pow(10.0, exponent - decimals);
}

/// The monitor's logged value for a checkpoint saved at `globalStep`: Lightning logs validation metrics at the
/// step of the last training batch, which is global_step - 1 when the checkpoint is saved; a log written at
/// global_step itself (manual logging, other loops) is taken first.
std::optional<double> loggedValue(const MetricTable* metrics, const std::string& monitor, std::optional<std::int64_t> globalStep)
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

/// A score for a file from its name, made exact from the run's metrics.csv when the logged value at its step
/// agrees with the name's rounding (two files whose names round alike are then ordered right).
bool scoreFromNameOrLogs(RankedEntry& e, const std::string& name, const std::string& monitor, const MetricTable* metrics)
{
    const auto text = scoreTextFromFilename(name, monitor);
    const auto logged = loggedValue(metrics, monitor, e.globalStep);
    if (text) {
        const double named = scoreFromFilename(name, monitor).value_or(std::nan(""));
        if (logged && !std::isnan(named) && std::fabs(*logged - named) <= roundingOf(*text) * (1 + 1e-9) + 1e-12) {
            e.score = logged;
            e.scoreSource = "metrics.csv";
        } else {
            e.score = named;
            e.scoreSource = "filename";
        }
        return true;
    }
    if (logged) {
        e.score = logged;
        e.scoreSource = "metrics.csv";
        return true;
    }
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

/// Why a file of a group's directory is not ranked in it.
std::string unrankedReason(const ScannedFile& f, const checkpoint::CallbackState* groupState, const std::string& lastRel)
{
    const std::string name = baseOf(f.relPath);
    if (f.checkpoint && f.checkpoint->truncated)
        return truncatedReason(*f.checkpoint);
    if (f.isSymlink)
        return "link to " + (f.linkTargetRel.empty() ? f.linkTarget : f.linkTargetRel) +
               (f.linkStoredAsText ? " (stored as a text file)" : "");
    if (isLastName(name) || (!lastRel.empty() && lastRel == f.relPath))
        return "last checkpoint";
    if (f.error)
        return "could not be read: " + std::string(errorCodeName(f.error->code));
    if (!f.checkpoint->isLightning)
        return "not a Lightning checkpoint";
    const checkpoint::CallbackState* own = groupState ? f.checkpoint->callback(groupState->stateKey) : nullptr;
    if (own && own->hasBestKModels && ownTopKScore(f, *own))
        return "not in the embedded top-k: left over from an earlier run, or evicted";
    if (!own)
        return groupState ? "saved without this callback's state" : "no ModelCheckpoint state";
    return "not in the embedded top-k";
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
                                                    "dice", "bleu", "rouge", "r2", "psnr", "ssim", "top1", "top5",
                                                    "likelihood"};
    for (auto w : maxWords)
        if (m.find(w) != std::string::npos)
            return Mode::Max;
    return Mode::Min;
}

std::optional<double> scoreFromFilename(std::string_view filename, std::string_view monitor)
{
    const auto text = scoreTextFromFilename(filename, monitor);
    if (!text)
        return std::nullopt;
    if (auto x = numberAt(*text, 0))
        return x->first;
    return std::nullopt;
}

bool wantsMetricLogs(const Ranking& r)
{
    for (const auto& g : r.groups) {
        for (const auto& e : g.ranked)
            if (e.scoreSource == "filename")
                return true; // a rounded score the logs may make exact
        for (const auto& u : g.unranked)
            if (u.reason.rfind("no value for", 0) == 0)
                return true;
    }
    return false;
}

const MetricTable* RankConfig::metricsOf(const std::string& directory) const
{
    if (metricsFor)
        if (const MetricTable* t = metricsFor(directory))
            return t;
    return metrics;
}

Ranking rank(const ScanResult& scan, const RankConfig& cfg)
{
    Ranking r;
    r.folder = scan.folder;
    for (const auto& f : scan.files)
        if (f.error)
            r.errors.push_back({f.relPath, *f.error});

    // a folder-relative name as the embedded state has it -> the file now (after Podium's own renames)
    auto resolve = [&](const std::string& rel) {
        if (cfg.renamed)
            if (auto it = cfg.renamed->find(rel); it != cfg.renamed->end())
                return it->second;
        return rel;
    };

    // 1. Groups: (the directory a state's files live in, the state key). Never a key across directories: from
    //    Lightning 1.5 the key is monitor, mode and intervals only, so every job of a sweep writes the same one.
    //    The directory is the carrier's own, unless another scanned directory matches more of the embedded
    //    dirpath's tail and holds the files its state names (a/ and b/ of two callbacks; the dirpath above
    //    sub-folders that a filename template with '/' makes).
    struct GroupCarriers {
        std::string directory;
        std::string key;
        std::vector<Carrier> carriers;
    };
    std::vector<GroupCarriers> found;
    std::map<std::pair<std::string, std::string>, std::size_t> index;
    // the files of each directory, in scan order
    std::unordered_map<std::string_view, std::vector<const ScannedFile*>> byDir;
    for (const auto& f : scan.files)
        byDir[dirView(f.relPath)].push_back(&f);
    auto filesIn = [&](std::string_view dir) -> const std::vector<const ScannedFile*>& {
        static const std::vector<const ScannedFile*> none;
        const auto it = byDir.find(dir);
        return it == byDir.end() ? none : it->second;
    };
    // The scanned directories (and their ancestors), as trailing components of the folder's own path, to
    // find which of them an embedded dirpath names: the run has moved, so only its tail can match.
    const auto rootParts = pathComponents(scan.folder);
    std::set<std::string> dirs;
    for (const auto& f : scan.files)
        for (std::string d = dirOf(f.relPath);; d = dirOf(d)) {
            if (!dirs.insert(d).second || d.empty())
                break;
        }
    // Each directory's components (the folder's own first), and every tail of them -> the directories
    // that end so (in sorted order): the directories that match more of a dirpath's tail than the
    // carrier's own are found without comparing with every directory (a tree of thousands of runs).
    std::map<std::string, std::vector<std::string_view>, std::less<>> partsOf;
    std::unordered_map<std::string, std::vector<const std::string*>> byTail;
    for (const auto& d : dirs) {
        auto& parts = partsOf[d];
        parts.assign(rootParts.begin(), rootParts.end());
        const auto rel = pathComponents(d);
        parts.insert(parts.end(), rel.begin(), rel.end());
        std::string tail;
        for (std::size_t m = 1; m <= parts.size(); ++m) {
            const auto part = parts[parts.size() - m];
            tail = m == 1 ? std::string(part) : std::string(part) + "/" + tail;
            byTail[tail].push_back(&d);
        }
    }
    auto tailMatch = [&](const std::string& dir, const std::vector<std::string_view>& dp) {
        const auto& parts = partsOf[dir];
        std::size_t n = 0;
        while (n < parts.size() && n < dp.size() && parts[parts.size() - 1 - n] == dp[dp.size() - 1 - n])
            ++n;
        return n;
    };
    std::map<std::pair<std::string, std::string>, std::string> anchorCache;
    auto anchorOf = [&](const std::string& dir, const checkpoint::CallbackState& cb) {
        auto [it, fresh] = anchorCache.try_emplace({dir, cb.dirpath}, dir);
        if (!fresh || cb.dirpath.empty())
            return it->second;
        // the carrier's own directory unless another one matches more of the embedded dirpath's tail and
        // holds files the state names (two callbacks writing to a/ and b/ store both states in every file)
        const auto dp = pathComponents(cb.dirpath);
        const std::size_t own = tailMatch(dir, dp);
        // the directories by how much of the tail they match, longest first: the first (in sorted order)
        // of the longest that holds files the state names wins
        std::vector<const std::vector<const std::string*>*> levels; // levels[m-1]: directories ending in dp's last m
        std::string tail;
        for (std::size_t m = 1; m <= dp.size(); ++m) {
            tail = m == 1 ? std::string(dp[dp.size() - 1]) : std::string(dp[dp.size() - m]) + "/" + tail;
            const auto found = byTail.find(tail);
            if (found == byTail.end())
                break;
            levels.push_back(&found->second);
        }
        // when the carrier's own directory does not even end like the dirpath, the tail decides alone
        for (std::size_t m = levels.size(); m > own; --m) {
            for (const std::string* d : *levels[m - 1]) {
                bool holds = own == 0;
                for (const auto& [p, s] : cb.bestKModels)
                    holds = holds || scan.find(resolve(join(*d, relativeToDirpath(p, cb.dirpath))));
                if (!cb.bestModelPath.empty())
                    holds = holds || scan.find(resolve(join(*d, relativeToDirpath(cb.bestModelPath, cb.dirpath))));
                if (holds) {
                    it->second = *d;
                    return it->second;
                }
            }
        }
        return it->second;
    };
    for (const auto& f : scan.files) {
        if (!f.checkpoint || f.checkpoint->truncated || (f.isSymlink && !f.linkTargetRel.empty()))
            continue; // a truncated file's state is shown, never trusted as a group's authority
        const std::string dir = dirOf(f.relPath);
        for (const auto& cb : f.checkpoint->callbacks) {
            auto key = std::make_pair(anchorOf(dir, cb), groupKeyOf(cb));
            auto [it, fresh] = index.try_emplace(key, found.size());
            if (fresh)
                found.push_back({key.first, key.second, {}});
            found[it->second].carriers.push_back({&f, &cb});
        }
    }

    for (const auto& gc : found) {
        // 2. the authority: the newest carrier — highest global_step; at the same step a file of the group's
        //    own directory (the callback updates its top-k and then saves: what it wrote at that step holds
        //    its final state, while another callback's save at that step may precede the update); then the
        //    newest mtime (S3's LastModified has whole seconds: own-directory first keeps ties exact there)
        const Carrier* auth = &gc.carriers.front();
        auto own = [&](const Carrier& c) { return dirOf(c.file->relPath) == gc.directory; };
        for (const auto& c : gc.carriers) {
            const auto step = c.file->checkpoint->globalStep.value_or(-1), best = auth->file->checkpoint->globalStep.value_or(-1);
            if (step > best || (step == best && own(c) && !own(*auth)) ||
                (step == best && own(c) == own(*auth) && c.file->identity.mtimeNs > auth->file->identity.mtimeNs))
                auth = &c;
        }
        const auto& A = *auth->state;
        Group g;
        g.stateKey = A.stateKey;
        g.monitor = A.monitor;
        g.embeddedDirpath = A.dirpath;
        g.authority = auth->file->relPath;
        g.directory = gc.directory;
        if (A.keyFields.is_object() && A.keyFields.contains("save_top_k") && A.keyFields["save_top_k"].is_number_integer())
            g.saveTopK = A.keyFields["save_top_k"].get<std::int64_t>();
        if (!cfg.monitor.empty() && g.monitor != cfg.monitor)
            continue;
        const MetricTable* metrics = cfg.metricsOf(g.directory);

        std::set<std::string> members;
        auto addRanked = [&](const ScannedFile* f, const std::string& rel, RankedEntry e) {
            const ScannedFile* data = f->isSymlink && !f->linkTargetRel.empty() ? scan.find(f->linkTargetRel) : f;
            if (data && data->checkpoint && data->checkpoint->truncated) {
                g.unranked.push_back({rel, truncatedReason(*data->checkpoint), f->verdict});
                g.problems.push_back("top-k member '" + rel + "' is truncated: torch cannot load it");
                return;
            }
            if (data && data->checkpoint) {
                e.epoch = data->checkpoint->epoch;
                e.globalStep = data->checkpoint->globalStep;
            } else {
                g.problems.push_back("top-k member '" + rel + "' could not be read; its score comes from " + g.authority);
            }
            e.file = rel;
            e.verdict = data ? data->verdict : f->verdict;
            g.ranked.push_back(std::move(e));
        };

        if (A.hasBestKModels) {
            // Lightning >= 1.5.7: the authority's best_k_models is the top-k, matched by name in the directory
            for (const auto& [path, score] : A.bestKModels) {
                const std::string rel = resolve(join(g.directory, relativeToDirpath(path, A.dirpath)));
                const ScannedFile* f = scan.find(rel);
                if (!f) {
                    g.problems.push_back("stale entry: best_k_models names '" + rel + "' (embedded " + path +
                                         "), which is not in the folder");
                    continue;
                }
                if (!members.insert(rel).second)
                    continue;
                RankedEntry e;
                e.score = score;
                e.scoreSource = "best_k_models";
                addRanked(f, rel, std::move(e));
            }
        } else {
            // Lightning 1.0-1.5.6 keep no top-k list: each top-k file was written when it entered the top-k,
            // so its own current_score is its score (Lightning deletes evicted files); last.ckpt holds the
            // latest value instead and is left out. Lightning 0.x: only the best score, at the top level.
            for (const auto& c : gc.carriers) {
                const ScannedFile* f = c.file;
                const std::string name = baseOf(f->relPath);
                if (isLastName(name) || dirOf(f->relPath) != g.directory)
                    continue;
                RankedEntry e;
                if (!A.fromTopLevelKeys && c.state->currentScore) {
                    e.score = c.state->currentScore;
                    e.scoreSource = "current_score";
                } else if (A.fromTopLevelKeys && !A.bestModelPath.empty() &&
                           relativeToDirpath(A.bestModelPath, A.dirpath) == name && A.bestModelScore) {
                    e.score = A.bestModelScore;
                    e.scoreSource = "best_model_score";
                } else {
                    e.globalStep = f->checkpoint->globalStep;
                    if (!scoreFromNameOrLogs(e, name, g.monitor, metrics))
                        continue; // listed as unranked below
                }
                members.insert(f->relPath);
                addRanked(f, f->relPath, std::move(e));
            }
        }

        // everything else in the group's directory, each file once, with the reason
        const std::string lastRel = A.lastModelPath.empty()
                                        ? std::string()
                                        : resolve(join(g.directory, relativeToDirpath(A.lastModelPath, A.dirpath)));
        for (const ScannedFile* fp : filesIn(g.directory)) {
            const auto& f = *fp;
            if (members.count(f.relPath))
                continue;
            std::string reason = unrankedReason(f, &A, lastRel);
            if (!A.hasBestKModels && reason == "not in the embedded top-k")
                reason = A.fromTopLevelKeys ? "no score: not the best_model_path, and none in its name or the logs"
                                            : "no current_score in the file";
            if (A.hasBestKModels && reason.starts_with("not in the embedded top-k: left over"))
                g.problems.push_back("extra file: '" + f.relPath + "' was a top-k save but is not in the newest best_k_models");
            g.unranked.push_back({f.relPath, reason, f.verdict});
        }

        // the mode: the state key's; else kth_value; else (no top-k list) best_model_score is the minimum or
        // the maximum of the members' scores; else guessed from the name
        Mode fileMode = A.mode;
        std::string fileModeSource = A.modeSource;
        if (fileMode == Mode::Unknown && A.bestModelScore && !std::isnan(*A.bestModelScore) && g.ranked.size() >= 2) {
            double lo = INFINITY, hi = -INFINITY;
            for (const auto& e : g.ranked)
                if (e.score && !std::isnan(*e.score)) {
                    lo = std::min(lo, *e.score);
                    hi = std::max(hi, *e.score);
                }
            if (lo < hi && *A.bestModelScore == lo) {
                fileMode = Mode::Min;
                fileModeSource = "best_model_score";
            } else if (lo < hi && *A.bestModelScore == hi) {
                fileMode = Mode::Max;
                fileModeSource = "best_model_score";
            }
        }
        finish(g, cfg, fileMode, fileModeSource);
        if (!A.bestModelPath.empty() && !g.ranked.empty()) {
            const std::string best = resolve(join(g.directory, relativeToDirpath(A.bestModelPath, A.dirpath)));
            if (best != g.ranked.front().file) {
                if (!scan.find(best))
                    g.problems.push_back("best_model_path names '" + relativeToDirpath(A.bestModelPath, A.dirpath) +
                                         "', which is not in this directory (a run resumed from another folder?)");
                else
                    g.problems.push_back("best_model_path names '" + best + "' but rank 1 is '" + g.ranked.front().file + "'");
            }
        }
        r.groups.push_back(std::move(g));
    }

    // 3. checkpoints without callback state (save_weights_only=True): scores from names or logs, per directory
    std::map<std::string, std::vector<const ScannedFile*>> bareByDir;
    for (const auto& f : scan.files)
        if (f.checkpoint && f.checkpoint->isLightning && f.checkpoint->callbacks.empty() && !f.isSymlink &&
            !f.checkpoint->truncated)
            bareByDir[dirOf(f.relPath)].push_back(&f);
    for (const auto& entry : bareByDir) {
        const std::string& dir = entry.first; // not a structured binding: lambdas below capture it (clang 14)
        const auto& bare = entry.second;
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
        if (monitor.empty())
            continue;
        const bool hasGroup = std::any_of(r.groups.begin(), r.groups.end(), [&](const Group& g) { return g.directory == dir; });
        Group g;
        g.stateKey = "filename:" + monitor;
        g.monitor = monitor;
        g.directory = dir;
        const MetricTable* metrics = cfg.metricsOf(dir);
        for (const auto* f : bare) {
            const std::string name = baseOf(f->relPath);
            if (isLastName(name)) {
                g.unranked.push_back({f->relPath, "last checkpoint", f->verdict});
                continue;
            }
            RankedEntry e;
            e.file = f->relPath;
            e.epoch = f->checkpoint->epoch;
            e.globalStep = f->checkpoint->globalStep;
            e.verdict = f->verdict;
            if (!scoreFromNameOrLogs(e, name, monitor, metrics)) {
                g.unranked.push_back({f->relPath, "no value for '" + monitor + "' in the file name or the logs", f->verdict});
                continue;
            }
            g.ranked.push_back(std::move(e));
        }
        if (!hasGroup) // the directory's other files (links, unreadable ones) belong here
            for (const ScannedFile* f : filesIn(dir))
                if (std::find(bare.begin(), bare.end(), f) == bare.end())
                    g.unranked.push_back({f->relPath, unrankedReason(*f, nullptr, ""), f->verdict});
        g.problems.push_back("no ModelCheckpoint state in these files (save_weights_only=True?): scores come from "
                             "file names or logs");
        finish(g, cfg, Mode::Unknown, "");
        r.groups.push_back(std::move(g));
    }

    std::stable_sort(r.groups.begin(), r.groups.end(), [](const Group& a, const Group& b) {
        return a.directory != b.directory ? a.directory < b.directory : a.stateKey < b.stateKey;
    });

    // 4. Every checkpoint appears: files of a directory without any group are listed on their own, unless the
    //    user asked for one monitor (then other groups are left out on purpose).
    if (cfg.monitor.empty()) {
        std::set<std::string, std::less<>> covered;
        for (const auto& g : r.groups)
            covered.insert(g.directory);
        for (const auto& f : scan.files)
            if (!f.error && !covered.count(dirView(f.relPath)))
                r.unranked.push_back({f.relPath, unrankedReason(f, nullptr, ""), f.verdict});
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
    o["run"] = g.run;
    json ranked = json::array();
    for (const auto& e : g.ranked)
        ranked.push_back({{"rank", e.rank}, {"file", e.file}, {"score", checkpoint::scoreJson(e.score)},
                          {"score_source", e.scoreSource},
                          {"epoch", e.epoch ? json(*e.epoch) : json(nullptr)},
                          {"global_step", e.globalStep ? json(*e.globalStep) : json(nullptr)},
                          {"verdict", safety::verdictName(e.verdict)}});
    o["ranked"] = std::move(ranked);
    json unranked = json::array();
    for (const auto& u : g.unranked)
        unranked.push_back({{"file", u.file}, {"reason", u.reason}, {"verdict", safety::verdictName(u.verdict)}});
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
    nlohmann::json unranked = nlohmann::json::array();
    for (const auto& u : r.unranked)
        unranked.push_back({{"file", u.file}, {"reason", u.reason}, {"verdict", safety::verdictName(u.verdict)}});
    j["unranked"] = std::move(unranked);
    j["errors"] = errorsJson(r);
    return j;
}

} // namespace podium::ranking
