// SPDX-License-Identifier: GPL-3.0-or-later
// RunFilter: the filter text of the Runs panel — conditions on parameters and metrics (`lr < 0.01`,
// `val_acc >= 0.8`, `optimizer = adam`) and, for the rest of the text, a regular expression on run names.
//
// - A condition is NAME OP VALUE with OP one of < <= > >= = == !=; NAME is a parameter (dotted, as
//   `runs --json` lists them) or a monitored metric (the run's best score of it). Both sides numbers: compared
//   as numbers; otherwise = and != compare the text and the others do not match.
// - A run lacking NAME does not match a condition on it.
// - The remaining words form a regular expression (ECMAScript, case-insensitive) searched in the run's name;
//   an invalid one is searched as plain text and `error` says why.
#pragma once

#include <map>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

namespace podium::runs {

struct RunCondition {
    enum class Op { Lt, Le, Gt, Ge, Eq, Ne };
    std::string name;
    Op op = Op::Eq;
    std::string value;
};

struct RunFilter {
    std::vector<RunCondition> conditions;
    std::string pattern;                ///< the name pattern ("" = every name)
    std::optional<std::regex> regex;    ///< pattern compiled; nullopt: searched as text
    std::string error;                  ///< why the pattern is not a regular expression
    bool empty() const noexcept { return conditions.empty() && pattern.empty(); }
};

RunFilter parseRunFilter(std::string_view text);

/// `params`: the run's parameters; `metrics`: its best score per monitored metric.
bool matches(const RunFilter& filter, const std::string& name, const std::map<std::string, std::string>& params,
             const std::map<std::string, double>& metrics);

} // namespace podium::runs
