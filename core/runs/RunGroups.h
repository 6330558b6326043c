// SPDX-License-Identifier: GPL-3.0-or-later
// RunGroups: the runs of a tree grouped by the value of one parameter (a sweep's `lr`, with each `seed` a
// repetition): per group its runs, each run's best saved score of a monitored metric, and their mean and
// standard deviation; and the band a group's curves make — at each step their mean, lowest and highest value.
// Pure functions of the tree and the ranking.
#pragma once

#include "runs/RunTree.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace podium::runs {

struct ParamGroup {
    std::string value;                 ///< the parameter's value; "" for runs that do not have the parameter
    std::vector<std::size_t> runs;     ///< indexes into RunTree::runs, in the tree's order
    std::vector<double> bests;         ///< the best saved scores of the monitor of those runs that have one
    std::optional<double> mean;        ///< of `bests`
    std::optional<double> stddev;      ///< of `bests`: the sample standard deviation (n − 1); 0 for one run
    checkpoint::Mode mode = checkpoint::Mode::Unknown;
};

/// Groups `runs` (indexes into tree.runs; empty = every run) by the value of `param`, ordered by value
/// (numerically when every value is a number). `monitor`: the metric whose best saved scores are summarised.
std::vector<ParamGroup> groupRunsBy(const RunTree& tree, const ranking::Ranking& ranking, const std::string& param,
                                    const std::string& monitor, const std::vector<std::size_t>& runs = {});

/// Mean, lowest and highest value at each x of several series (each a list of (x, y), any order): x is the
/// union of the series' x values, sorted; a series counts at an x where it has a finite value there.
struct Band {
    std::vector<double> x, mean, low, high;
    std::vector<std::size_t> count;    ///< series that have a value at x
};
Band bandOf(const std::vector<std::vector<std::pair<double, double>>>& series);

/// "0.7926 ± 0.0772 (n=2)": how tables show a group's best score.
std::string describeGroupBest(const ParamGroup& group);

} // namespace podium::runs
