// SPDX-License-Identifier: GPL-3.0-or-later
#include "metrics/Smoothing.h"

#include <algorithm>
#include <cmath>

namespace podium::metrics {

std::vector<double> smoothEma(const std::vector<double>& values, double weight)
{
    weight = std::clamp(weight, 0.0, 0.999);
    std::vector<double> out;
    out.reserve(values.size());
    double last = 0.0;
    int accumulated = 0;
    for (double v : values) {
        if (!std::isfinite(v)) {
            out.push_back(v);
            continue;
        }
        last = last * weight + (1.0 - weight) * v;
        ++accumulated;
        const double debias = weight == 0.0 ? 1.0 : 1.0 - std::pow(weight, accumulated);
        out.push_back(last / debias);
    }
    return out;
}

} // namespace podium::metrics
