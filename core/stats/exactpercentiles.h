#pragma once

#include "percentilesummary.h"

#include <vector>

namespace blueshift::stats {

// Percentiles from every sample, for small samples (a step's reconnect times) and as the
// reference the streaming histogram is tested against. Memory grows with the sample count.
class ExactPercentiles
{
public:
    void record(qint64 value);
    void merge(const ExactPercentiles &other);
    void clear();

    quint64 count() const { return m_values.size(); }
    bool isEmpty() const { return m_values.empty(); }
    // Nearest rank (see nearestRank()); 0 when empty.
    qint64 percentile(double q) const;
    qint64 min() const { return percentile(0); }
    qint64 max() const { return percentile(1); }
    double mean() const;
    PercentileSummary summary() const;

private:
    void sort() const;

    mutable std::vector<qint64> m_values;
    mutable bool m_sorted = true;
};

} // namespace blueshift::stats
