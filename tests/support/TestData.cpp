// SPDX-License-Identifier: GPL-3.0-or-later
#include "support/TestData.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace podium::test {

namespace fsys = std::filesystem;

static std::string sharedRoot()
{
    if (const char* env = std::getenv("PODIUM_SHARED"); env && *env)
        return env;
    return std::string(PODIUM_SOURCE_DIR) + "/../shared";
}

bool haveShared()
{
    return fsys::is_directory(sharedRoot());
}

std::string sharedPath(const std::string& rel)
{
    if (!haveShared()) {
        std::fprintf(stderr, "the shared data folder %s is missing (set PODIUM_SHARED)\n", sharedRoot().c_str());
        std::abort();
    }
    return rel.empty() ? sharedRoot() : sharedRoot() + "/" + rel;
}

std::string dataPath(const std::string& rel)
{
    return rel.empty() ? std::string(PODIUM_TEST_DATA) : std::string(PODIUM_TEST_DATA) + "/" + rel;
}

std::string fixturePath(const std::string& scenario, const std::string& rel)
{
    std::string p = dataPath("fixtures/" + scenario);
    return rel.empty() ? p : p + "/" + rel;
}

std::vector<std::string> scenarios()
{
    std::vector<std::string> out;
    for (const auto& e : fsys::directory_iterator(dataPath("fixtures")))
        if (e.is_directory())
            out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
}

nlohmann::json truth(const std::string& scenario)
{
    std::ifstream in(fixturePath(scenario, "truth.json"));
    return nlohmann::json::parse(in);
}

std::vector<std::uint8_t> readFile(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<std::string> checkpointsBelow(const std::string& dir)
{
    std::vector<std::string> out;
    for (const auto& e : fsys::recursive_directory_iterator(dir))
        if (e.is_regular_file() && e.path().extension() == ".ckpt")
            out.push_back(e.path().string());
    std::sort(out.begin(), out.end());
    return out;
}

double truthScore(const nlohmann::json& j)
{
    if (j.is_number()) return j.get<double>();
    const auto s = j.get<std::string>();
    if (s == "nan") return std::nan("");
    if (s == "inf") return HUGE_VAL;
    if (s == "-inf") return -HUGE_VAL;
    return std::stod(s);
}

} // namespace podium::test
