// SPDX-License-Identifier: GPL-3.0-or-later
// ByteReader: bounds-checked little/big-endian reads over a byte span. Every read checks the bytes left
// first and throws ParseFailure{code, offset, facts}; nothing is read past the end.
#pragma once

#include "util/Result.h"

#include <bit>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>

namespace podium {

using Bytes = std::span<const std::uint8_t>;

inline std::string_view asChars(Bytes b)
{
    return {reinterpret_cast<const char*>(b.data()), b.size()};
}

template <typename T>
constexpr T byteSwap(T v) noexcept
{
    if constexpr (sizeof(T) == 1) return v;
    else if constexpr (sizeof(T) == 2) return static_cast<T>(__builtin_bswap16(static_cast<std::uint16_t>(v)));
    else if constexpr (sizeof(T) == 4) return static_cast<T>(__builtin_bswap32(static_cast<std::uint32_t>(v)));
    else return static_cast<T>(__builtin_bswap64(static_cast<std::uint64_t>(v)));
}

template <typename T>
inline T loadLE(const std::uint8_t* p)
{
    T v;
    std::memcpy(&v, p, sizeof v);
    if constexpr (std::endian::native == std::endian::big)
        v = byteSwap(v);
    return v;
}

class ByteReader {
public:
    /// `where` names the part of the file (a string literal: "data.pkl", "zip"); `baseOffset` is added to
    /// every offset reported.
    ByteReader(Bytes data, ErrorCode truncatedCode, const char* where, std::uint64_t baseOffset = 0)
        : m_data(data), m_code(truncatedCode), m_where(where), m_base(baseOffset) {}

    std::size_t pos() const noexcept { return m_pos; }
    std::size_t size() const noexcept { return m_data.size(); }
    std::size_t left() const noexcept { return m_data.size() - m_pos; }
    bool atEnd() const noexcept { return m_pos >= m_data.size(); }
    void seek(std::size_t p) { if (p > m_data.size()) fail(m_code, "seek past the end"); m_pos = p; }
    /// Moves to `p`, which the caller has already checked lies within the data (the pickle machine's fast paths).
    void setPos(std::size_t p) noexcept { m_pos = p; }
    Bytes data() const noexcept { return m_data; }

    void need(std::size_t n, const char* what)
    {
        if (n > left()) [[unlikely]]
            failNeed(n, what);
    }

    std::uint8_t u8(const char* what = "u8") { need(1, what); return m_data[m_pos++]; }
    std::uint16_t u16(const char* what = "u16") { return get<std::uint16_t>(what); }
    std::uint32_t u32(const char* what = "u32") { return get<std::uint32_t>(what); }
    std::uint64_t u64(const char* what = "u64") { return get<std::uint64_t>(what); }
    std::int32_t i32(const char* what = "i32") { return static_cast<std::int32_t>(get<std::uint32_t>(what)); }
    std::int64_t i64(const char* what = "i64") { return static_cast<std::int64_t>(get<std::uint64_t>(what)); }

    Bytes take(std::size_t n, const char* what)
    {
        need(n, what);
        Bytes out = m_data.subspan(m_pos, n);
        m_pos += n;
        return out;
    }
    void skip(std::size_t n, const char* what) { need(n, what); m_pos += n; }

    /// Bytes up to (not including) the next '\n'; consumes the newline.
    std::string_view line(const char* what)
    {
        const auto* begin = m_data.data() + m_pos;
        const auto* nl = static_cast<const std::uint8_t*>(std::memchr(begin, '\n', left()));
        if (!nl)
            fail(m_code, std::string(what) + " has no terminating newline");
        std::string_view out(reinterpret_cast<const char*>(begin), static_cast<std::size_t>(nl - begin));
        m_pos += out.size() + 1;
        return out;
    }

    [[noreturn]] void fail(ErrorCode code, std::string detail) const { failAt(code, m_pos, std::move(detail)); }
    [[noreturn, gnu::noinline, gnu::cold]] void failNeed(std::size_t n, const char* what) const
    {
        fail(m_code, std::string(what) + " needs " + std::to_string(n) + " bytes, " + std::to_string(left()) + " left");
    }
    [[noreturn]] void failAt(ErrorCode code, std::size_t at, std::string detail) const
    {
        throw ParseFailure{Error(code, std::move(detail), m_base + at, m_where)};
    }

private:
    template <typename T>
    T get(const char* what)
    {
        need(sizeof(T), what);
        T v = loadLE<T>(m_data.data() + m_pos);
        m_pos += sizeof(T);
        return v;
    }

    Bytes m_data;
    std::size_t m_pos = 0;
    ErrorCode m_code;
    const char* m_where;
    std::uint64_t m_base;
};

} // namespace podium
