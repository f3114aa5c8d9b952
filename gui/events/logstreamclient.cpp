#include "logstreamclient.h"

#include "app/guilog.h"
#include "app/platformtarget.h"

#include "harness/backoff.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkRequest>
#include <QRandomGenerator>
#include <QWebSocket>

namespace blueshift::gui {

namespace {
harness::ReconnectPolicy retryPolicy()
{
    harness::ReconnectPolicy p;
    p.mode = harness::ReconnectMode::Backoff;
    p.initialSeconds = 0.5;
    p.multiplier = 2.0;
    p.maxSeconds = 15.0;
    p.jitter = 0.2;
    p.maxAttempts = 0;
    return p;
}

QString fieldText(const QJsonValue &v)
{
    if (v.isString()) {
        const QString s = v.toString();
        return s.contains(QLatin1Char(' ')) ? QLatin1Char('"') + s + QLatin1Char('"') : s;
    }
    if (v.isDouble()) {
        const double d = v.toDouble();
        return d == double(qint64(d)) ? QString::number(qint64(d)) : QString::number(d);
    }
    if (v.isBool())
        return v.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    if (v.isNull())
        return QStringLiteral("null");
    return QString::fromUtf8(v.isArray()
                                 ? QJsonDocument(v.toArray()).toJson(QJsonDocument::Compact)
                                 : QJsonDocument(v.toObject()).toJson(QJsonDocument::Compact));
}
} // namespace

LogStreamClient::LogStreamClient(QObject *parent)
    : QObject(parent)
{
    m_retryTimer.setSingleShot(true);
    connect(&m_retryTimer, &QTimer::timeout, this, &LogStreamClient::connectNow);
}

LogStreamClient::~LogStreamClient()
{
    if (m_socket)
        m_socket->disconnect(this);
}

void LogStreamClient::setState(State state, const QString &text)
{
    m_state = state;
    Q_EMIT stateChanged(state, text);
}

void LogStreamClient::start(const QUrl &url, const QString &tokenFile)
{
    stop();
    m_url = url;
    m_tokenFile = tokenFile;
    m_attempt = 0;
    connectNow();
}

void LogStreamClient::stop()
{
    m_retryTimer.stop();
    m_url.clear();
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->abort();
        m_socket->deleteLater();
        m_socket = nullptr;
    }
    if (m_state != State::Stopped)
        setState(State::Stopped, tr("Log stream stopped"));
}

void LogStreamClient::connectNow()
{
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->deleteLater();
        m_socket = nullptr;
    }
    QByteArray token;
    QString error;
    if (!readTokenFile(m_tokenFile, &token, &error)) {
        qCDebug(lcGui) << "log stream:" << error;
        onDisconnected(); // schedules the next attempt; the token file may appear
        return;
    }
    m_redactor.addSecret(token);
    m_socket = new QWebSocket(QString(), QWebSocketProtocol::VersionLatest, this);
    connect(m_socket, &QWebSocket::connected, this, [this] {
        m_attempt = 0;
        setState(State::Connected, tr("Log stream connected"));
    });
    connect(m_socket, &QWebSocket::textMessageReceived, this, &LogStreamClient::onTextMessage);
    connect(m_socket, &QWebSocket::disconnected, this, &LogStreamClient::onDisconnected);
    // A refused connection or handshake reports an error and may never say disconnected.
    connect(m_socket, qOverload<QAbstractSocket::SocketError>(&QWebSocket::error), this,
            &LogStreamClient::onDisconnected);
    QNetworkRequest request(m_url);
    request.setRawHeader("Authorization", "Bearer " + token);
    setState(State::Connecting, tr("Log stream connecting"));
    m_socket->open(request);
}

void LogStreamClient::onDisconnected()
{
    if (m_retryTimer.isActive() || m_url.isEmpty())
        return; // already scheduled (an error and a disconnect for one loss), or stopped
    const double delay = harness::reconnectDelay(retryPolicy(), ++m_attempt,
                                                 QRandomGenerator::global()->generateDouble());
    qCDebug(lcGui) << "log stream lost; retry" << m_attempt << "in" << delay << "s";
    m_retryTimer.start(int(delay * 1000));
    setState(State::Waiting, tr("Log stream lost; reconnecting in %1 s").arg(delay, 0, 'f', 1));
}

void LogStreamClient::onTextMessage(const QString &message)
{
    const QJsonObject o = QJsonDocument::fromJson(message.toUtf8()).object();
    if (o.isEmpty())
        return;
    // The stream replays its tail on every connection: skip what was shown already. A restarted
    // platform counts seq from 1 again, but its lines are newer.
    const QString received = o.value(QStringLiteral("received")).toString();
    const double seq = o.value(QStringLiteral("seq")).toDouble(-1);
    if (!received.isEmpty()) {
        if (received < m_lastReceived || (received == m_lastReceived && seq <= m_lastSeq))
            return;
        m_lastReceived = received;
        m_lastSeq = seq;
    }
    Q_EMIT eventReceived(entryFromJson(o, m_redactor));
}

EventEntry LogStreamClient::entryFromJson(const QJsonObject &line,
                                          const telemetry::Redactor &redactor)
{
    EventEntry e;
    QString ts = line.value(QStringLiteral("ts")).toString();
    if (ts.isEmpty())
        ts = line.value(QStringLiteral("received")).toString();
    e.time = QDateTime::fromString(ts, Qt::ISODateWithMs);
    if (!e.time.isValid())
        e.time = QDateTime::currentDateTimeUtc();
    e.source = line.value(QStringLiteral("source")).toString(QStringLiteral("platform"));
    e.event = redactor.redact(line.value(QStringLiteral("event")).toString());
    e.revision = line.value(QStringLiteral("revision")).toString();
    e.level = line.value(QStringLiteral("level")).toString().toLower();
    if (e.level.isEmpty())
        e.level = e.source == QLatin1String("replica.stderr") ? QStringLiteral("warning")
                                                              : QStringLiteral("info");
    if (e.event.isEmpty())
        e.event = e.source == QLatin1String("platform") ? QStringLiteral("platform")
                                                        : QStringLiteral("output");
    // Each value is redacted on its own: the field names stay readable (a close "code=1001" is
    // not a credential), while tokens and credential-looking values inside a value are masked.
    QStringList parts;
    if (line.contains(QStringLiteral("line")))
        parts.append(redactor.redact(line.value(QStringLiteral("line")).toString()));
    static const QStringList shown = {QStringLiteral("ts"),       QStringLiteral("received"),
                                      QStringLiteral("seq"),      QStringLiteral("source"),
                                      QStringLiteral("event"),    QStringLiteral("level"),
                                      QStringLiteral("revision"), QStringLiteral("line")};
    for (auto it = line.constBegin(); it != line.constEnd(); ++it) {
        if (shown.contains(it.key()))
            continue;
        const QString value = telemetry::Redactor::isSecretName(it.key())
                                  ? QString(telemetry::Redactor::mask)
                                  : redactor.redact(fieldText(it.value()));
        parts.append(redactor.redact(it.key()) + QLatin1Char('=') + value);
    }
    e.text = parts.join(QLatin1Char(' '));
    return e;
}

} // namespace blueshift::gui
