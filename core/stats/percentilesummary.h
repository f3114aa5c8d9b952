#pragma once

#include <QtGlobal>

#include <algorithm>
#include <cmath>
#include <limits>

namespace blueshift::stats {

// The figures a latency table or chart shows, in the recorded unit (microseconds for RTTs).
struct PercentileSummary
{
    quint64 count = 0;
    qint64 min = 0;
    qint64 p50 = 0;
    qint64 p90 = 0;
    qint64 p99 = 0;
    qint64 max = 0;

    friend bool operator==(const PercentileSummary &, const PercentileSummary &) = default;
};

// The nearest-rank definition both percentile classes share: the q-quantile of n sorted samples
// is the sample of 1-based rank ceil(q * n), at least 1. q is clamped to [0, 1].
inline quint64 nearestRank(double q, quint64 n)
{
    if (n == 0)
        return 0;
    q = std::clamp(q, 0.0, 1.0);
    // q * n carries rounding error: 0.7 * 10 is 7.000000000000001, whose ceiling is 8. Shrinking
    // by a few ulps keeps exact products exact.
    const double r = std::ceil(q * double(n) * (1.0 - 4 * std::numeric_limits<double>::epsilon()));
    return std::clamp<quint64>(quint64(r), 1, n);
}

} // namespace blueshift::stats
