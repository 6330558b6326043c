// SPDX-License-Identifier: GPL-3.0-or-later
#include "pickle/Machine.h"

#include "pickle/Arguments.h"
#include "pickle/CompatNames.h"
#include "pickle/Globals.h"
#include "pickle/Opcodes.h"
#include "util/BufferPool.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <new>
#include <unordered_map>

namespace podium::pickle {

namespace {

/// Per-thread cache of released arena chunks (a few, bounded in size), freed when the thread ends.
struct ChunkPool {
    static constexpr std::size_t kMaxChunks = 8;
    static constexpr std::size_t kMaxBytes = std::size_t{64} << 20;
    std::vector<std::pair<void*, std::size_t>> free;
    std::size_t bytes = 0;
    ~ChunkPool()
    {
        for (auto& [p, n] : free)
            ::operator delete(p);
    }
};
thread_local ChunkPool t_pool;

} // namespace

Arena::~Arena()
{
    for (const auto& c : m_chunks) {
        if (t_pool.free.size() < ChunkPool::kMaxChunks && t_pool.bytes + c.size <= ChunkPool::kMaxBytes) {
            t_pool.free.emplace_back(c.data, c.size);
            t_pool.bytes += c.size;
        } else {
            ::operator delete(c.data);
        }
    }
}

void* Arena::grow(std::size_t n, std::size_t align)
{
    const std::size_t need = n + align;
    Chunk c{nullptr, 0};
    // take the largest pooled chunk that fits
    auto& pool = t_pool.free;
    std::size_t best = pool.size();
    for (std::size_t i = 0; i < pool.size(); ++i)
        if (pool[i].second >= need && (best == pool.size() || pool[i].second > pool[best].second))
            best = i;
    if (best != pool.size()) {
        c = {pool[best].first, pool[best].second};
        t_pool.bytes -= c.size;
        pool.erase(pool.begin() + static_cast<std::ptrdiff_t>(best));
    } else {
        c.size = std::max(m_next, need);
        if (m_bytes + c.size > m_limit) {
            // the last chunk may be smaller than the doubling would make it, down to what is asked for
            if (m_bytes + need > m_limit)
                throw ArenaFull{};
            c.size = m_limit - m_bytes;
        }
        c.data = ::operator new(c.size);
    }
    m_bytes += c.size;
    m_next = std::max(m_next, c.size) * 2;
    m_chunks.push_back(c);
    m_cur = reinterpret_cast<std::uintptr_t>(c.data);
    m_end = m_cur + c.size;
    return bump(n, align);
}

Document::~Document()
{
    SpareVector<const StorageRef*>::give(std::move(storages));
    SpareVector<const TensorRef*>::give(std::move(tensors));
}

bool Document::hasUnsafeGlobals() const noexcept
{
    return std::any_of(globals.begin(), globals.end(), [](const auto& g) { return g.verdict == Verdict::Unsafe; });
}

namespace {

std::string_view sv(Bytes b)
{
    return {reinterpret_cast<const char*>(b.data()), b.size()};
}

/// A vector of pointers whose push_back always inlines (std::vector's did not, inside the big dispatch
/// switch, and cost ~5% of a scan). Growth doubles; nothing else.
class PtrVector {
public:
    PtrVector() = default;
    PtrVector(const PtrVector&) = delete;
    PtrVector& operator=(const PtrVector&) = delete;
    ~PtrVector() { std::free(m_data); }
    [[gnu::always_inline]] void push_back(Value* v)
    {
        if (m_size == m_cap) [[unlikely]]
            grow(m_size + 1);
        m_data[m_size++] = v;
    }
    void pop_back() noexcept { --m_size; }
    void clear() noexcept { m_size = 0; }
    std::size_t capacity() const noexcept { return m_cap; }
    /// Frees the storage (a scratch vector that grew past what is worth keeping between pickles).
    void release() noexcept
    {
        std::free(m_data);
        m_data = nullptr;
        m_size = m_cap = 0;
    }
    Value*& back() noexcept { return m_data[m_size - 1]; }
    Value*& operator[](std::size_t i) noexcept { return m_data[i]; }
    Value* const& operator[](std::size_t i) const noexcept { return m_data[i]; }
    std::size_t size() const noexcept { return m_size; }
    Value** data() noexcept { return m_data; }
    void reserve(std::size_t n) { if (n > m_cap) grow(n); }
    /// Shrinks, or grows filling with nullptr.
    void resize(std::size_t n)
    {
        if (n > m_cap) grow(n);
        for (std::size_t i = m_size; i < n; ++i) m_data[i] = nullptr;
        m_size = n;
    }

private:
    [[gnu::noinline]] void grow(std::size_t atLeast)
    {
        std::size_t cap = std::max<std::size_t>({16, m_cap * 2, atLeast});
        auto* p = static_cast<Value**>(std::realloc(m_data, cap * sizeof(Value*)));
        if (!p) throw std::bad_alloc();
        m_data = p;
        m_cap = cap;
    }
    Value** m_data = nullptr;
    std::size_t m_size = 0, m_cap = 0;
};

/// The machine's working vectors (stack, memo, MARK positions), kept per thread between pickles. A scan
/// runs thousands of pickles per thread; fresh vectors grew by realloc each time, and on this kind of
/// machine first-touched pages are the dearest thing a scan does (a third of a whole scan's page faults).
struct Scratch {
    static constexpr std::size_t kKeepSlots = std::size_t{1} << 18; // 2 MiB of pointers per vector at most
    PtrVector stack;
    PtrVector memo;
    std::vector<std::size_t> marks;
    bool busy = false;
};
thread_local Scratch t_scratch;

/// Takes the thread's Scratch for one run (or a private one if a run is already using it) and gives it
/// back emptied, releasing vectors that grew past kKeepSlots.
class ScratchLease {
public:
    ScratchLease()
    {
        if (!t_scratch.busy) {
            m_s = &t_scratch;
            m_s->busy = true;
        } else {
            m_own = std::make_unique<Scratch>();
            m_s = m_own.get();
        }
        m_s->stack.reserve(256);
    }
    ~ScratchLease()
    {
        if (m_s != &t_scratch)
            return;
        for (PtrVector* v : {&m_s->stack, &m_s->memo}) {
            v->clear();
            if (v->capacity() > Scratch::kKeepSlots)
                v->release();
        }
        m_s->marks.clear();
        if (m_s->marks.capacity() > Scratch::kKeepSlots)
            m_s->marks.shrink_to_fit();
        m_s->busy = false;
    }
    ScratchLease(const ScratchLease&) = delete;
    ScratchLease& operator=(const ScratchLease&) = delete;
    Scratch& get() noexcept { return *m_s; }

private:
    Scratch* m_s = nullptr;
    std::unique_ptr<Scratch> m_own;
};

class Run {
public:
    Run(Document& doc, const Limits& limits, Bytes data, const char* where)
        : m_doc(doc), m_limits(limits), m_r(data, ErrorCode::PickleTruncated, where)
    {
        m_doc.arena.setLimit(limits.maxBytes);
        // a state_dict pickles each tensor in ~110 bytes: room for that many without regrowing
        const std::size_t expected = std::min<std::size_t>(data.size() / 110 + 16, 1 << 16);
        m_doc.storages = SpareVector<const StorageRef*>::take(expected);
        m_doc.tensors = SpareVector<const TensorRef*>::take(expected);
    }

    void execute();
    std::size_t opStart() const noexcept { return m_opStart; }

private:
    // ---- errors -------------------------------------------------------------------------------------
    [[noreturn]] void fail(ErrorCode code, std::string detail) const { m_r.failAt(code, m_opStart, std::move(detail)); }
    std::string opName() const { return std::string(opcodeInfo(m_r.data()[m_opStart])->name); } // fast paths leave m_info alone

    // ---- allocation (budgeted) ----------------------------------------------------------------------
    // The hot paths below stay small enough to inline; their failures are built in cold functions.
    [[gnu::always_inline]] void charge(std::size_t n = 1)
    {
        m_doc.nodes += n;
        if (m_doc.nodes > m_limits.maxNodes) [[unlikely]]
            failNodes();
    }
    [[noreturn, gnu::noinline, gnu::cold]] void failNodes() const
    {
        fail(ErrorCode::PickleNodeLimit, "more than " + std::to_string(m_limits.maxNodes) +
                                             " values and container slots (the budget for one pickle)");
    }
    [[gnu::always_inline]] Value* make(Kind k)
    {
        charge();
        // Copying a blank node is a few vector stores; value-initialising it compiled to `rep stos`, whose
        // start-up cost dominated for a 120-byte node.
        static constexpr Value kBlank{};
        void* p = m_doc.arena.bump(sizeof(Value), alignof(Value));
        std::memcpy(p, &kBlank, sizeof(Value));
        Value* v = std::launder(static_cast<Value*>(p));
        v->kind = k;
        v->offset = m_opStart;
        return v;
    }
    /// Places a T in the arena.
    template <typename T, typename... A>
    T* arenaNew(A&&... a)
    {
        return new (m_doc.arena.bump(sizeof(T), alignof(T))) T(std::forward<A>(a)...);
    }
    Value* makeObject()
    {
        Value* v = make(Kind::Object);
        v->payload.object = arenaNew<ObjectData>();
        return v;
    }
    static ArenaVec<Value*>& itemsOf(Value* c) noexcept
    {
        return c->kind == Kind::Object ? c->payload.object->items : c->payload.items;
    }
    static ArenaVec<ValueEntry>& entriesOf(Value* c) noexcept
    {
        return c->kind == Kind::Object ? c->payload.object->entries : c->payload.entries;
    }
    std::string_view keep(std::string_view s) // copies text into the arena
    {
        char* p = static_cast<char*>(m_doc.arena.bump(s.size() + 1, 1));
        std::memcpy(p, s.data(), s.size());
        p[s.size()] = 0;
        return {p, s.size()};
    }

    // ---- stack discipline ---------------------------------------------------------------------------
    std::size_t fence() const noexcept { return m_fence; }
    std::size_t above() const noexcept { return m_stack.size() - fence(); }
    [[gnu::always_inline]] void needItems(std::size_t n)
    {
        if (above() < n) [[unlikely]]
            failUnderflow(n);
    }
    [[noreturn, gnu::noinline, gnu::cold]] void failUnderflow(std::size_t n) const
    {
        std::string where = m_marks.empty() ? "" : " above the MARK";
        fail(ErrorCode::PickleStackUnderflow, opName() + " needs " + std::to_string(n) + " item" + (n == 1 ? "" : "s") +
                                                  ", found " + std::to_string(above()) + where);
    }
    [[gnu::always_inline]] void push(Value* v)
    {
        if (m_stack.size() >= m_limits.maxStack) [[unlikely]]
            failStack();
        m_stack.push_back(v);
    }
    [[noreturn, gnu::noinline, gnu::cold]] void failStack() const
    {
        fail(ErrorCode::PickleStackLimit, "the stack holds more than " + std::to_string(m_limits.maxStack) + " items");
    }
    [[gnu::always_inline]] Value* pop()
    {
        needItems(1);
        Value* v = m_stack.back();
        m_stack.pop_back();
        return v;
    }
    [[gnu::always_inline]] Value* top()
    {
        needItems(1);
        return m_stack.back();
    }
    /// The items above the topmost MARK; the caller erases them with dropMark().
    std::size_t markStart()
    {
        if (m_marks.empty())
            fail(ErrorCode::PickleNoMark, opName() + " needs a MARK, but none is open");
        return m_marks.back();
    }
    /// APPENDS/SETITEMS/ADDITEMS act on the item just below their MARK, which must not be behind the fence
    /// of an enclosing MARK (CPython: x <= self->stack->fence is an underflow).
    void needBelowMark(std::size_t start, const char* what)
    {
        const std::size_t outer = m_marks.size() >= 2 ? m_marks[m_marks.size() - 2] : 0;
        if (start <= outer)
            fail(ErrorCode::PickleStackUnderflow, opName() + " needs " + what + " below its MARK, found nothing");
    }
    void dropMark(std::size_t start)
    {
        m_stack.resize(start);
        m_marks.pop_back();
        m_fence = m_marks.empty() ? 0 : m_marks.back();
    }

    // ---- containers ---------------------------------------------------------------------------------
    void nest(Value* container, const Value* child)
    {
        if (child && child->depth + 1 > container->depth) {
            container->depth = child->depth + 1;
            if (container->depth > m_limits.maxDepth)
                fail(ErrorCode::PickleDepthLimit, "values nest deeper than " + std::to_string(m_limits.maxDepth) + " levels");
        }
    }
    void addItem(Value* c, Value* item)
    {
        charge();
        nest(c, item);
        itemsOf(c).push_back(m_doc.arena, item);
    }
    void addEntry(Value* c, Value* k, Value* v)
    {
        charge();
        nest(c, k);
        nest(c, v);
        entriesOf(c).push_back(m_doc.arena, {k, v});
    }
    Value* sequence(Kind k, Value* const* first, std::size_t n)
    {
        Value* v = make(k);
        charge(n);
        std::uint32_t depth = 0;
        for (std::size_t i = 0; i < n; ++i)
            depth = std::max(depth, first[i]->depth);
        if (n) {
            v->depth = depth + 1;
            if (v->depth > m_limits.maxDepth)
                fail(ErrorCode::PickleDepthLimit, "values nest deeper than " + std::to_string(m_limits.maxDepth) + " levels");
        }
        v->payload.items.assign(m_doc.arena, first, first + n);
        return v;
    }

    // ---- opcodes that both dispatch paths run ---------------------------------------------------------
    /// The fast path of BINPUT, LONG_BINPUT and MEMOIZE at the reader's position: false when the next opcode
    /// is none of them or its argument is cut short (the table-driven path then reports it).
    [[gnu::always_inline]] bool takePut(const std::uint8_t* bytes, std::size_t size)
    {
        const std::size_t p = m_r.pos();
        if (p + 5 <= size && bytes[p] == static_cast<std::uint8_t>(Op::LONG_BINPUT)) {
            m_opStart = p;
            ++m_doc.opcodes;
            m_r.setPos(p + 5);
            memoPut(loadLE<std::uint32_t>(bytes + p + 1));
        } else if (p + 2 <= size && bytes[p] == static_cast<std::uint8_t>(Op::BINPUT)) {
            m_opStart = p;
            ++m_doc.opcodes;
            m_r.setPos(p + 2);
            memoPut(bytes[p + 1]);
        } else if (p < size && bytes[p] == static_cast<std::uint8_t>(Op::MEMOIZE)) {
            m_opStart = p;
            ++m_doc.opcodes;
            m_r.setPos(p + 1);
            memoPut(static_cast<std::int64_t>(m_memoFilled)); // CPython: memo_len, the filled slots
        } else {
            return false;
        }
        return true;
    }
    /// torch.save memoises nearly every value it writes: the PUT right after one is taken here, with a
    /// conditional branch instead of another trip through the dispatch's indirect jump.
    [[gnu::always_inline]] void takeFollowingPut(const std::uint8_t* bytes, std::size_t size) { takePut(bytes, size); }
    void opMark()
    {
        if (m_marks.size() >= m_limits.maxDepth)
            fail(ErrorCode::PickleDepthLimit, "more than " + std::to_string(m_limits.maxDepth) + " MARKs are open");
        m_marks.push_back(m_stack.size());
        m_fence = m_stack.size();
    }
    void opTupleN(std::size_t n) // TUPLE1, TUPLE2, TUPLE3
    {
        needItems(n);
        Value* t = sequence(Kind::Tuple, m_stack.data() + m_stack.size() - n, n);
        m_stack.resize(m_stack.size() - n);
        push(t);
    }
    void opSequence(Kind k) // TUPLE, LIST, FROZENSET: the items above the MARK
    {
        const std::size_t start = markStart();
        Value* v = sequence(k, m_stack.data() + start, m_stack.size() - start);
        dropMark(start);
        push(v);
    }
    void opReduce()
    {
        needItems(2);
        Value* args = pop();
        Value* callable = pop();
        push(call(callable, args));
    }
    void opBinPersid() { push(persistent(pop())); }

    // ---- globals ------------------------------------------------------------------------------------
    Value* global(std::string_view module, std::string_view name);
    /// REDUCE/OBJ/INST call their callable (NEWOBJ its class's __new__): what the verdict must know.
    void noteCall(const Value* callable, const char* how);
    /// NEWOBJ/NEWOBJ_EX: cls.__new__(cls, *args) — object.__new__ for ordinary classes, so an unknown class
    /// stays Unknown; a class that is not a named global is a call of something never judged.
    void noteNew(const Value* cls)
    {
        if (cls->kind == Kind::Global)
            ++m_doc.globals[cls->global()->use].calls;
        else
            finding(Verdict::Unsafe, opName() + " creates an instance of a value the pickle built (a " +
                                         std::string(kindName(cls->kind)) + "), not of a named class");
    }
    Value* call(Value* callable, Value* args);
    Value* newObject(Value* cls, Value* args);
    Value* persistent(Value* pid);
    Value* rebuildTensor(const Value* args, Builder b);
    Value* numpyScalar(const Value* args);

    static const Value* item(const Value* seq, std::size_t i)
    {
        return seq && (seq->kind == Kind::Tuple || seq->kind == Kind::List) && i < seq->items().size() ? seq->items()[i]
                                                                                                       : nullptr;
    }
    static std::optional<std::int64_t> intOf(const Value* v)
    {
        if (v && v->kind == Kind::Int) return v->integer();
        if (v && v->kind == Kind::Bool) return v->boolean ? 1 : 0;
        return std::nullopt;
    }

    // ---- findings -----------------------------------------------------------------------------------
    void finding(Verdict v, std::string what)
    {
        if (m_doc.findings.size() < 64) // a hostile pickle repeats itself: the first ones say enough
            m_doc.findings.push_back({v, std::move(what), m_opStart});
    }
    void frameDropped(std::size_t n)
    {
        finding(Verdict::Unknown, opName() + " reads past the end of a FRAME: CPython's unpickler drops the frame's last " +
                                      std::to_string(n) + " byte" + (n == 1 ? "" : "s") +
                                      " and reads on after it (other readers and older Pythons do not): Podium judges what "
                                      "CPython reads");
    }

    // ---- memo ---------------------------------------------------------------------------------------
    [[gnu::always_inline]] void memoPut(std::int64_t index)
    {
        if (index < 0 || static_cast<std::uint64_t>(index) > m_limits.maxMemo) [[unlikely]]
            failMemoPut(index);
        const auto i = static_cast<std::size_t>(index);
        Value* v = top();
        if (i == m_memo.size()) { // pickles number their memo slots in order
            m_memo.push_back(v);
            ++m_memoFilled;
            return;
        }
        if (i > m_memo.size())
            m_memo.resize(i + 1);
        if (!m_memo[i])
            ++m_memoFilled; // MEMOIZE numbers by filled slots, not by the highest index (_Unpickler_MemoPut)
        m_memo[i] = v;
    }
    [[noreturn, gnu::noinline, gnu::cold]] void failMemoPut(std::int64_t index) const
    {
        if (index < 0)
            fail(ErrorCode::PickleBadArgument, "negative memo index " + std::to_string(index));
        fail(ErrorCode::PickleMemoLimit, "memo index " + std::to_string(index) + " exceeds the limit of " +
                                             std::to_string(m_limits.maxMemo));
    }
    [[gnu::always_inline]] Value* memoGet(std::int64_t index)
    {
        if (index < 0 || static_cast<std::uint64_t>(index) >= m_memo.size() || !m_memo[static_cast<std::size_t>(index)])
            [[unlikely]] failMemoGet(index);
        return m_memo[static_cast<std::size_t>(index)];
    }
    [[noreturn, gnu::noinline, gnu::cold]] void failMemoGet(std::int64_t index) const
    {
        fail(ErrorCode::PickleMemoMissing, "memo slot " + std::to_string(index) + " was never stored (" +
                                               std::to_string(m_memo.size()) + " slots exist)");
    }

    Document& m_doc;
    const Limits& m_limits;
    ByteReader m_r;
    ScratchLease m_lease;
    PtrVector& m_stack = m_lease.get().stack;
    std::vector<std::size_t>& m_marks = m_lease.get().marks;
    PtrVector& m_memo = m_lease.get().memo;
    std::size_t m_fence = 0; // the topmost MARK's stack position (0 when none is open)
    std::unordered_map<std::string, std::uint32_t> m_globalIndex; // "module\nname" -> index in m_doc.globals
    std::size_t m_memoFilled = 0; // filled memo slots: where MEMOIZE stores (CPython's memo_len)
    std::size_t m_bufEnd = 0; // where a buffered FRAME ends (past the position only inside a frame)
    std::size_t m_opStart = 0;
    const OpcodeInfo* m_info = nullptr;
    int m_maxOpProtocol = 0;
    bool m_sawProto = false;
};

Value* Run::global(std::string_view written, std::string_view writtenName)
{
    // GLOBAL's text is raw bytes: keep names printable as UTF-8 whatever the file holds.
    if (!isValidUtf8(written))
        written = keep(latin1ToUtf8(written));
    if (!isValidUtf8(writtenName))
        writtenName = keep(latin1ToUtf8(writtenName));
    // Python 2 names, as CPython's find_class maps them for a pickle whose protocol is below 3 (the
    // protocol PROTO set so far, 0 before any PROTO).
    const auto [module, name] = compatName(written, writtenName, m_doc.protocol);

    auto* g = arenaNew<GlobalRef>();
    g->module = module;
    g->name = name;
    std::string key;
    key.reserve(module.size() + name.size() + 1);
    key.append(module).append(1, '\n').append(name);
    auto [slot, fresh] = m_globalIndex.try_emplace(std::move(key), static_cast<std::uint32_t>(m_doc.globals.size()));
    if (fresh) {
        const Judgement j = judgeGlobal(module, name);
        GlobalUse use;
        use.module = std::string(module);
        use.name = std::string(name);
        if (module != written || name != writtenName) {
            use.writtenModule = std::string(written);
            use.writtenName = std::string(writtenName);
        }
        use.verdict = j.verdict;
        use.reason = j.reason;
        use.firstOffset = m_opStart;
        m_doc.globals.push_back(std::move(use));
    }
    GlobalUse& use = m_doc.globals[slot->second];
    ++use.count;
    g->use = slot->second;
    g->verdict = use.verdict;
    if (g->verdict == Verdict::Safe) {
        const AllowEntry* e = findAllowed(module, name);
        g->builder = static_cast<std::uint16_t>(e->builder);
        g->dtype = e->dtype;
        g->callInert = e->callInert;
        g->untypedStorage = e->builder == Builder::StorageType && name.find("UntypedStorage") != std::string_view::npos;
    }

    Value* v = make(Kind::Global);
    v->payload.global = g;
    return v;
}

void Run::noteCall(const Value* callable, const char* how)
{
    if (callable->kind == Kind::Global) {
        const GlobalRef* g = callable->global();
        GlobalUse& use = m_doc.globals[g->use];
        ++use.calls;
        if (g->verdict == Verdict::Safe && g->callInert)
            return;
        if (use.verdict != Verdict::Unsafe) {
            use.verdict = Verdict::Unsafe;
            use.reason = std::string(how) + " calls it, and it is not known to be inert when called" +
                         (use.reason.empty() ? "" : " (" + use.reason + ")");
        }
        return;
    }
    // Calling a value the pickle built (the result of another call, an extension code, an attribute
    // fetched by getattr ...): whatever it is, it was never looked up in the allow-list.
    std::string what = std::string(how) + " calls a value the pickle built (a " + std::string(kindName(callable->kind));
    if (const GlobalRef* g = callable->global())
        what += " of " + std::string(g->module) + "." + std::string(g->name);
    else if (!callable->text().empty())
        what += ": " + std::string(callable->text());
    finding(Verdict::Unsafe, what + "), not a named global known to be inert");
}

Value* Run::persistent(Value* pid)
{
    // torch: ('storage', <storage type global>, key, location, numel[, view_metadata (legacy)])
    if (pid->kind == Kind::Tuple && pid->items().size() >= 5 && pid->items()[0]->kind == Kind::Str &&
        pid->items()[0]->text() == "storage") {
        const Value* type = pid->items()[1];
        const Value* key = pid->items()[2];
        const Value* loc = pid->items()[3];
        const Value* numel = pid->items()[4];
        if (type->kind == Kind::Global && (key->kind == Kind::Str || key->kind == Kind::Int) &&
            loc->kind == Kind::Str && numel->kind == Kind::Int) {
            auto* s = arenaNew<StorageRef>();
            s->key = key->kind == Kind::Str ? key->text() : keep(std::to_string(key->integer()));
            s->location = loc->text();
            s->numel = numel->integer();
            if (const GlobalRef* g = type->global(); static_cast<Builder>(g->builder) == Builder::StorageType) {
                s->dtype = g->dtype;
                s->untyped = g->untypedStorage;
            } else {
                // torch.load's persistent_load reads `storage_type.dtype` (a property can run code) and
                // builds a storage of it: only the storage classes on the allow-list are known to be inert.
                GlobalUse& use = m_doc.globals[g->use];
                if (use.verdict != Verdict::Unsafe) {
                    use.verdict = Verdict::Unsafe;
                    use.reason = "used as a storage type: torch.load's persistent_load reads its .dtype";
                }
            }
            m_doc.storages.push_back(s);
            Value* v = make(Kind::Storage);
            v->payload.storage.ref = s;
            v->payload.storage.pid = pid;
            return v;
        }
    }
    // Anything else is kept as an opaque object (torch never writes it; other tools might).
    Value* v = makeObject();
    v->payload.object->args = pid;
    v->payload.object->text = "persistent id";
    return v;
}

Value* Run::rebuildTensor(const Value* args, Builder b)
{
    const Value* storage = item(args, 0);
    if (!storage || storage->kind != Kind::Storage)
        return nullptr;
    auto* t = arenaNew<TensorRef>();
    t->storage = storage->storage();
    t->dtype = storage->storage()->dtype;
    t->storageOffset = intOf(item(args, 1)).value_or(0);
    auto dims = [&](const Value* seq, ArenaVec<std::int64_t>& out) {
        if (!seq) return;
        for (const Value* d : seq->items()) {
            charge();
            out.push_back(m_doc.arena, d->kind == Kind::Int ? d->integer() : -1);
        }
    };
    const Value* size = item(args, 2);
    const Value* stride = item(args, 3);
    if (size && size->kind == Kind::Tuple) dims(size, t->shape);
    if (stride && stride->kind == Kind::Tuple) dims(stride, t->stride);
    if (b != Builder::RebuildTensor) {
        const Value* rg = item(args, 4);
        t->requiresGrad = rg && rg->kind == Kind::Bool && rg->boolean;
    }
    if (b == Builder::RebuildTensorV3) {
        const Value* dt = item(args, 6);
        if (dt && dt->kind == Kind::Global && static_cast<Builder>(dt->global()->builder) == Builder::TorchDtype)
            t->dtype = dt->global()->dtype;
    }
    m_doc.tensors.push_back(t);
    Value* v = make(Kind::Tensor);
    v->payload.tensor = t;
    return v;
}

Value* Run::numpyScalar(const Value* args)
{
    const Value* dtype = item(args, 0);
    const Value* data = item(args, 1);
    if (!dtype || dtype->kind != Kind::Object || !data || data->kind != Kind::Bytes)
        return nullptr;
    const Value* typestr = item(dtype->args(), 0);
    if (!typestr || typestr->kind != Kind::Str)
        return nullptr;
    const DType dt = numpyDtype(typestr->text());
    bool big = typestr->text().starts_with('>');
    if (const Value* order = item(dtype->state, 1); order && order->kind == Kind::Str)
        big = order->text() == ">";
    const std::size_t n = dtypeSize(dt);
    if (n == 0 || data->text().size() != n)
        return nullptr;
    std::uint8_t b[8];
    std::memcpy(b, data->text().data(), n);
    if (big)
        std::reverse(b, b + n);
    Value* v = nullptr;
    auto asFloat = [&](double d) { v = make(Kind::Float); v->payload.real = d; };
    auto asInt = [&](std::int64_t i) { v = make(Kind::Int); v->payload.integer = i; };
    switch (dt) {
    case DType::Float64: { double d; std::memcpy(&d, b, 8); asFloat(d); break; }
    case DType::Float32: { float f; std::memcpy(&f, b, 4); asFloat(f); break; }
    case DType::Int64: case DType::UInt64: { std::int64_t i; std::memcpy(&i, b, 8); asInt(i); break; }
    case DType::Int32: { std::int32_t i; std::memcpy(&i, b, 4); asInt(i); break; }
    case DType::UInt32: { std::uint32_t i; std::memcpy(&i, b, 4); asInt(i); break; }
    case DType::Int16: { std::int16_t i; std::memcpy(&i, b, 2); asInt(i); break; }
    case DType::UInt16: { std::uint16_t i; std::memcpy(&i, b, 2); asInt(i); break; }
    case DType::Int8: asInt(static_cast<std::int8_t>(b[0])); break;
    case DType::UInt8: asInt(b[0]); break;
    case DType::Bool: v = make(Kind::Bool); v->boolean = b[0] != 0; break;
    case DType::Float16: {
        const std::uint16_t h = static_cast<std::uint16_t>(b[0] | (b[1] << 8));
        const int e = (h >> 10) & 0x1F, m = h & 0x3FF;
        double d = e == 0 ? std::ldexp(m, -24) : e == 31 ? (m ? NAN : INFINITY) : std::ldexp(m + 1024, e - 25);
        asFloat((h & 0x8000) ? -d : d);
        break;
    }
    default: return nullptr;
    }
    return v;
}

Value* Run::newObject(Value* cls, Value* args)
{
    const auto builder = cls->kind == Kind::Global ? static_cast<Builder>(cls->global()->builder) : Builder::None;
    switch (builder) {
    case Builder::OrderedDict: {
        Value* d = make(Kind::Dict);
        d->ordered = true;
        return d;
    }
    case Builder::Set:
        return make(Kind::Set);
    default: break;
    }
    Value* o = makeObject();
    o->payload.object->global = cls->global(); // null when the class is not a global (kept in state below)
    if (cls->kind != Kind::Global)
        o->state = cls;
    o->payload.object->args = args;
    nest(o, args);
    return o;
}

Value* Run::call(Value* callable, Value* args)
{
    if (args->kind != Kind::Tuple)
        fail(ErrorCode::PickleBadType, opName() + " needs an argument tuple, found " + std::string(kindName(args->kind)));
    noteCall(callable, "REDUCE");
    const auto builder = callable->kind == Kind::Global ? static_cast<Builder>(callable->global()->builder) : Builder::None;
    const Value* a0 = item(args, 0);
    switch (builder) {
    case Builder::OrderedDict: {
        Value* d = make(Kind::Dict);
        d->ordered = true;
        if (a0 && a0->kind == Kind::Dict)
            for (auto& [k, v] : a0->entries()) addEntry(d, k, v);
        else if (a0 && (a0->kind == Kind::List || a0->kind == Kind::Tuple))
            for (Value* pair : a0->items())
                if ((pair->kind == Kind::Tuple || pair->kind == Kind::List) && pair->items().size() == 2)
                    addEntry(d, pair->items()[0], pair->items()[1]);
        return d;
    }
    case Builder::Set:
    case Builder::FrozenSet: {
        Value* s = make(builder == Builder::Set ? Kind::Set : Kind::FrozenSet);
        if (a0 && (a0->kind == Kind::List || a0->kind == Kind::Tuple || a0->kind == Kind::Set || a0->kind == Kind::FrozenSet))
            for (Value* x : a0->items()) addItem(s, x);
        return s;
    }
    case Builder::ByteArray: {
        Value* b = make(Kind::Bytes);
        if (a0 && a0->kind == Kind::Bytes) b->payload.text = a0->text();
        else if (a0 && a0->kind == Kind::Str) b->payload.text = a0->text();
        return b;
    }
    case Builder::CodecsEncode: {
        // protocol 2 pickles bytes as _codecs.encode(<latin-1 text as str>, 'latin1')
        Value* b = make(Kind::Bytes);
        const Value* enc = item(args, 1);
        if (a0 && a0->kind == Kind::Str) {
            const bool latin1 = enc && enc->kind == Kind::Str && (enc->text() == "latin1" || enc->text() == "latin-1");
            if (!latin1) { b->payload.text = a0->text(); return b; }
            std::string out;
            out.reserve(a0->text().size());
            const auto& t = a0->text();
            for (std::size_t i = 0; i < t.size(); ++i) {
                const auto c = static_cast<unsigned char>(t[i]);
                if (c < 0x80) out += static_cast<char>(c);
                else if ((c & 0xE0) == 0xC0 && i + 1 < t.size()) {
                    out += static_cast<char>(((c & 0x1F) << 6) | (static_cast<unsigned char>(t[i + 1]) & 0x3F));
                    ++i;
                } else out += '?';
            }
            b->payload.text = keep(out);
        }
        return b;
    }
    case Builder::TorchSize: {
        Value* t = make(Kind::Tuple);
        if (a0 && (a0->kind == Kind::Tuple || a0->kind == Kind::List))
            for (Value* x : a0->items()) addItem(t, x);
        return t;
    }
    case Builder::TorchDevice: {
        Value* o = newObject(callable, args);
        if (a0 && a0->kind == Kind::Str) {
            std::string text(a0->text());
            if (auto idx = intOf(item(args, 1)))
                text += ":" + std::to_string(*idx);
            o->payload.object->text = keep(text);
        }
        return o;
    }
    case Builder::RebuildTensor:
    case Builder::RebuildTensorV2:
    case Builder::RebuildTensorV3:
        if (Value* t = rebuildTensor(args, builder))
            return t;
        break;
    case Builder::RebuildParameter:
    case Builder::RebuildParameterWithState:
        if (a0 && a0->kind == Kind::Tensor) {
            Value* p = make(Kind::Tensor);
            auto* t = arenaNew<TensorRef>(*a0->tensor());
            t->parameter = true;
            const Value* rg = item(args, 1);
            t->requiresGrad = rg && rg->kind == Kind::Bool && rg->boolean;
            p->payload.tensor = t;
            return p;
        }
        break;
    case Builder::RebuildFromTypeV2: {
        // (func, new_type, args, state): the tensor is func(*args); the subclass type is only a label.
        Value* func = const_cast<Value*>(a0);
        Value* inner = const_cast<Value*>(item(args, 2));
        if (func && inner && inner->kind == Kind::Tuple)
            return call(func, inner);
        break;
    }
    case Builder::NumpyScalar:
        if (Value* v = numpyScalar(args))
            return v;
        break;
    case Builder::Path: {
        Value* o = newObject(callable, args);
        std::string path;
        for (const Value* part : args->items()) {
            if (part->kind != Kind::Str)
                continue;
            if (part->text().starts_with('/'))
                path.clear();
            if (!path.empty() && path.back() != '/')
                path += '/';
            path += part->text();
        }
        o->payload.object->text = keep(path);
        return o;
    }
    case Builder::Reconstructor: {
        // copyreg._reconstructor(cls, base, state): object.__new__(cls) when base is object; for any other
        // base, base.__new__(cls, state) and base.__init__(obj, state) run.
        Value* cls = const_cast<Value*>(a0);
        const Value* base = item(args, 1);
        const bool plainBase = base && base->kind == Kind::Global && base->global()->module == "builtins" &&
                               base->global()->name == "object";
        if (base && !plainBase)
            noteCall(base, "copyreg._reconstructor");
        if (cls && cls->kind == Kind::Global)
            return newObject(cls, args);
        break;
    }
    default:
        break;
    }
    // Not allow-listed, or arguments of an unexpected shape: an opaque record of the call.
    Value* o = makeObject();
    o->payload.object->global = callable->global();
    o->payload.object->args = args;
    nest(o, args);
    if (callable->kind != Kind::Global)
        o->state = callable; // calling an object (e.g. a partial): keep what was called
    return o;
}

void Run::execute()
{
    Arg arg;
    const std::uint8_t* const bytes = m_r.data().data();
    const std::size_t size = m_r.size();
    for (;;) {
        const std::size_t pos = m_r.pos();
        m_opStart = pos;
        if (pos >= size)
            fail(ErrorCode::PickleNoStop, "the pickle ends after " + std::to_string(m_doc.opcodes) + " opcodes without STOP");
        // Fast paths for the opcodes torch.save writes by the thousand (memo puts and gets, small ints,
        // strings): their argument is decoded in place, with the same checks as decodeArg. Anything else,
        // a truncated argument, and every opcode before PROTO (whose protocol is being inferred) take the
        // table-driven path below.
        if (m_sawProto) [[likely]] {
            // Inside a buffered FRAME the fast paths stay within it: a read past its end takes the slow path,
            // which reads as CPython does (decodeArgBuffered).
            const std::size_t limit = m_bufEnd > pos ? m_bufEnd : size;
            const std::uint8_t* a = bytes + pos + 1;
            const std::size_t left = limit - pos - 1;
            switch (static_cast<Op>(bytes[pos])) {
            case Op::BINPUT:
            case Op::LONG_BINPUT:
            case Op::MEMOIZE:
                if (takePut(bytes, limit))
                    continue;
                break;
            case Op::BINGET:
                if (left < 1) break;
                ++m_doc.opcodes;
                m_r.setPos(pos + 2);
                push(memoGet(a[0]));
                continue;
            case Op::LONG_BINGET:
                if (left < 4) break;
                ++m_doc.opcodes;
                m_r.setPos(pos + 5);
                push(memoGet(loadLE<std::uint32_t>(a)));
                continue;
            case Op::BININT1:
            case Op::BININT2:
            case Op::BININT: {
                const std::size_t n = bytes[pos] == static_cast<std::uint8_t>(Op::BININT1) ? 1
                                     : bytes[pos] == static_cast<std::uint8_t>(Op::BININT2) ? 2 : 4;
                if (left < n) break;
                ++m_doc.opcodes;
                m_r.setPos(pos + 1 + n);
                Value* v = make(Kind::Int);
                v->payload.integer = n == 1 ? a[0] : n == 2 ? loadLE<std::uint16_t>(a) : loadLE<std::int32_t>(a);
                push(v);
                takeFollowingPut(bytes, limit);
                continue;
            }
            case Op::BINUNICODE:
            case Op::SHORT_BINUNICODE: {
                const bool shortForm = bytes[pos] == static_cast<std::uint8_t>(Op::SHORT_BINUNICODE);
                const std::size_t head = shortForm ? 1 : 4;
                if (left < head) break;
                const std::size_t n = shortForm ? a[0] : loadLE<std::uint32_t>(a);
                if (n > left - head) break;
                const std::string_view text(reinterpret_cast<const char*>(a + head), n);
                if (!isValidUtf8(text)) break; // the table-driven path reports it
                ++m_doc.opcodes;
                m_r.setPos(pos + 1 + head + n);
                Value* v = make(Kind::Str);
                v->payload.text = text;
                push(v);
                takeFollowingPut(bytes, limit);
                continue;
            }
            // the argument-less ones of a tensor's rebuild call
            case Op::MARK: ++m_doc.opcodes; m_r.setPos(pos + 1); opMark(); continue;
            case Op::TUPLE: ++m_doc.opcodes; m_r.setPos(pos + 1); opSequence(Kind::Tuple); takeFollowingPut(bytes, limit); continue;
            case Op::TUPLE1: ++m_doc.opcodes; m_r.setPos(pos + 1); opTupleN(1); takeFollowingPut(bytes, limit); continue;
            case Op::TUPLE2: ++m_doc.opcodes; m_r.setPos(pos + 1); opTupleN(2); takeFollowingPut(bytes, limit); continue;
            case Op::TUPLE3: ++m_doc.opcodes; m_r.setPos(pos + 1); opTupleN(3); takeFollowingPut(bytes, limit); continue;
            case Op::REDUCE: ++m_doc.opcodes; m_r.setPos(pos + 1); opReduce(); takeFollowingPut(bytes, limit); continue;
            case Op::BINPERSID: ++m_doc.opcodes; m_r.setPos(pos + 1); opBinPersid(); continue;
            case Op::EMPTY_TUPLE: ++m_doc.opcodes; m_r.setPos(pos + 1); push(make(Kind::Tuple)); takeFollowingPut(bytes, limit); continue;
            case Op::EMPTY_DICT: ++m_doc.opcodes; m_r.setPos(pos + 1); push(make(Kind::Dict)); takeFollowingPut(bytes, limit); continue;
            case Op::NEWFALSE:
            case Op::NEWTRUE: {
                ++m_doc.opcodes;
                m_r.setPos(pos + 1);
                Value* v = make(Kind::Bool);
                v->boolean = bytes[pos] == static_cast<std::uint8_t>(Op::NEWTRUE);
                push(v);
                continue;
            }
            default:
                break;
            }
        }
        const std::uint8_t byte = m_r.u8("opcode");
        m_info = opcodeInfo(byte);
        if (!m_info) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "0x%02x", byte);
            fail(ErrorCode::PickleUnknownOpcode, std::string("byte ") + buf + " is not a pickle opcode");
        }
        ++m_doc.opcodes;
        if (!m_sawProto) // only pickles without PROTO need their protocol inferred
            m_maxOpProtocol = std::max<int>(m_maxOpProtocol, m_info->protocol);
        // The hot paths (BINPUT/BINGET/BININT1, BININT2, BININT/LONG_BINPUT/LONG_BINGET, BINUNICODE) inline;
        // everything else, and every truncated argument, goes through decodeArg and its error reporting.
        // Inside a buffered FRAME every argument is read as CPython reads it (decodeArgBuffered).
        if (m_bufEnd > m_r.pos() && m_info->arg != ArgKind::None) {
            arg = Arg{};
            try {
                if (const std::size_t dropped = decodeArgBuffered(m_r, m_info->arg, arg, m_bufEnd))
                    frameDropped(dropped);
            } catch (ParseFailure& f) {
                f.error.offset = m_opStart;
                f.error.detail = opName() + ": " + f.error.detail;
                throw;
            }
        } else if (m_info->arg == ArgKind::Uint1 && m_r.left() >= 1) {
            arg.i = m_r.u8();
        } else if (m_info->arg == ArgKind::Uint2 && m_r.left() >= 2) {
            arg.i = m_r.u16();
        } else if (m_info->arg == ArgKind::Int4 && m_r.left() >= 4) {
            arg.i = m_r.i32();
        } else if (m_info->arg == ArgKind::Uint4 && m_r.left() >= 4) {
            arg.i = m_r.u32();
        } else if (m_info->arg == ArgKind::Unicode4 && m_r.left() >= 4 && loadLE<std::uint32_t>(m_r.data().data() + m_r.pos()) <= m_r.left() - 4) {
            const std::uint32_t n = m_r.u32(); // BINUNICODE, checked above: the protocol 2 hot path
            arg.raw = m_r.take(n, "BINUNICODE");
        } else if (m_info->arg != ArgKind::None) {
            arg = Arg{};
            try {
                decodeArg(m_r, m_info->arg, arg);
            } catch (ParseFailure& f) { // report the opcode's offset, name the opcode
                f.error.offset = m_opStart;
                f.error.detail = opName() + ": " + f.error.detail;
                throw;
            }
        }

        switch (m_info->op) {
        // ---- constants ------------------------------------------------------------------------------
        case Op::NONE: push(make(Kind::None)); break;
        case Op::NEWTRUE:
        case Op::NEWFALSE: {
            Value* v = make(Kind::Bool);
            v->boolean = m_info->op == Op::NEWTRUE;
            push(v);
            break;
        }
        case Op::BININT:
        case Op::BININT1:
        case Op::BININT2: {
            Value* v = make(Kind::Int);
            v->payload.integer = arg.i;
            push(v);
            break;
        }
        case Op::INT: {
            const auto text = sv(arg.raw);
            if (text == "01" || text == "00") {
                Value* v = make(Kind::Bool);
                v->boolean = text == "01";
                push(v);
                break;
            }
            [[fallthrough]];
        }
        case Op::LONG: {
            std::string_view text = sv(arg.raw);
            if (auto i = parseDecimal(text)) {
                Value* v = make(Kind::Int);
                v->payload.integer = *i;
                push(v);
            } else {
                if (!text.empty() && text.back() == 'L') text.remove_suffix(1);
                const bool digits = !text.empty() && std::all_of(text.begin() + (text[0] == '-' ? 1 : 0), text.end(),
                                                                 [](char c) { return c >= '0' && c <= '9'; });
                if (!digits)
                    fail(ErrorCode::PickleBadArgument, opName() + " argument is not a decimal integer");
                if (text.size() - (text[0] == '-' ? 1 : 0) > 4300) // int(str) limit of CPython >= 3.11
                    fail(ErrorCode::PickleBadArgument, opName() + " argument has " + std::to_string(text.size()) +
                                                           " digits: CPython refuses decimal integers over 4300 digits");
                Value* v = make(Kind::BigInt);
                v->payload.text = text;
                push(v);
            }
            break;
        }
        case Op::LONG1:
        case Op::LONG4:
            if (auto i = longToInt64(arg.raw)) {
                Value* v = make(Kind::Int);
                v->payload.integer = *i;
                push(v);
            } else {
                Value* v = make(Kind::BigInt);
                v->payload.text = keep(longToDisplay(arg.raw));
                push(v);
            }
            break;
        case Op::FLOAT: {
            auto f = parseFloatText(sv(arg.raw));
            if (!f)
                fail(ErrorCode::PickleBadArgument, "FLOAT argument is not a number");
            Value* v = make(Kind::Float);
            v->payload.real = *f;
            push(v);
            break;
        }
        case Op::BINFLOAT: {
            Value* v = make(Kind::Float);
            v->payload.real = arg.f;
            push(v);
            break;
        }
        case Op::STRING: {
            auto s = unquotePythonString(sv(arg.raw));
            if (!s)
                fail(ErrorCode::PickleBadArgument, "STRING argument is not a quoted string");
            Value* v = make(Kind::Str);
            v->payload.text = keep(isValidUtf8(*s) ? *s : latin1ToUtf8(*s));
            push(v);
            break;
        }
        case Op::BINSTRING:
        case Op::SHORT_BINSTRING: {
            // Python 2 str: torch.load decodes with utf-8; fall back to latin-1 so nothing is lost.
            Value* v = make(Kind::Str);
            const auto text = sv(arg.raw);
            v->payload.text = isValidUtf8(text) ? text : keep(latin1ToUtf8(text));
            push(v);
            break;
        }
        case Op::UNICODE: {
            Value* v = make(Kind::Str);
            v->payload.text = keep(rawUnicodeEscapeToUtf8(sv(arg.raw)));
            push(v);
            break;
        }
        case Op::SHORT_BINUNICODE:
        case Op::BINUNICODE:
        case Op::BINUNICODE8: {
            const auto text = sv(arg.raw);
            if (!isValidUtf8(text, /*surrogatePass=*/true)) // CPython decodes with 'surrogatepass'
                fail(ErrorCode::PickleBadArgument, opName() + " argument is not valid UTF-8");
            Value* v = make(Kind::Str);
            v->payload.text = text;
            push(v);
            break;
        }
        case Op::BINBYTES:
        case Op::SHORT_BINBYTES:
        case Op::BINBYTES8:
        case Op::BYTEARRAY8: {
            Value* v = make(Kind::Bytes);
            v->payload.text = sv(arg.raw);
            push(v);
            break;
        }
        case Op::NEXT_BUFFER:
            fail(ErrorCode::PickleBadArgument, "NEXT_BUFFER asks for an out-of-band buffer; a file carries none");
        case Op::READONLY_BUFFER: top(); break;

        // ---- containers -----------------------------------------------------------------------------
        case Op::EMPTY_LIST: push(make(Kind::List)); break;
        case Op::EMPTY_DICT: push(make(Kind::Dict)); break;
        case Op::EMPTY_TUPLE: push(make(Kind::Tuple)); break;
        case Op::EMPTY_SET: push(make(Kind::Set)); break;
        case Op::TUPLE1:
        case Op::TUPLE2:
        case Op::TUPLE3:
            opTupleN(static_cast<std::size_t>(m_info->op) - static_cast<std::size_t>(Op::TUPLE1) + 1);
            break;
        case Op::TUPLE:
        case Op::LIST:
        case Op::FROZENSET:
            opSequence(m_info->op == Op::TUPLE ? Kind::Tuple : m_info->op == Op::LIST ? Kind::List : Kind::FrozenSet);
            break;
        case Op::DICT: {
            const std::size_t start = markStart();
            const std::size_t n = m_stack.size() - start;
            if (n % 2)
                fail(ErrorCode::PickleStackUnderflow, "DICT needs key/value pairs, found an odd count of " + std::to_string(n));
            Value* d = make(Kind::Dict);
            for (std::size_t i = start; i < m_stack.size(); i += 2)
                addEntry(d, m_stack[i], m_stack[i + 1]);
            dropMark(start);
            push(d);
            break;
        }
        case Op::APPEND: {
            needItems(2);
            Value* x = pop();
            Value* list = top();
            if (list->kind != Kind::List && list->kind != Kind::Object)
                fail(ErrorCode::PickleBadType, "APPEND to a " + std::string(kindName(list->kind)));
            addItem(list, x);
            break;
        }
        case Op::APPENDS: {
            const std::size_t start = markStart();
            needBelowMark(start, "a list");
            Value* list = m_stack[start - 1];
            if (list->kind != Kind::List && list->kind != Kind::Object)
                fail(ErrorCode::PickleBadType, "APPENDS to a " + std::string(kindName(list->kind)));
            for (std::size_t i = start; i < m_stack.size(); ++i)
                addItem(list, m_stack[i]);
            dropMark(start);
            break;
        }
        case Op::SETITEM: {
            needItems(3);
            Value* v = pop();
            Value* k = pop();
            Value* d = top();
            if (d->kind == Kind::List)
                break; // CPython: list[i] = v works (an int key); nothing the tree shows
            if (d->kind != Kind::Dict && d->kind != Kind::Object)
                fail(ErrorCode::PickleBadType, "SETITEM on a " + std::string(kindName(d->kind)));
            addEntry(d, k, v);
            break;
        }
        case Op::SETITEMS: {
            const std::size_t start = markStart();
            const std::size_t n = m_stack.size() - start;
            needBelowMark(start, "a dict");
            if (n % 2)
                fail(ErrorCode::PickleStackUnderflow, "SETITEMS needs key/value pairs, found an odd count of " + std::to_string(n));
            Value* d = m_stack[start - 1];
            if (d->kind != Kind::Dict && d->kind != Kind::Object && d->kind != Kind::List)
                fail(ErrorCode::PickleBadType, "SETITEMS on a " + std::string(kindName(d->kind)));
            if (d->kind != Kind::List) // list[i] = v (CPython accepts int keys): nothing the tree shows
                for (std::size_t i = start; i < m_stack.size(); i += 2)
                    addEntry(d, m_stack[i], m_stack[i + 1]);
            dropMark(start);
            break;
        }
        case Op::ADDITEMS: {
            const std::size_t start = markStart();
            needBelowMark(start, "a set");
            Value* s = m_stack[start - 1];
            if (s->kind != Kind::Set && s->kind != Kind::Object)
                fail(ErrorCode::PickleBadType, "ADDITEMS on a " + std::string(kindName(s->kind)));
            for (std::size_t i = start; i < m_stack.size(); ++i)
                addItem(s, m_stack[i]);
            dropMark(start);
            break;
        }

        // ---- stack manipulation ---------------------------------------------------------------------
        case Op::MARK: opMark(); break;
        case Op::POP:
            if (above() > 0)
                m_stack.pop_back();
            else if (!m_marks.empty())
                dropMark(markStart()); // CPython: POP with nothing above the mark pops the mark
            else
                needItems(1);
            break;
        case Op::POP_MARK: dropMark(markStart()); break;
        case Op::DUP: push(top()); break;

        // ---- memo -----------------------------------------------------------------------------------
        case Op::PUT: {
            auto i = parseDecimal(sv(arg.raw));
            if (!i)
                fail(ErrorCode::PickleBadArgument, "PUT argument is not a decimal index");
            memoPut(*i);
            break;
        }
        case Op::BINPUT:
        case Op::LONG_BINPUT: memoPut(arg.i); break;
        case Op::MEMOIZE: memoPut(static_cast<std::int64_t>(m_memoFilled)); break; // _pickle.c: memo_len
        case Op::GET: {
            auto i = parseDecimal(sv(arg.raw));
            if (!i)
                fail(ErrorCode::PickleBadArgument, "GET argument is not a decimal index");
            push(memoGet(*i));
            break;
        }
        case Op::BINGET:
        case Op::LONG_BINGET: push(memoGet(arg.i)); break;

        // ---- globals and objects --------------------------------------------------------------------
        case Op::GLOBAL: push(global(sv(arg.raw), sv(arg.raw2))); break;
        case Op::STACK_GLOBAL: {
            needItems(2);
            Value* name = pop();
            Value* module = pop();
            if (module->kind != Kind::Str || name->kind != Kind::Str)
                fail(ErrorCode::PickleBadType, "STACK_GLOBAL needs two strings, found " + std::string(kindName(module->kind)) +
                                                   " and " + std::string(kindName(name->kind)));
            push(global(module->text(), name->text()));
            break;
        }
        case Op::EXT1:
        case Op::EXT2:
        case Op::EXT4: {
            // copyreg's extension registry is empty in a stock interpreter, but whatever a program imported
            // before torch.load may have registered codes: the global it names cannot be known here.
            Value* o = makeObject();
            o->payload.object->text = keep("extension code " + std::to_string(arg.i));
            finding(Verdict::Unknown, opName() + " " + std::to_string(arg.i) +
                                          " names a global through copyreg's extension registry (empty in a stock "
                                          "interpreter; Podium cannot know what a program registered)");
            push(o);
            break;
        }
        case Op::REDUCE: opReduce(); break;
        case Op::NEWOBJ: {
            needItems(2);
            Value* args = pop();
            Value* cls = pop();
            if (args->kind != Kind::Tuple)
                fail(ErrorCode::PickleBadType, "NEWOBJ needs an argument tuple, found " + std::string(kindName(args->kind)));
            noteNew(cls);
            push(newObject(cls, args));
            break;
        }
        case Op::NEWOBJ_EX: {
            needItems(3);
            Value* kwargs = pop();
            Value* args = pop();
            Value* cls = pop();
            if (args->kind != Kind::Tuple || kwargs->kind != Kind::Dict)
                fail(ErrorCode::PickleBadType, "NEWOBJ_EX needs a tuple and a dict");
            noteNew(cls);
            Value* o = newObject(cls, args);
            if (o->kind == Kind::Object)
                for (auto& [k, v] : kwargs->entries()) addEntry(o, k, v);
            push(o);
            break;
        }
        case Op::OBJ: {
            const std::size_t start = markStart();
            if (m_stack.size() - start < 1)
                fail(ErrorCode::PickleStackUnderflow, "OBJ needs a class above the MARK, found nothing");
            Value* cls = m_stack[start];
            Value* args = sequence(Kind::Tuple, m_stack.data() + start + 1, m_stack.size() - start - 1);
            dropMark(start);
            noteCall(cls, "OBJ");
            push(newObject(cls, args));
            break;
        }
        case Op::INST: {
            const std::size_t start = markStart();
            Value* cls = global(sv(arg.raw), sv(arg.raw2));
            Value* args = sequence(Kind::Tuple, m_stack.data() + start, m_stack.size() - start);
            dropMark(start);
            noteCall(cls, "INST");
            push(newObject(cls, args));
            break;
        }
        case Op::BUILD: {
            needItems(2);
            Value* state = pop();
            Value* inst = top();
            if (inst->kind == Kind::Global)
                finding(Verdict::Unsafe, "BUILD sets attributes on the global " + std::string(inst->global()->module) + "." +
                                             std::string(inst->global()->name) + " itself (monkey-patching what later code calls)");
            else if (inst->kind == Kind::Object && !inst->global())
                finding(Verdict::Unknown, "BUILD on an object whose class is not a named global (its __setstate__ is unknown)");
            nest(inst, state);
            inst->state = state;
            break;
        }
        case Op::PERSID: {
            Value* pid = make(Kind::Str);
            pid->payload.text = sv(arg.raw);
            push(persistent(pid));
            break;
        }
        case Op::BINPERSID: opBinPersid(); break;

        // ---- framing and control --------------------------------------------------------------------
        case Op::PROTO:
            if (arg.i > kHighestProtocol)
                fail(ErrorCode::PickleBadArgument, "unsupported pickle protocol " + std::to_string(arg.i));
            m_doc.protocol = static_cast<int>(arg.i);
            m_sawProto = true;
            break;
        case Op::FRAME: {
            // load_frame: the frame's bytes are read into the buffer (from the buffer itself when a frame
            // nested in it fits, else from where the buffer ends), then reading goes on at their start.
            const std::size_t pos = m_r.pos();
            std::size_t from = pos;
            if (m_bufEnd > pos && m_bufEnd - pos < arg.u) {
                frameDropped(m_bufEnd - pos);
                from = m_bufEnd;
            }
            if (arg.u > m_r.size() - from)
                fail(ErrorCode::PickleLengthExceedsInput, "FRAME declares " + std::to_string(arg.u) +
                                                              " bytes but only " + std::to_string(m_r.size() - from) + " are left");
            m_r.setPos(from);
            if (from != pos || m_bufEnd <= pos)
                m_bufEnd = from + static_cast<std::size_t>(arg.u);
            break;
        }
        case Op::STOP: {
            Value* result = pop();
            m_doc.root = result;
            m_doc.end = m_r.pos();
            if (!m_sawProto)
                m_doc.protocol = std::min(m_maxOpProtocol, 1);
            return;
        }
        }
    }
}

} // namespace

Machine::Outcome Machine::execute(Document::Buffer buffer, std::size_t begin, const Limits& limits, const char* where)
{
    Outcome out;
    out.doc = std::make_unique<Document>(std::move(buffer));
    Document& doc = *out.doc;
    const auto& bytes = *doc.buffer;
    doc.begin = begin;
    if (begin > bytes.size()) {
        out.error = Error(ErrorCode::PickleTruncated, "pickle starts past the end of the data", begin, where);
        return out;
    }
    Bytes data(bytes.data() + begin, bytes.size() - begin);
    if (data.empty()) {
        out.error = Error(ErrorCode::PickleTruncated, "the pickle is empty", 0, where);
        return out;
    }
    // The pickle may not run past maxPickleBytes; the buffer may hold more than the pickle (a legacy file's
    // window), so the limit bounds what is read, not the buffer.
    const bool capped = data.size() > limits.maxPickleBytes;
    if (capped)
        data = data.first(limits.maxPickleBytes);
    std::size_t at = 0;
    try {
        Run run(doc, limits, data, where);
        try {
            run.execute();
        } catch (const Arena::ArenaFull&) {
            at = run.opStart();
            throw ParseFailure{Error(ErrorCode::PickleMemoryLimit,
                                     "the values built so far take more than " + std::to_string(limits.maxBytes >> 20) +
                                         " MiB (the budget for one pickle)", at, where)};
        }
        doc.end += begin;
    } catch (const ParseFailure& f) {
        out.error = f.error;
        const auto c = out.error->code;
        if (capped && (c == ErrorCode::PickleTruncated || c == ErrorCode::PickleNoStop || c == ErrorCode::PickleLengthExceedsInput))
            out.error = Error(ErrorCode::PickleSizeLimit, "the pickle runs past " + std::to_string(limits.maxPickleBytes) +
                                                              " bytes, the limit for one pickle", out.error->offset, where);
        doc.root = nullptr;
    }
    return out;
}

Result<std::unique_ptr<Document>> Machine::run(Document::Buffer buffer, std::size_t begin, const Limits& limits,
                                               const char* where)
{
    Outcome o = execute(std::move(buffer), begin, limits, where);
    if (o.error)
        return std::move(*o.error);
    return std::move(o.doc);
}

bool cpythonAlsoFails(ErrorCode code) noexcept
{
    switch (code) {
    case ErrorCode::PickleTruncated:
    case ErrorCode::PickleUnknownOpcode:
    case ErrorCode::PickleStackUnderflow:
    case ErrorCode::PickleNoMark:
    case ErrorCode::PickleMarkOnStack:
    case ErrorCode::PickleMemoMissing:
    case ErrorCode::PickleBadArgument:
    case ErrorCode::PickleBadType:
    case ErrorCode::PickleNoStop:
    case ErrorCode::PickleLengthExceedsInput:
        return true;
    default: // budgets: CPython would read on
        return false;
    }
}

} // namespace podium::pickle
