// SPDX-License-Identifier: GPL-3.0-or-later
#include "pickle/Disassembler.h"

#include "pickle/Arguments.h"
#include "pickle/Opcodes.h"

#include <charconv>
#include <cstdio>
#include <vector>

namespace podium::pickle {

namespace {

std::string quoted(std::string_view s, std::size_t limit)
{
    std::string out = "'";
    std::size_t n = 0;
    for (char c : s) {
        if (n++ >= limit) {
            out += "…";
            break;
        }
        if (c == '\'' || c == '\\') { out += '\\'; out += c; }
        else if (c == '\n') out += "\\n";
        else if (static_cast<unsigned char>(c) < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(c));
            out += buf;
        } else out += c;
    }
    out += '\'';
    return out;
}

std::string floatText(double d)
{
    char buf[32];
    auto [p, ec] = std::to_chars(buf, buf + sizeof buf, d);
    return ec == std::errc{} ? std::string(buf, p) : std::string("?");
}

std::string argText(ArgKind kind, const Arg& a, const DisOptions& o)
{
    switch (kind) {
    case ArgKind::None: return {};
    case ArgKind::Uint1: case ArgKind::Uint2: case ArgKind::Int4: case ArgKind::Uint4: return std::to_string(a.i);
    case ArgKind::Uint8: return std::to_string(a.u);
    case ArgKind::Long1: case ArgKind::Long4: return longToDecimal(a.raw);
    case ArgKind::Float8: return floatText(a.f);
    case ArgKind::Bytes1: case ArgKind::Bytes4: case ArgKind::Bytes8: return bytesRepr(a.raw, o.maxArgChars);
    case ArgKind::String1: case ArgKind::String4: case ArgKind::Unicode1: case ArgKind::Unicode4:
    case ArgKind::Unicode8: return quoted(asChars(a.raw), o.maxArgChars);
    case ArgKind::StringNlPair: return quoted(std::string(asChars(a.raw)) + " " + std::string(asChars(a.raw2)), o.maxArgChars);
    case ArgKind::DecimalNlShort: case ArgKind::DecimalNlLong: case ArgKind::FloatNl:
    case ArgKind::StringNl: return std::string(asChars(a.raw));
    case ArgKind::StringNlNoescape: case ArgKind::UnicodeNl: return quoted(asChars(a.raw), o.maxArgChars);
    }
    return {};
}

bool consumesMark(Op op)
{
    switch (op) {
    case Op::APPENDS: case Op::LIST: case Op::TUPLE: case Op::DICT: case Op::SETITEMS: case Op::ADDITEMS:
    case Op::FROZENSET: case Op::POP_MARK: case Op::OBJ: case Op::INST: return true;
    default: return false;
    }
}

} // namespace

Status disassemble(Bytes pickle, std::ostream& out, const DisOptions& o)
{
    ByteReader r(pickle, ErrorCode::PickleTruncated, "data.pkl");
    std::vector<std::size_t> marks;
    char offbuf[24];
    try {
        for (;;) {
            const std::size_t at = r.pos();
            Arg a;
            const OpcodeInfo* info = &readOpcode(r, a);

            std::string note;
            std::size_t level = marks.size();
            if (consumesMark(info->op)) {
                if (!marks.empty()) {
                    note = "(MARK at " + std::to_string(marks.back()) + ")";
                    marks.pop_back();
                    level = marks.size();
                } else {
                    note = "(no MARK open)";
                }
            }
            std::snprintf(offbuf, sizeof offbuf, "%6zu: ", at);
            out << offbuf;
            if (o.indent)
                out << std::string(std::min<std::size_t>(level, 40) * 2, ' ');
            std::string line(info->name);
            std::string at_ = argText(info->arg, a, o);
            if (!at_.empty() || !note.empty()) {
                line.resize(std::max<std::size_t>(line.size() + 1, 17), ' ');
                line += at_;
                if (!note.empty()) {
                    if (!at_.empty()) line += ' ';
                    line += note;
                }
            }
            out << line << '\n';
            if (info->op == Op::MARK)
                marks.push_back(at);
            if (info->op == Op::STOP)
                break;
        }
    } catch (const ParseFailure& f) {
        out << "error: " << f.error.describe() << '\n';
        return f.error;
    }
    return {};
}

} // namespace podium::pickle
