#include "revisionsupervisor.h"

#include "supervisorlog.h"

#include <algorithm>

namespace blueshift::supervisor {

namespace {
bool isStopping(const Replica *r)
{
    return r->state() == Replica::State::Stopping || r->state() == Replica::State::Stopped;
}
} // namespace

RevisionSupervisor::RevisionSupervisor(ReplicaSpec spec, model::Scale scale,
                                       SupervisorOptions options, QObject *parent)
    : QObject(parent)
    , m_spec(std::move(spec))
    , m_scale(std::move(scale))
    , m_options(options)
{
    m_tick.setInterval(m_options.scaleInterval);
    connect(&m_tick, &QTimer::timeout, this, &RevisionSupervisor::reconcile);
    m_reconcileSoon.setSingleShot(true);
    m_reconcileSoon.setInterval(0);
    connect(&m_reconcileSoon, &QTimer::timeout, this, &RevisionSupervisor::reconcile);
}

// Replicas are children: one still running is killed (SIGKILL) as it goes.
RevisionSupervisor::~RevisionSupervisor() = default;

int RevisionSupervisor::lowerBound() const
{
    return std::max(1, m_scale.minReplicas);
}

int RevisionSupervisor::upperBound() const
{
    return std::max(lowerBound(), m_scale.maxReplicas);
}

void RevisionSupervisor::setActive(bool active)
{
    if (active == m_active || (active && m_shuttingDown))
        return;
    m_active = active;
    qCInfo(lcSupervisor, "revision %s %s", qPrintable(m_spec.revision),
           active ? "activated" : "deactivated");
    if (active) {
        m_tick.start();
        reconcile();
    } else {
        m_tick.stop();
        m_reconcileSoon.stop();
        m_restartPending = false;
        m_desired = 0;
        const QList<Replica *> all = replicas();
        for (Replica *r : all)
            stopSlot(*slotOf(r));
    }
    Q_EMIT stateChanged();
}

bool RevisionSupervisor::restart()
{
    if (!m_active || m_shuttingDown)
        return false;
    int count = 0;
    for (const Slot &s : std::as_const(m_slots)) {
        if (s.generation == m_generation && !isStopping(s.replica) && s.replica->acceptsNew())
            ++count;
    }
    count = std::clamp(count, lowerBound(), upperBound());
    ++m_generation;
    m_restartPending = true;
    qCInfo(lcSupervisor, "revision %s restarting: %d new replicas", qPrintable(m_spec.revision),
           count);
    for (int i = 0; i < count; ++i)
        startReplica();
    Q_EMIT stateChanged();
    return true;
}

void RevisionSupervisor::shutdown()
{
    m_shuttingDown = true;
    setActive(false);
    checkAllExited();
}

Replica *RevisionSupervisor::startReplica()
{
    auto *r = new Replica(m_spec, m_options.replica, this);
    connect(r, &Replica::changed, this, &RevisionSupervisor::onReplicaChanged);
    connect(r, &Replica::lifecycleEvent, this, &RevisionSupervisor::lifecycleEvent);
    connect(r, &Replica::logLine, this, &RevisionSupervisor::logLine);
    // Queued: a replica may report its end from inside stop(), while the caller walks m_slots.
    connect(
        r, &Replica::stopped, this, [this, r] { onReplicaStopped(r); }, Qt::QueuedConnection);
    m_slots.append({r, m_generation, nullptr});
    r->start();
    return r;
}

void RevisionSupervisor::onReplicaChanged()
{
    updateRoutes();
    Q_EMIT stateChanged();
    scheduleReconcile();
}

void RevisionSupervisor::onReplicaStopped(Replica *replica)
{
    for (qsizetype i = 0; i < m_slots.size(); ++i) {
        if (m_slots.at(i).replica == replica) {
            m_slots.removeAt(i);
            replica->deleteLater();
            break;
        }
    }
    updateRoutes();
    Q_EMIT stateChanged();
    checkAllExited();
    scheduleReconcile();
}

void RevisionSupervisor::scheduleReconcile()
{
    if (m_active && !m_reconcileSoon.isActive())
        m_reconcileSoon.start();
}

// The one place that decides how many replicas run: on every tick, and soon after any change.
void RevisionSupervisor::reconcile()
{
    if (!m_active || m_shuttingDown)
        return;
    if (m_restartPending) {
        completeRestart();
        return;
    }
    const int connections = totalConnections();
    const int perReplica = std::max(1, m_scale.concurrencyPerReplica());
    const int wanted = (connections + perReplica - 1) / perReplica;
    const int desired = std::clamp(wanted, lowerBound(), upperBound());
    if (desired != m_desired) {
        qCInfo(lcSupervisor, "revision %s: %d connections at %d per replica: %d -> %d replicas",
               qPrintable(m_spec.revision), connections, perReplica, m_desired, desired);
        emitEvent(QStringLiteral("revision.scaled"),
                  {{QStringLiteral("from"), m_desired},
                   {QStringLiteral("to"), desired},
                   {QStringLiteral("connections"), connections},
                   {QStringLiteral("concurrencyPerReplica"), perReplica}});
        m_desired = desired;
    }
    scaleTo(desired);
}

void RevisionSupervisor::scaleTo(int desired)
{
    QList<Replica *> serving;
    QList<Replica *> cooling;
    for (const Slot &s : std::as_const(m_slots)) {
        if (!isStopping(s.replica))
            (s.replica->acceptsNew() ? serving : cooling).append(s.replica);
    }
    if (serving.size() < desired) {
        // A replica still cooling down is the cheapest new capacity: it is ready and warm.
        std::stable_sort(cooling.begin(), cooling.end(), [](Replica *a, Replica *b) {
            return a->connections() > b->connections();
        });
        qsizetype have = serving.size();
        for (Replica *r : std::as_const(cooling)) {
            if (have >= desired)
                break;
            endCooldown(*slotOf(r));
            ++have;
        }
        for (; have < desired; ++have)
            startReplica();
    } else if (serving.size() > desired) {
        // Replicas that serve nobody yet go first and at once; then the least loaded, newest
        // first, which keeps its sessions through the cooldown period.
        std::reverse(serving.begin(), serving.end());
        std::stable_sort(serving.begin(), serving.end(), [](Replica *a, Replica *b) {
            if (a->isRoutable() != b->isRoutable())
                return !a->isRoutable();
            return a->connections() < b->connections();
        });
        const qsizetype excess = serving.size() - desired;
        for (qsizetype i = 0; i < excess; ++i) {
            Slot &slot = *slotOf(serving.at(i));
            if (slot.replica->isRoutable())
                beginCooldown(slot);
            else
                stopSlot(slot);
        }
    }
}

void RevisionSupervisor::completeRestart()
{
    int fresh = 0;
    int ready = 0;
    QList<Replica *> old;
    for (const Slot &s : std::as_const(m_slots)) {
        if (isStopping(s.replica))
            continue;
        if (s.generation == m_generation) {
            ++fresh;
            ready += s.replica->isRoutable() ? 1 : 0;
        } else {
            old.append(s.replica);
        }
    }
    if (fresh == 0 || ready < fresh)
        return;
    m_restartPending = false;
    qCInfo(lcSupervisor, "revision %s: %d new replicas ready, stopping %d old ones",
           qPrintable(m_spec.revision), fresh, int(old.size()));
    emitEvent(QStringLiteral("revision.replaced"),
              {{QStringLiteral("replicas"), fresh}, {QStringLiteral("stopped"), int(old.size())}});
    for (Replica *r : std::as_const(old))
        stopSlot(*slotOf(r));
    Q_EMIT stateChanged();
}

void RevisionSupervisor::beginCooldown(Slot &slot)
{
    Replica *r = slot.replica;
    const int seconds = std::max(0, m_scale.cooldownPeriod);
    slot.cooldown = new QTimer(r);
    slot.cooldown->setSingleShot(true);
    // Not a coarse timer: it may not end the cooldownPeriod early.
    slot.cooldown->setTimerType(Qt::PreciseTimer);
    connect(slot.cooldown, &QTimer::timeout, this, [this, r] {
        if (Slot *s = slotOf(r))
            stopSlot(*s);
    });
    slot.cooldown->start(std::chrono::seconds(seconds));
    qCInfo(lcSupervisor, "replica %s cools down for %d s with %d connections",
           qPrintable(r->name()), seconds, r->connections());
    emitEvent(QStringLiteral("replica.cooling"),
              {{QStringLiteral("replica"), r->name()},
               {QStringLiteral("cooldownSeconds"), seconds},
               {QStringLiteral("connections"), r->connections()}});
    r->setAcceptsNew(false);
}

void RevisionSupervisor::endCooldown(Slot &slot)
{
    delete slot.cooldown;
    slot.cooldown = nullptr;
    emitEvent(QStringLiteral("replica.resumed"),
              {{QStringLiteral("replica"), slot.replica->name()}});
    slot.replica->setAcceptsNew(true);
}

void RevisionSupervisor::stopSlot(Slot &slot)
{
    delete slot.cooldown;
    slot.cooldown = nullptr;
    slot.replica->stop();
}

void RevisionSupervisor::updateRoutes()
{
    QStringList signature;
    for (const Slot &s : std::as_const(m_slots)) {
        if (s.replica->isRoutable())
            signature << s.replica->name() + (s.replica->acceptsNew() ? u'+' : u'-') +
                             QString::number(s.replica->port());
    }
    if (signature == m_routeSignature)
        return;
    m_routeSignature = signature;
    Q_EMIT routesChanged();
}

void RevisionSupervisor::checkAllExited()
{
    if (!m_shuttingDown || m_allExitedSent || !m_slots.isEmpty())
        return;
    m_allExitedSent = true;
    qCInfo(lcSupervisor, "revision %s: every replica has exited", qPrintable(m_spec.revision));
    // Queued, so that a caller of shutdown() never hears it before shutdown() returns.
    QMetaObject::invokeMethod(this, &RevisionSupervisor::allExited, Qt::QueuedConnection);
}

QList<ingress::ReplicaRoute> RevisionSupervisor::routes() const
{
    QList<ingress::ReplicaRoute> out;
    for (const Slot &s : m_slots) {
        if (s.replica->isRoutable())
            out.append(s.replica->route());
    }
    return out;
}

int RevisionSupervisor::replicaCount() const
{
    return int(std::count_if(m_slots.cbegin(), m_slots.cend(),
                             [](const Slot &s) { return s.replica->isAlive(); }));
}

int RevisionSupervisor::totalConnections() const
{
    int total = 0;
    for (const Slot &s : m_slots) {
        if (s.replica->isAlive())
            total += s.replica->connections();
    }
    return total;
}

QString RevisionSupervisor::runningState() const
{
    if (!m_active)
        return replicaCount() > 0 ? QStringLiteral("Processing") : QStringLiteral("Stopped");
    int serving = 0;
    int unhealthy = 0;
    int failed = 0;
    for (const Slot &s : m_slots) {
        const Replica *r = s.replica;
        if (isStopping(r))
            continue;
        serving += r->isRoutable() ? 1 : 0;
        unhealthy += r->health() == Replica::Health::Unhealthy ? 1 : 0;
        failed += r->hasFailed() ? 1 : 0;
    }
    if (serving == 0)
        return failed > 0 ? QStringLiteral("Failed") : QStringLiteral("Processing");
    if (unhealthy > 0)
        return QStringLiteral("Degraded");
    return serving >= lowerBound() ? QStringLiteral("Running") : QStringLiteral("Processing");
}

QString RevisionSupervisor::healthState() const
{
    if (!m_active)
        return QStringLiteral("None");
    bool serving = false;
    for (const Slot &s : m_slots) {
        if (isStopping(s.replica))
            continue;
        if (s.replica->health() == Replica::Health::Unhealthy)
            return QStringLiteral("Unhealthy");
        serving = serving || s.replica->isRoutable();
    }
    return serving ? QStringLiteral("Healthy") : QStringLiteral("None");
}

QString RevisionSupervisor::stateDetails() const
{
    if (!m_active) {
        const int alive = replicaCount();
        return alive > 0 ? QStringLiteral("stopping %1 replica(s)").arg(alive) : QString();
    }
    int live = 0;
    int ready = 0;
    for (const Slot &s : m_slots) {
        const Replica *r = s.replica;
        if (isStopping(r))
            continue;
        if (r->health() == Replica::Health::Unhealthy)
            return r->name() + QStringLiteral(": ") + r->details();
        ++live;
        ready += r->isRoutable() ? 1 : 0;
    }
    if (m_restartPending)
        return QStringLiteral("restarting: %1 of %2 replica(s) ready").arg(ready).arg(live);
    return QStringLiteral("%1 of %2 replica(s) ready").arg(ready).arg(live);
}

QList<Replica *> RevisionSupervisor::replicas() const
{
    QList<Replica *> out;
    out.reserve(m_slots.size());
    for (const Slot &s : m_slots)
        out.append(s.replica);
    return out;
}

QList<model::Replica> RevisionSupervisor::replicaModels() const
{
    QList<model::Replica> out;
    for (const Slot &s : m_slots) {
        if (s.replica->isAlive())
            out.append(s.replica->toModel());
    }
    return out;
}

RevisionSupervisor::Slot *RevisionSupervisor::slotOf(const Replica *replica)
{
    for (Slot &s : m_slots) {
        if (s.replica == replica)
            return &s;
    }
    return nullptr;
}

void RevisionSupervisor::emitEvent(const QString &name, QJsonObject fields)
{
    fields.insert(QStringLiteral("revision"), m_spec.revision);
    Q_EMIT lifecycleEvent(name, fields);
}

} // namespace blueshift::supervisor
