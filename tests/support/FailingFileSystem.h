// SPDX-License-Identifier: GPL-3.0-or-later
// FailingFileSystem: the core/fs seam for tests. It counts mutating operations (rename, write, sync,
// link, remove, mkdir) and, at operation number `failAt` (0-based), either "crashes" — throws
// SimulatedCrash, leaving the disk exactly as a killed process would — or returns `error`.
#pragma once

#include "fs/FileSystem.h"

#include <optional>

namespace podium::test {

struct SimulatedCrash {
    int operation;
};

class FailingFileSystem : public fs::FileSystem {
public:
    explicit FailingFileSystem(int failAt, std::optional<ErrorCode> error = std::nullopt)
        : m_failAt(failAt), m_error(error) {}
    int operations() const noexcept { return m_count; }

    Status renameNoReplace(const std::string& a, const std::string& b) override { return gate(a) ? fs::FileSystem::renameNoReplace(a, b) : failure(a); }
    Status renameReplace(const std::string& a, const std::string& b) override { return gate(a) ? fs::FileSystem::renameReplace(a, b) : failure(a); }
    Status writeFileAtomic(const std::string& p, std::string_view d) override { return gate(p) ? fs::FileSystem::writeFileAtomic(p, d) : failure(p); }
    Status syncDirectory(const std::string& p) override { return gate(p) ? fs::FileSystem::syncDirectory(p) : failure(p); }
    Status writeFileSpliced(const std::string& p, const std::string& src, std::uint64_t a, std::uint64_t b, std::string_view r) override
    {
        return gate(p) ? fs::FileSystem::writeFileSpliced(p, src, a, b, r) : failure(p);
    }
    /// A crash here is a torn write: the first half of the bytes reach the disk, then the process dies.
    Status writeTail(const std::string& p, std::uint64_t off, std::string_view b) override
    {
        const int n = m_count;
        if (m_failAt >= 0 && n >= m_failAt && !m_error) {
            ++m_count;
            (void)fs::FileSystem::writeTail(p, off, b.substr(0, b.size() / 2));
            throw SimulatedCrash{n};
        }
        return gate(p) ? fs::FileSystem::writeTail(p, off, b) : failure(p);
    }
    Status symlink(const std::string& t, const std::string& l) override { return gate(l) ? fs::FileSystem::symlink(t, l) : failure(l); }
    Status hardlink(const std::string& t, const std::string& l) override { return gate(l) ? fs::FileSystem::hardlink(t, l) : failure(l); }
    Status remove(const std::string& p) override { return gate(p) ? fs::FileSystem::remove(p) : failure(p); }
    Status makeDirectories(const std::string& p) override { return gate(p) ? fs::FileSystem::makeDirectories(p) : failure(p); }

private:
    /// true: go ahead; false: this operation fails. Throws at the crash point.
    bool gate(const std::string&)
    {
        const int n = m_count++;
        if (n < m_failAt || m_failAt < 0)
            return true;
        if (!m_error)
            throw SimulatedCrash{n};
        return false;
    }
    Status failure(const std::string& path) { return Error(*m_error, "simulated failure").inFile(path); }

    int m_failAt;
    std::optional<ErrorCode> m_error;
    int m_count = 0;
};

} // namespace podium::test
