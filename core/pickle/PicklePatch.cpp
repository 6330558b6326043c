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

Result<std::vector<std::uint8_t>> patchStrings(Bytes pickle, const StringEdits& edits)
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
            if (r.atEnd())
                r.fail(ErrorCode::PickleNoStop, "the pickle ends without STOP");
            const std::uint8_t byte = r.u8("opcode");
            const OpcodeInfo* info = opcodeInfo(byte);
            if (!info) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "0x%02x", byte);
                r.failAt(ErrorCode::PickleUnknownOpcode, start, std::string("byte ") + buf + " is not a pickle opcode");
            }
            Arg arg;
            decodeArg(r, info->arg, arg);
            if (info->op == Op::PROTO)
                protocol = static_cast<int>(arg.i);
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
    if (applied != edits.size())
        return Error(ErrorCode::PickleBadArgument, std::to_string(edits.size() - applied) + " edit(s) name no opcode boundary", edits.begin()->first, "data.pkl");
    // anything after STOP (torch never writes any) is kept
    out.insert(out.end(), pickle.begin() + static_cast<std::ptrdiff_t>(r.pos()), pickle.end());
    return out;
}

} // namespace podium::pickle
