#pragma once

#include "fleetconfig.h"
#include "fleetstats.h"
#include "sessionrecord.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QJsonObject>
#include <QObject>
#include <QTimer>

#include <chrono>
#include <deque>
#include <memory>
#include <vector>

namespace blueshift::net {
class Resolver;
}

namespace blueshift::harness {

class FleetWorker;
struct WorkerBatch;

// A rollout step or a platform event (traffic.updated, revision.deactivated ...), on the same
// clock as the sessions' events: seconds since the fleet started.
struct TimelineEntry
{
    double time = 0;
    QString kind;
    QJsonObject fields;
    int step = -1; // the step this entry began, -1 when it began none
};

// A fleet of live test WebSocket sessions through a gateway, and what happened to them. Lives on
// the caller's thread; the sessions run on a few EventLoop threads (Qt's dispatcher cannot hold
// 10,000 sockets) and their changes come back in batches, so consumers get one signal per batch
// interval, not one per event.
class Fleet : public QObject
{
    Q_OBJECT
public:
    enum class State { Idle, Running, Stopping, Finished };

    explicit Fleet(QObject *parent = nullptr);
    ~Fleet() override;

    // Starts the sessions (the ramp spreads their opens at config.openRate per second).
    bool start(const FleetConfig &config, QString *error = nullptr);
    // Closes every session with 1000, waits for the close handshakes (bounded by
    // stopTimeoutSeconds), then emits finished(): from then on the results are complete.
    void stop();

    State state() const { return m_state; }
    bool isRunning() const { return m_state == State::Running; }
    bool isFinished() const { return m_state == State::Finished; }
    const FleetConfig &config() const { return m_config; }

    // Seconds since start(); the clock of every record, event and step.
    double now() const;
    QDateTime startedAt() const { return m_startedAt; }
    double toRunTime(const QDateTime &when) const;

    // A rollout step begins (at `time`, default now): closes from then on are put down to it.
    int beginStep(const QString &name, const QJsonObject &fields = {}, double time = -1);
    // A platform event on the timeline; it starts no step.
    void addTimelineEvent(const QString &kind, const QJsonObject &fields = {}, double time = -1);

    const QList<SessionRecord> &sessions() const { return m_records; }
    const FleetStats &stats() const { return m_stats; }
    const QList<TimelineEntry> &timeline() const { return m_timeline; }
    const std::deque<SessionEvent> &events() const { return m_events; }
    quint64 droppedEvents() const { return m_droppedEvents; }
    FleetSnapshot snapshot() const;

    // report.json, sessions.csv and events.jsonl into `directory` (created if needed).
    bool exportReport(const QString &directory, QString *error = nullptr) const;

Q_SIGNALS:
    // Every batch interval while something changed: the records that changed, latest state.
    void sessionsChanged(const QList<blueshift::harness::SessionRecord> &changed);
    void eventsAdded(const QList<blueshift::harness::SessionEvent> &events);
    void snapshotUpdated(const blueshift::harness::FleetSnapshot &snapshot);
    void finished();

private:
    void absorb(WorkerBatch batch);
    void tick();
    void workerStopped();
    void keepEvent(const SessionEvent &event);

    State m_state = State::Idle;
    FleetConfig m_config;
    QDateTime m_startedAt;
    std::chrono::steady_clock::time_point m_epoch;
    std::unique_ptr<net::Resolver> m_resolver;
    std::vector<std::unique_ptr<FleetWorker>> m_workers;
    int m_workersRunning = 0;
    QTimer m_tick;
    qint64 m_lastSampledSecond = -1;

    QList<SessionRecord> m_records; // index = session id
    FleetStats m_stats;
    QList<TimelineEntry> m_timeline;
    std::deque<SessionEvent> m_events;
    quint64 m_droppedEvents = 0;

    // Pending for the next emission.
    QList<SessionRecord> m_changed;
    QList<int> m_changedIndex; // session id -> index in m_changed, -1 when unchanged
    QList<SessionEvent> m_newEvents;
};

} // namespace blueshift::harness

Q_DECLARE_METATYPE(blueshift::harness::SessionEvent)
Q_DECLARE_METATYPE(blueshift::harness::FleetSnapshot)
