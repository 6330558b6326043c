// SPDX-License-Identifier: GPL-3.0-or-later
// Test helpers: paths into tests/data and the fixtures' truth.json.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace podium::test {

/// ../shared/<rel> beside the checkout (or $PODIUM_SHARED): the wild and security corpora, the fixture trees.
/// They are read from there, never copied into the project. Fails the test when the folder is missing.
std::string sharedPath(const std::string& rel = {});
/// True when ../shared exists.
bool haveShared();

/// tests/data/<rel>
std::string dataPath(const std::string& rel = {});
/// tests/data/fixtures/<scenario>/<rel>
std::string fixturePath(const std::string& scenario, const std::string& rel = {});
/// The fixture scenarios (directory names), sorted.
std::vector<std::string> scenarios();
/// fixtures/<scenario>/truth.json
nlohmann::json truth(const std::string& scenario);
/// Whole file contents.
std::vector<std::uint8_t> readFile(const std::string& path);
/// Every *.ckpt below `dir`, sorted.
std::vector<std::string> checkpointsBelow(const std::string& dir);
/// A truth score (number or "nan"/"inf"/"-inf") as double.
double truthScore(const nlohmann::json& j);

} // namespace podium::test
