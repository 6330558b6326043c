// SPDX-License-Identifier: GPL-3.0-or-later
#include "manifest/Pinning.h"

#include "rename/NameTemplate.h"

#include <filesystem>
#include <random>

namespace podium::manifest {

Result<Pin> pinCheckpoint(fs::FileSystem& fs, const std::string& fileAbs, const std::string& linkName)
{
    if (!fs::FileSystem::exists(fileAbs))
        return Error(ErrorCode::FsNotFound, "no such checkpoint").inFile(fileAbs);
    if (!rename::isValidFileName(linkName))
        return Error(ErrorCode::PlanInvalidName, "'" + linkName + "' is not a valid link name");
    const std::string dir = fs::parentOf(fileAbs);
    const std::string name = std::filesystem::path(fileAbs).filename().string();
    if (name == linkName)
        return Error(ErrorCode::PinRefusesRegularFile, "the link would replace the pinned file itself; choose another --link")
            .inFile(fileAbs);
    if (auto st = fs::replaceLink(fs, name, dir + "/" + linkName); !st) {
        if (st.error().code == ErrorCode::FsExists)
            return Error(ErrorCode::PinRefusesRegularFile,
                         "'" + linkName + "' is a real checkpoint, not a link (Lightning's static filename='best' writes "
                         "one): apply the rename first (podium-cli rename DIR --apply) or choose another --link")
                .inFile(dir + "/" + linkName);
        return std::move(st).error();
    }
    Pin p{name, linkName, rename::nowIso8601()};
    if (auto st = fs.makeDirectories(rename::journalDir(dir)); !st)
        return std::move(st).error();
    const nlohmann::json j{{"link", p.link}, {"pinned_at", p.pinnedAt}};
    if (auto st = fs.writeFileAtomic(pinPath(dir), j.dump(2)); !st)
        return std::move(st).error();
    return p;
}

Status unpinCheckpoint(fs::FileSystem& fs, const std::string& dirAbs)
{
    auto pin = readPin(dirAbs, "");
    if (!pin)
        return std::move(pin).error();
    if (!*pin)
        return Error(ErrorCode::NothingToUndo, "no pinned checkpoint here").inFile(dirAbs);
    const std::string link = dirAbs + "/" + (*pin)->link;
    if (fs::FileSystem::isSymlink(link))
        if (auto st = fs.remove(link); !st)
            return st;
    if (auto st = fs.remove(pinPath(dirAbs)); !st)
        return st;
    return fs.syncDirectory(dirAbs);
}

} // namespace podium::manifest
