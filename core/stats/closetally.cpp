#include "closetally.h"

#include <algorithm>
#include <tuple>
#include <utility>

namespace blueshift::stats {

QString closeSideName(CloseSide side)
{
    switch (side) {
    case CloseSide::Client:
        return QStringLiteral("client");
    case CloseSide::Server:
        return QStringLiteral("server");
    case CloseSide::Transport:
        return QStringLiteral("transport");
    }
    return QString();
}

void CloseTally::record(int step, const QString &revision, int code, CloseSide side, quint64 count)
{
    if (count == 0)
        return;
    int r = revisionIndex(revision);
    if (r < 0) {
        m_revisions.append(revision);
        r = int(m_revisions.size()) - 1;
    }
    m_counts[Key{std::max(step, -1), r, code, side}] += count;
}

int CloseTally::recordAt(double time, const QString &revision, int code, CloseSide side)
{
    const int step = m_timeline.stepAt(time);
    record(step, revision, code, side);
    return step;
}

void CloseTally::clear()
{
    m_timeline.clear();
    m_revisions.clear();
    m_counts.clear();
}

quint64 CloseTally::count(int step, const QString &revision, int code, CloseSide side) const
{
    const int r = revisionIndex(revision);
    return r < 0 ? 0 : m_counts.value(Key{step, r, code, side});
}

bool CloseTally::matches(const Key &key, const CloseFilter &filter, int revision) const
{
    return (!filter.step || key.step == *filter.step) &&
           (!filter.revision || key.revision == revision) &&
           (!filter.side || key.side == *filter.side);
}

quint64 CloseTally::total(const CloseFilter &filter) const
{
    const int revision = filter.revision ? revisionIndex(*filter.revision) : -1;
    quint64 sum = 0;
    for (auto it = m_counts.cbegin(); it != m_counts.cend(); ++it) {
        if (matches(it.key(), filter, revision))
            sum += it.value();
    }
    return sum;
}

QMap<int, quint64> CloseTally::codeCounts(const CloseFilter &filter) const
{
    const int revision = filter.revision ? revisionIndex(*filter.revision) : -1;
    QMap<int, quint64> out;
    for (auto it = m_counts.cbegin(); it != m_counts.cend(); ++it) {
        if (matches(it.key(), filter, revision))
            out[it.key().code] += it.value();
    }
    return out;
}

QMap<int, quint64> CloseTally::codesForStep(int step) const
{
    CloseFilter f;
    f.step = step;
    return codeCounts(f);
}

QMap<int, quint64> CloseTally::codesForRevision(const QString &revision) const
{
    CloseFilter f;
    f.revision = revision;
    return codeCounts(f);
}

QList<CloseTallyRow> CloseTally::rows() const
{
    QList<Key> keys;
    keys.reserve(m_counts.size());
    for (auto it = m_counts.cbegin(); it != m_counts.cend(); ++it)
        keys.append(it.key());
    std::sort(keys.begin(), keys.end(), [](const Key &a, const Key &b) {
        return std::tie(a.step, a.revision, a.code, a.side) <
               std::tie(b.step, b.revision, b.code, b.side);
    });
    QList<CloseTallyRow> out;
    out.reserve(keys.size());
    for (const Key &k : std::as_const(keys))
        out.append({k.step, m_revisions.at(k.revision), k.code, k.side, m_counts.value(k)});
    return out;
}

QList<int> CloseTally::steps() const
{
    QList<int> out;
    for (auto it = m_counts.cbegin(); it != m_counts.cend(); ++it) {
        if (!out.contains(it.key().step))
            out.append(it.key().step);
    }
    std::sort(out.begin(), out.end());
    return out;
}

QStringList CloseTally::revisions() const
{
    return m_revisions;
}

QList<int> CloseTally::codes() const
{
    return codeCounts().keys();
}

std::size_t CloseTally::memoryBytes() const
{
    // QHash's node: key, value and the span bookkeeping, roughly.
    std::size_t bytes = sizeof(*this) + std::size_t(m_counts.size()) * (sizeof(Key) + 16 + 8);
    for (const QString &r : m_revisions)
        bytes += sizeof(QString) + std::size_t(r.size()) * 2 + 24;
    bytes += std::size_t(m_timeline.size()) * (sizeof(RolloutStep) + 48);
    return bytes;
}

} // namespace blueshift::stats
