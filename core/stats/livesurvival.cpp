#include "livesurvival.h"

#include <cmath>
#include <limits>

namespace blueshift::stats {

namespace {
constexpr double freeSlot = std::numeric_limits<double>::quiet_NaN();
}

LiveSurvival::LiveSurvival(double resolutionSeconds, double horizonSeconds)
    : m_closed(resolutionSeconds, horizonSeconds)
{}

LiveSurvival::Handle LiveSurvival::open(double openTime)
{
    if (!m_free.empty()) {
        const Handle h = m_free.back();
        m_free.pop_back();
        m_openTimes[h] = openTime;
        return h;
    }
    m_openTimes.push_back(openTime);
    return Handle(m_openTimes.size() - 1);
}

bool LiveSurvival::isOpen(Handle session) const
{
    return session < m_openTimes.size() && !std::isnan(m_openTimes[session]);
}

void LiveSurvival::close(Handle session, double closeTime, bool failed)
{
    if (!isOpen(session))
        return;
    m_closed.add(closeTime - m_openTimes[session], failed);
    discard(session);
}

void LiveSurvival::discard(Handle session)
{
    if (!isOpen(session))
        return;
    m_openTimes[session] = freeSlot;
    m_free.push_back(session);
}

void LiveSurvival::clear()
{
    m_closed.clear();
    m_openTimes.clear();
    m_free.clear();
}

SurvivalCurve LiveSurvival::curve(double now) const
{
    m_ages.clear();
    for (double t : m_openTimes) {
        if (!std::isnan(t))
            m_ages.push_back(now - t);
    }
    return m_closed.curve(m_ages);
}

std::size_t LiveSurvival::memoryBytes() const
{
    return sizeof(*this) - sizeof(m_closed) + m_closed.memoryBytes() +
           m_openTimes.capacity() * sizeof(double) + m_free.capacity() * sizeof(Handle) +
           m_ages.capacity() * sizeof(double);
}

} // namespace blueshift::stats
