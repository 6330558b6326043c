// SPDX-License-Identifier: GPL-3.0-or-later
// Command: one podium-cli verb. Each verb is a class that registers its options on a CLI11 subcommand and
// runs when that subcommand was given.
//
// Exit codes (documented in the README and the man page):
//   0  success
//   1  the work ran but something failed (a file could not be read, no Nth checkpoint, a refused plan)
//   2  usage error (unknown option, missing argument) — CLI11's parse errors map here
//   3  an interrupted rename journal blocks the operation (run `podium-cli recover DIR`)
//   4  audit: a suspicious file was found (a global not on the allow-list, or a verdict that cannot be
//      decided), and no unsafe one
//   5  audit: an unsafe file was found
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

namespace podium::cli {

enum ExitCode : int { Ok = 0, Failed = 1, Usage = 2, Interrupted = 3, SuspiciousFound = 4, UnsafeFound = 5 };

class Command {
public:
    virtual ~Command() = default;
    /// Adds the subcommand and its options to `app`.
    virtual void setup(CLI::App& app) = 0;
    /// Runs after parsing when this command's subcommand was given.
    virtual int run() = 0;
    CLI::App* sub = nullptr;
};

std::vector<std::unique_ptr<Command>> makeCommands();

/// Prints JSON with two-space indentation and a newline.
void printJson(std::ostream& out, const nlohmann::json& j);

/// A score for tables: "0.749246", "nan", "inf", "-" when absent.
std::string formatScore(const std::optional<double>& s, int precision = 6);

/// Left-aligned text table with a header row.
std::string formatTable(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows);

} // namespace podium::cli
