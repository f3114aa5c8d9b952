#pragma once

#include "survivalcurve.h"

#include <vector>

namespace blueshift::stats {

// The exact Kaplan-Meier estimator over finished observations: each session's age when it
// closed (an event) or when observation stopped while it was still open (censored). The sorted
// observations and the curve are kept between queries; new ones are sorted and merged in.
class KaplanMeier
{
public:
    void add(double durationSeconds, bool closed);
    void clear();
    void reserve(std::size_t observations) { m_observations.reserve(observations); }

    int size() const { return int(m_observations.size()); }
    bool isEmpty() const { return m_observations.empty(); }

    const SurvivalCurve &curve() const;
    double survivalAt(double t) const { return curve().survivalAt(t); }
    std::optional<double> median() const { return curve().median(); }

    std::size_t memoryBytes() const;

private:
    struct Observation
    {
        double duration;
        bool closed;
    };
    void update() const;

    // Sorted up to m_sorted; the tail holds observations added since the last query.
    mutable std::vector<Observation> m_observations;
    mutable std::size_t m_sorted = 0;
    mutable SurvivalCurve m_curve;
    mutable bool m_curveValid = true;
};

} // namespace blueshift::stats
