#pragma once

// What the integration tests share: real processes on 127.0.0.1 that print one JSON object per
// line (blueshift-server relay / upstream-sim, and the Python peers beside this file), a
// WebSocket client over a bare QTcpSocket that can send frames no proper client would, and a
// small HTTP GET for /readyz and /metrics. Everything waits on events with a bounded timeout.

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QPair>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <QTcpSocket>

namespace blueshift::itest {

// build/bin/blueshift-server
QString serverBinary();
// A file beside the tests' sources, e.g. pyupstream.py.
QString sourceFile(const QString &name);
// Debian's interpreter: the one that has python3-websockets (a pyenv python3 on PATH may not).
QString systemPython();
// The environment without anything that would change a relay's configuration behind a test's
// back (UPSTREAM_URL, UPSTREAM_API_KEY, PORT, CONTAINER_APP_*).
QProcessEnvironment cleanEnvironment();
// A port on 127.0.0.1 where nothing listens (bound, then released).
quint16 unusedPort();
// True once a TCP connection to 127.0.0.1:port is accepted (bounded): for servers that announce
// themselves before they listen (a uvicorn app prints its line before uvicorn binds).
bool waitForListening(quint16 port, int timeoutMs = 20000);

// A child process that logs one JSON object per line on stdout. Killed when destroyed, so a
// test that fails half-way leaves nothing running.
class ServerProcess : public QObject
{
    Q_OBJECT
public:
    explicit ServerProcess(QString name, QObject *parent = nullptr);
    ~ServerProcess() override;

    // `blueshift-server upstream-sim --listen 127.0.0.1:0 <args>`, until server.started.
    bool startUpstreamSim(const QStringList &args = {},
                          const QProcessEnvironment &env = cleanEnvironment());
    // `blueshift-server relay --listen 127.0.0.1:0 --upstream <url> <args>`, until server.started.
    // An empty url leaves --upstream out (for UPSTREAM_URL).
    bool startRelay(const QString &upstreamUrl, const QStringList &args = {},
                    const QProcessEnvironment &env = cleanEnvironment());
    // `/usr/bin/python3 <script> <args>`, until its server.started line.
    bool startPython(const QString &script, const QStringList &args = {});
    // Any program; does not wait.
    void start(const QString &program, const QStringList &args,
               const QProcessEnvironment &env = cleanEnvironment());

    bool waitForServerStarted(int timeoutMs = 10000);
    bool waitForEvent(const QString &event, int count = 1, int timeoutMs = 10000);
    bool waitForExit(int timeoutMs = 10000);

    void terminate(); // SIGTERM
    void kill();

    quint16 port() const { return m_port; }
    qint64 processId() const { return m_process.processId(); }
    QString wsUrl(const QString &path = QStringLiteral("/")) const;
    bool isRunning() const { return m_process.state() != QProcess::NotRunning; }
    int exitCode() const { return m_process.exitCode(); }
    QProcess::ExitStatus exitStatus() const { return m_process.exitStatus(); }

    // Events logged so far; with a name, only those.
    QList<QJsonObject> events(const QString &name = QString()) const;
    qsizetype eventCount(const QString &name) const { return events(name).size(); }
    // Index in the log of the first event with this name, -1 if none.
    qsizetype indexOf(const QString &name) const;
    QByteArray standardOutput() const { return m_stdout; }
    QByteArray standardError() const { return m_stderr; }
    // Lines that were not JSON (--log-format text, Python tracebacks ...).
    QList<QByteArray> nonJsonLines() const { return m_nonJsonLines; }
    // Name, state, stderr and the last lines of stdout: for failure messages.
    QByteArray diagnostics() const;

    // One line of --log-format text as the event it describes; empty if it is not one.
    static QJsonObject parseTextLine(const QByteArray &line);

Q_SIGNALS:
    void eventLogged(const QJsonObject &event);

private:
    void readOutput();

    QString m_name;
    QProcess m_process;
    QByteArray m_stdout;
    QByteArray m_stderr;
    QByteArray m_partial;
    QList<QJsonObject> m_events;
    QList<QByteArray> m_nonJsonLines;
    quint16 m_port = 0;
};

// One received WebSocket frame.
struct RawFrame
{
    quint8 opcode = 0;
    bool fin = true;
    quint8 rsv = 0;
    bool masked = false;
    QByteArray payload;
};

// A WebSocket client over QTcpSocket: the handshake is written by hand and so is every frame,
// which lets a test send what QWebSocket never would (unmasked frames, reserved bits, only the
// header of a huge frame, bytes pipelined behind the upgrade request).
class RawWebSocket : public QObject
{
    Q_OBJECT
public:
    using Headers = QList<QPair<QByteArray, QByteArray>>;

    explicit RawWebSocket(QObject *parent = nullptr);

    // Connects, writes the upgrade request (plus `trailing` in the same write) and waits for the
    // response head. True once a head arrived, whatever its status.
    bool handshake(quint16 port, const QByteArray &path = QByteArrayLiteral("/ws"),
                   const Headers &headers = {}, const QByteArray &trailing = {},
                   int timeoutMs = 5000);
    int status() const { return m_status; }
    QByteArray responseHeader(const QByteArray &name) const;

    void sendRaw(const QByteArray &bytes);
    void sendFrame(quint8 opcode, const QByteArray &payload, bool fin = true, quint8 rsv = 0);

    // A client frame: masked unless told otherwise. `rsv` is the three RSV bits (4 = RSV1).
    static QByteArray frame(quint8 opcode, const QByteArray &payload, bool masked = true,
                            bool fin = true, quint8 rsv = 0);
    // Only a header announcing `length` payload bytes.
    static QByteArray frameHeader(quint8 opcode, quint64 length, bool masked = true,
                                  bool fin = true, quint8 rsv = 0);
    static QByteArray closePayload(int code, const QByteArray &reason = {});
    // Removes one complete frame from the front of `buffer` (unmasking it); false when the buffer
    // holds no complete frame, or one announcing more than 64 MiB (then `*tooLarge`).
    static bool takeFrame(QByteArray *buffer, RawFrame *out, bool *tooLarge);
    // The code in a close frame's payload; 1005 when it has none.
    static int closeCodeOf(const QByteArray &payload);

    const QList<RawFrame> &frames() const { return m_frames; }
    // Data frames only, in arrival order.
    QList<RawFrame> dataFrames() const;
    bool closeReceived() const { return m_closeReceived; }
    int closeCode() const { return m_closeCode; }
    QByteArray closeReason() const { return m_closeReason; }
    // Bytes written but not yet taken by the kernel.
    qint64 bytesToWrite() const { return m_socket.bytesToWrite(); }
    bool isDisconnected() const { return m_socket.state() == QAbstractSocket::UnconnectedState; }
    bool protocolError() const { return m_protocolError; }

Q_SIGNALS:
    void frameReceived(int opcode, const QByteArray &payload);
    void closeFrameReceived(int code, const QByteArray &reason);
    void disconnected();

private:
    void readData();
    void parseFrames();

    QTcpSocket m_socket;
    QByteArray m_in;
    bool m_headDone = false;
    int m_status = 0;
    Headers m_headers;
    QList<RawFrame> m_frames;
    bool m_closeReceived = false;
    int m_closeCode = 0;
    QByteArray m_closeReason;
    bool m_protocolError = false;
};

struct HttpResult
{
    int status = 0; // 0: no answer
    QByteArray body;
};

// GET over a fresh connection with "Connection: close".
HttpResult httpGet(quint16 port, const QByteArray &path, int timeoutMs = 5000);

// One run of `blueshift-server SUBCOMMAND ARGS` to its end, as a user runs it (without ctest's
// logging rules), waiting on the event loop so that other processes' output keeps flowing.
struct CommandRun
{
    bool finished = false; // false: killed at the timeout
    int exitCode = -1;     // -1: crashed
    QByteArray out;
    QByteArray err;
    QByteArray diagnostics() const { return "stdout:\n" + out + "\nstderr:\n" + err; }
};
CommandRun runServerCommand(const QString &subcommand, const QStringList &args, int timeoutMs);

// The value of one Prometheus series (the exact text before the value, labels included),
// or -1 when the body has no such line.
double metricValue(const QByteArray &metrics, const QByteArray &series);

} // namespace blueshift::itest
