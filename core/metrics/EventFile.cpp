// SPDX-License-Identifier: GPL-3.0-or-later
#include "metrics/EventFile.h"

#include "fs/FileSystem.h"
#include "metrics/Crc32c.h"
#include "metrics/ProtoReader.h"

#include <bit>
#include <cmath>

namespace podium::metrics {

namespace {

enum DType : int { DT_FLOAT = 1, DT_DOUBLE = 2, DT_INT32 = 3, DT_INT64 = 9, DT_BFLOAT16 = 14, DT_HALF = 19 };

double halfToDouble(std::uint16_t h)
{
    const int e = (h >> 10) & 0x1F, m = h & 0x3FF;
    const double sign = (h & 0x8000) ? -1.0 : 1.0;
    if (e == 0) return sign * std::ldexp(m, -24);
    if (e == 31) return m ? std::nan("") : sign * HUGE_VAL;
    return sign * std::ldexp(m + 1024, e - 25);
}

double bf16ToDouble(std::uint16_t b)
{
    return std::bit_cast<float>(static_cast<std::uint32_t>(b) << 16);
}

/// A length-delimited field as a nested reader, with offsets that point into the file.
ProtoReader sub(ProtoReader& r)
{
    const Bytes b = r.bytes();
    return ProtoReader(b, r.offsetOfNext() - b.size());
}

/// The one element of a scalar TensorProto, or nullopt when it holds none or several.
std::optional<double> tensorScalar(ProtoReader t)
{
    int dtype = 0;
    std::vector<double> vals;
    Bytes content;
    auto repeated = [&](auto readOne) { // packed (wire Length) or one element per field
        if (t.wire() == ProtoReader::Length) {
            ProtoReader p = sub(t);
            while (!p.atEndOf())
                vals.push_back(readOne(p));
        } else {
            vals.push_back(readOne(t));
        }
    };
    while (t.next()) {
        switch (t.field()) {
        case 1: dtype = static_cast<int>(t.varint()); break;
        case 4: content = t.bytes(); break;
        case 5: repeated([](ProtoReader& p) { return double(p.fixed32AsFloat()); }); break;
        case 6: repeated([](ProtoReader& p) { return p.fixed64AsDouble(); }); break;
        case 7: repeated([&](ProtoReader& p) {
            const auto v = p.varint();
            if (dtype == DT_HALF) return halfToDouble(static_cast<std::uint16_t>(v));
            if (dtype == DT_BFLOAT16) return bf16ToDouble(static_cast<std::uint16_t>(v));
            return double(static_cast<std::int32_t>(v));
        }); break;
        case 10: repeated([](ProtoReader& p) { return double(static_cast<std::int64_t>(p.varint())); }); break;
        case 13: repeated([](ProtoReader& p) { return halfToDouble(static_cast<std::uint16_t>(p.varint())); }); break;
        default: t.skip(); break;
        }
    }
    if (!content.empty()) {
        const std::uint8_t* c = content.data();
        switch (dtype) {
        case DT_FLOAT: if (content.size() == 4) return double(std::bit_cast<float>(loadLE<std::uint32_t>(c))); break;
        case DT_DOUBLE: if (content.size() == 8) return std::bit_cast<double>(loadLE<std::uint64_t>(c)); break;
        case DT_INT32: if (content.size() == 4) return double(static_cast<std::int32_t>(loadLE<std::uint32_t>(c))); break;
        case DT_INT64: if (content.size() == 8) return double(static_cast<std::int64_t>(loadLE<std::uint64_t>(c))); break;
        case DT_HALF: if (content.size() == 2) return halfToDouble(loadLE<std::uint16_t>(c)); break;
        case DT_BFLOAT16: if (content.size() == 2) return bf16ToDouble(loadLE<std::uint16_t>(c)); break;
        default: break;
        }
        return std::nullopt;
    }
    if (vals.size() == 1)
        return vals.front();
    return std::nullopt;
}

void readEvent(ProtoReader ev, EventFileData& out)
{
    double wall = kNaN;
    std::int64_t step = 0;
    std::vector<std::pair<std::string, double>> values;
    while (ev.next()) {
        switch (ev.field()) {
        case 1: if (ev.wire() == ProtoReader::Fixed64) wall = ev.fixed64AsDouble(); else ev.skip(); break;
        case 2: if (ev.wire() == ProtoReader::Varint) step = static_cast<std::int64_t>(ev.varint()); else ev.skip(); break;
        case 3: {
            const Bytes b = ev.bytes();
            out.fileVersion.assign(reinterpret_cast<const char*>(b.data()), b.size());
            break;
        }
        case 5: {
            if (ev.wire() != ProtoReader::Length) { ev.skip(); break; }
            ProtoReader summary = sub(ev);
            while (summary.next()) {
                if (summary.field() != 1 || summary.wire() != ProtoReader::Length) { summary.skip(); continue; }
                ProtoReader value = sub(summary);
                std::string tag;
                std::optional<double> v;
                bool fromTensor = false;
                while (value.next()) {
                    if (value.field() == 1 && value.wire() == ProtoReader::Length) {
                        const Bytes b = value.bytes();
                        tag.assign(reinterpret_cast<const char*>(b.data()), b.size());
                    } else if (value.field() == 2 && value.wire() == ProtoReader::Fixed32) {
                        v = value.fixed32AsFloat();
                    } else if (value.field() == 8 && value.wire() == ProtoReader::Length) {
                        if (auto t = tensorScalar(sub(value))) v = t, fromTensor = true;
                    } else {
                        value.skip();
                    }
                }
                if (v && !tag.empty()) {
                    values.emplace_back(std::move(tag), *v);
                    ++(fromTensor ? out.tensorValues : out.simpleValues);
                }
            }
            break;
        }
        default: ev.skip(); break;
        }
    }
    for (auto& [tag, v] : values) {
        Point p;
        p.step = step;
        p.wallTime = wall;
        p.value = v;
        out.scalars[tag].push_back(p);
    }
}

} // namespace

EventFileData parseEventFile(std::string_view bytes, const std::string& path)
{
    EventFileData out;
    const auto* data = reinterpret_cast<const std::uint8_t*>(bytes.data());
    std::size_t pos = 0;
    auto corrupt = [&](ErrorCode code, std::string detail, std::size_t at) {
        out.corruption = Error(code, std::move(detail), at, "event file").inFile(path);
    };
    while (pos < bytes.size()) {
        if (bytes.size() - pos < 12) { out.truncatedTail = true; break; }
        const std::uint64_t len = loadLE<std::uint64_t>(data + pos);
        const std::uint32_t lenCrc = loadLE<std::uint32_t>(data + pos + 8);
        if (maskCrc(crc32c(data + pos, 8)) != lenCrc) {
            corrupt(ErrorCode::EventsCrcMismatch, "record " + std::to_string(out.records) + ": the length's CRC does not match", pos);
            break;
        }
        if (len > bytes.size() - pos - 12 || bytes.size() - pos - 12 - len < 4) { out.truncatedTail = true; break; }
        const std::uint8_t* payload = data + pos + 12;
        const std::uint32_t dataCrc = loadLE<std::uint32_t>(payload + len);
        if (maskCrc(crc32c(payload, static_cast<std::size_t>(len))) != dataCrc) {
            corrupt(ErrorCode::EventsCrcMismatch, "record " + std::to_string(out.records) + ": the data's CRC does not match", pos + 12);
            break;
        }
        try {
            readEvent(ProtoReader(Bytes(payload, static_cast<std::size_t>(len)), pos + 12), out);
        } catch (ParseFailure& f) {
            f.error.file = path;
            f.error.detail = "record " + std::to_string(out.records) + ": " + f.error.detail;
            out.corruption = f.error;
            break;
        }
        ++out.records;
        pos += 12 + static_cast<std::size_t>(len) + 4;
    }
    return out;
}

Result<EventFileData> readEventFile(const std::string& path)
{
    auto text = fs::FileSystem::readFile(path);
    if (!text)
        return std::move(text).error();
    return parseEventFile(*text, path);
}

} // namespace podium::metrics
