// SPDX-License-Identifier: GPL-3.0-or-later
#include "pickle/Arguments.h"

#include <cstdio>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace podium::pickle {

namespace {

Bytes takeLength(ByteReader& r, std::uint64_t n, const char* what)
{
    if (n > r.left())
        r.fail(ErrorCode::PickleLengthExceedsInput, std::string(what) + " declares " + std::to_string(n) +
                                                        " bytes but only " + std::to_string(r.left()) + " are left");
    return r.take(static_cast<std::size_t>(n), what);
}

Bytes lineBytes(ByteReader& r, const char* what)
{
    auto l = r.line(what);
    return {reinterpret_cast<const std::uint8_t*>(l.data()), l.size()};
}

void appendUtf8(std::string& out, std::uint32_t cp)
{
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

int hexDigit(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

} // namespace

void decodeArg(ByteReader& r, ArgKind kind, Arg& out)
{
    switch (kind) {
    case ArgKind::None:
        return;
    case ArgKind::Uint1: out.i = r.u8("1-byte argument"); return;
    case ArgKind::Uint2: out.i = r.u16("2-byte argument"); return;
    case ArgKind::Int4: out.i = r.i32("4-byte argument"); return;
    case ArgKind::Uint4: out.i = r.u32("4-byte argument"); return;
    case ArgKind::Uint8:
        out.u = r.u64("8-byte argument");
        out.i = out.u > static_cast<std::uint64_t>(INT64_MAX) ? -1 : static_cast<std::int64_t>(out.u);
        return;
    case ArgKind::Long1: out.raw = takeLength(r, r.u8("LONG1 length"), "LONG1"); return;
    case ArgKind::Long4: {
        const auto n = r.i32("LONG4 length");
        if (n < 0)
            r.fail(ErrorCode::PickleBadArgument, "LONG4 length is negative (" + std::to_string(n) + ")");
        out.raw = takeLength(r, static_cast<std::uint64_t>(n), "LONG4");
        return;
    }
    case ArgKind::String1:
    case ArgKind::Bytes1:
    case ArgKind::Unicode1: out.raw = takeLength(r, r.u8("length"), "string"); return;
    case ArgKind::String4: {
        const auto n = r.i32("BINSTRING length");
        if (n < 0)
            r.fail(ErrorCode::PickleBadArgument, "BINSTRING length is negative (" + std::to_string(n) + ")");
        out.raw = takeLength(r, static_cast<std::uint64_t>(n), "BINSTRING");
        return;
    }
    case ArgKind::Bytes4:
    case ArgKind::Unicode4: out.raw = takeLength(r, r.u32("length"), "string"); return;
    case ArgKind::Bytes8:
    case ArgKind::Unicode8: out.raw = takeLength(r, r.u64("length"), "string"); return;
    case ArgKind::Float8: {
        auto b = r.take(8, "BINFLOAT");
        std::uint64_t bits = 0;
        for (auto byte : b)
            bits = (bits << 8) | byte; // big-endian
        std::memcpy(&out.f, &bits, 8);
        return;
    }
    case ArgKind::DecimalNlShort:
    case ArgKind::DecimalNlLong:
    case ArgKind::FloatNl:
    case ArgKind::StringNl:
    case ArgKind::StringNlNoescape:
    case ArgKind::UnicodeNl: out.raw = lineBytes(r, "text argument"); return;
    case ArgKind::StringNlPair:
        out.raw = lineBytes(r, "module name");
        out.raw2 = lineBytes(r, "global name");
        return;
    }
}

std::optional<std::int64_t> longToInt64(Bytes le)
{
    if (le.empty())
        return 0;
    if (le.size() > 8) {
        // Still fits when the extra bytes are pure sign extension.
        const std::uint8_t ext = (le[7] & 0x80) ? 0xFF : 0x00;
        for (std::size_t i = 8; i < le.size(); ++i)
            if (le[i] != ext)
                return std::nullopt;
        le = le.first(8);
    }
    std::uint64_t v = 0;
    for (std::size_t i = le.size(); i-- > 0;)
        v = (v << 8) | le[i];
    if (le.size() < 8 && (le.back() & 0x80))
        v |= ~std::uint64_t{0} << (8 * le.size());
    return static_cast<std::int64_t>(v);
}

std::string longToDecimal(Bytes le)
{
    if (auto small = longToInt64(le))
        return std::to_string(*small);
    // Magnitude in base 2^32 limbs, then repeated division by 10^9.
    const bool negative = (le.back() & 0x80) != 0;
    std::vector<std::uint8_t> mag(le.begin(), le.end());
    if (negative) { // two's complement negate
        unsigned carry = 1;
        for (auto& b : mag) {
            unsigned v = static_cast<std::uint8_t>(~b) + carry;
            b = static_cast<std::uint8_t>(v);
            carry = v >> 8;
        }
    }
    std::vector<std::uint32_t> limbs((mag.size() + 3) / 4, 0);
    for (std::size_t i = 0; i < mag.size(); ++i)
        limbs[i / 4] |= static_cast<std::uint32_t>(mag[i]) << (8 * (i % 4));
    std::vector<std::string> groups; // least significant first, joined once at the end
    auto nonzero = [&] { return std::any_of(limbs.begin(), limbs.end(), [](auto l) { return l != 0; }); };
    while (nonzero()) {
        std::uint64_t rem = 0;
        for (std::size_t i = limbs.size(); i-- > 0;) {
            const std::uint64_t cur = (rem << 32) | limbs[i];
            limbs[i] = static_cast<std::uint32_t>(cur / 1000000000u);
            rem = cur % 1000000000u;
        }
        char buf[16];
        const bool more = nonzero();
        std::snprintf(buf, sizeof buf, more ? "%09u" : "%u", static_cast<unsigned>(rem));
        groups.emplace_back(buf);
    }
    std::string digits = negative ? "-" : "";
    for (auto it = groups.rbegin(); it != groups.rend(); ++it)
        digits += *it;
    if (groups.empty())
        digits = "0";
    return digits;
}

std::string longToDisplay(Bytes le)
{
    // CPython itself refuses int <-> decimal conversions past 4300 digits (sys.int_info.default_max_str_digits):
    // the conversion is quadratic. 1785 bytes hold at most 4300 decimal digits.
    if (le.size() <= 1785)
        return longToDecimal(le);
    static constexpr char hex[] = "0123456789abcdef";
    std::string out = (le.back() & 0x80) ? "-0x" : "0x"; // the leading bytes only (of the magnitude's encoding)
    for (std::size_t i = 0; i < 8; ++i) {
        const auto b = le[le.size() - 1 - i];
        out += hex[b >> 4];
        out += hex[b & 15];
    }
    return out + "… (an integer of " + std::to_string(le.size() * 8) + " bits)";
}

namespace {

/// CPython's reads over a FRAME buffer (see decodeArgBuffered's contract).
struct Buffered {
    ByteReader& r;
    std::size_t& bufEnd;
    std::size_t dropped = 0;

    /// _Unpickler_Read: from the buffer when it holds n bytes; else the buffer's rest is dropped and n bytes
    /// are read from the file where the buffer ends.
    Bytes read(std::size_t n, const char* what)
    {
        if (bufEnd > r.pos() && bufEnd - r.pos() < n) {
            dropped += bufEnd - r.pos();
            r.setPos(bufEnd);
        }
        Bytes b = r.take(n, what);
        if (r.pos() > bufEnd)
            bufEnd = r.pos();
        return b;
    }
    Bytes readLength(std::uint64_t n, const char* what)
    {
        std::size_t from = r.pos();
        if (bufEnd > from && bufEnd - from < n)
            from = bufEnd;
        if (n > r.size() - from)
            r.fail(ErrorCode::PickleLengthExceedsInput, std::string(what) + " declares " + std::to_string(n) +
                                                            " bytes but only " + std::to_string(r.size() - from) + " are left");
        return read(static_cast<std::size_t>(n), what);
    }
    /// _Unpickler_ReadInto: the buffer's rest first, then on from the file (nothing is dropped).
    Bytes readInto(std::uint64_t n, const char* what)
    {
        if (n > r.left())
            r.fail(ErrorCode::PickleLengthExceedsInput, std::string(what) + " declares " + std::to_string(n) +
                                                            " bytes but only " + std::to_string(r.left()) + " are left");
        Bytes b = r.take(static_cast<std::size_t>(n), what);
        if (r.pos() > bufEnd)
            bufEnd = r.pos();
        return b;
    }
    /// _Unpickler_Readline: a line within the buffer, else the buffer's rest is dropped and the line read on.
    Bytes readline(const char* what)
    {
        const std::size_t pos = r.pos();
        if (bufEnd > pos) {
            const auto* begin = r.data().data() + pos;
            if (!std::memchr(begin, '\n', bufEnd - pos)) {
                dropped += bufEnd - pos;
                r.setPos(bufEnd);
            }
        }
        auto l = r.line(what);
        if (r.pos() > bufEnd)
            bufEnd = r.pos();
        return {reinterpret_cast<const std::uint8_t*>(l.data()), l.size()};
    }
    std::uint64_t le(std::size_t n, const char* what)
    {
        Bytes b = read(n, what);
        std::uint64_t v = 0;
        for (std::size_t i = n; i-- > 0;)
            v = (v << 8) | b[i];
        return v;
    }
};

} // namespace

std::size_t decodeArgBuffered(ByteReader& r, ArgKind kind, Arg& out, std::size_t& bufEnd)
{
    Buffered b{r, bufEnd};
    switch (kind) {
    case ArgKind::None: break;
    case ArgKind::Uint1: out.i = static_cast<std::int64_t>(b.le(1, "1-byte argument")); break;
    case ArgKind::Uint2: out.i = static_cast<std::int64_t>(b.le(2, "2-byte argument")); break;
    case ArgKind::Int4: out.i = static_cast<std::int32_t>(b.le(4, "4-byte argument")); break;
    case ArgKind::Uint4: out.i = static_cast<std::int64_t>(b.le(4, "4-byte argument")); break;
    case ArgKind::Uint8:
        out.u = b.le(8, "8-byte argument");
        out.i = out.u > static_cast<std::uint64_t>(INT64_MAX) ? -1 : static_cast<std::int64_t>(out.u);
        break;
    case ArgKind::Long1: out.raw = b.readLength(b.le(1, "LONG1 length"), "LONG1"); break;
    case ArgKind::Long4: {
        const auto n = static_cast<std::int32_t>(b.le(4, "LONG4 length"));
        if (n < 0)
            r.fail(ErrorCode::PickleBadArgument, "LONG4 length is negative (" + std::to_string(n) + ")");
        out.raw = b.readLength(static_cast<std::uint64_t>(n), "LONG4");
        break;
    }
    case ArgKind::String1:
    case ArgKind::Unicode1: out.raw = b.readLength(b.le(1, "length"), "string"); break;
    case ArgKind::Bytes1: out.raw = b.readInto(b.le(1, "length"), "bytes"); break;
    case ArgKind::String4: {
        const auto n = static_cast<std::int32_t>(b.le(4, "BINSTRING length"));
        if (n < 0)
            r.fail(ErrorCode::PickleBadArgument, "BINSTRING length is negative (" + std::to_string(n) + ")");
        out.raw = b.readLength(static_cast<std::uint64_t>(n), "BINSTRING");
        break;
    }
    case ArgKind::Unicode4: out.raw = b.readLength(b.le(4, "length"), "string"); break;
    case ArgKind::Bytes4: out.raw = b.readInto(b.le(4, "length"), "bytes"); break;
    case ArgKind::Unicode8: out.raw = b.readLength(b.le(8, "length"), "string"); break;
    case ArgKind::Bytes8: out.raw = b.readInto(b.le(8, "length"), "bytes"); break;
    case ArgKind::Float8: {
        Bytes f = b.read(8, "BINFLOAT");
        std::uint64_t bits = 0;
        for (auto byte : f)
            bits = (bits << 8) | byte; // big-endian
        std::memcpy(&out.f, &bits, 8);
        break;
    }
    case ArgKind::DecimalNlShort:
    case ArgKind::DecimalNlLong:
    case ArgKind::FloatNl:
    case ArgKind::StringNl:
    case ArgKind::StringNlNoescape:
    case ArgKind::UnicodeNl: out.raw = b.readline("text argument"); break;
    case ArgKind::StringNlPair:
        out.raw = b.readline("module name");
        out.raw2 = b.readline("global name");
        break;
    }
    return b.dropped;
}

std::optional<std::int64_t> parseDecimal(std::string_view text)
{
    if (!text.empty() && text.back() == 'L')
        text.remove_suffix(1);
    while (!text.empty() && (text.front() == ' '))
        text.remove_prefix(1);
    if (!text.empty() && text.front() == '+')
        text.remove_prefix(1);
    std::int64_t v = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc{} || p != text.data() + text.size() || text.empty())
        return std::nullopt;
    return v;
}

std::optional<double> parseFloatText(std::string_view text)
{
    std::string s(text);
    if (s == "inf" || s == "+inf") return HUGE_VAL;
    if (s == "-inf") return -HUGE_VAL;
    if (s == "nan" || s == "-nan") return std::nan("");
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (s.empty() || end != s.c_str() + s.size())
        return std::nullopt;
    return v;
}

std::optional<std::string> unquotePythonString(std::string_view t)
{
    if (t.size() < 2 || (t.front() != '\'' && t.front() != '"') || t.back() != t.front())
        return std::nullopt;
    t = t.substr(1, t.size() - 2);
    std::string out;
    out.reserve(t.size());
    for (std::size_t i = 0; i < t.size(); ++i) {
        char c = t[i];
        if (c != '\\') {
            out += c;
            continue;
        }
        if (++i >= t.size())
            return std::nullopt;
        c = t[i];
        switch (c) {
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        case 'a': out += '\a'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'v': out += '\v'; break;
        case '\\': out += '\\'; break;
        case '\'': out += '\''; break;
        case '"': out += '"'; break;
        case '\n': break;
        case 'x': {
            if (i + 2 >= t.size())
                return std::nullopt;
            const int h = hexDigit(t[i + 1]), l = hexDigit(t[i + 2]);
            if (h < 0 || l < 0)
                return std::nullopt;
            out += static_cast<char>(h * 16 + l);
            i += 2;
            break;
        }
        default:
            if (c >= '0' && c <= '7') {
                int v = c - '0';
                for (int k = 0; k < 2 && i + 1 < t.size() && t[i + 1] >= '0' && t[i + 1] <= '7'; ++k)
                    v = v * 8 + (t[++i] - '0');
                out += static_cast<char>(v & 0xFF);
            } else {
                out += '\\';
                out += c;
            }
        }
    }
    return out;
}

std::string rawUnicodeEscapeToUtf8(std::string_view t)
{
    std::string out;
    out.reserve(t.size());
    for (std::size_t i = 0; i < t.size(); ++i) {
        const auto c = static_cast<unsigned char>(t[i]);
        if (c == '\\' && i + 1 < t.size() && (t[i + 1] == 'u' || t[i + 1] == 'U')) {
            const std::size_t n = t[i + 1] == 'u' ? 4 : 8;
            if (i + 2 + n <= t.size()) {
                std::uint32_t cp = 0;
                bool ok = true;
                for (std::size_t k = 0; k < n; ++k) {
                    const int d = hexDigit(t[i + 2 + k]);
                    if (d < 0) { ok = false; break; }
                    cp = cp * 16 + static_cast<std::uint32_t>(d);
                }
                if (ok && cp <= 0x10FFFF) {
                    appendUtf8(out, cp);
                    i += 1 + n;
                    continue;
                }
            }
        }
        appendUtf8(out, c); // other bytes are Latin-1
    }
    return out;
}

std::string latin1ToUtf8(std::string_view t)
{
    std::string out;
    out.reserve(t.size());
    for (unsigned char c : t)
        appendUtf8(out, c);
    return out;
}

bool isValidUtf8(std::string_view s) noexcept
{
    return isValidUtf8(s, false);
}

bool isValidUtf8(std::string_view s, bool surrogatePass) noexcept
{
    std::size_t i = 0;
    const auto n = s.size();
    // ASCII runs (almost every name in a checkpoint) eight bytes at a time
    while (i + 8 <= n) {
        std::uint64_t w;
        std::memcpy(&w, s.data() + i, 8);
        if (w & 0x8080808080808080ull)
            break;
        i += 8;
    }
    while (i < n) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) { ++i; continue; }
        std::size_t len;
        std::uint32_t cp;
        if ((c & 0xE0) == 0xC0) { len = 2; cp = c & 0x1F; }
        else if ((c & 0xF0) == 0xE0) { len = 3; cp = c & 0x0F; }
        else if ((c & 0xF8) == 0xF0) { len = 4; cp = c & 0x07; }
        else return false;
        if (i + len > n) return false;
        for (std::size_t k = 1; k < len; ++k) {
            const auto cc = static_cast<unsigned char>(s[i + k]);
            if ((cc & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (cc & 0x3F);
        }
        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF ||
            (!surrogatePass && cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += len;
    }
    return true;
}

std::string bytesRepr(Bytes b, std::size_t limit)
{
    std::string out = "b'";
    const std::size_t n = std::min(b.size(), limit);
    for (std::size_t i = 0; i < n; ++i) {
        const auto c = b[i];
        if (c == '\\' || c == '\'') { out += '\\'; out += static_cast<char>(c); }
        else if (c >= 0x20 && c < 0x7f) out += static_cast<char>(c);
        else {
            char buf[5];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
        }
    }
    out += '\'';
    if (b.size() > limit)
        out += "… (" + std::to_string(b.size()) + " bytes)";
    return out;
}

const OpcodeInfo& readOpcode(ByteReader& r, Arg& out)
{
    const std::size_t at = r.pos();
    if (r.atEnd())
        r.fail(ErrorCode::PickleNoStop, "the pickle ends without STOP");
    const std::uint8_t byte = r.u8("opcode");
    const OpcodeInfo* info = opcodeInfo(byte);
    if (!info) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "0x%02x", byte);
        r.failAt(ErrorCode::PickleUnknownOpcode, at, std::string("byte ") + buf + " is not a pickle opcode");
    }
    out = Arg{};
    decodeArg(r, info->arg, out);
    return *info;
}

} // namespace podium::pickle
