#pragma once

#include "harness/fleet.h"

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

#include <queue>
#include <random>
#include <vector>

namespace blueshift::bench {

// A blue/green rollout replayed in real time for the GUI benchmark, without sockets: N sessions
// ramp up on blue, ping every few seconds, churn a little, green is deployed, traffic goes 50/50
// then 100/0, blue is deactivated (its sessions close with 1001 and reconnect to green), and the
// fleet stops (1000). It produces what a Fleet produces for the GUI - SessionRecord batches
// every batch interval and a FleetStats fed with the same events - so the model, the proxy, the
// view and the charts do exactly the work a real fleet of that size gives them, while the
// benchmark's two cores are not also busy with 10,000 sockets.
class SyntheticFleet : public QObject
{
    Q_OBJECT
public:
    struct Options
    {
        int sessions = 10000;
        double seconds = 60;       // the whole scenario
        double pingInterval = 5;   // per session
        double churnPerSecond = 5; // sessions dropped (1006) and reconnected each second
        int batchIntervalMs = 200;
    };

    explicit SyntheticFleet(const Options &options, QObject *parent = nullptr);

    void start();
    double now() const;
    bool isFinished() const { return m_finished; }
    const harness::FleetStats &stats() const { return m_stats; }
    const QList<harness::TimelineEntry> &timeline() const { return m_timeline; }
    quint64 recordsEmitted() const { return m_recordsEmitted; }
    quint64 batches() const { return m_batches; }

Q_SIGNALS:
    void sessionsChanged(const QList<blueshift::harness::SessionRecord> &changed);
    void ticked(); // after each batch, like Fleet::snapshotUpdated
    void finished();

private:
    enum class Action : quint8 { Connect, Open, Ping, Drop, Drain, Stop };
    struct Due
    {
        double time;
        int session;
        Action action;
        bool operator>(const Due &o) const { return time > o.time; }
    };

    void tick();
    void schedule(double time, int session, Action action);
    void run(const Due &due);
    void addStep(double time, const QString &name, const QString &event, const QJsonObject &f);
    void open(int session, double time);
    void close(int session, double time, int code, stats::CloseSide side, const QString &reason);
    QString pickRevision();
    quint32 rttMicros(double time);
    void changed(int session);

    Options m_options;
    QElapsedTimer m_clock;
    QTimer m_timer;
    std::priority_queue<Due, std::vector<Due>, std::greater<Due>> m_queue;
    std::mt19937 m_random{20251122};
    harness::FleetStats m_stats;
    QList<harness::TimelineEntry> m_timeline;
    QList<harness::SessionRecord> m_records;
    std::vector<int> m_changedIndex;
    QList<harness::SessionRecord> m_changed;
    qint64 m_lastSample = -1;
    int m_phase = 0;
    double m_greenShare = 0; // share of new connections that land on green
    bool m_finished = false;
    quint64 m_recordsEmitted = 0;
    quint64 m_batches = 0;
};

} // namespace blueshift::bench
