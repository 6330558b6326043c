// SPDX-License-Identifier: GPL-3.0-or-later
// Value: the inert tree a pickle builds. Nothing in it can run: a global is a name, an object is the name
// of its class with the arguments and state it was given.
//
// Nodes live in the Document's arena and are referred to by plain pointers; the same node may be reached
// from several places (the memo lets a pickle refer to one object again, as Lightning does for scores) and
// lists/dicts may even contain themselves. Consumers that recurse therefore carry a depth limit (see
// kMaxWalkDepth) instead of trusting the shape.
#pragma once

#include "pickle/Arena.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace podium::pickle {

enum class Kind : std::uint8_t {
    None,
    Bool,
    Int,       // fits in int64
    BigInt,    // decimal text in `text`
    Float,
    Str,       // UTF-8 in `text`
    Bytes,     // raw bytes in `text`
    List,
    Tuple,
    Dict,      // keys may be any value; insertion order kept
    Set,
    FrozenSet,
    Global,    // a reference to module.name (never resolved)
    Storage,   // a torch storage named by a persistent id
    Tensor,
    Object,    // an instance: class global + args (+ state, list/dict items set on it)
};

std::string_view kindName(Kind k) noexcept;

enum class Verdict : std::uint8_t {
    Safe,    // in the allow-list: a known, harmless type or rebuild function
    Unknown, // not in the allow-list; kept as an inert opaque value
    Unsafe,  // a name known to run code or touch the system if a real unpickler called it
};
std::string_view verdictName(Verdict v) noexcept;

enum class DType : std::uint8_t {
    Unknown, Float32, Float64, Float16, BFloat16, Int64, Int32, Int16, Int8, UInt8, Bool,
    Complex64, Complex128, QInt8, QUInt8, QInt32, QUInt4x2, Float8E4M3, Float8E5M2, UInt16, UInt32, UInt64,
};
std::string_view dtypeName(DType d) noexcept;
std::size_t dtypeSize(DType d) noexcept;

struct Value;

/// ArenaVec: a vector whose storage lives in the Document's arena (pointer + size + capacity, 16 bytes).
/// Elements must be trivially copyable; growing copies into a larger arena block and abandons the old one
/// (the arena frees everything at once). Copies of an ArenaVec share its storage: trees are immutable
/// once the machine has built them.
template <typename T>
class ArenaVec {
public:
    std::size_t size() const noexcept { return m_size; }
    bool empty() const noexcept { return m_size == 0; }
    T& operator[](std::size_t i) noexcept { return m_data[i]; }
    const T& operator[](std::size_t i) const noexcept { return m_data[i]; }
    T* begin() noexcept { return m_data; }
    T* end() noexcept { return m_data + m_size; }
    const T* begin() const noexcept { return m_data; }
    const T* end() const noexcept { return m_data + m_size; }
    const T& front() const noexcept { return m_data[0]; }
    const T& back() const noexcept { return m_data[m_size - 1]; }

    void push_back(Arena& r, const T& v)
    {
        if (m_size == m_cap)
            grow(r, m_cap ? m_cap * 2 : 4);
        m_data[m_size++] = v;
    }
    void assign(Arena& r, const T* first, const T* last)
    {
        const auto n = static_cast<std::uint32_t>(last - first);
        if (n > m_cap)
            grow(r, n);
        std::copy(first, last, m_data);
        m_size = n;
    }

private:
    void grow(Arena& r, std::uint32_t cap)
    {
        T* p = static_cast<T*>(r.bump(sizeof(T) * cap, alignof(T)));
        std::copy(m_data, m_data + m_size, p);
        m_data = p;
        m_cap = cap;
    }
    T* m_data = nullptr;
    std::uint32_t m_size = 0;
    std::uint32_t m_cap = 0;
};

/// A torch storage named by a persistent id ('storage', <type>, key, location, numel).
struct StorageRef {
    std::string_view key;       // "0", "12", ...
    std::string_view location;  // "cpu", "cuda:0", ...
    DType dtype = DType::Unknown;
    std::int64_t numel = -1;    // elements as declared in the persistent id (bytes for UntypedStorage)
    bool untyped = false;
};

struct TensorRef {
    const StorageRef* storage = nullptr;
    DType dtype = DType::Unknown;
    std::int64_t storageOffset = 0;
    ArenaVec<std::int64_t> shape;
    ArenaVec<std::int64_t> stride;
    bool requiresGrad = false;
    bool parameter = false;

    std::int64_t numel() const noexcept;
    std::size_t elementSize() const noexcept { return dtypeSize(dtype); }
};

struct GlobalRef {
    std::string_view module;
    std::string_view name;
    Verdict verdict = Verdict::Unknown;
    std::uint16_t builder = 0; // the allow-list's Builder (0 = none), looked up once per GLOBAL opcode
    DType dtype = DType::Unknown; // for storage types and torch dtypes
    bool untypedStorage = false;  // torch.UntypedStorage (its numel counts bytes)
    bool callInert = false;       // allow-listed, and calling it is known to be inert
    std::uint32_t use = 0;        // index of its GlobalUse in the Document
};

/// A dict entry (key, value); keys may be any value.
struct ValueEntry {
    Value* first;
    Value* second;
};

/// What only an Object carries (instances are rare next to the ints, tuples and strings of a state_dict, so
/// their fields live out of line and every other node stays small).
struct ObjectData {
    const GlobalRef* global = nullptr; ///< its class; null when the class is not a global (then Value::state)
    Value* args = nullptr;             ///< the constructor/call arguments (a Tuple)
    std::string_view text;             ///< a display form when it has one (paths, devices)
    ArenaVec<Value*> items;            ///< items appended to it (list subclasses)
    ArenaVec<ValueEntry> entries;      ///< items set on it (dict subclasses)
};

/// One node of the tree: 40 bytes. A scan builds thousands per checkpoint, and their size decides whether a
/// pickle's tree stays in the core's cache (padding it by 64 bytes made a scan ~45% slower), so the
/// kind-specific part is a union read through accessors that answer "empty" for other kinds: `items()` of
/// a dict is empty, `text()` of an int is "", `global()` of a tensor is null.
struct Value {
    using Entry = ValueEntry;

    Kind kind = Kind::None;
    bool boolean = false;            // Bool
    bool ordered = false;            // Dict: came from collections.OrderedDict
    std::uint32_t depth = 0;         // nesting depth seen when the value was built (budgeted)
    std::uint64_t offset = 0;        // where in the pickle it was created
    Value* state = nullptr;          // BUILD state (Object attributes, numpy dtype flags, ...); for an Object
                                     // whose class is not a global, that class

    /// The kind-specific part; the Machine writes it, readers use the accessors below.
    union Payload {
        std::int64_t integer;                  // Int
        double real;                           // Float
        std::string_view text;                 // Str, Bytes, BigInt
        ArenaVec<Value*> items;                // List, Tuple, Set, FrozenSet
        ArenaVec<ValueEntry> entries;          // Dict
        const GlobalRef* global;               // Global
        struct {
            const StorageRef* ref;
            Value* pid;                        // the persistent id it came from
        } storage;                             // Storage
        TensorRef* tensor;                     // Tensor
        ObjectData* object;                    // Object
        constexpr Payload() : storage{nullptr, nullptr} {}
    } payload;

    bool isNone() const noexcept { return kind == Kind::None; }
    bool isStr() const noexcept { return kind == Kind::Str; }
    bool isContainer() const noexcept
    {
        return kind == Kind::List || kind == Kind::Tuple || kind == Kind::Set || kind == Kind::FrozenSet;
    }
    bool isDictLike() const noexcept { return !entries().empty() || kind == Kind::Dict; }

    std::int64_t integer() const noexcept { return kind == Kind::Int ? payload.integer : 0; }
    double real() const noexcept { return kind == Kind::Float ? payload.real : 0.0; }
    /// Str/Bytes/BigInt text; an Object's display form; "" otherwise.
    std::string_view text() const noexcept
    {
        if (kind == Kind::Str || kind == Kind::Bytes || kind == Kind::BigInt)
            return payload.text;
        return kind == Kind::Object ? payload.object->text : std::string_view{};
    }
    /// List/Tuple/Set/FrozenSet items; an Object's appended items; empty otherwise.
    const ArenaVec<Value*>& items() const noexcept
    {
        if (isContainer())
            return payload.items;
        return kind == Kind::Object ? payload.object->items : kNoItems;
    }
    /// Dict entries; an Object's set items; empty otherwise.
    const ArenaVec<ValueEntry>& entries() const noexcept
    {
        if (kind == Kind::Dict)
            return payload.entries;
        return kind == Kind::Object ? payload.object->entries : kNoEntries;
    }
    /// Global: the name; Object: its class (null when the class is not a global); null otherwise.
    const GlobalRef* global() const noexcept
    {
        if (kind == Kind::Global)
            return payload.global;
        return kind == Kind::Object ? payload.object->global : nullptr;
    }
    const StorageRef* storage() const noexcept { return kind == Kind::Storage ? payload.storage.ref : nullptr; }
    const TensorRef* tensor() const noexcept { return kind == Kind::Tensor ? payload.tensor : nullptr; }
    /// Object: the call arguments; Storage: the persistent id; null otherwise.
    const Value* args() const noexcept
    {
        if (kind == Kind::Object)
            return payload.object->args;
        return kind == Kind::Storage ? payload.storage.pid : nullptr;
    }

    /// Dict lookup by string key (linear: pickled dicts are small or scanned once). nullptr when absent.
    const Value* get(std::string_view key) const noexcept;
    /// Numeric value of Int/Float/Bool, else nullopt.
    std::optional<double> number() const noexcept;
    /// The qualified class or global name, "module.name", or "" for other kinds.
    std::string qualifiedName() const;

private:
    static const ArenaVec<Value*> kNoItems;
    static const ArenaVec<ValueEntry> kNoEntries;
};

static_assert(sizeof(Value) == 40, "Value is meant to stay small (see the comment above it)");

inline constexpr int kMaxWalkDepth = 200; // recursion cap for consumers that walk the tree

} // namespace podium::pickle
