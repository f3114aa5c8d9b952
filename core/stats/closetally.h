#pragma once

#include "steptimeline.h"

#include <QHash>
#include <QList>
#include <QMap>
#include <QStringList>

#include <optional>

namespace blueshift::stats {

// Who ended a session: the harness (client), the gateway or service (server), or nobody cleanly
// (the connection dropped without a close frame: 1006).
enum class CloseSide : quint8 { Client, Server, Transport };
QString closeSideName(CloseSide side);

struct CloseTallyRow
{
    int step = -1; // -1: before the first step
    QString revision;
    int code = 0;
    CloseSide side = CloseSide::Server;
    quint64 count = 0;
};

// Narrows a query; an unset field matches everything.
struct CloseFilter
{
    std::optional<int> step;
    std::optional<QString> revision;
    std::optional<CloseSide> side;
};

// Close codes by rollout step, revision and side, for the "why did they close" table. Memory
// grows with distinct (step, revision, code, side) combinations, not with sessions.
class CloseTally
{
public:
    // Closes recorded by time are put down to the step active then (see StepTimeline::stepAt).
    StepTimeline &timeline() { return m_timeline; }
    const StepTimeline &timeline() const { return m_timeline; }

    void record(int step, const QString &revision, int code, CloseSide side, quint64 count = 1);
    // Returns the step the close was put down to.
    int recordAt(double time, const QString &revision, int code, CloseSide side);
    void clear();

    quint64 count(int step, const QString &revision, int code, CloseSide side) const;
    quint64 total(const CloseFilter &filter = {}) const;
    // Code -> count over the closes the filter matches.
    QMap<int, quint64> codeCounts(const CloseFilter &filter = {}) const;
    QMap<int, quint64> codesForStep(int step) const;
    QMap<int, quint64> codesForRevision(const QString &revision) const;

    // Every non-zero cell, ordered by step, revision (in order of first appearance), code, side.
    QList<CloseTallyRow> rows() const;
    QList<int> steps() const;      // steps with at least one close, ascending
    QStringList revisions() const; // in order of first appearance
    QList<int> codes() const;      // ascending

    std::size_t memoryBytes() const;

private:
    struct Key
    {
        qint32 step;
        qint32 revision; // index into m_revisions
        qint32 code;
        CloseSide side;
        friend bool operator==(const Key &, const Key &) = default;
        friend size_t qHash(const Key &k, size_t seed = 0)
        {
            return qHashMulti(seed, k.step, k.revision, k.code, quint8(k.side));
        }
    };
    bool matches(const Key &key, const CloseFilter &filter, int revision) const;
    int revisionIndex(const QString &revision) const { return int(m_revisions.indexOf(revision)); }

    StepTimeline m_timeline;
    QStringList m_revisions;
    QHash<Key, quint64> m_counts;
};

} // namespace blueshift::stats
