#include "integrationsupport.h"

#include <QDir>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QTcpServer>
#include <QTest>

#include <csignal>

#include <sys/prctl.h>

namespace blueshift::itest {

QString serverBinary()
{
    return QStringLiteral(BLUESHIFT_BIN_DIR "/blueshift-server");
}

QString sourceFile(const QString &name)
{
    return QStringLiteral(BLUESHIFT_SOURCE_DIR "/tests/integration/") + name;
}

QString systemPython()
{
    return QStringLiteral("/usr/bin/python3");
}

QProcessEnvironment cleanEnvironment()
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    const QStringList keys = env.keys();
    for (const QString &k : keys) {
        if (k == QLatin1String("UPSTREAM_URL") || k == QLatin1String("UPSTREAM_API_KEY") ||
            k == QLatin1String("PORT") || k.startsWith(QLatin1String("CONTAINER_APP_")))
            env.remove(k);
    }
    return env;
}

bool waitForListening(quint16 port, int timeoutMs)
{
    return QTest::qWaitFor(
        [port] {
            QTcpSocket probe;
            probe.connectToHost(QHostAddress::LocalHost, port);
            return probe.waitForConnected(200);
        },
        timeoutMs);
}

quint16 unusedPort()
{
    QTcpServer server;
    if (!server.listen(QHostAddress::LocalHost, 0))
        return 0;
    const quint16 port = server.serverPort();
    server.close();
    return port;
}

// ---------------------------------------------------------------------------------------------

ServerProcess::ServerProcess(QString name, QObject *parent)
    : QObject(parent)
    , m_name(std::move(name))
{
    m_process.setProcessChannelMode(QProcess::SeparateChannels);
    connect(&m_process, &QProcess::readyReadStandardOutput, this, &ServerProcess::readOutput);
    connect(&m_process, &QProcess::readyReadStandardError, this, &ServerProcess::readOutput);
    connect(&m_process, &QProcess::finished, this, &ServerProcess::readOutput);
}

ServerProcess::~ServerProcess()
{
    kill();
}

void ServerProcess::start(const QString &program, const QStringList &args,
                          const QProcessEnvironment &env)
{
    m_process.setProcessEnvironment(env);
    // A test that crashes or is killed at its timeout must not leave servers behind.
    m_process.setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
    m_process.start(program, args);
}

bool ServerProcess::startUpstreamSim(const QStringList &args, const QProcessEnvironment &env)
{
    start(serverBinary(),
          QStringList{QStringLiteral("upstream-sim"), QStringLiteral("--listen"),
                      QStringLiteral("127.0.0.1:0")} +
              args,
          env);
    return waitForServerStarted();
}

bool ServerProcess::startRelay(const QString &upstreamUrl, const QStringList &args,
                               const QProcessEnvironment &env)
{
    QStringList all{QStringLiteral("relay"), QStringLiteral("--listen"),
                    QStringLiteral("127.0.0.1:0")};
    if (!upstreamUrl.isEmpty())
        all << QStringLiteral("--upstream") << upstreamUrl;
    start(serverBinary(), all + args, env);
    return waitForServerStarted();
}

bool ServerProcess::startPython(const QString &script, const QStringList &args)
{
    QProcessEnvironment env = cleanEnvironment();
    env.insert(QStringLiteral("PYTHONUNBUFFERED"), QStringLiteral("1"));
    env.insert(QStringLiteral("PYTHONDONTWRITEBYTECODE"), QStringLiteral("1"));
    start(systemPython(), QStringList{sourceFile(script)} + args, env);
    return waitForServerStarted();
}

bool ServerProcess::waitForServerStarted(int timeoutMs)
{
    return QTest::qWaitFor([this] { return m_port != 0 || !isRunning(); }, timeoutMs) &&
           m_port != 0;
}

bool ServerProcess::waitForEvent(const QString &event, int count, int timeoutMs)
{
    return QTest::qWaitFor([&] { return eventCount(event) >= count; }, timeoutMs);
}

bool ServerProcess::waitForExit(int timeoutMs)
{
    if (!QTest::qWaitFor([this] { return !isRunning(); }, timeoutMs))
        return false;
    readOutput();
    return true;
}

void ServerProcess::terminate()
{
    if (isRunning())
        m_process.terminate();
}

void ServerProcess::kill()
{
    if (!isRunning())
        return;
    m_process.kill();
    m_process.waitForFinished(5000);
    readOutput();
}

QString ServerProcess::wsUrl(const QString &path) const
{
    return QStringLiteral("ws://127.0.0.1:%1%2").arg(m_port).arg(path);
}

QList<QJsonObject> ServerProcess::events(const QString &name) const
{
    if (name.isEmpty())
        return m_events;
    QList<QJsonObject> out;
    for (const QJsonObject &e : m_events) {
        if (e.value(QLatin1String("event")).toString() == name)
            out.append(e);
    }
    return out;
}

qsizetype ServerProcess::indexOf(const QString &name) const
{
    for (qsizetype i = 0; i < m_events.size(); ++i) {
        if (m_events.at(i).value(QLatin1String("event")).toString() == name)
            return i;
    }
    return -1;
}

QByteArray ServerProcess::diagnostics() const
{
    // QTest cuts long failure messages: keep this short, the event names first.
    QByteArray out = m_name.toUtf8() + (isRunning() ? " (running)" : " (exited)");
    if (!isRunning())
        out += " exit code " + QByteArray::number(m_process.exitCode());
    out += "; events:";
    for (const QJsonObject &e : m_events)
        out += ' ' + e.value(QLatin1String("event")).toString().toUtf8();
    if (!m_stderr.isEmpty())
        out += "; stderr: " + m_stderr.right(300);
    if (!m_events.isEmpty())
        out += "; last: " +
               QJsonDocument(m_events.constLast()).toJson(QJsonDocument::Compact).left(300);
    return out;
}

// --log-format text: "<ts> <LEVEL> <event> [session=<id>] key=value key=\"value with spaces\"".
QJsonObject ServerProcess::parseTextLine(const QByteArray &line)
{
    QList<QByteArray> tokens;
    QByteArray current;
    bool quoted = false;
    for (const char c : line) {
        if (c == '"') {
            quoted = !quoted;
        } else if (c == ' ' && !quoted) {
            if (!current.isEmpty())
                tokens.append(current);
            current.clear();
        } else {
            current.append(c);
        }
    }
    if (!current.isEmpty())
        tokens.append(current);
    if (tokens.size() < 3 || !tokens.at(2).contains('.'))
        return {};
    QJsonObject event{{QStringLiteral("ts"), QString::fromUtf8(tokens.at(0))},
                      {QStringLiteral("level"), QString::fromUtf8(tokens.at(1)).toLower()},
                      {QStringLiteral("event"), QString::fromUtf8(tokens.at(2))}};
    for (qsizetype i = 3; i < tokens.size(); ++i) {
        const qsizetype eq = tokens.at(i).indexOf('=');
        if (eq <= 0)
            continue;
        const QString key = QString::fromUtf8(tokens.at(i).left(eq));
        const QByteArray value = tokens.at(i).mid(eq + 1);
        bool isNumber = false;
        const double number = value.toDouble(&isNumber);
        event.insert(key, isNumber ? QJsonValue(number) : QJsonValue(QString::fromUtf8(value)));
    }
    return event;
}

void ServerProcess::readOutput()
{
    m_stderr += m_process.readAllStandardError();
    const QByteArray chunk = m_process.readAllStandardOutput();
    if (chunk.isEmpty())
        return;
    m_stdout += chunk;
    m_partial += chunk;
    qsizetype nl;
    while ((nl = m_partial.indexOf('\n')) >= 0) {
        const QByteArray line = m_partial.left(nl).trimmed();
        m_partial.remove(0, nl + 1);
        if (line.isEmpty())
            continue;
        QJsonParseError error;
        const QJsonDocument doc = QJsonDocument::fromJson(line, &error);
        QJsonObject event;
        if (error.error == QJsonParseError::NoError && doc.isObject()) {
            event = doc.object();
        } else {
            m_nonJsonLines.append(line);
            event = parseTextLine(line);
            if (event.isEmpty())
                continue;
        }
        m_events.append(event);
        if (m_port == 0 &&
            event.value(QLatin1String("event")).toString() == QLatin1String("server.started"))
            m_port = quint16(event.value(QLatin1String("port")).toInt());
        Q_EMIT eventLogged(event);
    }
}

// ---------------------------------------------------------------------------------------------

RawWebSocket::RawWebSocket(QObject *parent)
    : QObject(parent)
{
    connect(&m_socket, &QTcpSocket::readyRead, this, &RawWebSocket::readData);
    connect(&m_socket, &QTcpSocket::disconnected, this, [this] {
        readData();
        Q_EMIT disconnected();
    });
}

bool RawWebSocket::handshake(quint16 port, const QByteArray &path, const Headers &headers,
                             const QByteArray &trailing, int timeoutMs)
{
    m_socket.connectToHost(QHostAddress::LocalHost, port);
    if (!m_socket.waitForConnected(timeoutMs))
        return false;
    QByteArray key(16, Qt::Uninitialized);
    for (char &c : key)
        c = char(QRandomGenerator::global()->bounded(256));
    QByteArray request =
        "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + QByteArray::number(port) +
        "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + key.toBase64() +
        "\r\nSec-WebSocket-Version: 13\r\n";
    for (const auto &h : headers)
        request += h.first + ": " + h.second + "\r\n";
    request += "\r\n";
    m_socket.write(request + trailing);
    return QTest::qWaitFor([this] { return m_headDone || isDisconnected(); }, timeoutMs) &&
           m_headDone;
}

QByteArray RawWebSocket::responseHeader(const QByteArray &name) const
{
    for (const auto &h : m_headers) {
        if (h.first.compare(name, Qt::CaseInsensitive) == 0)
            return h.second;
    }
    return QByteArray();
}

void RawWebSocket::sendRaw(const QByteArray &bytes)
{
    m_socket.write(bytes);
}

void RawWebSocket::sendFrame(quint8 opcode, const QByteArray &payload, bool fin, quint8 rsv)
{
    sendRaw(frame(opcode, payload, true, fin, rsv));
}

QByteArray RawWebSocket::frameHeader(quint8 opcode, quint64 length, bool masked, bool fin,
                                     quint8 rsv)
{
    QByteArray h;
    h.append(char((fin ? 0x80 : 0) | ((rsv & 7) << 4) | (opcode & 0x0F)));
    const char maskBit = masked ? char(0x80) : char(0);
    if (length < 126) {
        h.append(char(maskBit | char(length)));
    } else if (length <= 0xFFFF) {
        h.append(char(maskBit | 126));
        h.append(char(length >> 8));
        h.append(char(length & 0xFF));
    } else {
        h.append(char(maskBit | 127));
        for (int i = 7; i >= 0; --i)
            h.append(char((length >> (8 * i)) & 0xFF));
    }
    return h;
}

QByteArray RawWebSocket::frame(quint8 opcode, const QByteArray &payload, bool masked, bool fin,
                               quint8 rsv)
{
    QByteArray f = frameHeader(opcode, quint64(payload.size()), masked, fin, rsv);
    if (!masked)
        return f + payload;
    const quint32 keyValue = QRandomGenerator::global()->generate();
    const char key[4] = {char(keyValue >> 24), char(keyValue >> 16), char(keyValue >> 8),
                         char(keyValue)};
    f.append(key, 4);
    QByteArray body = payload;
    for (qsizetype i = 0; i < body.size(); ++i)
        body[i] = char(body[i] ^ key[i % 4]);
    return f + body;
}

QByteArray RawWebSocket::closePayload(int code, const QByteArray &reason)
{
    QByteArray p;
    p.append(char(code >> 8));
    p.append(char(code & 0xFF));
    return p + reason;
}

QList<RawFrame> RawWebSocket::dataFrames() const
{
    QList<RawFrame> out;
    for (const RawFrame &f : m_frames) {
        if (!(f.opcode & 0x8))
            out.append(f);
    }
    return out;
}

void RawWebSocket::readData()
{
    if (m_socket.isOpen())
        m_in += m_socket.readAll();
    if (!m_headDone) {
        const qsizetype end = m_in.indexOf("\r\n\r\n");
        if (end < 0)
            return;
        const QList<QByteArray> lines = m_in.left(end).split('\n');
        m_in.remove(0, end + 4);
        const QList<QByteArray> statusLine = lines.value(0).trimmed().split(' ');
        m_status = statusLine.value(1).toInt();
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const QByteArray line = lines.at(i).trimmed();
            const qsizetype colon = line.indexOf(':');
            if (colon > 0)
                m_headers.append({line.left(colon).trimmed(), line.mid(colon + 1).trimmed()});
        }
        m_headDone = true;
        if (m_status != 101) {
            m_in.clear(); // a body, not frames
            return;
        }
    }
    parseFrames();
}

bool RawWebSocket::takeFrame(QByteArray *buffer, RawFrame *out, bool *tooLarge)
{
    const QByteArray &in = *buffer;
    if (in.size() < 2)
        return false;
    const auto b0 = quint8(in.at(0));
    const auto b1 = quint8(in.at(1));
    quint64 length = b1 & 0x7F;
    qsizetype pos = 2;
    if (length == 126) {
        if (in.size() < 4)
            return false;
        length = (quint64(quint8(in.at(2))) << 8) | quint8(in.at(3));
        pos = 4;
    } else if (length == 127) {
        if (in.size() < 10)
            return false;
        length = 0;
        for (int i = 0; i < 8; ++i)
            length = (length << 8) | quint8(in.at(2 + i));
        pos = 10;
    }
    const bool masked = b1 & 0x80;
    QByteArray key;
    if (masked) {
        if (in.size() < pos + 4)
            return false;
        key = in.mid(pos, 4);
        pos += 4;
    }
    if (length > quint64(64 * 1024 * 1024)) {
        *tooLarge = true; // nothing in these tests is that large
        return false;
    }
    if (quint64(in.size() - pos) < length)
        return false;
    out->fin = b0 & 0x80;
    out->rsv = quint8((b0 >> 4) & 7);
    out->opcode = b0 & 0x0F;
    out->masked = masked;
    out->payload = in.mid(pos, qsizetype(length));
    if (masked) {
        for (qsizetype i = 0; i < out->payload.size(); ++i)
            out->payload[i] = char(out->payload[i] ^ key[i % 4]);
    }
    buffer->remove(0, pos + qsizetype(length));
    return true;
}

int RawWebSocket::closeCodeOf(const QByteArray &payload)
{
    return payload.size() >= 2 ? (quint8(payload.at(0)) << 8) | quint8(payload.at(1)) : 1005;
}

void RawWebSocket::parseFrames()
{
    RawFrame f;
    while (!m_protocolError && takeFrame(&m_in, &f, &m_protocolError)) {
        m_frames.append(f);
        if (f.opcode == 0x8) {
            m_closeReceived = true;
            m_closeCode = closeCodeOf(f.payload);
            m_closeReason = f.payload.mid(2);
            // Answer like a client would, then let the server close the TCP connection.
            m_socket.write(frame(0x8, f.payload.left(2)));
            Q_EMIT closeFrameReceived(m_closeCode, m_closeReason);
        }
        Q_EMIT frameReceived(f.opcode, f.payload);
    }
}

// ---------------------------------------------------------------------------------------------

CommandRun runServerCommand(const QString &subcommand, const QStringList &args, int timeoutMs)
{
    QProcess p;
    QProcessEnvironment env = cleanEnvironment();
    env.remove(QStringLiteral("QT_LOGGING_RULES"));
    p.setProcessEnvironment(env);
    p.start(serverBinary(), QStringList{subcommand} + args);
    CommandRun r;
    r.finished = p.waitForStarted(10000) &&
                 QTest::qWaitFor([&p] { return p.state() == QProcess::NotRunning; }, timeoutMs);
    if (!r.finished) {
        p.kill();
        p.waitForFinished(5000);
    }
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

HttpResult httpGet(quint16 port, const QByteArray &path, int timeoutMs)
{
    HttpResult result;
    QTcpSocket socket;
    QByteArray in;
    QObject::connect(&socket, &QTcpSocket::readyRead, &socket, [&] { in += socket.readAll(); });
    socket.connectToHost(QHostAddress::LocalHost, port);
    if (!socket.waitForConnected(timeoutMs))
        return result;
    socket.write("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + QByteArray::number(port) +
                 "\r\nConnection: close\r\n\r\n");
    const bool closed = QTest::qWaitFor(
        [&] { return socket.state() == QAbstractSocket::UnconnectedState; }, timeoutMs);
    in += socket.readAll();
    if (!closed)
        return result;
    const qsizetype end = in.indexOf("\r\n\r\n");
    if (end < 0)
        return result;
    result.status = in.left(in.indexOf("\r\n")).split(' ').value(1).toInt();
    result.body = in.mid(end + 4);
    return result;
}

double metricValue(const QByteArray &metrics, const QByteArray &series)
{
    const QList<QByteArray> lines = metrics.split('\n');
    const QByteArray prefix = series + ' ';
    for (const QByteArray &line : lines) {
        if (line.startsWith(prefix))
            return line.mid(series.size() + 1).trimmed().toDouble();
    }
    return -1;
}

} // namespace blueshift::itest
