#include "relaymetrics.h"

namespace blueshift::relay {

void CloseCounters::record(int code, const char *side)
{
    std::lock_guard lock(m_mutex);
    ++m_counts[{code, QByteArray(side)}];
}

QMap<QPair<int, QByteArray>, std::uint64_t> CloseCounters::snapshot() const
{
    std::lock_guard lock(m_mutex);
    return m_counts;
}

} // namespace blueshift::relay
