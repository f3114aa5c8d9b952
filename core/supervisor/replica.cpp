#include "replica.h"

#include "supervisorlog.h"

#include "runtime/childprocess.h"

#include <QHostAddress>
#include <QRandomGenerator>
#include <QTcpServer>

#include <algorithm>
#include <csignal>
#include <cstring>

#include <unistd.h>

namespace blueshift::supervisor {

namespace {

QString signalName(int signal)
{
    if (const char *abbrev = sigabbrev_np(signal))
        return QStringLiteral("SIG") + QString::fromLatin1(abbrev);
    return QStringLiteral("signal %1").arg(signal);
}

// A port on 127.0.0.1 that nothing listens on now. The child binds it a moment later; if
// something else takes it first, the child exits and is relaunched on another one. Ports handed
// out recently are skipped, so that replicas launched together never share one.
quint16 pickPort()
{
    static QList<quint16> recent;
    for (int attempt = 0; attempt < 16; ++attempt) {
        QTcpServer server;
        if (!server.listen(QHostAddress(QHostAddress::LocalHost), 0))
            return 0;
        const quint16 port = server.serverPort();
        if (recent.contains(port))
            continue;
        recent.append(port);
        if (recent.size() > 256)
            recent.removeFirst();
        return port;
    }
    return 0;
}

std::chrono::milliseconds backoffFor(const ReplicaTiming &timing, int crashes)
{
    auto delay = timing.restartBackoff;
    for (int i = 0; i < crashes && delay < timing.maxRestartBackoff; ++i)
        delay *= 2;
    return std::min(delay, timing.maxRestartBackoff);
}

} // namespace

QString stateName(Replica::State state)
{
    switch (state) {
    case Replica::State::Idle:
        return QStringLiteral("Idle");
    case Replica::State::Starting:
        return QStringLiteral("Starting");
    case Replica::State::Running:
        return QStringLiteral("Running");
    case Replica::State::Restarting:
        return QStringLiteral("Restarting");
    case Replica::State::Stopping:
        return QStringLiteral("Stopping");
    case Replica::State::Stopped:
        return QStringLiteral("Stopped");
    }
    return {};
}

Replica::Replica(ReplicaSpec spec, ReplicaTiming timing, QObject *parent)
    : QObject(parent)
    , m_spec(std::move(spec))
    , m_timing(timing)
    , m_name(makeName(m_spec.revision))
    , m_created(QDateTime::currentDateTimeUtc())
{
    m_process.setProcessChannelMode(QProcess::SeparateChannels);
    m_process.setInputChannelMode(QProcess::ManagedInputChannel);
    // Its own process group, so that SIGKILL reaches whatever the workload forked (a container
    // dies whole), and death with us, so that a crashed platform leaves no replica holding a
    // port.
    m_process.setChildProcessModifier(runtime::dieWithParent(SIGKILL, true));
    connect(&m_process, &QProcess::started, this, &Replica::onStarted);
    connect(&m_process, &QProcess::finished, this, &Replica::onFinished);
    connect(&m_process, &QProcess::errorOccurred, this, &Replica::onProcessError);
    connect(&m_process, &QProcess::readyReadStandardOutput, this, [this] { readChannel(false); });
    connect(&m_process, &QProcess::readyReadStandardError, this, [this] { readChannel(true); });
    connect(&m_probe, &ReadinessProbe::finished, this, &Replica::onProbeFinished);

    for (QTimer *t : {&m_probeTimer, &m_startupTimer, &m_graceTimer, &m_restartTimer})
        t->setSingleShot(true);
    // terminationGracePeriodSeconds is a promise to the workload: a coarse timer may fire up to
    // 5% early, which would SIGKILL a process still inside its grace period.
    m_graceTimer.setTimerType(Qt::PreciseTimer);
    connect(&m_probeTimer, &QTimer::timeout, this,
            [this] { m_probe.probe(m_port, m_timing.probeTimeout); });
    connect(&m_startupTimer, &QTimer::timeout, this, &Replica::onStartupTimeout);
    connect(&m_graceTimer, &QTimer::timeout, this, &Replica::onGraceExpired);
    connect(&m_restartTimer, &QTimer::timeout, this, &Replica::launch);
}

Replica::~Replica()
{
    m_process.disconnect(this);
    if (m_process.state() != QProcess::NotRunning) {
        qCWarning(lcSupervisor, "replica %s destroyed while running: killing it",
                  qPrintable(m_name));
        sendSignal(SIGKILL);
    }
}

QString Replica::makeName(const QString &revision)
{
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    QString suffix;
    for (int i = 0; i < 8; ++i)
        suffix += QLatin1Char(alphabet[QRandomGenerator::global()->bounded(36)]);
    return revision + QLatin1Char('-') + suffix;
}

void Replica::start()
{
    if (m_state == State::Idle)
        launch();
}

void Replica::launch()
{
    m_port = pickPort();
    m_pid = 0;
    m_startupTimedOut = false;
    m_partial[0].clear();
    m_partial[1].clear();

    QProcessEnvironment env = m_spec.environment.isEmpty()
                                  ? QProcessEnvironment::systemEnvironment()
                                  : m_spec.environment;
    env.insert(QStringLiteral("PORT"), QString::number(m_port));
    // The address to bind: a replica on this machine belongs on loopback, behind the ingress and
    // its routing, cookies and limits, not reachable from other hosts.
    env.insert(QStringLiteral("HOST"), QStringLiteral("127.0.0.1"));
    env.insert(QStringLiteral("CONTAINER_APP_PORT"), QString::number(m_port));
    env.insert(QStringLiteral("CONTAINER_APP_NAME"), m_spec.app);
    env.insert(QStringLiteral("CONTAINER_APP_REVISION"), m_spec.revision);
    env.insert(QStringLiteral("CONTAINER_APP_REPLICA_NAME"), m_name);
    m_process.setProgram(m_spec.program);
    m_process.setArguments(m_spec.arguments);
    m_process.setProcessEnvironment(env);
    m_process.setWorkingDirectory(m_spec.workingDirectory);

    setState(State::Starting);
    m_sinceLaunch.start();
    m_startupTimer.start(m_timing.startupTimeout);
    m_probeInterval = m_timing.startupProbeInterval;
    scheduleProbe();
    qCDebug(lcSupervisor, "replica %s: launching %s on port %u", qPrintable(m_name),
            qPrintable(m_spec.program), unsigned(m_port));
    // Last: a failure to start may be reported from inside start().
    m_process.start();
    if (m_process.state() != QProcess::NotRunning)
        m_pid = m_process.processId();
}

void Replica::onStarted()
{
    m_pid = m_process.processId();
    emitEvent(QStringLiteral("replica.started"),
              {{QStringLiteral("pid"), m_pid}, {QStringLiteral("port"), int(m_port)}});
}

void Replica::onProcessError(QProcess::ProcessError error)
{
    // Other errors are followed by finished(); a failure to start is not.
    if (error != QProcess::FailedToStart)
        return;
    m_probeTimer.stop();
    m_startupTimer.stop();
    m_probe.cancel();
    const QString reason =
        QStringLiteral("failed to start %1: %2").arg(m_spec.program, m_process.errorString());
    if (m_state == State::Stopping) {
        m_graceTimer.stop();
        setState(State::Stopped);
        Q_EMIT stopped();
        return;
    }
    emitEvent(QStringLiteral("replica.failed"), {{QStringLiteral("details"), reason}});
    exitedOnItsOwn(reason);
}

void Replica::onFinished(int exitCode, QProcess::ExitStatus status)
{
    readChannel(false);
    readChannel(true);
    flushLines(false, true);
    flushLines(true, true);
    m_probeTimer.stop();
    m_startupTimer.stop();
    m_graceTimer.stop();
    m_probe.cancel();
    // What the workload left behind goes with it, as with a container.
    if (m_pid > 0)
        ::kill(pid_t(-m_pid), SIGKILL);

    QJsonObject fields;
    QString reason;
    if (status == QProcess::NormalExit) {
        fields.insert(QStringLiteral("code"), exitCode);
        reason = QStringLiteral("exited with code %1").arg(exitCode);
    } else {
        // QProcess reports the terminating signal as the exit code of a crash.
        fields.insert(QStringLiteral("signal"), signalName(exitCode));
        reason = QStringLiteral("killed by %1").arg(signalName(exitCode));
    }
    emitEvent(QStringLiteral("replica.exited"), fields);

    if (m_state == State::Stopping) {
        m_details = reason;
        setReady(false);
        setState(State::Stopped);
        Q_EMIT stopped();
        return;
    }
    exitedOnItsOwn(reason);
}

void Replica::exitedOnItsOwn(const QString &reason)
{
    const auto delay = backoffFor(m_timing, m_crashesWithoutReady);
    ++m_crashesWithoutReady;
    ++m_restartCount;
    m_details = reason + QStringLiteral("; restarting in %1 ms").arg(delay.count());
    m_health = Health::Unhealthy;
    setReady(false);
    setState(State::Restarting);
    qCInfo(lcSupervisor, "replica %s %s", qPrintable(m_name), qPrintable(m_details));
    emitEvent(QStringLiteral("replica.restarting"),
              {{QStringLiteral("restartCount"), m_restartCount},
               {QStringLiteral("delayMs"), qint64(delay.count())},
               {QStringLiteral("reason"), reason}});
    m_restartTimer.start(delay);
}

void Replica::scheduleProbe()
{
    m_probeTimer.start(m_probeInterval);
}

void Replica::onProbeFinished(ReadinessProbe::Result result, const QString &details)
{
    if (m_state != State::Starting && m_state != State::Running)
        return;
    if (result == ReadinessProbe::Result::Ready) {
        m_crashesWithoutReady = 0;
        m_startupTimedOut = false;
        m_details = details;
        m_probeInterval = m_timing.readinessInterval;
        const bool first = m_state == State::Starting;
        const bool changedHealth = m_health != Health::Healthy;
        m_health = Health::Healthy;
        if (first) {
            m_startupTimer.stop();
            m_ready = true;
            setState(State::Running);
            emitEvent(QStringLiteral("replica.ready"),
                      {{QStringLiteral("details"), details},
                       {QStringLiteral("startupMs"), m_sinceLaunch.elapsed()}});
        } else if (!m_ready) {
            setReady(true);
            emitEvent(QStringLiteral("replica.ready"), {{QStringLiteral("details"), details}});
        } else if (changedHealth) {
            Q_EMIT changed();
        }
    } else if (m_state == State::Starting) {
        m_details = m_health == Health::Unhealthy ? notReadyDetails(details) : details;
        m_probeInterval = std::min(m_probeInterval * 2, m_timing.readinessInterval);
    } else if (m_ready) {
        m_details = details;
        m_health = Health::Unhealthy;
        setReady(false);
        emitEvent(QStringLiteral("replica.unready"), {{QStringLiteral("details"), details}});
    }
    scheduleProbe();
}

void Replica::onStartupTimeout()
{
    if (m_state != State::Starting)
        return;
    m_details =
        notReadyDetails(m_details.isEmpty() ? QStringLiteral("no probe answered") : m_details);
    m_health = Health::Unhealthy;
    m_startupTimedOut = true;
    qCWarning(lcSupervisor, "replica %s %s", qPrintable(m_name), qPrintable(m_details));
    emitEvent(QStringLiteral("replica.failed"), {{QStringLiteral("details"), m_details}});
    Q_EMIT changed();
}

QString Replica::notReadyDetails(const QString &probe) const
{
    return QStringLiteral("not ready %1 s after start: %2")
        .arg(QString::number(double(m_sinceLaunch.elapsed()) / 1000, 'f', 1), probe);
}

void Replica::stop()
{
    switch (m_state) {
    case State::Stopping:
    case State::Stopped:
        return;
    case State::Idle:
    case State::Restarting:
        m_restartTimer.stop();
        setState(State::Stopped);
        Q_EMIT stopped();
        return;
    case State::Starting:
    case State::Running:
        break;
    }
    m_probeTimer.stop();
    m_startupTimer.stop();
    m_probe.cancel();
    // Out of routing before anything else happens.
    setState(State::Stopping);
    if (m_process.state() == QProcess::NotRunning) {
        setState(State::Stopped);
        Q_EMIT stopped();
        return;
    }
    sendSignal(SIGTERM);
    emitEvent(QStringLiteral("replica.signalled"),
              {{QStringLiteral("signal"), signalName(SIGTERM)},
               {QStringLiteral("graceSeconds"), m_spec.terminationGracePeriodSeconds}});
    m_graceTimer.start(std::chrono::seconds(std::max(0, m_spec.terminationGracePeriodSeconds)));
}

void Replica::onGraceExpired()
{
    if (m_state != State::Stopping || m_process.state() == QProcess::NotRunning)
        return;
    qCInfo(lcSupervisor, "replica %s still running %d s after SIGTERM: SIGKILL", qPrintable(m_name),
           m_spec.terminationGracePeriodSeconds);
    sendSignal(SIGKILL);
    emitEvent(QStringLiteral("replica.signalled"),
              {{QStringLiteral("signal"), signalName(SIGKILL)}});
}

void Replica::sendSignal(int signal)
{
    const qint64 pid = m_pid > 0 ? m_pid : m_process.processId();
    if (pid <= 0)
        return;
    // SIGTERM goes to the workload's main process only (a container's PID 1); SIGKILL to the
    // whole group.
    if (signal == SIGKILL)
        ::kill(pid_t(-pid), SIGKILL);
    ::kill(pid_t(pid), signal);
}

void Replica::readChannel(bool stderrChannel)
{
    QByteArray &partial = m_partial[stderrChannel ? 1 : 0];
    partial += stderrChannel ? m_process.readAllStandardError() : m_process.readAllStandardOutput();
    flushLines(stderrChannel, false);
}

void Replica::flushLines(bool stderrChannel, bool all)
{
    // A line longer than this is passed on in pieces, so that memory stays bounded.
    constexpr qsizetype maxLine = 64 * 1024;
    QByteArray &partial = m_partial[stderrChannel ? 1 : 0];
    qsizetype from = 0;
    for (qsizetype eol = partial.indexOf('\n'); eol >= 0; eol = partial.indexOf('\n', from)) {
        QByteArray line = partial.mid(from, eol - from);
        if (line.endsWith('\r'))
            line.chop(1);
        from = eol + 1;
        Q_EMIT logLine(m_name, line, stderrChannel);
    }
    partial.remove(0, from);
    while (partial.size() > maxLine) {
        Q_EMIT logLine(m_name, partial.left(maxLine), stderrChannel);
        partial.remove(0, maxLine);
    }
    if (all && !partial.isEmpty()) {
        Q_EMIT logLine(m_name, partial, stderrChannel);
        partial.clear();
    }
}

bool Replica::hasFailed() const
{
    if (m_state == State::Running && m_ready)
        return false;
    return m_startupTimedOut || m_crashesWithoutReady >= crashLoopThreshold;
}

bool Replica::isRoutable() const
{
    return m_ready && m_state == State::Running;
}

void Replica::setAcceptsNew(bool accepts)
{
    if (m_acceptsNew == accepts)
        return;
    m_acceptsNew = accepts;
    Q_EMIT changed();
}

void Replica::setState(State state)
{
    if (m_state == state)
        return;
    qCDebug(lcSupervisor, "replica %s: %s -> %s", qPrintable(m_name),
            qPrintable(stateName(m_state)), qPrintable(stateName(state)));
    m_state = state;
    Q_EMIT changed();
}

void Replica::setReady(bool ready)
{
    if (m_ready == ready)
        return;
    m_ready = ready;
    Q_EMIT changed();
}

void Replica::emitEvent(const QString &name, QJsonObject fields)
{
    fields.insert(QStringLiteral("replica"), m_name);
    fields.insert(QStringLiteral("revision"), m_spec.revision);
    Q_EMIT lifecycleEvent(name, fields);
}

ingress::ReplicaRoute Replica::route() const
{
    ingress::ReplicaRoute r;
    r.name = m_name;
    if (auto address = net::SocketAddress::fromNumeric(QByteArrayLiteral("127.0.0.1"), m_port))
        r.address = *address;
    r.acceptsNew = m_acceptsNew;
    r.load = m_load;
    return r;
}

model::Replica Replica::toModel() const
{
    const bool processUp =
        m_state == State::Starting || m_state == State::Running || m_state == State::Stopping;
    model::ReplicaContainer c;
    c.name = m_spec.containerName.isEmpty() ? m_spec.app : m_spec.containerName;
    c.started = processUp;
    c.ready = isRoutable();
    c.restartCount = m_restartCount;
    c.runningState = processUp                   ? QStringLiteral("Running")
                     : m_state == State::Stopped ? QStringLiteral("Terminated")
                                                 : QStringLiteral("Waiting");
    c.runningStateDetails = m_details;

    model::Replica r;
    r.name = m_name;
    r.createdTime = m_created;
    r.runningState = processUp ? QStringLiteral("Running") : QStringLiteral("NotRunning");
    r.runningStateDetails = m_state == State::Stopping ? QStringLiteral("Terminating") : m_details;
    r.containers = {c};
    return r;
}

} // namespace blueshift::supervisor
