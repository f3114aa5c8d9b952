#include "platformeventstream.h"

#include <QJsonDocument>
#include <QNetworkRequest>
#include <QUrlQuery>
#include <QWebSocket>

namespace blueshift::rollout {

PlatformEventStream::PlatformEventStream(controlplane::ArmEndpoint endpoint, QString app,
                                         QObject *parent)
    : QObject(parent)
    , m_endpoint(std::move(endpoint))
    , m_app(std::move(app))
{}

PlatformEventStream::~PlatformEventStream()
{
    close();
}

void PlatformEventStream::open()
{
    QUrl url = m_endpoint.baseUrl;
    url.setScheme(url.scheme() == QLatin1String("https") ? QStringLiteral("wss")
                                                         : QStringLiteral("ws"));
    url.setPath(QStringLiteral("/logstream"));
    QUrlQuery query;
    query.addQueryItem(QStringLiteral("app"), m_app);
    // Only what happens from now on: the run's timeline starts here.
    query.addQueryItem(QStringLiteral("tail"), QStringLiteral("0"));
    url.setQuery(query);
    auto connectWith = [this, url](const QByteArray &token) {
        auto *ws = new QWebSocket(QString(), QWebSocketProtocol::VersionLatest, this);
        m_socket = ws;
        connect(ws, &QWebSocket::connected, this, [this] {
            m_connected = true;
            Q_EMIT connected();
        });
        connect(ws, &QWebSocket::textMessageReceived, this, &PlatformEventStream::onMessage);
        connect(ws, qOverload<QAbstractSocket::SocketError>(&QWebSocket::error), this,
                [this, ws](QAbstractSocket::SocketError) { fail(ws->errorString()); });
        connect(ws, &QWebSocket::disconnected, this, [this, ws] {
            const bool wasConnected = m_connected;
            m_connected = false;
            if (!m_closing)
                fail(wasConnected
                         ? QStringLiteral("the event stream closed (%1)")
                               .arg(ws->closeReason().isEmpty() ? QString::number(ws->closeCode())
                                                                : ws->closeReason())
                         : QStringLiteral("the event stream refused the connection"));
        });
        QNetworkRequest request(url);
        if (!token.isEmpty())
            request.setRawHeader("Authorization", "Bearer " + token);
        ws->open(request);
    };
    if (!m_endpoint.token) {
        connectWith(QByteArray());
        return;
    }
    QPointer<PlatformEventStream> self(this);
    m_endpoint.token([self, connectWith](QByteArray token, QString error) {
        if (!self)
            return;
        if (!error.isEmpty()) {
            self->fail(error);
            return;
        }
        connectWith(token);
    });
}

void PlatformEventStream::close()
{
    m_closing = true;
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->close();
        m_socket->deleteLater();
    }
    m_connected = false;
}

void PlatformEventStream::fail(const QString &why)
{
    if (m_closing)
        return;
    m_closing = true;
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->abort();
        m_socket->deleteLater();
    }
    m_connected = false;
    Q_EMIT failed(why);
}

bool PlatformEventStream::isTimelineEvent(const QJsonObject &entry)
{
    const QString source = entry.value(QStringLiteral("source")).toString();
    const QString event = entry.value(QStringLiteral("event")).toString();
    if (event.isEmpty())
        return false;
    if (source == QLatin1String("platform"))
        return true;
    if (source != QLatin1String("replica"))
        return false;
    static const QStringList lifecycle{
        QStringLiteral("server.started"), QStringLiteral("signal.received"),
        QStringLiteral("drain.started"),  QStringLiteral("drain.completed"),
        QStringLiteral("server.stopped"),
    };
    return lifecycle.contains(event);
}

QJsonObject PlatformEventStream::timelineFields(const QJsonObject &entry)
{
    QJsonObject fields = entry;
    for (const char *key : {"ts", "seq", "received", "event", "time"})
        fields.remove(QLatin1String(key));
    return fields;
}

void PlatformEventStream::onMessage(const QString &text)
{
    const QJsonObject entry = QJsonDocument::fromJson(text.toUtf8()).object();
    if (!isTimelineEvent(entry))
        return;
    QDateTime time =
        QDateTime::fromString(entry.value(QStringLiteral("ts")).toString(), Qt::ISODateWithMs);
    if (!time.isValid())
        time = QDateTime::currentDateTimeUtc();
    Q_EMIT eventReceived(entry.value(QStringLiteral("event")).toString(), time,
                         timelineFields(entry));
}

} // namespace blueshift::rollout
