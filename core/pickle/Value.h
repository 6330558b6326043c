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
#include <memory_resource>
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
};

struct Value {
    Kind kind = Kind::None;
    bool boolean = false;
    bool ordered = false;            // Dict: came from collections.OrderedDict
    std::uint32_t depth = 0;         // nesting depth seen when the value was built (budgeted)
    std::int64_t integer = 0;
    double real = 0;
    std::string_view text;           // Str, Bytes, BigInt; Object: a display form when it has one (paths)
    const GlobalRef* global = nullptr; // Global; Object: its class
    const StorageRef* storage = nullptr;
    TensorRef* tensor = nullptr;
    struct Entry {
        Value* first;
        Value* second;
    };
    ArenaVec<Value*> items;     // List/Tuple/Set; Object: items appended to it
    ArenaVec<Entry> entries;    // Dict; Object: items set on it (dict subclasses)
    Value* args = nullptr;           // Object: the constructor/call arguments (a Tuple)
    Value* state = nullptr;          // BUILD state (Object attributes, numpy dtype flags, ...)
    std::uint64_t offset = 0;        // where in the pickle it was created


    bool isNone() const noexcept { return kind == Kind::None; }
    bool isStr() const noexcept { return kind == Kind::Str; }
    bool isDictLike() const noexcept { return kind == Kind::Dict || (kind == Kind::Object && !entries.empty()); }

    /// Dict lookup by string key (linear: pickled dicts are small or scanned once). nullptr when absent.
    const Value* get(std::string_view key) const noexcept;
    /// Numeric value of Int/Float/Bool, else nullopt.
    std::optional<double> number() const noexcept;
    /// The qualified class or global name, "module.name", or "" for other kinds.
    std::string qualifiedName() const;
};

inline constexpr int kMaxWalkDepth = 200; // recursion cap for consumers that walk the tree

} // namespace podium::pickle
