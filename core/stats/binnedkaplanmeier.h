#pragma once

#include "survivalcurve.h"

#include <span>
#include <vector>

namespace blueshift::stats {

// Kaplan-Meier on ages rounded down to a fixed resolution, up to a horizon: two counters per
// age bin, so adding, removing and recomputing cost the same for ten sessions as for ten
// thousand. It equals the exact estimator when every duration is a multiple of the resolution.
// Ages at or past the horizon are censored there: the curve says nothing beyond it.
class BinnedKaplanMeier
{
public:
    explicit BinnedKaplanMeier(double resolutionSeconds = 1.0, double horizonSeconds = 6 * 3600);

    void add(double durationSeconds, bool closed, int count = 1);
    // Undoes an add() with the same arguments (a session counted as censored that later closed).
    void remove(double durationSeconds, bool closed, int count = 1);
    void clear();
    // Adds another estimator's counts; both must have the same resolution and horizon.
    bool merge(const BinnedKaplanMeier &other);

    int size() const { return m_total; }
    double resolution() const { return m_resolution; }
    double horizon() const { return m_resolution * double(m_events.size()); }

    // The curve with `alsoCensoredAt` counted as censored at those ages: sessions still open,
    // whose age changes at every refresh and so is never stored.
    SurvivalCurve curve(std::span<const double> alsoCensoredAt = {}) const;

    std::size_t memoryBytes() const;

private:
    std::size_t binOf(double duration) const;

    double m_resolution;
    std::vector<quint32> m_events;
    std::vector<quint32> m_censored;
    quint32 m_beyondHorizon = 0;
    int m_total = 0;
    // Scratch for curve(): counts of the extra censorings per bin, kept to avoid an allocation
    // per refresh.
    mutable std::vector<quint32> m_extra;
};

} // namespace blueshift::stats
