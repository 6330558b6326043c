// SPDX-License-Identifier: GPL-3.0-or-later
#include "checkpoint/CheckpointReader.h"

#include "fs/FileSource.h"
#include "pickle/Arguments.h"
#include "pickle/ValueJson.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <unordered_map>

namespace podium::checkpoint {

using pickle::Kind;
using pickle::Value;

namespace {

/// Score values are 0-dim tensors pickled once and referred to again through the memo: read each once.
class ScoreReader {
public:
    explicit ScoreReader(const TorchFile& f) : m_file(f) {}

    Score read(const Value* v, std::vector<std::string>& warnings, std::string_view what)
    {
        if (!v || v->kind == Kind::None)
            return std::nullopt;
        if (auto n = v->number())
            return n;
        if (v->kind == Kind::Tensor) {
            if (auto it = m_cache.find(v->tensor()); it != m_cache.end())
                return it->second;
            auto r = m_file.readScalar(*v->tensor());
            if (!r) {
                warnings.push_back(std::string(what) + ": " + r.error().describe());
                m_cache.emplace(v->tensor(), std::nullopt);
                return std::nullopt;
            }
            m_cache.emplace(v->tensor(), *r);
            return *r;
        }
        warnings.push_back(std::string(what) + ": a " + std::string(pickle::kindName(v->kind)) + ", not a number");
        return std::nullopt;
    }

private:
    const TorchFile& m_file;
    std::unordered_map<const pickle::TensorRef*, Score> m_cache;
};

std::string strOf(const Value* v)
{
    if (!v) return {};
    if (v->kind == Kind::Str) return std::string(v->text());
    if (v->kind == Kind::Object && !v->text().empty()) return std::string(v->text()); // a pathlib path
    return {};
}

bool isModelCheckpointState(const Value* st)
{
    return st && st->kind == Kind::Dict && st->get("best_model_path") &&
           (st->get("monitor") || st->get("best_k_models") || st->get("best_model_score"));
}

void skipSpaces(std::string_view s, std::size_t& i)
{
    while (i < s.size() && s[i] == ' ') ++i;
}

std::optional<std::string> pyString(std::string_view s, std::size_t& i)
{
    if (i >= s.size() || (s[i] != '\'' && s[i] != '"'))
        return std::nullopt;
    const char q = s[i++];
    std::string out;
    while (i < s.size() && s[i] != q) {
        if (s[i] == '\\' && i + 1 < s.size()) {
            const char c = s[++i];
            out += c == 'n' ? '\n' : c == 't' ? '\t' : c;
            ++i;
            continue;
        }
        out += s[i++];
    }
    if (i >= s.size())
        return std::nullopt;
    ++i; // closing quote
    return out;
}

nlohmann::json pyLiteral(std::string_view raw)
{
    while (!raw.empty() && raw.back() == ' ') raw.remove_suffix(1);
    if (raw == "None") return nullptr;
    if (raw == "True") return true;
    if (raw == "False") return false;
    if (auto i = pickle::parseDecimal(raw)) return *i;
    if (auto f = pickle::parseFloatText(raw)) return pickle::numberJson(*f);
    return std::string(raw);
}

/// Tensor count, elements, bytes, dtypes and locations of a state_dict's tensors: counted by enum and by
/// location text first, named once at the end (a model has hundreds of tensors).
TensorSummary summarize(const Value* weights)
{
    TensorSummary s;
    std::array<std::size_t, 32> dtypeCounts{};
    std::vector<std::pair<std::string_view, std::size_t>> locationCounts;
    for (const auto& [k, v] : weights->entries()) {
        if (v->kind != Kind::Tensor)
            continue;
        const auto& t = *v->tensor();
        ++s.tensors;
        const auto n = t.numel();
        if (n > 0) {
            s.elements += static_cast<std::uint64_t>(n);
            s.bytes += static_cast<std::uint64_t>(n) * t.elementSize();
        }
        ++dtypeCounts[static_cast<std::size_t>(t.dtype) % dtypeCounts.size()];
        const std::string_view loc = t.storage ? t.storage->location : std::string_view("?");
        auto it = std::find_if(locationCounts.begin(), locationCounts.end(), [&](const auto& p) { return p.first == loc; });
        if (it == locationCounts.end())
            locationCounts.emplace_back(loc, 1);
        else
            ++it->second;
    }
    for (std::size_t d = 0; d < dtypeCounts.size(); ++d)
        if (dtypeCounts[d])
            s.dtypes[std::string(pickle::dtypeName(static_cast<pickle::DType>(d)))] = dtypeCounts[d];
    for (const auto& [loc, n] : locationCounts)
        s.locations[std::string(loc)] = n;
    return s;
}

} // namespace

std::optional<std::pair<std::string, nlohmann::json>> parseStateKey(std::string_view key)
{
    const auto brace = key.find('{');
    if (brace == std::string_view::npos || key.back() != '}')
        return std::nullopt;
    std::string kind(key.substr(0, brace));
    nlohmann::json fields = nlohmann::json::object();
    std::string_view body = key.substr(brace + 1, key.size() - brace - 2);
    std::size_t i = 0;
    while (i < body.size()) {
        skipSpaces(body, i);
        auto name = pyString(body, i);
        if (!name)
            return std::nullopt;
        skipSpaces(body, i);
        if (i >= body.size() || body[i] != ':')
            return std::nullopt;
        ++i;
        skipSpaces(body, i);
        if (i < body.size() && (body[i] == '\'' || body[i] == '"')) {
            auto v = pyString(body, i);
            if (!v)
                return std::nullopt;
            fields[*name] = *v;
        } else {
            // Anything else (numbers, None, datetime.timedelta(seconds=60)) runs to the next top-level comma.
            const std::size_t start = i;
            int depth = 0;
            while (i < body.size() && !(depth == 0 && body[i] == ',')) {
                if (body[i] == '(' || body[i] == '[' || body[i] == '{') ++depth;
                if (body[i] == ')' || body[i] == ']' || body[i] == '}') --depth;
                ++i;
            }
            fields[*name] = pyLiteral(body.substr(start, i - start));
        }
        skipSpaces(body, i);
        if (i < body.size() && body[i] == ',')
            ++i;
    }
    return std::make_pair(std::move(kind), std::move(fields));
}

Checkpoint interpret(const TorchFile& file, const std::string& name, Detail detail)
{
    const bool full = detail == Detail::Full;
    Checkpoint c;
    c.detail = detail;
    c.file = name;
    c.fileSize = file.source().size();
    c.format = std::string(formatName(file.format()));
    c.zipPrefix = file.zipPrefix();
    c.bigEndian = file.bigEndian();
    c.entries = file.entryCount();
    c.pickleBytes = file.pickleSize();
    const auto& doc = file.document();
    c.pickleProtocol = doc.protocol;

    const Value* root = doc.root;
    if (root->kind == Kind::Dict)
        c.topLevelType = root->ordered ? "OrderedDict" : "dict";
    else if (root->kind == Kind::Object && root->global())
        c.topLevelType = root->qualifiedName();
    else
        c.topLevelType = std::string(pickle::kindName(root->kind));
    if (!root->isDictLike()) {
        c.notLightningReason = "the pickled object is a " + c.topLevelType + ", not a dict";
        return c;
    }
    if (full)
        for (const auto& [k, v] : root->entries())
            c.topLevelKeys.push_back(k->kind == Kind::Str ? std::string(k->text()) : pickle::repr(k));

    const Value* version = root->get("pytorch-lightning_version");
    const Value* stateDict = root->get("state_dict");
    ScoreReader scores(file);

    // state_dict summary (Lightning's, or the top level itself for a plain state_dict). Ranking detail
    // needs it only to say why a file without a Lightning version is not a checkpoint.
    if (full || !version)
        c.stateDict = summarize(stateDict ? stateDict : root);

    if (!version || !stateDict) {
        if (!version && root->ordered && c.stateDict.tensors == root->entries().size())
            c.notLightningReason = "a plain state_dict (" + std::to_string(c.stateDict.tensors) +
                                   " tensors), not a Lightning checkpoint";
        else if (!version)
            c.notLightningReason = "no 'pytorch-lightning_version' key: not a Lightning checkpoint";
        else
            c.notLightningReason = "no 'state_dict' key: not a Lightning checkpoint";
        if (stateDict == nullptr && version == nullptr)
            return c;
    }
    c.isLightning = version && stateDict;
    if (version && version->kind == Kind::Str)
        c.lightningVersion = std::string(version->text());
    if (const Value* e = root->get("epoch"); e && e->kind == Kind::Int)
        c.epoch = e->integer();
    if (const Value* g = root->get("global_step"); g && g->kind == Kind::Int)
        c.globalStep = g->integer();

    // Ranking detail stops here for the file as a whole: the rest is for people, not for ranking.
    if (full) {
        if (const Value* hp = root->get("hyper_parameters"))
            c.hyperParameters = pickle::toJson(hp);
        if (const Value* hn = root->get("hparams_name"))
            c.hparamsName = strOf(hn);
        if (const Value* dm = root->get("datamodule_hyper_parameters"))
            c.datamoduleHyperParameters = pickle::toJson(dm);
        if (const Value* o = root->get("optimizer_states"); o && (o->kind == Kind::List || o->kind == Kind::Tuple))
            c.optimizers = o->items().size();
        if (const Value* s = root->get("lr_schedulers"); s && (s->kind == Kind::List || s->kind == Kind::Tuple))
            c.lrSchedulers = s->items().size();
        if (const Value* l = root->get("loops"); l && l->kind == Kind::Dict)
            for (const auto& [k, v] : l->entries())
                if (k->kind == Kind::Str)
                    c.loops.emplace_back(k->text());
    }

    const Value* cbs = root->get("callbacks");
    if (!cbs || !cbs->isDictLike()) {
        // Lightning 0.7-0.10: the best score and path at the top level, no callback state.
        const Value* bestScore = root->get("checkpoint_callback_best_model_score");
        if (!bestScore)
            bestScore = root->get("checkpoint_callback_best"); // 0.7
        const Value* bestPath = root->get("checkpoint_callback_best_model_path");
        if (bestScore || bestPath) {
            CallbackState cb;
            cb.stateKey = "checkpoint_callback";
            cb.kind = "ModelCheckpoint";
            cb.fromTopLevelKeys = true;
            cb.modeSource = "unknown";
            cb.bestModelScore = scores.read(bestScore, cb.warnings, "checkpoint_callback_best_model_score");
            cb.bestModelPath = strOf(bestPath);
            if (const auto cut = cb.bestModelPath.find_last_of("/\\"); cut != std::string::npos)
                cb.dirpath = cb.bestModelPath.substr(0, cut);
            for (const auto& w : cb.warnings)
                c.warnings.push_back("checkpoint_callback: " + w);
            c.callbacks.push_back(std::move(cb));
        }
        return c;
    }
    // The scores' storages sit in small records next to each other: fetch them together.
    std::vector<const pickle::TensorRef*> scoreTensors;
    auto collect = [&](const Value* v) {
        if (v && v->kind == Kind::Tensor)
            scoreTensors.push_back(v->tensor());
    };
    for (const auto& [key, st] : cbs->entries()) {
        if (!isModelCheckpointState(st))
            continue;
        for (const char* field : {"current_score", "best_model_score", "kth_value"})
            collect(st->get(field));
        if (const Value* bk = st->get("best_k_models"); bk && bk->isDictLike())
            for (const auto& [p, s] : bk->entries())
                collect(s);
    }
    file.prefetchScalars(scoreTensors);
    for (const auto& [key, st] : cbs->entries()) {
        std::string keyText = key->kind == Kind::Str ? std::string(key->text())
                              : key->kind == Kind::Global ? key->qualifiedName()
                                                          : pickle::repr(key);
        if (!isModelCheckpointState(st)) {
            if (full)
                c.otherCallbacks.push_back(keyText);
            continue;
        }
        CallbackState cb;
        cb.stateKey = keyText;
        if (auto parsed = key->kind == Kind::Str ? parseStateKey(key->text()) : std::nullopt) {
            cb.kind = parsed->first;
            cb.keyFields = std::move(parsed->second);
            if (!full) { // the fields ranking reads (a dozen map nodes fewer kept per file)
                nlohmann::json kept = nlohmann::json::object();
                for (const char* f : {"monitor", "mode", "save_top_k"})
                    if (auto it = cb.keyFields.find(f); it != cb.keyFields.end())
                        kept[f] = std::move(*it);
                cb.keyFields = std::move(kept);
            }
        } else {
            cb.kind = key->kind == Kind::Global ? std::string(key->global()->name) : keyText;
        }
        cb.monitor = strOf(st->get("monitor"));
        if (cb.monitor.empty() && cb.keyFields.contains("monitor") && cb.keyFields["monitor"].is_string())
            cb.monitor = cb.keyFields["monitor"].get<std::string>();
        const std::string label = "callback " + cb.kind + " (" + cb.monitor + ")";
        cb.currentScore = scores.read(st->get("current_score"), cb.warnings, "current_score");
        cb.bestModelScore = scores.read(st->get("best_model_score"), cb.warnings, "best_model_score");
        cb.bestModelPath = strOf(st->get("best_model_path"));
        cb.kthBestModelPath = strOf(st->get("kth_best_model_path"));
        cb.lastModelPath = strOf(st->get("last_model_path"));
        cb.dirpath = strOf(st->get("dirpath"));
        if (const Value* kth = st->get("kth_value"))
            cb.kthValue = scores.read(kth, cb.warnings, "kth_value");
        if (const Value* bk = st->get("best_k_models"); bk && bk->isDictLike()) {
            cb.hasBestKModels = true;
            cb.bestKModels.reserve(bk->entries().size());
            for (const auto& [p, s] : bk->entries())
                cb.bestKModels.emplace_back(strOf(p), scores.read(s, cb.warnings, "best_k_models"));
        }
        // mode: only the state key stores it; else kth_value is +inf (min) / -inf (max) until top-k fills.
        if (cb.keyFields.contains("mode") && cb.keyFields["mode"].is_string()) {
            const auto m = cb.keyFields["mode"].get<std::string>();
            cb.mode = m == "min" ? Mode::Min : m == "max" ? Mode::Max : Mode::Unknown;
            cb.modeSource = cb.mode == Mode::Unknown ? "unknown" : "state_key";
        } else if (cb.kthValue && std::isinf(*cb.kthValue)) {
            cb.mode = *cb.kthValue > 0 ? Mode::Min : Mode::Max;
            cb.modeSource = "kth_value";
        } else {
            cb.modeSource = "unknown";
        }
        for (const auto& w : cb.warnings)
            c.warnings.push_back(label + ": " + w);
        c.callbacks.push_back(std::move(cb));
    }
    return c;
}

Judged readJudged(ByteSource& src, const std::string& name, const ReadOptions& options)
{
    Judged j;
    auto opened = TorchFile::openJudged(src, options);
    j.audit = safety::judge(opened.trail, options.detail == Detail::Full);
    if (opened.file) {
        Checkpoint c = interpret(*opened.file, name, options.detail);
        c.truncated = opened.file->truncated();
        if (c.truncated && opened.error)
            c.truncation = Error(*opened.error).inFile(name);
        c.verdict = j.audit.verdict;
        if (options.detail == Detail::Full) {
            c.audit = std::move(j.audit); // one copy of what may be 100k globals: Judged::full() finds it
            j.audit = safety::Audit{};
            j.audit.verdict = c.audit.verdict;
            j.audit.container = c.audit.container;
            j.audit.mainPart = c.audit.mainPart;
            j.audit.summary = c.audit.summary;
        } else {
            c.audit.summary = j.audit.summary;
        }
        c.bytesRead = src.bytesRead();
        j.checkpoint = std::move(c);
    }
    if (opened.error)
        j.error = std::move(*opened.error).inFile(name);
    return j;
}

Judged readJudged(const std::string& path, const ReadOptions& options)
{
    auto src = fs::FileSource::open(path);
    if (!src) {
        Judged j;
        j.error = std::move(src).error();
        j.audit.verdict = safety::Verdict::Suspicious;
        j.audit.summary = "suspicious: the file could not be opened, so nothing of it was judged";
        j.audit.findings.push_back({safety::Verdict::Suspicious, "the file could not be opened: " + j.error->describe(), ""});
        return j;
    }
    return readJudged(**src, path, options);
}

Result<Checkpoint> readCheckpoint(const std::string& path, const ReadOptions& options)
{
    Judged j = readJudged(path, options);
    if (j.checkpoint)
        return std::move(*j.checkpoint);
    return std::move(*j.error);
}

} // namespace podium::checkpoint
