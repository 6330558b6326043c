// SPDX-License-Identifier: GPL-3.0-or-later
// Arguments: decoding of the in-stream argument of an opcode (the ArgKind of the Opcodes table) and of
// the text forms protocol 0 uses. Shared by the Machine and the Disassembler, so both see the same bytes.
#pragma once

#include "pickle/Opcodes.h"
#include "util/ByteReader.h"

#include <optional>
#include <string>

namespace podium::pickle {

struct Arg {
    std::int64_t i = 0;      // Uint1/Uint2/Int4/Uint4 (and Uint8 when it fits)
    std::uint64_t u = 0;     // Uint8
    double f = 0;            // Float8
    Bytes raw;               // length-prefixed payloads, Long1/Long4 bytes, newline texts (module for pairs)
    Bytes raw2;              // StringNlPair: the name
};

/// Reads the argument of kind `kind` at the reader's position. Length prefixes are checked against the bytes
/// left (PickleLengthExceedsInput) before anything is taken.
void decodeArg(ByteReader& r, ArgKind kind, Arg& out);

/// The same as CPython's C unpickler reads it while a FRAME is buffered (`bufEnd`, the file offset where the
/// buffered frame ends, lies past the reader's position): a read that does not fit in what is left of the
/// buffer drops that rest and reads from where the buffer ends (_Unpickler_Read, _Unpickler_Readline);
/// BINBYTES payloads read on through the buffer's end (_Unpickler_ReadInto). Updates `bufEnd`; returns how
/// many buffered bytes were dropped (0 when the stream reads as plain bytes would).
std::size_t decodeArgBuffered(ByteReader& r, ArgKind kind, Arg& out, std::size_t& bufEnd);

/// Reads the next opcode and its argument (the walkers' step: Disassembler, PicklePatch). Fails with
/// PickleNoStop at the end of the input and PickleUnknownOpcode for a byte that is not an opcode.
const OpcodeInfo& readOpcode(ByteReader& r, Arg& out);
/// Little-endian two's complement integer (LONG1/LONG4 payload): the value if it fits in int64.
std::optional<std::int64_t> longToInt64(Bytes le);
/// The same as decimal text, for any size (quadratic: see longToDisplay).
std::string longToDecimal(Bytes le);
/// Decimal text up to CPython's 4300-digit conversion limit, a short hexadecimal summary beyond it.
std::string longToDisplay(Bytes le);

/// Decimal integer text ("123", "-4", optional trailing 'L'); nullopt when it does not fit or is not decimal.
std::optional<std::int64_t> parseDecimal(std::string_view text);
/// Float text as Python's repr writes it ("1.5", "inf", "nan", "1e-08").
std::optional<double> parseFloatText(std::string_view text);
/// Python string literal ('abc\n' or "it's") as written by protocol 0 STRING; nullopt when malformed.
std::optional<std::string> unquotePythonString(std::string_view text);
/// raw-unicode-escape (protocol 0 UNICODE) to UTF-8.
std::string rawUnicodeEscapeToUtf8(std::string_view text);
/// Latin-1 bytes to UTF-8 (for py2 strings that are not valid UTF-8).
std::string latin1ToUtf8(std::string_view text);
/// True when `text` is well-formed UTF-8.
bool isValidUtf8(std::string_view text) noexcept;
/// The same with encoded surrogates (U+D800..U+DFFF) allowed: CPython decodes BINUNICODE with
/// 'surrogatepass', so a file holding them loads.
bool isValidUtf8(std::string_view text, bool surrogatePass) noexcept;
/// A Python-like repr of bytes, shortened to `limit` bytes with an ellipsis.
std::string bytesRepr(Bytes b, std::size_t limit = 64);

} // namespace podium::pickle
