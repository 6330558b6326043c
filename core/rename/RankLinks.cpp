// SPDX-License-Identifier: GPL-3.0-or-later
#include "rename/RankLinks.h"

#include "rename/NameTemplate.h"

#include <filesystem>
#include <set>

namespace podium::rename {

Result<std::vector<RankLink>> planRankLinks(const ranking::Group& group, std::string_view nameTemplate)
{
    std::vector<RankLink> links;
    std::set<std::string> seen;
    for (const auto& e : group.ranked) {
        const std::string target = std::filesystem::path(e.file).filename().string();
        NameFields f{canonicalStem(target), e.rank, static_cast<int>(group.ranked.size()), group.monitor,
                     e.score, e.epoch, e.globalStep};
        auto name = renderName(nameTemplate, f);
        if (!name)
            return name.error();
        if (!seen.insert(*name).second)
            return Error(ErrorCode::PlanConflict, "two checkpoints would get the link name '" + *name + "'");
        if (*name != target)
            links.push_back({*name, target, e.rank});
    }
    return links;
}

Status createRankLinks(fs::FileSystem& fs, const std::string& dirAbs, const std::vector<RankLink>& links)
{
    for (const auto& l : links)
        if (auto st = fs::replaceLink(fs, l.target, dirAbs + "/" + l.name); !st) {
            Error e = st.error();
            if (e.code == ErrorCode::FsExists)
                e.detail += " (a rank link never replaces a real file)";
            return e;
        }
    return {};
}

} // namespace podium::rename
