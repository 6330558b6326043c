// SPDX-License-Identifier: GPL-3.0-or-later
// Machine: a pickle virtual machine that builds an inert Value tree instead of objects.
//
// It follows CPython's unpickler (Modules/_pickle.c) opcode by opcode — memo numbering (MEMOIZE stores at
// the number of filled slots), FRAME buffering (a read that does not fit in what is left of a frame drops
// the frame's tail and reads on after it, as `_Unpickler_Read` does over torch's io.BytesIO; BINBYTES reads
// on through the frame, as `_Unpickler_ReadInto` does), Python 2 names (CompatNames.h) — with three
// differences that make it safe on hostile input:
//   1. Globals are looked up in the allow-list (Globals.h) and never imported or called; REDUCE/NEWOBJ/
//      BUILD on an unknown global make an opaque Object that records the call.
//   2. Stack discipline is structural: pops never cross the topmost MARK (a fence index, like _pickle.c's
//      Pdata fence), container opcodes check counts before touching items, the memo is a vector with
//      checked lookups.
//   3. Every resource has a budget (Limits): pickle size, stack, open MARKs and value nesting, memo index,
//      values created. Declared lengths are checked against the bytes left before anything is taken.
// Failures throw ParseFailure inside the machine and come out of run() as a Result with an error code, the
// byte offset of the opcode and the facts ("TUPLE2 needs 2 items, found 1"). execute() also hands back
// what was seen before the failure: CPython runs a broken pickle up to the opcode that fails, so the globals
// and calls before it count for the verdict.
#pragma once

#include "pickle/Value.h"
#include "util/ByteReader.h"
#include "util/Result.h"

#include <memory>
#include <optional>
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace podium::pickle {

struct Limits {
    std::size_t maxPickleBytes = std::size_t{64} << 20;  ///< the pickle itself (real data.pkl: a few MB)
    std::size_t maxStack = std::size_t{1} << 20;        ///< items on the stack
    std::uint32_t maxDepth = 1000;                      ///< value nesting and open MARKs
    std::size_t maxMemo = std::size_t{1} << 22;         ///< highest memo index
    std::size_t maxNodes = std::size_t{16} << 20;       ///< values created + container slots filled
    std::size_t maxBytes = std::size_t{96} << 20;       ///< the value tree's memory (nodes, strings, arrays)
    bool operator==(const Limits&) const = default;
};

/// One global a pickle references, with the allow-list's verdict.
struct GlobalUse {
    std::string module;          ///< as Python 3 resolves it (CompatNames.h)
    std::string name;            ///< may be dotted (protocol 4 attribute paths)
    std::string writtenModule;   ///< as the pickle spells it, when that differs ("__builtin__"); else ""
    std::string writtenName;
    Verdict verdict = Verdict::Unknown;
    std::string reason;          ///< why it is not Safe, in words
    std::uint32_t count = 0;     ///< how many GLOBAL/STACK_GLOBAL/INST opcodes named it
    std::uint32_t calls = 0;     ///< how many REDUCE/OBJ/INST/NEWOBJ opcodes called it
    std::uint64_t firstOffset = 0;
    std::string qualified() const { return module + "." + name; }
};

/// Something the machine saw besides the globals that the verdict must reflect.
struct Finding {
    Verdict verdict = Verdict::Unknown; ///< Unsafe: a call of something not known to be inert; Unknown: undecidable
    std::string what;                   ///< in words
    std::uint64_t offset = 0;           ///< of the opcode, relative to the pickle's start
};

/// The result of running a pickle: the value tree and what the machine saw on the way.
class Document {
public:
    using Buffer = std::shared_ptr<const std::vector<std::uint8_t>>;

    const Value* root = nullptr;
    int protocol = 0;                        ///< PROTO's argument, or the highest opcode protocol seen
    std::uint64_t begin = 0;                 ///< offset of the first opcode in the buffer
    std::uint64_t end = 0;                   ///< offset just after STOP
    std::size_t opcodes = 0;
    std::size_t nodes = 0;
    std::vector<GlobalUse> globals;
    std::vector<Finding> findings;
    std::vector<const StorageRef*> storages; ///< every persistent id that named a storage, in order
    std::vector<const TensorRef*> tensors;   ///< every tensor rebuilt, in order

    Buffer buffer;                           ///< keeps the bytes the tree's strings point into alive
    Arena arena;

    bool hasUnsafeGlobals() const noexcept;
    explicit Document(Buffer b) : buffer(std::move(b)) {}
    ~Document(); ///< the storage and tensor lists' storage goes to the thread's next document
    Document(const Document&) = delete;
    Document& operator=(const Document&) = delete;
};

class Machine {
public:
    /// Runs the pickle that starts at `begin` in `buffer` up to its STOP. `where` names the part for error
    /// offsets ("data.pkl"); offsets are relative to `begin`.
    static Result<std::unique_ptr<Document>> run(Document::Buffer buffer, std::size_t begin = 0,
                                                 const Limits& limits = {}, const char* where = "data.pkl");

    /// The same, keeping what was seen when the pickle fails: `doc` always holds the globals and findings up
    /// to the failing opcode (its root is null then), `error` says why it stopped.
    struct Outcome {
        std::unique_ptr<Document> doc;
        std::optional<Error> error;
    };
    static Outcome execute(Document::Buffer buffer, std::size_t begin = 0, const Limits& limits = {},
                           const char* where = "data.pkl");
};

/// True for the errors CPython's unpickler also stops at (truncated input, an unknown opcode, a stack
/// underflow ...); false for Podium's own budgets, after which CPython would read on.
bool cpythonAlsoFails(ErrorCode code) noexcept;

} // namespace podium::pickle
