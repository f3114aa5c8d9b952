#include "exactpercentiles.h"

#include <numeric>

namespace blueshift::stats {

void ExactPercentiles::record(qint64 value)
{
    m_sorted = m_sorted && (m_values.empty() || m_values.back() <= value);
    m_values.push_back(value);
}

void ExactPercentiles::merge(const ExactPercentiles &other)
{
    if (other.m_values.empty())
        return;
    m_values.insert(m_values.end(), other.m_values.begin(), other.m_values.end());
    m_sorted = false;
}

void ExactPercentiles::clear()
{
    m_values.clear();
    m_sorted = true;
}

void ExactPercentiles::sort() const
{
    if (!m_sorted) {
        std::sort(m_values.begin(), m_values.end());
        m_sorted = true;
    }
}

qint64 ExactPercentiles::percentile(double q) const
{
    if (m_values.empty())
        return 0;
    sort();
    return m_values[nearestRank(q, m_values.size()) - 1];
}

double ExactPercentiles::mean() const
{
    if (m_values.empty())
        return 0;
    return std::accumulate(m_values.begin(), m_values.end(), 0.0) / double(m_values.size());
}

PercentileSummary ExactPercentiles::summary() const
{
    PercentileSummary s;
    s.count = count();
    s.min = min();
    s.p50 = percentile(0.5);
    s.p90 = percentile(0.9);
    s.p99 = percentile(0.99);
    s.max = max();
    return s;
}

} // namespace blueshift::stats
