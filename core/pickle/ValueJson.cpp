// SPDX-License-Identifier: GPL-3.0-or-later
#include "pickle/ValueJson.h"

#include "pickle/Arguments.h"
#include "pickle/Globals.h"

#include <algorithm>
#include <charconv>
#include <vector>
#include <cmath>

namespace podium::pickle {

using nlohmann::json;

json numberJson(double d)
{
    if (std::isnan(d)) return "nan";
    if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
    return d;
}

std::string describeTensor(const TensorRef& t)
{
    std::string out = "tensor(";
    out += dtypeName(t.dtype);
    out += '[';
    for (std::size_t i = 0; i < t.shape.size(); ++i) {
        if (i) out += ", ";
        out += std::to_string(t.shape[i]);
    }
    out += ']';
    if (t.storage) {
        out += ", ";
        out += t.storage->location;
    }
    if (t.parameter) out += ", parameter";
    out += ')';
    return out;
}

namespace {

// Shared values (the memo) and cycles could make a walk exponential or endless: every walk has a node
// budget and stops at values already on its path.
struct WalkState {
    std::size_t budget = 200000;
    std::vector<const Value*> path;
};
thread_local WalkState* t_walk = nullptr;

struct WalkScope {
    WalkState state;
    WalkState* previous;
    WalkScope() : previous(t_walk) { if (!previous) t_walk = &state; }
    ~WalkScope() { if (!previous) t_walk = nullptr; }
};

json toJsonImpl(const Value* v, int depth);

Builder builderOf(const Value* v)
{
    return v && v->global() ? static_cast<Builder>(v->global()->builder) : Builder::None;
}

json omegaConf(const Value* v, int depth);

json omegaNode(const Value* v, int depth)
{
    // omegaconf nodes keep their value in state['_val']; containers in state['_content'].
    if (v && v->kind == Kind::Object) {
        const auto b = builderOf(v);
        if (b == Builder::OmegaConfContainer)
            return omegaConf(v, depth);
        if (b == Builder::OmegaConfNode && v->state && v->state->kind == Kind::Dict)
            if (const Value* val = v->state->get("_val"))
                return toJsonImpl(val, depth + 1);
    }
    return toJsonImpl(v, depth + 1);
}

json omegaConf(const Value* v, int depth)
{
    const Value* state = v->state;
    const Value* content = state && state->kind == Kind::Dict ? state->get("_content") : nullptr;
    if (!content)
        return json::object();
    if (content->kind == Kind::Dict) {
        json out = json::object();
        for (auto& [k, val] : content->entries())
            out[k->kind == Kind::Str ? std::string(k->text()) : repr(k)] = omegaNode(val, depth + 1);
        return out;
    }
    if (content->kind == Kind::List) {
        json out = json::array();
        for (const Value* x : content->items())
            out.push_back(omegaNode(x, depth + 1));
        return out;
    }
    return toJsonImpl(content, depth + 1); // None or a '???' / interpolation string
}

json entriesJson(const ArenaVec<Value::Entry>& entries, int depth)
{
    json out = json::object();
    for (auto& [k, val] : entries)
        out[k->kind == Kind::Str ? std::string(k->text()) : repr(k, depth + 1)] = toJsonImpl(val, depth + 1);
    return out;
}

} // namespace

json toJson(const Value* v, int depth)
{
    WalkScope scope;
    return toJsonImpl(v, depth);
}

namespace {

json toJsonInner(const Value* v, int depth);

json toJsonImpl(const Value* v, int depth)
{
    if (!v)
        return nullptr;
    if (depth > kMaxWalkDepth || !t_walk || t_walk->budget == 0)
        return "…";
    --t_walk->budget;
    auto& path = t_walk->path;
    if (std::find(path.begin(), path.end(), v) != path.end())
        return "<cycle>";
    path.push_back(v);
    json out = toJsonInner(v, depth);
    path.pop_back();
    return out;
}

json toJsonInner(const Value* v, int depth)
{
    switch (v->kind) {
    case Kind::None: return nullptr;
    case Kind::Bool: return v->boolean;
    case Kind::Int: return v->integer();
    case Kind::BigInt: return std::string(v->text());
    case Kind::Float: return numberJson(v->real());
    case Kind::Str: return std::string(v->text());
    case Kind::Bytes: return bytesRepr(Bytes(reinterpret_cast<const std::uint8_t*>(v->text().data()), v->text().size()));
    case Kind::List:
    case Kind::Tuple:
    case Kind::Set:
    case Kind::FrozenSet: {
        json out = json::array();
        for (const Value* x : v->items())
            out.push_back(toJsonImpl(x, depth + 1));
        return out;
    }
    case Kind::Dict: return entriesJson(v->entries(), depth);
    case Kind::Global: return v->qualifiedName();
    case Kind::Storage: return "storage(" + std::string(v->storage()->key) + ", " + std::string(v->storage()->location) + ")";
    case Kind::Tensor: return describeTensor(*v->tensor());
    case Kind::Object: {
        const auto b = builderOf(v);
        switch (b) {
        case Builder::Path:
        case Builder::TorchDevice:
            return std::string(v->text());
        case Builder::OmegaConfContainer:
            return omegaConf(v, depth);
        case Builder::OmegaConfNode:
            return omegaNode(v, depth);
        case Builder::Namespace:
            if (v->state && v->state->kind == Kind::Dict)
                return entriesJson(v->state->entries(), depth);
            return json::object();
        case Builder::DictSubclass:
            if (!v->entries().empty() || !v->state)
                return entriesJson(v->entries(), depth);
            break;
        default: break;
        }
        json out = json::object();
        out["__object__"] = v->global() ? v->qualifiedName() : std::string(v->text().empty() ? "?" : v->text());
        if (v->args() && !v->args()->items().empty())
            out["args"] = toJsonImpl(v->args(), depth + 1);
        if (v->state)
            out["state"] = toJsonImpl(v->state, depth + 1);
        if (!v->items().empty()) {
            json items = json::array();
            for (const Value* x : v->items()) items.push_back(toJsonImpl(x, depth + 1));
            out["items"] = std::move(items);
        }
        if (!v->entries().empty())
            out["entries"] = entriesJson(v->entries(), depth);
        return out;
    }
    }
    return nullptr;
}

} // namespace

std::string repr(const Value* v, int depth)
{
    if (!v) return "None";
    if (depth > 4) return "…";
    switch (v->kind) {
    case Kind::None: return "None";
    case Kind::Bool: return v->boolean ? "True" : "False";
    case Kind::Int: return std::to_string(v->integer());
    case Kind::BigInt: return std::string(v->text());
    case Kind::Float: {
        if (std::isnan(v->real())) return "nan";
        if (std::isinf(v->real())) return v->real() > 0 ? "inf" : "-inf";
        char buf[32];
        auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v->real());
        return std::string(buf, p);
    }
    case Kind::Str: return "'" + std::string(v->text()) + "'";
    case Kind::Bytes: return bytesRepr(Bytes(reinterpret_cast<const std::uint8_t*>(v->text().data()), v->text().size()), 32);
    case Kind::Tuple:
    case Kind::List: {
        std::string out = v->kind == Kind::Tuple ? "(" : "[";
        for (std::size_t i = 0; i < v->items().size() && i < 8; ++i) {
            if (i) out += ", ";
            out += repr(v->items()[i], depth + 1);
        }
        if (v->items().size() > 8) out += ", …";
        if (v->kind == Kind::Tuple && v->items().size() == 1) out += ",";
        out += v->kind == Kind::Tuple ? ")" : "]";
        return out;
    }
    case Kind::Global: return v->qualifiedName();
    case Kind::Tensor: return describeTensor(*v->tensor());
    default: return toJson(v, kMaxWalkDepth - 4).dump();
    }
}

} // namespace podium::pickle
