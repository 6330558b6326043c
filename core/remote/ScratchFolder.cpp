// SPDX-License-Identifier: GPL-3.0-or-later
#include "remote/ScratchFolder.h"

#include "fs/FileSystem.h"

#include <cerrno>
#include <cstdlib>
#include <mutex>
#include <unistd.h>
#include <vector>

namespace podium::remote {

namespace {

std::mutex g_mutex;

std::vector<std::string>& folders()
{
    static std::vector<std::string> f;
    return f;
}

void removeAll()
{
    std::lock_guard lock(g_mutex);
    for (const auto& d : folders())
        (void)fs::FileSystem::real().removeOwnTree(d);
}

} // namespace

Result<std::string> makeScratchFolder()
{
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/podium-remote-XXXXXX";
    if (!::mkdtemp(pattern.data()))
        return fs::errnoError(errno, pattern, "cannot create the scratch folder");
    std::lock_guard lock(g_mutex);
    if (folders().empty()) {
        // what removeAll uses must outlive it: statics made before the atexit call are destroyed after it runs
        (void)fs::FileSystem::real();
        std::atexit(removeAll);
    }
    folders().push_back(pattern);
    return pattern;
}

} // namespace podium::remote
