// SPDX-License-Identifier: GPL-3.0-or-later
// Opcodes: the pickle instruction set as data (after CPython's Lib/pickletools.py).
//
// The pickle machine, the disassembler (`podium-cli dis`) and the tests all read this one table: each
// opcode has its byte, its name, the kind of argument that follows it in the stream, the protocol that
// introduced it and what it does to the stack. Protocols 0-5 are covered, every opcode CPython defines.
//
// Argument encodings (ArgKind) are the pickletools ArgumentDescriptors: fixed-width integers, length-
// prefixed byte strings (the length is checked against the bytes left before anything is allocated), and
// the newline-terminated text arguments of protocol 0.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace podium::pickle {

enum class ArgKind : std::uint8_t {
    None,
    Uint1,            // 1-byte unsigned
    Uint2,            // 2-byte little-endian unsigned
    Int4,             // 4-byte little-endian signed
    Uint4,            // 4-byte little-endian unsigned
    Uint8,            // 8-byte little-endian unsigned
    Long1,            // 1-byte length + little-endian two's complement integer
    Long4,            // 4-byte signed length + little-endian two's complement integer
    String1,          // 1-byte length + bytes (py2 str)
    String4,          // 4-byte signed length + bytes (py2 str)
    Bytes1,           // 1-byte length + bytes
    Bytes4,           // 4-byte length + bytes
    Bytes8,           // 8-byte length + bytes
    Unicode1,         // 1-byte length + UTF-8
    Unicode4,         // 4-byte length + UTF-8
    Unicode8,         // 8-byte length + UTF-8
    DecimalNlShort,   // decimal integer, newline-terminated ("01"/"00" are True/False)
    DecimalNlLong,    // decimal integer with optional trailing 'L', newline-terminated
    FloatNl,          // repr of a float, newline-terminated
    Float8,           // 8-byte big-endian IEEE double
    StringNl,         // Python-quoted string repr, newline-terminated
    StringNlNoescape, // raw text, newline-terminated
    StringNlPair,     // two raw texts, each newline-terminated (module, name)
    UnicodeNl,        // raw-unicode-escape text, newline-terminated
};

enum class Op : std::uint8_t {
    // protocol 0
    MARK = '(', STOP = '.', POP = '0', POP_MARK = '1', DUP = '2', FLOAT = 'F', INT = 'I', BININT = 'J',
    BININT1 = 'K', LONG = 'L', BININT2 = 'M', NONE = 'N', PERSID = 'P', BINPERSID = 'Q', REDUCE = 'R',
    STRING = 'S', BINSTRING = 'T', SHORT_BINSTRING = 'U', UNICODE = 'V', BINUNICODE = 'X', APPEND = 'a',
    BUILD = 'b', GLOBAL = 'c', DICT = 'd', EMPTY_DICT = '}', APPENDS = 'e', GET = 'g', BINGET = 'h',
    INST = 'i', LONG_BINGET = 'j', LIST = 'l', EMPTY_LIST = ']', OBJ = 'o', PUT = 'p', BINPUT = 'q',
    LONG_BINPUT = 'r', SETITEM = 's', TUPLE = 't', EMPTY_TUPLE = ')', SETITEMS = 'u', BINFLOAT = 'G',
    // protocol 2
    PROTO = 0x80, NEWOBJ = 0x81, EXT1 = 0x82, EXT2 = 0x83, EXT4 = 0x84, TUPLE1 = 0x85, TUPLE2 = 0x86,
    TUPLE3 = 0x87, NEWTRUE = 0x88, NEWFALSE = 0x89, LONG1 = 0x8a, LONG4 = 0x8b,
    // protocol 3
    BINBYTES = 'B', SHORT_BINBYTES = 'C',
    // protocol 4
    SHORT_BINUNICODE = 0x8c, BINUNICODE8 = 0x8d, BINBYTES8 = 0x8e, EMPTY_SET = 0x8f, ADDITEMS = 0x90,
    FROZENSET = 0x91, NEWOBJ_EX = 0x92, STACK_GLOBAL = 0x93, MEMOIZE = 0x94, FRAME = 0x95,
    // protocol 5
    BYTEARRAY8 = 0x96, NEXT_BUFFER = 0x97, READONLY_BUFFER = 0x98,
};

struct OpcodeInfo {
    Op op;
    std::string_view name;
    ArgKind arg;
    std::uint8_t protocol;
    std::string_view stackBefore; // pickletools notation, e.g. "any any" or "mark stackslice"
    std::string_view stackAfter;
    std::string_view doc;
};

// clang-format off
inline constexpr std::array<OpcodeInfo, 68> kOpcodes{{
    {Op::INT,              "INT",              ArgKind::DecimalNlShort,   0, "",                       "int|bool", "Push an integer or bool (\"01\"/\"00\"), decimal text."},
    {Op::BININT,           "BININT",           ArgKind::Int4,             1, "",                       "int",      "Push a 4-byte signed integer."},
    {Op::BININT1,          "BININT1",          ArgKind::Uint1,            1, "",                       "int",      "Push a 1-byte unsigned integer."},
    {Op::BININT2,          "BININT2",          ArgKind::Uint2,            1, "",                       "int",      "Push a 2-byte unsigned integer."},
    {Op::LONG,             "LONG",             ArgKind::DecimalNlLong,    0, "",                       "int",      "Push a long integer, decimal text."},
    {Op::LONG1,            "LONG1",            ArgKind::Long1,            2, "",                       "int",      "Push a long integer, 1-byte length."},
    {Op::LONG4,            "LONG4",            ArgKind::Long4,            2, "",                       "int",      "Push a long integer, 4-byte length."},
    {Op::STRING,           "STRING",           ArgKind::StringNl,         0, "",                       "str",      "Push a Python 2 string, quoted text."},
    {Op::BINSTRING,        "BINSTRING",        ArgKind::String4,          1, "",                       "str",      "Push a Python 2 string, 4-byte length."},
    {Op::SHORT_BINSTRING,  "SHORT_BINSTRING",  ArgKind::String1,          1, "",                       "str",      "Push a Python 2 string, 1-byte length."},
    {Op::BINBYTES,         "BINBYTES",         ArgKind::Bytes4,           3, "",                       "bytes",    "Push bytes, 4-byte length."},
    {Op::SHORT_BINBYTES,   "SHORT_BINBYTES",   ArgKind::Bytes1,           3, "",                       "bytes",    "Push bytes, 1-byte length."},
    {Op::BINBYTES8,        "BINBYTES8",        ArgKind::Bytes8,           4, "",                       "bytes",    "Push bytes, 8-byte length."},
    {Op::BYTEARRAY8,       "BYTEARRAY8",       ArgKind::Bytes8,           5, "",                       "bytearray","Push a bytearray, 8-byte length."},
    {Op::NEXT_BUFFER,      "NEXT_BUFFER",      ArgKind::None,             5, "",                       "any",      "Push the next out-of-band buffer."},
    {Op::READONLY_BUFFER,  "READONLY_BUFFER",  ArgKind::None,             5, "any",                    "any",      "Make the top buffer read-only."},
    {Op::NONE,             "NONE",             ArgKind::None,             0, "",                       "None",     "Push None."},
    {Op::NEWTRUE,          "NEWTRUE",          ArgKind::None,             2, "",                       "bool",     "Push True."},
    {Op::NEWFALSE,         "NEWFALSE",         ArgKind::None,             2, "",                       "bool",     "Push False."},
    {Op::UNICODE,          "UNICODE",          ArgKind::UnicodeNl,        0, "",                       "str",      "Push a string, raw-unicode-escape text."},
    {Op::SHORT_BINUNICODE, "SHORT_BINUNICODE", ArgKind::Unicode1,         4, "",                       "str",      "Push a UTF-8 string, 1-byte length."},
    {Op::BINUNICODE,       "BINUNICODE",       ArgKind::Unicode4,         1, "",                       "str",      "Push a UTF-8 string, 4-byte length."},
    {Op::BINUNICODE8,      "BINUNICODE8",      ArgKind::Unicode8,         4, "",                       "str",      "Push a UTF-8 string, 8-byte length."},
    {Op::FLOAT,            "FLOAT",            ArgKind::FloatNl,          0, "",                       "float",    "Push a float, decimal text."},
    {Op::BINFLOAT,         "BINFLOAT",         ArgKind::Float8,           1, "",                       "float",    "Push a float, 8-byte big-endian."},
    {Op::EMPTY_LIST,       "EMPTY_LIST",       ArgKind::None,             1, "",                       "list",     "Push an empty list."},
    {Op::APPEND,           "APPEND",           ArgKind::None,             0, "list any",               "list",     "Append the top item to the list below it."},
    {Op::APPENDS,          "APPENDS",          ArgKind::None,             1, "list mark stackslice",   "list",     "Extend the list below the mark with the items above it."},
    {Op::LIST,             "LIST",             ArgKind::None,             0, "mark stackslice",        "list",     "Build a list from the items above the mark."},
    {Op::EMPTY_TUPLE,      "EMPTY_TUPLE",      ArgKind::None,             1, "",                       "tuple",    "Push an empty tuple."},
    {Op::TUPLE,            "TUPLE",            ArgKind::None,             0, "mark stackslice",        "tuple",    "Build a tuple from the items above the mark."},
    {Op::TUPLE1,           "TUPLE1",           ArgKind::None,             2, "any",                    "tuple",    "Build a 1-tuple from the top item."},
    {Op::TUPLE2,           "TUPLE2",           ArgKind::None,             2, "any any",                "tuple",    "Build a 2-tuple from the top two items."},
    {Op::TUPLE3,           "TUPLE3",           ArgKind::None,             2, "any any any",            "tuple",    "Build a 3-tuple from the top three items."},
    {Op::EMPTY_DICT,       "EMPTY_DICT",       ArgKind::None,             1, "",                       "dict",     "Push an empty dict."},
    {Op::DICT,             "DICT",             ArgKind::None,             0, "mark stackslice",        "dict",     "Build a dict from the key/value pairs above the mark."},
    {Op::SETITEM,          "SETITEM",          ArgKind::None,             0, "dict any any",           "dict",     "Set dict[key] = value."},
    {Op::SETITEMS,         "SETITEMS",         ArgKind::None,             1, "dict mark stackslice",   "dict",     "Set the key/value pairs above the mark into the dict below it."},
    {Op::EMPTY_SET,        "EMPTY_SET",        ArgKind::None,             4, "",                       "set",      "Push an empty set."},
    {Op::ADDITEMS,         "ADDITEMS",         ArgKind::None,             4, "set mark stackslice",    "set",      "Add the items above the mark to the set below it."},
    {Op::FROZENSET,        "FROZENSET",        ArgKind::None,             4, "mark stackslice",        "frozenset","Build a frozenset from the items above the mark."},
    {Op::POP,              "POP",              ArgKind::None,             0, "any",                    "",         "Discard the top item (or the topmost mark)."},
    {Op::DUP,              "DUP",              ArgKind::None,             0, "any",                    "any any",  "Push the top item again."},
    {Op::MARK,             "MARK",             ArgKind::None,             0, "",                       "mark",     "Push a mark."},
    {Op::POP_MARK,         "POP_MARK",         ArgKind::None,             1, "mark stackslice",        "",         "Discard the items above the mark, and the mark."},
    {Op::GET,              "GET",              ArgKind::DecimalNlShort,   0, "",                       "any",      "Push memo[n], decimal index."},
    {Op::BINGET,           "BINGET",           ArgKind::Uint1,            1, "",                       "any",      "Push memo[n], 1-byte index."},
    {Op::LONG_BINGET,      "LONG_BINGET",      ArgKind::Uint4,            1, "",                       "any",      "Push memo[n], 4-byte index."},
    {Op::PUT,              "PUT",              ArgKind::DecimalNlShort,   0, "",                       "",         "Store the top item in memo[n], decimal index."},
    {Op::BINPUT,           "BINPUT",           ArgKind::Uint1,            1, "",                       "",         "Store the top item in memo[n], 1-byte index."},
    {Op::LONG_BINPUT,      "LONG_BINPUT",      ArgKind::Uint4,            1, "",                       "",         "Store the top item in memo[n], 4-byte index."},
    {Op::MEMOIZE,          "MEMOIZE",          ArgKind::None,             4, "any",                    "any",      "Store the top item in the next memo slot."},
    {Op::EXT1,             "EXT1",             ArgKind::Uint1,            2, "",                       "any",      "Push the object registered under a 1-byte extension code."},
    {Op::EXT2,             "EXT2",             ArgKind::Uint2,            2, "",                       "any",      "Push the object registered under a 2-byte extension code."},
    {Op::EXT4,             "EXT4",             ArgKind::Int4,             2, "",                       "any",      "Push the object registered under a 4-byte extension code."},
    {Op::GLOBAL,           "GLOBAL",           ArgKind::StringNlPair,     0, "",                       "any",      "Push a global: module and name, newline-terminated."},
    {Op::STACK_GLOBAL,     "STACK_GLOBAL",     ArgKind::None,             4, "str str",                "any",      "Push a global named by the two strings on the stack."},
    {Op::REDUCE,           "REDUCE",           ArgKind::None,             0, "any tuple",              "any",      "Call the callable with the argument tuple."},
    {Op::BUILD,            "BUILD",            ArgKind::None,             0, "any any",                "any",      "Set the object's state (__setstate__ or __dict__ update)."},
    {Op::INST,             "INST",             ArgKind::StringNlPair,     0, "mark stackslice",        "any",      "Build an instance of module.name from the items above the mark."},
    {Op::OBJ,              "OBJ",              ArgKind::None,             1, "mark any stackslice",    "any",      "Build an instance of the class above the mark from the items after it."},
    {Op::NEWOBJ,           "NEWOBJ",           ArgKind::None,             2, "any tuple",              "any",      "cls.__new__(cls, *args)."},
    {Op::NEWOBJ_EX,        "NEWOBJ_EX",        ArgKind::None,             4, "any tuple dict",         "any",      "cls.__new__(cls, *args, **kwargs)."},
    {Op::PROTO,            "PROTO",            ArgKind::Uint1,            2, "",                       "",         "Declare the protocol version."},
    {Op::STOP,             "STOP",             ArgKind::None,             0, "any",                    "",         "End of pickle: the top item is the result."},
    {Op::FRAME,            "FRAME",            ArgKind::Uint8,            4, "",                       "",         "Start a frame of the given length."},
    {Op::PERSID,           "PERSID",           ArgKind::StringNlNoescape, 0, "",                       "any",      "Push a persistent object, id as text."},
    {Op::BINPERSID,        "BINPERSID",        ArgKind::None,             1, "any",                    "any",      "Push a persistent object, id from the stack."},
}};
// clang-format on

/// Index: byte -> entry of kOpcodes, built at compile time.
struct OpcodeIndex {
    std::array<std::int8_t, 256> slot{};
    constexpr OpcodeIndex()
    {
        for (auto& s : slot)
            s = -1;
        for (std::size_t i = 0; i < kOpcodes.size(); ++i)
            slot[static_cast<std::uint8_t>(kOpcodes[i].op)] = static_cast<std::int8_t>(i);
    }
};
inline constexpr OpcodeIndex kOpcodeIndex{};

/// The table entry for a byte, or nullptr when the byte is no opcode.
constexpr const OpcodeInfo* opcodeInfo(std::uint8_t byte)
{
    const auto s = kOpcodeIndex.slot[byte];
    return s < 0 ? nullptr : &kOpcodes[static_cast<std::size_t>(s)];
}

inline constexpr int kHighestProtocol = 5;

} // namespace podium::pickle
