// SPDX-License-Identifier: GPL-3.0-or-later
// ProtoReader: the protobuf wire format, read field by field over a byte span — enough for TensorBoard's
// Event messages (see EventFile.h for why not libprotobuf). Malformed input throws ParseFailure (ProtobufBad)
// with the offset; nothing is read past the span.
#pragma once

#include "util/ByteReader.h"

#include <cstring>

namespace podium::metrics {

class ProtoReader {
public:
    enum Wire : std::uint8_t { Varint = 0, Fixed64 = 1, Length = 2, Fixed32 = 5 };

    ProtoReader(Bytes data, std::uint64_t baseOffset)
        : m_r(data, ErrorCode::ProtobufBad, "event record", baseOffset), m_base(baseOffset) {}

    /// Advances to the next field; false at the end of the message.
    bool next()
    {
        if (m_r.atEnd())
            return false;
        const std::uint64_t key = varint();
        m_field = static_cast<std::uint32_t>(key >> 3);
        m_wire = static_cast<std::uint8_t>(key & 7);
        if (m_field == 0)
            m_r.fail(ErrorCode::ProtobufBad, "field number 0");
        if (m_wire != Varint && m_wire != Fixed64 && m_wire != Length && m_wire != Fixed32)
            m_r.fail(ErrorCode::ProtobufBad, "wire type " + std::to_string(m_wire) + " (groups are not used by Event)");
        return true;
    }
    bool atEndOf() const noexcept { return m_r.atEnd(); }
    std::uint32_t field() const noexcept { return m_field; }
    std::uint8_t wire() const noexcept { return m_wire; }
    std::size_t pos() const noexcept { return m_r.pos(); }

    std::uint64_t varint()
    {
        std::uint64_t v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            const std::uint8_t b = m_r.u8("varint");
            v |= static_cast<std::uint64_t>(b & 0x7F) << shift;
            if (!(b & 0x80))
                return v;
        }
        m_r.fail(ErrorCode::ProtobufBad, "varint longer than 10 bytes");
    }
    double fixed64AsDouble()
    {
        const std::uint64_t u = m_r.u64("fixed64");
        double d;
        std::memcpy(&d, &u, sizeof d);
        return d;
    }
    float fixed32AsFloat()
    {
        const std::uint32_t u = m_r.u32("fixed32");
        float f;
        std::memcpy(&f, &u, sizeof f);
        return f;
    }
    /// A length-delimited field's bytes, and the offset where they start.
    Bytes bytes()
    {
        const std::uint64_t n = varint();
        if (n > m_r.left())
            m_r.fail(ErrorCode::ProtobufBad, "a field of " + std::to_string(n) + " bytes with " + std::to_string(m_r.left()) + " left");
        return m_r.take(static_cast<std::size_t>(n), "length-delimited field");
    }
    std::uint64_t offsetOfNext() const noexcept { return m_base + m_r.pos(); }
    void skip()
    {
        switch (m_wire) {
        case Varint: varint(); break;
        case Fixed64: m_r.skip(8, "fixed64"); break;
        case Fixed32: m_r.skip(4, "fixed32"); break;
        default: bytes(); break;
        }
    }

private:
    ByteReader m_r;
    std::uint64_t m_base = 0;
    std::uint32_t m_field = 0;
    std::uint8_t m_wire = 0;
};

} // namespace podium::metrics
