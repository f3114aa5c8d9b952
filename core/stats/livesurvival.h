#pragma once

#include "binnedkaplanmeier.h"

#include <vector>

namespace blueshift::stats {

// Survival by session age while a run is in progress: a closed session is binned once; an open
// one is censored at its current age each time the curve is asked for. Memory is fixed by the
// bins plus one slot per session open at the same time; closed slots are reused.
class LiveSurvival
{
public:
    using Handle = quint32;

    explicit LiveSurvival(double resolutionSeconds = 1.0, double horizonSeconds = 6 * 3600);

    Handle open(double openTime);
    // `failed`: the session ended on its own (the server or the network closed it), which is an
    // event; false when the harness ended it, which censors it. Unknown handles are ignored.
    void close(Handle session, double closeTime, bool failed);
    // Forgets an open session without counting it (it never really opened).
    void discard(Handle session);
    void clear();

    int openCount() const { return int(m_openTimes.size() - m_free.size()); }
    int closedCount() const { return m_closed.size(); }

    SurvivalCurve curve(double now) const;
    const BinnedKaplanMeier &closed() const { return m_closed; }

    std::size_t memoryBytes() const;

private:
    bool isOpen(Handle session) const;

    BinnedKaplanMeier m_closed;
    std::vector<double> m_openTimes; // NaN marks a free slot
    std::vector<Handle> m_free;
    mutable std::vector<double> m_ages;
};

} // namespace blueshift::stats
