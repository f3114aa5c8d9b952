#include "kaplanmeier.h"

#include <algorithm>
#include <cmath>

namespace blueshift::stats {

void KaplanMeier::add(double durationSeconds, bool closed)
{
    if (!std::isfinite(durationSeconds))
        return;
    m_observations.push_back({std::max(0.0, durationSeconds), closed});
    m_curveValid = false;
}

void KaplanMeier::clear()
{
    m_observations.clear();
    m_sorted = 0;
    m_curve = SurvivalCurve();
    m_curveValid = true;
}

const SurvivalCurve &KaplanMeier::curve() const
{
    if (!m_curveValid)
        update();
    return m_curve;
}

void KaplanMeier::update() const
{
    auto byDuration = [](const Observation &a, const Observation &b) {
        return a.duration < b.duration;
    };
    const auto mid = m_observations.begin() + std::ptrdiff_t(m_sorted);
    std::sort(mid, m_observations.end(), byDuration);
    std::inplace_merge(m_observations.begin(), mid, m_observations.end(), byDuration);
    m_sorted = m_observations.size();

    SurvivalCurve curve(int(m_observations.size()));
    for (std::size_t i = 0; i < m_observations.size();) {
        const double t = m_observations[i].duration;
        int events = 0;
        int censored = 0;
        for (; i < m_observations.size() && m_observations[i].duration == t; ++i)
            ++(m_observations[i].closed ? events : censored);
        curve.append(t, events, censored);
    }
    m_curve = std::move(curve);
    m_curveValid = true;
}

std::size_t KaplanMeier::memoryBytes() const
{
    return sizeof(*this) + m_observations.capacity() * sizeof(Observation) +
           std::size_t(m_curve.points().capacity()) * sizeof(SurvivalPoint);
}

} // namespace blueshift::stats
