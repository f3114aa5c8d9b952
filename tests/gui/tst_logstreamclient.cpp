// LogStreamClient against an in-process WebSocket server on 127.0.0.1: it sends the token from
// its file, turns lines into entries without the token in them, reconnects with backoff after
// the server drops it, and does not show again the tail a reconnect replays.
#include "events/logstreamclient.h"

#include <QJsonDocument>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QWebSocket>
#include <QWebSocketServer>

using blueshift::gui::EventEntry;
using blueshift::gui::LogStreamClient;

namespace {
constexpr int kTimeout = 10000;
const QByteArray kToken = "tok-7f3a9c-secret";

QString line(int seq, const QString &event, const QString &extra = QString())
{
    QJsonObject o{{QStringLiteral("ts"),
                   QStringLiteral("2025-05-06T07:08:09.%1Z").arg(seq, 3, 10, QLatin1Char('0'))},
                  {QStringLiteral("received"),
                   QStringLiteral("2025-05-06T07:08:09.%1Z").arg(seq, 3, 10, QLatin1Char('0'))},
                  {QStringLiteral("seq"), seq},
                  {QStringLiteral("source"), QStringLiteral("platform")},
                  {QStringLiteral("event"), event}};
    if (!extra.isEmpty())
        o.insert(QStringLiteral("note"), extra);
    return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact));
}
} // namespace

class TestLogStreamClient : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void streamsReconnectsAndSkipsReplays();
    void keepsTryingWithoutATokenFile();
};

void TestLogStreamClient::streamsReconnectsAndSkipsReplays()
{
    QTemporaryDir dir;
    const QString tokenFile = dir.filePath(QStringLiteral("admin-token"));
    QFile f(tokenFile);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(kToken + '\n');
    f.close();

    QWebSocketServer server(QStringLiteral("logstream"), QWebSocketServer::NonSecureMode);
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    QList<QWebSocket *> accepted;
    QList<QByteArray> authorizations;
    int connection = 0;
    connect(&server, &QWebSocketServer::newConnection, this, [&] {
        QWebSocket *ws = server.nextPendingConnection();
        accepted.append(ws);
        authorizations.append(ws->request().rawHeader("Authorization"));
        ++connection;
        // Every connection replays the tail, as the platform does; the second adds one line.
        ws->sendTextMessage(line(1, QStringLiteral("platform.started")));
        ws->sendTextMessage(line(2, QStringLiteral("app.created"),
                                 QStringLiteral("saw ") + QString::fromUtf8(kToken)));
        if (connection == 2)
            ws->sendTextMessage(line(3, QStringLiteral("traffic.updated")));
    });

    LogStreamClient client;
    QList<EventEntry> received;
    connect(&client, &LogStreamClient::eventReceived, this,
            [&received](const EventEntry &e) { received.append(e); });
    client.start(
        QUrl(QStringLiteral("ws://127.0.0.1:%1/logstream?tail=500").arg(server.serverPort())),
        tokenFile);
    QTRY_COMPARE_WITH_TIMEOUT(received.size(), 2, kTimeout);
    QCOMPARE(client.state(), LogStreamClient::State::Connected);
    QCOMPARE(authorizations.value(0), QByteArray("Bearer " + kToken));
    QCOMPARE(received.at(0).event, QStringLiteral("platform.started"));
    QVERIFY(!received.at(1).text.contains(QString::fromUtf8(kToken)));
    QVERIFY(received.at(1).text.contains(QLatin1String("[REDACTED]")));

    // The server drops the connection: the client comes back by itself, and of the replayed
    // tail only the new line is shown.
    accepted.constFirst()->close(QWebSocketProtocol::CloseCodeGoingAway);
    QTRY_VERIFY_WITH_TIMEOUT(client.state() != LogStreamClient::State::Connected, kTimeout);
    QTRY_COMPARE_WITH_TIMEOUT(connection, 2, kTimeout);
    QTRY_COMPARE_WITH_TIMEOUT(received.size(), 3, kTimeout);
    QCOMPARE(received.at(2).event, QStringLiteral("traffic.updated"));
    QCOMPARE(client.state(), LogStreamClient::State::Connected);
    QCOMPARE(client.attempts(), 0); // reset once connected

    client.stop();
    QCOMPARE(client.state(), LogStreamClient::State::Stopped);
    qDeleteAll(accepted);
}

void TestLogStreamClient::keepsTryingWithoutATokenFile()
{
    QTemporaryDir dir;
    LogStreamClient client;
    QSignalSpy states(&client, &LogStreamClient::stateChanged);
    client.start(QUrl(QStringLiteral("ws://127.0.0.1:9/logstream")),
                 dir.filePath(QStringLiteral("missing")));
    QCOMPARE(client.state(), LogStreamClient::State::Waiting);
    // Backoff: it retries, and the attempts grow without a connection.
    QTRY_VERIFY_WITH_TIMEOUT(client.attempts() >= 2, kTimeout);
    client.stop();
    QCOMPARE(client.state(), LogStreamClient::State::Stopped);
}

QTEST_MAIN(TestLogStreamClient)
#include "tst_logstreamclient.moc"
