// SPDX-License-Identifier: GPL-3.0-or-later
// ByteSource: random access to a file's bytes (pread on a file, or a span in memory for tests and
// fuzzers). Readers ask only for the byte ranges they need; `bytesRead()` is what the scan benchmark
// reports per checkpoint.
#pragma once

#include "util/Result.h"

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace podium {

class ByteSource {
public:
    virtual ~ByteSource() = default;
    virtual std::uint64_t size() const = 0;
    /// Reads exactly `out.size()` bytes at `offset`; IoReadFailed when the range is not all there.
    virtual Status readAt(std::uint64_t offset, std::span<std::uint8_t> out) = 0;
    /// A display name for errors (the file path).
    virtual const std::string& name() const = 0;

    std::uint64_t bytesRead() const noexcept { return m_bytesRead; }
    std::uint64_t readCalls() const noexcept { return m_readCalls; }

    /// Convenience: a vector of `n` bytes at `offset`.
    Result<std::vector<std::uint8_t>> read(std::uint64_t offset, std::size_t n);

protected:
    void account(std::size_t n) noexcept { m_bytesRead += n; ++m_readCalls; }

private:
    std::uint64_t m_bytesRead = 0;
    std::uint64_t m_readCalls = 0;
};

class MemorySource : public ByteSource {
public:
    explicit MemorySource(std::span<const std::uint8_t> data, std::string name = "<memory>")
        : m_data(data), m_name(std::move(name)) {}
    std::uint64_t size() const override { return m_data.size(); }
    Status readAt(std::uint64_t offset, std::span<std::uint8_t> out) override;
    const std::string& name() const override { return m_name; }

private:
    std::span<const std::uint8_t> m_data;
    std::string m_name;
};

} // namespace podium
