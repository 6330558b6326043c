// SPDX-License-Identifier: GPL-3.0-or-later
#include "checkpoint/Checkpoint.h"

#include "pickle/ValueJson.h"

#include <algorithm>

namespace podium::checkpoint {

using nlohmann::json;

std::string_view modeName(Mode m) noexcept
{
    return m == Mode::Min ? "min" : m == Mode::Max ? "max" : "unknown";
}

const CallbackState* Checkpoint::callback(std::string_view stateKey) const noexcept
{
    for (const auto& cb : callbacks)
        if (cb.stateKey == stateKey)
            return &cb;
    return nullptr;
}

bool Checkpoint::hasUnsafeGlobals() const noexcept
{
    return verdict == safety::Verdict::Unsafe;
}

json scoreJson(const Score& s)
{
    return s ? pickle::numberJson(*s) : json(nullptr);
}

static json optString(const std::string& s)
{
    return s.empty() ? json(nullptr) : json(s);
}

json toJson(const Checkpoint& c)
{
    json j;
    j["file"] = c.file;
    j["size"] = c.fileSize;
    j["format"] = c.format;
    j["zip_prefix"] = c.format == "zip" ? json(c.zipPrefix) : json(nullptr);
    j["byteorder"] = c.bigEndian ? "big" : "little";
    j["entries"] = c.entries;
    j["pickle_protocol"] = c.pickleProtocol;
    j["pickle_bytes"] = c.pickleBytes;
    j["top_level_type"] = c.topLevelType;
    j["top_level_keys"] = c.topLevelKeys;
    j["is_lightning"] = c.isLightning;
    if (!c.isLightning)
        j["not_lightning_reason"] = c.notLightningReason;
    j["lightning_version"] = c.lightningVersion ? json(*c.lightningVersion) : json(nullptr);
    j["epoch"] = c.epoch ? json(*c.epoch) : json(nullptr);
    j["global_step"] = c.globalStep ? json(*c.globalStep) : json(nullptr);
    json cbs = json::array();
    for (const auto& cb : c.callbacks) {
        if (cb.fromTopLevelKeys) { // Lightning 0.x: not in checkpoint["callbacks"], shown beside it
            j["top_level_callback_state"] = {{"best_model_score", scoreJson(cb.bestModelScore)},
                                             {"best_model_path", cb.bestModelPath}};
            continue;
        }
        json o;
        o["state_key"] = cb.stateKey;
        o["kind"] = cb.kind;
        o["monitor"] = optString(cb.monitor);
        o["mode"] = cb.mode == Mode::Unknown ? json(nullptr) : json(modeName(cb.mode));
        o["mode_source"] = cb.modeSource;
        o["current_score"] = scoreJson(cb.currentScore);
        o["best_model_score"] = scoreJson(cb.bestModelScore);
        o["best_model_path"] = cb.bestModelPath;
        json bk = json::object();
        for (const auto& [p, s] : cb.bestKModels)
            bk[p] = scoreJson(s);
        o["best_k_models"] = cb.hasBestKModels ? bk : json(nullptr);
        o["kth_best_model_path"] = cb.kthBestModelPath;
        o["kth_value"] = scoreJson(cb.kthValue);
        o["last_model_path"] = cb.lastModelPath;
        o["dirpath"] = cb.dirpath;
        if (!cb.keyFields.is_null())
            o["key_fields"] = cb.keyFields;
        if (!cb.warnings.empty())
            o["warnings"] = cb.warnings;
        cbs.push_back(std::move(o));
    }
    j["callbacks"] = std::move(cbs);
    j["other_callbacks"] = c.otherCallbacks;
    j["hyper_parameters"] = c.hyperParameters;
    j["hparams_name"] = optString(c.hparamsName);
    j["datamodule_hyper_parameters"] = c.datamoduleHyperParameters;
    json sd;
    sd["tensors"] = c.stateDict.tensors;
    sd["parameters"] = c.stateDict.elements;
    sd["bytes"] = c.stateDict.bytes;
    sd["dtypes"] = c.stateDict.dtypes;
    sd["locations"] = c.stateDict.locations;
    j["state_dict"] = std::move(sd);
    j["optimizers"] = c.optimizers;
    j["lr_schedulers"] = c.lrSchedulers;
    j["loops"] = c.loops;
    addAuditJson(j, c.audit);
    j["verdict"] = safety::verdictName(c.verdict); // also with Ranking detail, where the audit keeps no globals
    j["safe"] = c.verdict == safety::Verdict::Safe;
    if (c.truncated) {
        j["truncated"] = true;
        if (c.truncation)
            j["error"] = errorObject(*c.truncation);
    }
    j["warnings"] = c.warnings;
    j["bytes_read"] = c.bytesRead;
    return j;
}

json errorObject(const Error& e)
{
    json err{{"code", errorCodeName(e.code)}, {"message", e.message()}, {"detail", e.detail}};
    if (e.offset != Error::npos) {
        err["offset"] = e.offset;
        err["where"] = e.where;
    }
    return err;
}

json errorJson(const std::string& file, const Error& e, const safety::Audit* audit)
{
    json j{{"file", file}, {"error", errorObject(e)}};
    if (audit)
        addAuditJson(j, *audit);
    return j;
}

void addAuditJson(json& j, const safety::Audit& a)
{
    j["verdict"] = safety::verdictName(a.verdict);
    j["safe"] = a.verdict == safety::Verdict::Safe;
    j["verdict_summary"] = a.summary;
    j["container"] = a.container;
    json pickles = json::array();
    for (const auto& p : a.pickles) {
        json o{{"part", p.part}, {"bytes", p.bytes}, {"sha256", p.sha256}, {"read_by_torch", p.readByTorch}};
        if (!p.error.empty())
            o["error"] = p.error;
        pickles.push_back(std::move(o));
    }
    j["pickles"] = std::move(pickles);
    json globals = json::array();
    for (const auto& g : a.globals) {
        json o{{"module", g.module}, {"name", g.name}, {"verdict", pickle::verdictName(g.verdict)},
               {"reason", g.reason.empty() && g.verdict == pickle::Verdict::Unknown ? "not on the allow-list of known inert names"
                                                                                    : g.reason},
               {"where", g.where}, {"count", g.count}};
        if (!a.mainPart.empty() && g.part != a.mainPart)
            o["pickle"] = g.part;
        if (g.calls)
            o["calls"] = g.calls;
        if (!g.readByTorch)
            o["read_by_torch"] = false;
        if (!g.writtenModule.empty()) {
            o["written_as"] = g.writtenModule + " " + g.writtenName;
            // Advisories and other scanners name a renamed Python 2 module as written (cPickle.loads,
            // commands.getoutput): the spelling is listed too, pointing at the name Python 3 resolves. (The
            // Python 2 spellings of builtins and copyreg are shown resolved only.)
            if (g.writtenModule != "__builtin__" && g.writtenModule != "copy_reg" && g.writtenModule != g.module) {
                json alias = o;
                alias["module"] = g.writtenModule;
                alias["name"] = g.writtenName;
                alias["alias_of"] = g.module + "." + g.name;
                alias.erase("written_as");
                globals.push_back(std::move(o));
                globals.push_back(std::move(alias));
                continue;
            }
        }
        globals.push_back(std::move(o));
    }
    j["globals"] = std::move(globals);
    json findings = json::array();
    for (const auto& f : a.findings) {
        json o{{"level", safety::verdictName(f.level)}, {"what", f.what}};
        if (!f.where.empty())
            o["where"] = f.where;
        findings.push_back(std::move(o));
    }
    j["findings"] = std::move(findings);
}

} // namespace podium::checkpoint
