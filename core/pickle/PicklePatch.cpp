// SPDX-License-Identifier: GPL-3.0-or-later
#include "pickle/PicklePatch.h"

#include "pickle/Arguments.h"
#include "pickle/Opcodes.h"

#include <algorithm>
#include <cstdio>

namespace podium::pickle {

namespace {

void putLE(std::vector<std::uint8_t>& out, std::uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; ++i)
        out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

void encodeString(std::vector<std::uint8_t>& out, const std::string& s, bool shortAllowed)
{
    if (shortAllowed && s.size() < 256) {
        out.push_back(0x8c); // SHORT_BINUNICODE
        out.push_back(static_cast<std::uint8_t>(s.size()));
    } else if (s.size() <= 0xFFFFFFFFu) {
        out.push_back('X'); // BINUNICODE
        putLE(out, s.size(), 4);
    } else {
        out.push_back(0x8d); // BINUNICODE8
        putLE(out, s.size(), 8);
    }
    out.insert(out.end(), s.begin(), s.end());
}

bool isStringOp(Op op)
{
    return op == Op::UNICODE || op == Op::SHORT_BINUNICODE || op == Op::BINUNICODE || op == Op::BINUNICODE8;
}

} // namespace

namespace {

bool isMemoOp(Op op) { return op == Op::PUT || op == Op::BINPUT || op == Op::LONG_BINPUT || op == Op::MEMOIZE; }
bool isGetOp(Op op) { return op == Op::GET || op == Op::BINGET || op == Op::LONG_BINGET; }

std::string stringText(Op op, const Arg& arg)
{
    const std::string_view raw(reinterpret_cast<const char*>(arg.raw.data()), arg.raw.size());
    return op == Op::UNICODE ? rawUnicodeEscapeToUtf8(raw) : std::string(raw);
}

std::int64_t memoIndex(Op op, const Arg& arg, std::int64_t memoCount)
{
    if (op == Op::MEMOIZE)
        return memoCount;
    if (op == Op::PUT || op == Op::GET) {
        const std::string_view t(reinterpret_cast<const char*>(arg.raw.data()), arg.raw.size());
        return parseDecimal(t).value_or(-1);
    }
    return arg.i;
}

} // namespace

Result<std::vector<std::uint8_t>> patchStrings(Bytes pickle, const StringEdits& edits, const KeyedEdits& keyed)
{
    std::vector<std::uint8_t> out;
    out.reserve(pickle.size() + 256);
    ByteReader r(pickle, ErrorCode::PickleTruncated, "data.pkl");
    std::size_t applied = 0;
    // the open frame: where its length field is in `out`, where its content ends in the input
    std::size_t frameLengthAt = 0;
    bool inFrame = false;
    std::size_t frameEnd = 0, frameInStart = 0;
    std::uint64_t frameLength = 0;
    int protocol = 0;
    // keyed edits: what the last opcode pushed (when a string), the memo's strings, where we are
    enum class KeyState { None, KeySeen, ValueEmitted } keyState = KeyState::None;
    std::string lastText, keyedValue;
    bool lastIsString = false;
    std::map<std::int64_t, std::string> strMemo;
    std::int64_t memoCount = 0;
    std::size_t keyedApplied = 0;
    // A frame's new length is its declared length plus what the edits inside it added: a frame that declares
    // more than it holds (accepted by unpicklers when STOP comes first) keeps its declaration.
    auto closeFrame = [&](std::size_t inPos) {
        if (inFrame) {
            const std::uint64_t produced = out.size() - (frameLengthAt + 8);
            const std::uint64_t consumed = inPos - frameInStart;
            const std::uint64_t len = frameLength + produced - consumed;
            for (int i = 0; i < 8; ++i)
                out[frameLengthAt + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(len >> (8 * i));
            inFrame = false;
        }
    };
    try {
        for (;;) {
            const std::size_t start = r.pos();
            if (inFrame && start >= frameEnd)
                closeFrame(start);
            Arg arg;
            const OpcodeInfo* info = &readOpcode(r, arg);
            const std::uint8_t byte = pickle[start];
            if (info->op == Op::PROTO)
                protocol = static_cast<int>(arg.i);
            // --- keyed edits: the value that follows a key string
            const bool memoOp = isMemoOp(info->op);
            if (keyState == KeyState::ValueEmitted) {
                if (memoOp) { // the old value keeps its memo slot; then the new value replaces it on the stack
                    out.insert(out.end(), pickle.begin() + static_cast<std::ptrdiff_t>(start), pickle.begin() + static_cast<std::ptrdiff_t>(r.pos()));
                    const std::int64_t idx = memoIndex(info->op, arg, memoCount);
                    strMemo[idx] = lastText;
                    memoCount = std::max(memoCount, idx + 1);
                    out.push_back('0'); // POP
                    encodeString(out, keyedValue, protocol >= 4);
                    keyState = KeyState::None;
                    lastText = keyedValue;
                    continue;
                }
                out.push_back('0');
                encodeString(out, keyedValue, protocol >= 4);
                keyState = KeyState::None;
            }
            if (keyState == KeyState::KeySeen && !memoOp) {
                if (isStringOp(info->op)) {
                    const auto e = edits.find(start);
                    const std::string old = e != edits.end() ? e->second : stringText(info->op, arg);
                    if (e != edits.end())
                        ++applied;
                    encodeString(out, old, protocol >= 4);
                    lastText = old;
                    lastIsString = true;
                    keyState = KeyState::ValueEmitted;
                    ++keyedApplied;
                    continue;
                }
                if (isGetOp(info->op)) {
                    encodeString(out, keyedValue, protocol >= 4);
                    lastText = keyedValue;
                    lastIsString = true;
                    keyState = KeyState::None;
                    ++keyedApplied;
                    continue;
                }
                keyState = KeyState::None; // the value is not a string (None): leave it
            }
            // --- what the op pushes, for recognising keys
            if (!keyed.empty()) {
                if (isStringOp(info->op)) {
                    const auto e = edits.find(start);
                    lastText = e != edits.end() ? e->second : stringText(info->op, arg);
                    lastIsString = true;
                } else if (isGetOp(info->op)) {
                    const auto m = strMemo.find(memoIndex(info->op, arg, memoCount));
                    lastIsString = m != strMemo.end();
                    if (lastIsString) lastText = m->second;
                } else if (memoOp) {
                    const std::int64_t idx = memoIndex(info->op, arg, memoCount);
                    if (lastIsString) strMemo[idx] = lastText;
                    else strMemo.erase(idx);
                    memoCount = std::max(memoCount, idx + 1);
                } else {
                    lastIsString = false;
                }
                if ((isStringOp(info->op) || isGetOp(info->op)) && lastIsString) {
                    if (auto k = keyed.find(lastText); k != keyed.end()) {
                        keyState = KeyState::KeySeen;
                        keyedValue = k->second;
                    }
                }
            }
            const auto edit = edits.find(start);
            if (edit != edits.end()) {
                if (!isStringOp(info->op))
                    r.failAt(ErrorCode::PickleBadArgument, start, std::string(info->name) + " is not a string opcode");
                encodeString(out, edit->second, protocol >= 4);
                ++applied;
            } else if (info->op == Op::FRAME) {
                closeFrame(start);
                out.push_back(byte);
                frameLengthAt = out.size();
                inFrame = true;
                putLE(out, 0, 8);
                frameLength = arg.u;
                frameInStart = r.pos();
                frameEnd = r.pos() + static_cast<std::size_t>(std::min<std::uint64_t>(arg.u, r.left()));
            } else {
                out.insert(out.end(), pickle.begin() + static_cast<std::ptrdiff_t>(start), pickle.begin() + static_cast<std::ptrdiff_t>(r.pos()));
            }
            if (info->op == Op::STOP)
                break;
        }
    } catch (const ParseFailure& f) {
        return f.error;
    }
    closeFrame(r.pos());
    if (!keyed.empty() && keyedApplied == 0)
        return Error(ErrorCode::PickleBadArgument, "no string value follows the key '" + keyed.begin()->first + "'", 0, "data.pkl");
    if (applied != edits.size())
        return Error(ErrorCode::PickleBadArgument, std::to_string(edits.size() - applied) + " edit(s) name no opcode boundary", edits.begin()->first, "data.pkl");
    // anything after STOP (torch never writes any) is kept
    out.insert(out.end(), pickle.begin() + static_cast<std::ptrdiff_t>(r.pos()), pickle.end());
    return out;
}

} // namespace podium::pickle
