#include "survivalcurve.h"

#include <algorithm>
#include <cmath>

namespace blueshift::stats {

SurvivalCurve::SurvivalCurve(int subjects)
    : m_subjects(subjects)
    , m_atRisk(subjects)
{}

void SurvivalCurve::append(double time, int events, int censored)
{
    events = std::clamp(events, 0, m_atRisk);
    censored = std::clamp(censored, 0, m_atRisk - events);
    if (events == 0 && censored == 0)
        return;
    SurvivalPoint p;
    p.time = time;
    p.atRisk = m_atRisk;
    p.events = events;
    p.censored = censored;
    if (events > 0) {
        m_survival *= double(m_atRisk - events) / double(m_atRisk);
        // Greenwood's sum is undefined once everyone at risk has failed; S is then 0 and so is
        // its error.
        if (events < m_atRisk)
            m_greenwoodSum += double(events) / (double(m_atRisk) * double(m_atRisk - events));
    }
    p.survival = m_survival;
    p.standardError = m_survival > 0 ? m_survival * std::sqrt(m_greenwoodSum) : 0.0;
    m_atRisk -= events + censored;
    m_events += events;
    m_points.append(p);
}

double SurvivalCurve::survivalAt(double t) const
{
    auto it = std::upper_bound(m_points.cbegin(), m_points.cend(), t,
                               [](double v, const SurvivalPoint &p) { return v < p.time; });
    if (it == m_points.cbegin())
        return 1.0;
    return std::prev(it)->survival;
}

std::optional<double> SurvivalCurve::timeAtSurvival(double survival) const
{
    // S only falls, so the first row at or below the level is the answer. The tolerance keeps a
    // product that should be exactly 0.5 (18/36 by a longer road) from missing the median.
    const double level = survival + 1e-12;
    auto it = std::partition_point(m_points.cbegin(), m_points.cend(),
                                   [&](const SurvivalPoint &p) { return p.survival > level; });
    if (it == m_points.cend())
        return std::nullopt;
    return it->time;
}

} // namespace blueshift::stats
