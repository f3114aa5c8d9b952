#pragma once

#include <QObject>
#include <QProcess>
#include <QTimer>
#include <QUrl>

namespace blueshift::gui {

// `blueshift-server local` as a child of the console: started when no platform answers, watched
// without blocking (its server.started line says where its admin API is), and stopped with
// SIGTERM, a second SIGTERM (which skips the replicas' grace periods) and finally SIGKILL, each
// after a bound, so that quitting the console never hangs and never leaves it behind.
class LocalServerProcess : public QObject
{
    Q_OBJECT
public:
    enum class State { NotRunning, Starting, Running, Stopping };
    Q_ENUM(State)

    explicit LocalServerProcess(QObject *parent = nullptr);
    ~LocalServerProcess() override;

    // blueshift-server beside this program, else on PATH; empty when neither exists.
    static QString findServerProgram();

    void setProgram(const QString &program) { m_program = program; }
    QString program() const { return m_program; }
    // Bounds: how long start-up may take, and the waits before the second signal and SIGKILL.
    void setStartTimeoutMs(int ms) { m_startTimeoutMs = ms; }
    void setStopBoundsMs(int secondSignalMs, int killMs);

    // `local --admin HOST:PORT --state-dir DIR [--demo]`; started() or failed() follows.
    void start(const QString &adminHostPort, const QString &stateDir, bool demo);
    // Stops it (see above); stopped() follows, at once when it is not running.
    void stop();

    State state() const { return m_state; }
    qint64 processId() const { return m_process.processId(); }
    QUrl adminUrl() const { return m_adminUrl; }
    QString tokenFile() const { return m_tokenFile; }

Q_SIGNALS:
    void started(const QUrl &adminUrl, const QString &tokenFile);
    void failed(const QString &reason);
    // It exited: after stop(), or by itself (then `unexpected`).
    void stopped(int exitCode, bool unexpected);

private:
    void onReadyRead();
    void onFinished(int exitCode, QProcess::ExitStatus status);
    void onErrorOccurred(QProcess::ProcessError error);
    void sendTerm();
    QString stderrTail() const;

    QProcess m_process;
    QString m_program;
    State m_state = State::NotRunning;
    QByteArray m_partial;
    QByteArray m_stderr;
    QUrl m_adminUrl;
    QString m_tokenFile;
    QTimer m_startTimer;
    QTimer m_stopTimer;
    int m_startTimeoutMs = 30000;
    int m_secondSignalMs = 8000;
    int m_killMs = 4000;
    int m_stopStep = 0;
};

} // namespace blueshift::gui
