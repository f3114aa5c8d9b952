#include "localserverprocess.h"

#include "guilog.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QStandardPaths>

#include <csignal>
#ifdef Q_OS_LINUX
#include <sys/prctl.h>
#endif

namespace blueshift::gui {

LocalServerProcess::LocalServerProcess(QObject *parent)
    : QObject(parent)
{
    m_process.setProcessChannelMode(QProcess::SeparateChannels);
#ifdef Q_OS_LINUX
    // Should the console die without stopping it, the platform still gets SIGTERM and drains.
    m_process.setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGTERM); });
#endif
    connect(&m_process, &QProcess::readyReadStandardOutput, this, &LocalServerProcess::onReadyRead);
    connect(&m_process, &QProcess::readyReadStandardError, this, [this] {
        m_stderr += m_process.readAllStandardError();
        if (m_stderr.size() > 16384)
            m_stderr = m_stderr.right(8192);
    });
    connect(&m_process, &QProcess::finished, this, &LocalServerProcess::onFinished);
    connect(&m_process, &QProcess::errorOccurred, this, &LocalServerProcess::onErrorOccurred);
    m_startTimer.setSingleShot(true);
    connect(&m_startTimer, &QTimer::timeout, this, [this] {
        if (m_state != State::Starting)
            return;
        const QString reason =
            QStringLiteral("blueshift-server local did not start within %1 s%2")
                .arg(m_startTimeoutMs / 1000)
                .arg(stderrTail().isEmpty() ? QString() : QStringLiteral(": ") + stderrTail());
        stop();
        Q_EMIT failed(reason);
    });
    m_stopTimer.setSingleShot(true);
    connect(&m_stopTimer, &QTimer::timeout, this, [this] {
        if (m_process.state() == QProcess::NotRunning)
            return;
        if (++m_stopStep == 1) {
            qCDebug(lcGui) << "local platform still running; second SIGTERM";
            sendTerm();
            m_stopTimer.start(m_killMs);
        } else {
            qCWarning(lcGui) << "local platform did not stop; killing it";
            m_process.kill();
        }
    });
}

LocalServerProcess::~LocalServerProcess()
{
    // An owner that did not wait for stopped(): QProcess's own destructor kills the child (never
    // leave a platform behind); it must not call back into this half-destroyed object.
    m_process.disconnect(this);
}

QString LocalServerProcess::findServerProgram()
{
    const QString beside =
        QDir(QCoreApplication::applicationDirPath()).filePath(QStringLiteral("blueshift-server"));
    if (QFileInfo(beside).isExecutable())
        return beside;
    return QStandardPaths::findExecutable(QStringLiteral("blueshift-server"));
}

void LocalServerProcess::setStopBoundsMs(int secondSignalMs, int killMs)
{
    m_secondSignalMs = secondSignalMs;
    m_killMs = killMs;
}

void LocalServerProcess::start(const QString &adminHostPort, const QString &stateDir, bool demo)
{
    if (m_state != State::NotRunning)
        return;
    if (m_program.isEmpty())
        m_program = findServerProgram();
    if (m_program.isEmpty()) {
        Q_EMIT failed(QStringLiteral("cannot find blueshift-server beside %1 or on PATH")
                          .arg(QCoreApplication::applicationDirPath()));
        return;
    }
    QStringList args{QStringLiteral("local"), QStringLiteral("--admin"), adminHostPort,
                     QStringLiteral("--state-dir"), stateDir};
    if (demo)
        args.append(QStringLiteral("--demo"));
    m_partial.clear();
    m_stderr.clear();
    m_adminUrl.clear();
    m_tokenFile.clear();
    m_stopStep = 0;
    m_state = State::Starting;
    qCDebug(lcGui) << "starting" << m_program << args;
    m_process.start(m_program, args);
    m_startTimer.start(m_startTimeoutMs);
}

void LocalServerProcess::stop()
{
    m_startTimer.stop();
    if (m_process.state() == QProcess::NotRunning) {
        if (m_state != State::NotRunning) {
            m_state = State::NotRunning;
            Q_EMIT stopped(0, false);
        }
        return;
    }
    if (m_state == State::Stopping)
        return;
    m_state = State::Stopping;
    m_stopStep = 0;
    sendTerm();
    m_stopTimer.start(m_secondSignalMs);
}

void LocalServerProcess::sendTerm()
{
    if (m_process.state() == QProcess::Running)
        m_process.terminate(); // SIGTERM on Unix
}

void LocalServerProcess::onReadyRead()
{
    m_partial += m_process.readAllStandardOutput();
    qsizetype nl;
    while ((nl = m_partial.indexOf('\n')) >= 0) {
        const QByteArray line = m_partial.left(nl);
        m_partial.remove(0, nl + 1);
        if (m_state != State::Starting)
            continue; // the platform's own log; the console reads the log stream instead
        const QJsonObject o = QJsonDocument::fromJson(line).object();
        if (o.value(QStringLiteral("event")).toString() != QLatin1String("server.started"))
            continue;
        m_adminUrl = QUrl(o.value(QStringLiteral("admin")).toString());
        m_tokenFile = o.value(QStringLiteral("token_file")).toString();
        m_startTimer.stop();
        if (!m_adminUrl.isValid() || m_tokenFile.isEmpty()) {
            stop();
            Q_EMIT failed(QStringLiteral("blueshift-server local started without saying where its "
                                         "admin API is"));
            return;
        }
        m_state = State::Running;
        qCDebug(lcGui) << "local platform started at" << m_adminUrl.toString();
        Q_EMIT started(m_adminUrl, m_tokenFile);
    }
    // A line without an end is the platform's log misbehaving; keep memory bounded.
    if (m_partial.size() > 65536)
        m_partial.clear();
}

void LocalServerProcess::onFinished(int exitCode, QProcess::ExitStatus status)
{
    m_startTimer.stop();
    m_stopTimer.stop();
    m_stderr += m_process.readAllStandardError();
    const State was = m_state;
    m_state = State::NotRunning;
    const int code = status == QProcess::CrashExit ? -1 : exitCode;
    qCDebug(lcGui) << "local platform exited with" << code;
    if (was == State::Starting) {
        Q_EMIT failed(
            QStringLiteral("blueshift-server local exited with code %1%2")
                .arg(code)
                .arg(stderrTail().isEmpty() ? QString() : QStringLiteral(": ") + stderrTail()));
    }
    Q_EMIT stopped(code, was != State::Stopping);
}

void LocalServerProcess::onErrorOccurred(QProcess::ProcessError error)
{
    if (error != QProcess::FailedToStart)
        return;
    m_startTimer.stop();
    m_state = State::NotRunning;
    Q_EMIT failed(QStringLiteral("cannot start %1: %2").arg(m_program, m_process.errorString()));
}

QString LocalServerProcess::stderrTail() const
{
    const QList<QByteArray> lines = m_stderr.trimmed().split('\n');
    return lines.isEmpty() ? QString() : QString::fromUtf8(lines.constLast()).trimmed();
}

} // namespace blueshift::gui
