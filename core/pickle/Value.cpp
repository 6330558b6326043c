// SPDX-License-Identifier: GPL-3.0-or-later
#include "pickle/Value.h"

#include <array>

namespace podium::pickle {

std::string_view kindName(Kind k) noexcept
{
    static constexpr std::array<std::string_view, 16> names = {
        "None", "bool", "int", "int", "float", "str", "bytes", "list", "tuple", "dict", "set", "frozenset",
        "global", "storage", "tensor", "object"};
    return names[static_cast<std::size_t>(k)];
}

std::string_view verdictName(Verdict v) noexcept
{
    switch (v) {
    case Verdict::Safe: return "safe";
    case Verdict::Unknown: return "unknown";
    case Verdict::Unsafe: return "unsafe";
    }
    return "unknown";
}

std::string_view dtypeName(DType d) noexcept
{
    static constexpr std::array<std::string_view, 22> names = {
        "unknown", "float32", "float64", "float16", "bfloat16", "int64", "int32", "int16", "int8", "uint8", "bool",
        "complex64", "complex128", "qint8", "quint8", "qint32", "quint4x2", "float8_e4m3fn", "float8_e5m2",
        "uint16", "uint32", "uint64"};
    return names[static_cast<std::size_t>(d)];
}

std::size_t dtypeSize(DType d) noexcept
{
    switch (d) {
    case DType::Float64: case DType::Int64: case DType::Complex64: case DType::UInt64: return 8;
    case DType::Float32: case DType::Int32: case DType::QInt32: case DType::UInt32: return 4;
    case DType::Float16: case DType::BFloat16: case DType::Int16: case DType::UInt16: return 2;
    case DType::Int8: case DType::UInt8: case DType::Bool: case DType::QInt8: case DType::QUInt8:
    case DType::QUInt4x2: case DType::Float8E4M3: case DType::Float8E5M2: return 1;
    case DType::Complex128: return 16;
    case DType::Unknown: return 0;
    }
    return 0;
}

std::int64_t TensorRef::numel() const noexcept
{
    std::int64_t n = 1;
    for (auto s : shape) {
        if (s < 0 || (s != 0 && n > INT64_MAX / s))
            return -1;
        n *= s;
    }
    return n;
}

const ArenaVec<Value*> Value::kNoItems{};
const ArenaVec<ValueEntry> Value::kNoEntries{};

const Value* Value::get(std::string_view key) const noexcept
{
    for (const auto& [k, v] : entries())
        if (k && k->kind == Kind::Str && k->payload.text == key)
            return v;
    return nullptr;
}

std::optional<double> Value::number() const noexcept
{
    switch (kind) {
    case Kind::Int: return static_cast<double>(payload.integer);
    case Kind::Float: return payload.real;
    case Kind::Bool: return boolean ? 1.0 : 0.0;
    default: return std::nullopt;
    }
}

std::string Value::qualifiedName() const
{
    const GlobalRef* g = global();
    if (!g)
        return {};
    std::string out(g->module);
    out += '.';
    out += g->name;
    return out;
}

} // namespace podium::pickle
