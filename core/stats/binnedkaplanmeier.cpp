#include "binnedkaplanmeier.h"

#include <algorithm>
#include <cmath>

namespace blueshift::stats {

namespace {
// Keeps a mistaken horizon (a week at a millisecond) from allocating gigabytes.
constexpr double maxBins = 1 << 22;
} // namespace

BinnedKaplanMeier::BinnedKaplanMeier(double resolutionSeconds, double horizonSeconds)
    : m_resolution(resolutionSeconds > 0 ? resolutionSeconds : 1.0)
{
    const double bins = std::clamp(std::ceil(horizonSeconds / m_resolution), 1.0, maxBins);
    m_events.assign(std::size_t(bins), 0);
    m_censored.assign(std::size_t(bins), 0);
}

std::size_t BinnedKaplanMeier::binOf(double duration) const
{
    // NaN and negative ages go to bin 0; the horizon bin is m_events.size().
    const double bin = std::floor(duration / m_resolution);
    if (!(bin > 0))
        return 0;
    return bin >= double(m_events.size()) ? m_events.size() : std::size_t(bin);
}

void BinnedKaplanMeier::add(double durationSeconds, bool closed, int count)
{
    if (count <= 0)
        return;
    const std::size_t bin = binOf(durationSeconds);
    if (bin == m_events.size())
        m_beyondHorizon += quint32(count);
    else
        (closed ? m_events : m_censored)[bin] += quint32(count);
    m_total += count;
}

void BinnedKaplanMeier::remove(double durationSeconds, bool closed, int count)
{
    if (count <= 0)
        return;
    const std::size_t bin = binOf(durationSeconds);
    quint32 &slot =
        bin == m_events.size() ? m_beyondHorizon : (closed ? m_events : m_censored)[bin];
    const quint32 n = std::min(slot, quint32(count));
    slot -= n;
    m_total -= int(n);
}

void BinnedKaplanMeier::clear()
{
    std::fill(m_events.begin(), m_events.end(), 0);
    std::fill(m_censored.begin(), m_censored.end(), 0);
    m_beyondHorizon = 0;
    m_total = 0;
}

bool BinnedKaplanMeier::merge(const BinnedKaplanMeier &other)
{
    if (other.m_resolution != m_resolution || other.m_events.size() != m_events.size())
        return false;
    for (std::size_t i = 0; i < m_events.size(); ++i) {
        m_events[i] += other.m_events[i];
        m_censored[i] += other.m_censored[i];
    }
    m_beyondHorizon += other.m_beyondHorizon;
    m_total += other.m_total;
    return true;
}

SurvivalCurve BinnedKaplanMeier::curve(std::span<const double> alsoCensoredAt) const
{
    const std::size_t bins = m_events.size();
    quint32 extraBeyond = 0;
    if (!alsoCensoredAt.empty()) {
        m_extra.assign(bins, 0);
        for (double age : alsoCensoredAt) {
            const std::size_t bin = binOf(age);
            ++(bin == bins ? extraBeyond : m_extra[bin]);
        }
    }
    const bool extra = !alsoCensoredAt.empty();
    SurvivalCurve curve(m_total + int(alsoCensoredAt.size()));
    for (std::size_t i = 0; i < bins; ++i) {
        const quint32 censored = m_censored[i] + (extra ? m_extra[i] : 0);
        if (m_events[i] != 0 || censored != 0)
            curve.append(double(i) * m_resolution, int(m_events[i]), int(censored));
    }
    curve.append(double(bins) * m_resolution, 0, int(m_beyondHorizon + extraBeyond));
    return curve;
}

std::size_t BinnedKaplanMeier::memoryBytes() const
{
    return sizeof(*this) +
           (m_events.capacity() + m_censored.capacity() + m_extra.capacity()) * sizeof(quint32);
}

} // namespace blueshift::stats
