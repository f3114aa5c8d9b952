#pragma once

// What the supervisor's integration tests share: specs for the two workloads (the relay and
// pyworkload.py), fast timings, and a recorder of lifecycle events and log lines.

#include "integrationsupport.h"

#include "supervisor/replicaspec.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QString>
#include <QStringList>

namespace blueshift::itest {

struct RecordedEvent
{
    QString name;
    QJsonObject fields;
    qint64 atMs = 0;
};

struct RecordedLine
{
    QString replica;
    QByteArray line;
    bool stderrLine = false;
};

// Records lifecycleEvent and logLine of a Replica or a RevisionSupervisor.
class EventRecorder
{
public:
    template<typename Source>
    explicit EventRecorder(Source *source)
    {
        m_clock.start();
        QObject::connect(source, &Source::lifecycleEvent, source,
                         [this](const QString &name, const QJsonObject &fields) {
                             m_events.append({name, fields, m_clock.elapsed()});
                         });
        QObject::connect(source, &Source::logLine, source,
                         [this](const QString &replica, const QByteArray &line, bool err) {
                             m_lines.append({replica, line, err});
                         });
    }

    // Events with this name (all when empty), about this replica (any when empty).
    QList<RecordedEvent> events(const QString &name = {}, const QString &replica = {}) const
    {
        QList<RecordedEvent> out;
        for (const RecordedEvent &e : m_events) {
            if ((name.isEmpty() || e.name == name) &&
                (replica.isEmpty() ||
                 e.fields.value(QLatin1String("replica")).toString() == replica))
                out.append(e);
        }
        return out;
    }
    qsizetype count(const QString &name, const QString &replica = {}) const
    {
        return events(name, replica).size();
    }
    // The names, in order, of one replica's events.
    QStringList sequence(const QString &replica) const
    {
        QStringList out;
        for (const RecordedEvent &e : events({}, replica))
            out << e.name;
        return out;
    }
    // The first JSON line a replica printed with this "event".
    QJsonObject jsonLine(const QString &replica, const QString &event) const
    {
        for (const RecordedLine &l : m_lines) {
            const QJsonObject o = QJsonDocument::fromJson(l.line).object();
            if (l.replica == replica && o.value(QLatin1String("event")).toString() == event)
                return o;
        }
        return {};
    }
    const QList<RecordedLine> &lines() const { return m_lines; }
    QByteArray summary() const
    {
        QByteArray out;
        for (const RecordedEvent &e : m_events)
            out += e.name.toUtf8() + ' ' + QJsonDocument(e.fields).toJson(QJsonDocument::Compact) +
                   "; ";
        return out.right(1500);
    }

private:
    QElapsedTimer m_clock;
    QList<RecordedEvent> m_events;
    QList<RecordedLine> m_lines;
};

inline supervisor::ReplicaTiming fastTiming()
{
    using namespace std::chrono_literals;
    supervisor::ReplicaTiming t;
    t.startupTimeout = 15000ms;
    t.startupProbeInterval = 20ms;
    t.readinessInterval = 200ms;
    t.probeTimeout = 500ms;
    t.restartBackoff = 100ms;
    t.maxRestartBackoff = 1000ms;
    return t;
}

inline supervisor::ReplicaSpec relaySpec(const QString &revision, const QString &upstreamUrl,
                                         int graceSeconds, double drainSeconds)
{
    supervisor::ReplicaSpec spec;
    spec.app = QStringLiteral("app");
    spec.revision = revision;
    spec.program = serverBinary();
    spec.arguments = {QStringLiteral("relay"),
                      QStringLiteral("--upstream"),
                      upstreamUrl,
                      QStringLiteral("--grace-seconds"),
                      QString::number(graceSeconds),
                      QStringLiteral("--drain-seconds"),
                      QString::number(drainSeconds)};
    spec.environment = cleanEnvironment();
    spec.terminationGracePeriodSeconds = graceSeconds;
    return spec;
}

inline supervisor::ReplicaSpec pythonSpec(const QString &revision, const QStringList &args = {},
                                          int graceSeconds = 5)
{
    supervisor::ReplicaSpec spec;
    spec.app = QStringLiteral("app");
    spec.revision = revision;
    spec.program = systemPython();
    spec.arguments = QStringList{sourceFile(QStringLiteral("pyworkload.py"))} + args;
    spec.environment = cleanEnvironment();
    spec.environment.insert(QStringLiteral("PYTHONUNBUFFERED"), QStringLiteral("1"));
    spec.environment.insert(QStringLiteral("PYTHONDONTWRITEBYTECODE"), QStringLiteral("1"));
    spec.terminationGracePeriodSeconds = graceSeconds;
    return spec;
}

} // namespace blueshift::itest
