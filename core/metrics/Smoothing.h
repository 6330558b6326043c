// SPDX-License-Identifier: GPL-3.0-or-later
// Smoothing: TensorBoard's scalar smoothing — an exponential moving average debiased like Adam's (so the
// first points are not pulled towards zero). Non-finite values pass through and do not enter the average.
#pragma once

#include <vector>

namespace podium::metrics {

/// `weight` in [0, 1): 0 returns the values unchanged; 0.99 is very smooth.
std::vector<double> smoothEma(const std::vector<double>& values, double weight);

} // namespace podium::metrics
