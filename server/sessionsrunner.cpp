#include "sessionsrunner.h"

#include "sessionsstatus.h"

#include "harness/summarytable.h"
#include "runtime/unixsignalwatcher.h"

#include <QDir>

#include <chrono>
#include <cstdio>
#include <sys/ioctl.h>
#include <unistd.h>

namespace blueshift::server {

namespace {
void writeTo(FILE *stream, const QString &text)
{
    const QByteArray bytes = text.toUtf8();
    std::fwrite(bytes.constData(), 1, std::size_t(bytes.size()), stream);
    // stdout is a pipe for CI and for the tests: every line must leave at once.
    std::fflush(stream);
}

int terminalColumns()
{
    winsize ws{};
    if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    return 80;
}

QString secondsText(double s)
{
    return QString::number(s, 'g', 6) + QStringLiteral(" s");
}
} // namespace

SessionsRunner::SessionsRunner(SessionsOptions options, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_tty(::isatty(STDOUT_FILENO) == 1)
{
    m_durationTimer.setSingleShot(true);
    // A coarse timer may be 5% late: 15 s on a 300 s run.
    m_durationTimer.setTimerType(Qt::PreciseTimer);
    connect(&m_durationTimer, &QTimer::timeout, this,
            [this] { stopFleet(QStringLiteral("duration elapsed")); });
    connect(&m_statusTimer, &QTimer::timeout, this, &SessionsRunner::printStatus);
    connect(&m_fleet, &harness::Fleet::snapshotUpdated, this, &SessionsRunner::snapshotArrived);
    connect(&m_fleet, &harness::Fleet::finished, this, [this] { conclude(false); });
}

SessionsRunner::~SessionsRunner() = default;

QString SessionsRunner::shownUrl() const
{
    // The query may carry a key (api-key=...): never shown.
    return m_options.fleet.url
        .adjusted(QUrl::RemoveQuery | QUrl::RemoveUserInfo | QUrl::RemoveFragment)
        .toString();
}

bool SessionsRunner::start(QString *error)
{
    if (!m_fleet.start(m_options.fleet, error))
        return false;
    if (m_options.durationSeconds > 0)
        m_durationTimer.start(std::chrono::milliseconds(qint64(m_options.durationSeconds * 1000)));
    m_fleet.addTimelineEvent(QStringLiteral("run.started"),
                             {{QStringLiteral("duration_s"), m_options.durationSeconds},
                              {QStringLiteral("connections"), m_options.fleet.sessions}});
    if (!m_options.quiet) {
        const harness::FleetConfig &f = m_options.fleet;
        const QString until = m_options.durationSeconds > 0
                                  ? QStringLiteral("for ") + secondsText(m_options.durationSeconds)
                                  : QStringLiteral("until Ctrl-C");
        const QString ping = f.pingIntervalSeconds > 0 ? QStringLiteral("ping every ") +
                                                             secondsText(f.pingIntervalSeconds)
                                                       : QStringLiteral("no pings");
        writeTo(stdout, QStringLiteral("sessions: %1 %2 to %3 %4, %5, traffic %6, reconnect %7; "
                                       "Ctrl-C stops and still reports\n")
                            .arg(f.sessions)
                            .arg(harness::sessionProtocolName(f.protocol), shownUrl(), until, ping,
                                 harness::trafficModeName(f.traffic),
                                 harness::reconnectModeName(f.reconnect.mode)));
        // A terminal gets a live line a few times a second; a log gets one every few seconds.
        m_statusTimer.start(std::chrono::milliseconds(
            m_tty ? 300 : qint64(m_options.statusIntervalSeconds * 1000)));
    }
    return true;
}

void SessionsRunner::handleSignal(int signo)
{
    const QString name = runtime::UnixSignalWatcher::signalName(signo);
    switch (m_fleet.state()) {
    case harness::Fleet::State::Running:
        stopFleet(name);
        break;
    case harness::Fleet::State::Stopping:
        // The user does not want to wait for close handshakes: report what is known now.
        if (!m_concluded) {
            clearStatusLine();
            writeTo(stdout, QStringLiteral("%1 again: not waiting for the close "
                                           "handshakes\n")
                                .arg(name));
            conclude(true);
        }
        break;
    case harness::Fleet::State::Idle:
    case harness::Fleet::State::Finished:
        break;
    }
}

void SessionsRunner::stopFleet(const QString &why)
{
    if (!m_fleet.isRunning())
        return;
    m_stopReason = why;
    m_durationTimer.stop();
    m_fleet.addTimelineEvent(QStringLiteral("run.stopping"), {{QStringLiteral("reason"), why}});
    if (!m_options.quiet) {
        clearStatusLine();
        const int open = m_fleet.snapshot().open;
        writeTo(stdout, open > 0 ? QStringLiteral("stopping (%1): closing %2 open sessions; "
                                                  "Ctrl-C again to stop waiting\n")
                                       .arg(why)
                                       .arg(open)
                                 : QStringLiteral("stopping (%1)\n").arg(why));
    }
    m_fleet.stop();
}

void SessionsRunner::snapshotArrived(const harness::FleetSnapshot &snapshot)
{
    // Nothing more can happen once every session closed for good: holding on would only delay
    // the answer (an unreachable URL would otherwise take the whole duration to report).
    if (m_fleet.isRunning() && snapshot.sessions > 0 && snapshot.closed == snapshot.sessions)
        stopFleet(QStringLiteral("every session closed"));
}

void SessionsRunner::printStatus()
{
    QString line = sessionsStatusLine(m_fleet.snapshot());
    if (m_fleet.state() == harness::Fleet::State::Stopping)
        line.prepend(QStringLiteral("stopping  "));
    if (m_tty) {
        writeTo(stdout, QStringLiteral("\r\x1b[K") + fitToWidth(line, terminalColumns() - 1));
        m_statusShown = true;
    } else {
        writeTo(stdout, line + QLatin1Char('\n'));
    }
}

void SessionsRunner::clearStatusLine()
{
    if (!m_statusShown)
        return;
    writeTo(stdout, QStringLiteral("\r\x1b[K"));
    m_statusShown = false;
}

QString SessionsRunner::firstConnectError() const
{
    for (const harness::SessionEvent &e : m_fleet.events()) {
        if (e.kind == harness::SessionEvent::Kind::ConnectFailed && !e.error.isEmpty())
            return e.error;
    }
    for (const harness::SessionRecord &r : m_fleet.sessions()) {
        if (!r.error.isEmpty())
            return r.error;
    }
    return {};
}

void SessionsRunner::conclude(bool interrupted)
{
    if (m_concluded)
        return;
    m_concluded = true;
    m_statusTimer.stop();
    m_durationTimer.stop();
    if (interrupted)
        m_fleet.addTimelineEvent(QStringLiteral("run.interrupted"),
                                 {{QStringLiteral("reason"),
                                   QStringLiteral("stopped before every close handshake ended")}});
    clearStatusLine();

    const harness::FleetSnapshot s = m_fleet.snapshot();
    // A blank line sets the table apart from the progress lines, when there were any.
    QString out = QStringLiteral("%1%2 sessions to %3 after %4 (%5):\n")
                      .arg(m_options.quiet ? QString() : QStringLiteral("\n"))
                      .arg(s.sessions)
                      .arg(shownUrl(), elapsedText(s.time),
                           m_stopReason.isEmpty() ? QStringLiteral("stopped") : m_stopReason);
    out += harness::summaryTable(s);
    if (s.connectFailures > 0)
        out += QStringLiteral("connect failures: %1 (first: %2)\n")
                   .arg(s.connectFailures)
                   .arg(firstConnectError());
    if (s.reconnects > 0)
        out += QStringLiteral("reconnects: %1, p50 %2 ms, p99 %3 ms\n")
                   .arg(s.reconnects)
                   .arg(s.reconnectMillis.p50)
                   .arg(s.reconnectMillis.p99);
    if (interrupted)
        out += QStringLiteral("interrupted: sessions still closing are shown as they were\n");
    if (m_fleet.droppedEvents() > 0)
        out += QStringLiteral("events.jsonl keeps the last %1 events (%2 older ones dropped)\n")
                   .arg(m_options.fleet.maxKeptEvents)
                   .arg(m_fleet.droppedEvents());

    int code = 0;
    if (!m_options.reportDir.isEmpty()) {
        QString error;
        if (m_fleet.exportReport(m_options.reportDir, &error)) {
            out += QStringLiteral("report: %1 (report.json, sessions.csv, events.jsonl)\n")
                       .arg(QDir::toNativeSeparators(m_options.reportDir));
        } else {
            writeTo(stderr, QStringLiteral("blueshift-server sessions: the report could not be "
                                           "written: %1\n")
                                .arg(error));
            code = 1;
        }
    }
    writeTo(stdout, out);
    if (s.opened == 0) {
        const QString why = firstConnectError();
        writeTo(stderr, QStringLiteral("blueshift-server sessions: no session opened: %1\n")
                            .arg(why.isEmpty() ? QStringLiteral("the run stopped before any "
                                                                "connection was made")
                                               : why));
        code = 1;
    }
    Q_EMIT done(code);
}

} // namespace blueshift::server
