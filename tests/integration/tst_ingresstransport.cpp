// The ingress's transports and timeouts against real processes: http2 (plain requests 200,
// every upgrade 502, the Container Apps failure), tcp (raw bytes from the first one, weighted,
// nothing added), the idle timeout (a silent tunnel is cut, an active one is not), and TLS on
// the client side (https and wss with a certificate made here by the openssl CLI).
#include "ingresstestsupport.h"

#include "net/tlscontext.h"

#include <QElapsedTimer>
#include <QNetworkProxy>
#include <QSignalSpy>
#include <QSslConfiguration>
#include <QSslSocket>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>
#include <QWebSocket>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace blueshift;
using namespace blueshift::itest;

namespace {
// A raw TCP backend: says its name on a line, then echoes every byte.
class NamedEchoServer : public QTcpServer
{
public:
    explicit NamedEchoServer(QByteArray name)
        : m_name(std::move(name))
    {
        connect(this, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *s = nextPendingConnection()) {
                connect(s, &QTcpSocket::readyRead, s, [s] { s->write(s->readAll()); });
                connect(s, &QTcpSocket::disconnected, s, &QObject::deleteLater);
                s->write(m_name + '\n');
            }
        });
    }

private:
    QByteArray m_name;
};
} // namespace

class TestIngressTransport : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void http2AnswersPlainRequestsButNotUpgrades();
    void httpStreamsPlainResponses();
    void tcpTunnelsRawBytes();
    void tcpAddsNothingToAWebSocket();
    void idleTimeoutCutsSilentTunnelsOnly();
    void slowReaderLosesNothing();
    void stalledBackendPausesTheClient();
    void halfClosedClientStillGetsItsAnswer();
    void tlsOnTheClientSide();

private:
    std::shared_ptr<ingress::AppRoutes> blueOnly(model::Transport transport) const
    {
        auto r = appRoutes({revisionOf(QStringLiteral("demo--blue"), 100, {m_blueReplica})});
        r->transport = transport;
        return r;
    }

    ServerProcess m_upstream{QStringLiteral("upstream-sim")};
    ServerProcess m_blue{QStringLiteral("relay demo--blue-1")};
    ingress::ReplicaRoute m_blueReplica;
    QTemporaryDir m_pki;
};

void TestIngressTransport::initTestCase()
{
    QNetworkProxy::setApplicationProxy(QNetworkProxy::NoProxy);
    QVERIFY2(m_upstream.startUpstreamSim({QStringLiteral("--mode"), QStringLiteral("echo")}),
             m_upstream.diagnostics().constData());
    QVERIFY(startEchoRelay(m_blue, m_upstream.port(), QStringLiteral("demo--blue"),
                           QStringLiteral("demo--blue-1")));
    m_blueReplica = replicaAt(QStringLiteral("demo--blue-1"), m_blue.port());
}

void TestIngressTransport::http2AnswersPlainRequestsButNotUpgrades()
{
    auto ing = startIngress(blueOnly(model::Transport::Http2));
    QVERIFY(ing);
    const Exchange health = exchange(ing->port(), getRequest("/healthz"));
    QCOMPARE(health.status, 200);
    QCOMPARE(health.header("X-Blueshift-Revision"), QByteArray("demo--blue"));

    const qsizetype sessionsBefore = m_blue.eventCount(QStringLiteral("client.connected"));
    for (int i = 0; i < 5; ++i) {
        const Exchange upgrade = exchange(ing->port(), upgradeRequest());
        QCOMPARE(upgrade.status, 502);
        QVERIFY(upgrade.closed);
    }
    // A reference client sees the same: no WebSocket.
    QWebSocket ws;
    QSignalSpy disconnected(&ws, &QWebSocket::disconnected);
    ws.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/ws").arg(ing->port())));
    QTRY_COMPARE(disconnected.size(), 1);
    QVERIFY(ws.state() != QAbstractSocket::ConnectedState);

    QCOMPARE(ing->stats().badGateway, 6u);
    QCOMPARE(ing->stats().upgrades, 0u);
    QCOMPARE(m_blue.eventCount(QStringLiteral("client.connected")), sessionsBefore);
    // The same app on http: the upgrade goes through.
    ing->setRoutes(blueOnly(model::Transport::Http));
    WsClient c;
    QVERIFY(c.open(ing->port(), upgradeRequest()));
    QCOMPARE(c.status(), 101);
}

void TestIngressTransport::httpStreamsPlainResponses()
{
    auto ing = startIngress(blueOnly(model::Transport::Auto));
    QVERIFY(ing);
    // A keep-alive client is told the connection ends, and gets the whole body.
    const Exchange metrics =
        exchange(ing->port(), getRequest("/metrics", "127.0.0.1", {{"Connection", "keep-alive"}}));
    QCOMPARE(metrics.status, 200);
    QVERIFY(metrics.closed);
    QCOMPARE(metrics.header("Connection"), QByteArray("close"));
    QCOMPARE(metrics.body.size(), metrics.header("Content-Length").toLongLong());
    QVERIFY(metricValue(metrics.body, "blueshift_relay_sessions_open") >= 0);
    QCOMPARE(exchange(ing->port(), getRequest("/nowhere")).status, 404);
    QCOMPARE(ing->stats().badGateway, 0u);
}

void TestIngressTransport::tcpTunnelsRawBytes()
{
    NamedEchoServer a("backend-a");
    NamedEchoServer b("backend-b");
    QVERIFY(a.listen(QHostAddress::LocalHost, 0));
    QVERIFY(b.listen(QHostAddress::LocalHost, 0));
    auto table = appRoutes({revisionOf(QStringLiteral("demo--a"), 50,
                                       {replicaAt(QStringLiteral("demo--a-1"), a.serverPort())}),
                            revisionOf(QStringLiteral("demo--b"), 50,
                                       {replicaAt(QStringLiteral("demo--b-1"), b.serverPort())})});
    table->transport = model::Transport::Tcp;
    auto ing = startIngress(table);
    QVERIFY(ing);

    // Bytes that look like HTTP, and bytes that do not: all come back exactly, nothing added.
    const QByteArray raw = QByteArray("GET / HTTP/1.1\r\nHost: x\r\n\r\n") +
                           QByteArray("\x00\x01\xfe\xff", 4) + QByteArray(100000, 'z');
    QMap<QByteArray, int> perBackend;
    for (int i = 0; i < 100; ++i) {
        QTcpSocket s;
        QByteArray in;
        connect(&s, &QTcpSocket::readyRead, &s, [&] { in += s.readAll(); });
        s.connectToHost(QHostAddress::LocalHost, ing->port());
        QVERIFY(s.waitForConnected(5000));
        QTRY_VERIFY(in.contains('\n'));
        const QByteArray name = in.left(in.indexOf('\n'));
        ++perBackend[name];
        in.remove(0, name.size() + 1);
        if (i % 10 == 0) {
            s.write(raw);
            QTRY_COMPARE(in.size(), raw.size());
            QCOMPARE(in, raw);
        }
    }
    QCOMPARE(perBackend.value("backend-a") + perBackend.value("backend-b"), 100);
    QVERIFY(std::abs(perBackend.value("backend-a") - 50) <= 2);
    QCOMPARE(ing->stats().upgrades, 0u);
}

void TestIngressTransport::tcpAddsNothingToAWebSocket()
{
    auto table =
        appRoutes({revisionOf(QStringLiteral("sim--r1"), 100,
                              {replicaAt(QStringLiteral("sim--r1-a"), m_upstream.port())})});
    table->transport = model::Transport::Tcp;
    auto ing = startIngress(table);
    QVERIFY(ing);
    WsClient c;
    QVERIFY(c.open(ing->port(), upgradeRequest("/")));
    QCOMPARE(c.status(), 101);
    QVERIFY(c.headers("X-Blueshift-Revision").isEmpty());
    QVERIFY(c.headers("X-Blueshift-Replica").isEmpty());
    QVERIFY(c.echo("raw tunnel"));
}

void TestIngressTransport::idleTimeoutCutsSilentTunnelsOnly()
{
    auto table = blueOnly(model::Transport::Auto);
    table->idleTimeout = std::chrono::milliseconds(600);
    auto ing = startIngress(table);
    QVERIFY(ing);
    WsClient silent;
    WsClient active;
    QElapsedTimer age;
    QVERIFY(silent.open(ing->port(), upgradeRequest()));
    age.start();
    QVERIFY(active.open(ing->port(), upgradeRequest()));
    QCOMPARE(silent.status(), 101);
    QCOMPARE(active.status(), 101);
    const qsizetype closedBefore = m_blue.eventCount(QStringLiteral("connection.closed"));

    // The active one talks every 150 ms for two seconds, three idle timeouts' worth.
    qint64 silentClosedAt = -1;
    while (age.elapsed() < 2000) {
        QVERIFY(active.echo("tick"));
        QTest::qWait(150);
        if (silent.isDisconnected() && silentClosedAt < 0)
            silentClosedAt = age.elapsed();
    }
    QVERIFY2(silentClosedAt >= 600 && silentClosedAt < 1500,
             qPrintable(QString::number(silentClosedAt)));
    QVERIFY(!active.isDisconnected());
    QVERIFY(active.echo("still alive"));
    QCOMPARE(silent.closeCode(), 0); // a dropped connection, not a close frame
    QCOMPARE(ing->stats().idleTimeouts, 1u);
    // The replica saw its client go.
    QVERIFY(m_blue.waitForEvent(QStringLiteral("connection.closed"), int(closedBefore) + 1));
}

void TestIngressTransport::slowReaderLosesNothing()
{
    // 32 MiB echoed by upstream-sim while the client reads nothing for a while: the tunnel
    // pauses and resumes without losing or reordering a byte.
    auto ing = startIngress(
        appRoutes({revisionOf(QStringLiteral("sim--r1"), 100,
                              {replicaAt(QStringLiteral("sim--r1-a"), m_upstream.port())})}));
    QVERIFY(ing);
    QTcpSocket s;
    QByteArray in;
    s.setReadBufferSize(64 * 1024);
    s.connectToHost(QHostAddress::LocalHost, ing->port());
    QVERIFY(s.waitForConnected(5000));
    s.write(upgradeRequest("/"));
    QTRY_VERIFY((in += s.readAll()).contains("\r\n\r\n"));
    QVERIFY(in.startsWith("HTTP/1.1 101 "));
    in.remove(0, in.indexOf("\r\n\r\n") + 4);

    constexpr int kFrames = 32;
    for (int i = 0; i < kFrames; ++i)
        s.write(RawWebSocket::frame(0x2, QByteArray(1024 * 1024, char('a' + i % 26))));
    // Nothing is read for half a second: everything between here and the echo fills up.
    QTest::qWait(500); // the ingress stopped reading: backpressure reached us
    s.setReadBufferSize(0);
    int received = 0;
    bool tooLarge = false;
    RawFrame f;
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            in += s.readAll();
            while (RawWebSocket::takeFrame(&in, &f, &tooLarge)) {
                if (f.opcode != 0x2 ||
                    f.payload != QByteArray(1024 * 1024, char('a' + received % 26)))
                    return true; // checked below
                ++received;
            }
            return received == kFrames;
        }(),
        30000);
    QCOMPARE(received, kFrames);
    QVERIFY(!tooLarge);
}

void TestIngressTransport::stalledBackendPausesTheClient()
{
    // A backend that accepts nothing and reads nothing (a bare listening socket): once the
    // kernel buffers on the way are full, the ingress stops reading the client instead of
    // holding the rest, so most of what the client wrote is still in its own send queue.
    const int sink = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    QVERIFY(sink >= 0);
    auto closeSink = qScopeGuard([sink] { ::close(sink); });
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    QVERIFY(::bind(sink, reinterpret_cast<sockaddr *>(&addr), sizeof addr) == 0);
    QVERIFY(::listen(sink, 4) == 0);
    QVERIFY(::getsockname(sink, reinterpret_cast<sockaddr *>(&addr), &len) == 0);
    auto table =
        appRoutes({revisionOf(QStringLiteral("sink--1"), 100,
                              {replicaAt(QStringLiteral("sink--1-a"), ntohs(addr.sin_port))})});
    table->transport = model::Transport::Tcp;
    auto ing = startIngress(table);
    QVERIFY(ing);

    constexpr qint64 kChunk = 1024 * 1024;
    constexpr int kChunks = 64;
    QTcpSocket client;
    client.connectToHost(QHostAddress::LocalHost, ing->port());
    QVERIFY(client.waitForConnected(5000));
    for (int i = 0; i < kChunks; ++i)
        client.write(QByteArray(kChunk, char('A' + i % 26)));
    // Loopback's socket buffers take at most about 20 MiB on the two legs together.
    QTest::qWait(500);
    QVERIFY2(client.bytesToWrite() > 24 * kChunk,
             qPrintable(QString::number(client.bytesToWrite())));

    // The backend wakes up: everything arrives, in order.
    const int fd = ::accept4(sink, nullptr, nullptr, SOCK_CLOEXEC);
    QVERIFY(fd >= 0);
    QTcpSocket backend;
    QVERIFY(backend.setSocketDescriptor(fd));
    qint64 received = 0;
    bool inOrder = true;
    connect(&backend, &QTcpSocket::readyRead, &backend, [&] {
        const QByteArray data = backend.readAll();
        for (char c : data) {
            inOrder = inOrder && c == char('A' + (received / kChunk) % 26);
            ++received;
        }
    });
    QTRY_VERIFY_WITH_TIMEOUT(received == kChunks * kChunk, 30000);
    QVERIFY(inOrder);
}

void TestIngressTransport::halfClosedClientStillGetsItsAnswer()
{
    auto ing = startIngress(blueOnly(model::Transport::Http));
    QVERIFY(ing);
    QTcpSocket s;
    QByteArray in;
    connect(&s, &QTcpSocket::readyRead, &s, [&] { in += s.readAll(); });
    s.connectToHost(QHostAddress::LocalHost, ing->port());
    QVERIFY(s.waitForConnected(5000));
    s.write(getRequest("/healthz"));
    QVERIFY(s.waitForBytesWritten(5000));
    // "I have said everything": the answer must still come back before the connection ends.
    QCOMPARE(::shutdown(int(s.socketDescriptor()), SHUT_WR), 0);
    QTRY_COMPARE(s.state(), QAbstractSocket::UnconnectedState);
    QVERIFY2(in.startsWith("HTTP/1.1 200 "), in.constData());
}

void TestIngressTransport::tlsOnTheClientSide()
{
    QVERIFY(m_pki.isValid());
    QProcess openssl;
    openssl.setWorkingDirectory(m_pki.path());
    openssl.setProcessChannelMode(QProcess::MergedChannels);
    openssl.start(QStringLiteral("openssl"),
                  {QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"),
                   QStringLiteral("ec"), QStringLiteral("-pkeyopt"),
                   QStringLiteral("ec_paramgen_curve:prime256v1"), QStringLiteral("-nodes"),
                   QStringLiteral("-keyout"), QStringLiteral("key.pem"), QStringLiteral("-out"),
                   QStringLiteral("cert.pem"), QStringLiteral("-days"), QStringLiteral("2"),
                   QStringLiteral("-subj"), QStringLiteral("/CN=127.0.0.1"),
                   QStringLiteral("-addext"), QStringLiteral("subjectAltName=IP:127.0.0.1")});
    QVERIFY(openssl.waitForFinished(30000));
    QVERIFY2(openssl.exitCode() == 0, openssl.readAll().constData());
    QString error;
    ingress::IngressOptions options;
    options.tls = net::TlsContext::forServer(m_pki.filePath(QStringLiteral("cert.pem")),
                                             m_pki.filePath(QStringLiteral("key.pem")), &error);
    QVERIFY2(options.tls, qPrintable(error));
    auto table = blueOnly(model::Transport::Auto);
    table->sticky = true;
    auto ing = startIngress(table, options);
    QVERIFY(ing);

    QSslConfiguration ssl = QSslConfiguration::defaultConfiguration();
    ssl.setCaCertificates(QSslCertificate::fromPath(m_pki.filePath(QStringLiteral("cert.pem"))));

    // https: a plain request, and the affinity cookie is Secure.
    QSslSocket https;
    https.setSslConfiguration(ssl);
    QByteArray in;
    connect(&https, &QSslSocket::readyRead, &https, [&] { in += https.readAll(); });
    https.connectToHostEncrypted(QStringLiteral("127.0.0.1"), ing->port());
    QVERIFY2(https.waitForEncrypted(5000), qPrintable(https.errorString()));
    https.write(getRequest("/healthz"));
    QTRY_VERIFY(https.state() == QAbstractSocket::UnconnectedState);
    QVERIFY2(in.startsWith("HTTP/1.1 200 "), in.constData());
    QVERIFY2(in.contains("X-Blueshift-Revision: demo--blue\r\n"), in.constData());
    QVERIFY2(in.contains("; Secure\r\n"), in.constData());

    // wss with Qt's own client.
    QWebSocket ws;
    ws.setSslConfiguration(ssl);
    QSignalSpy connected(&ws, &QWebSocket::connected);
    QSignalSpy received(&ws, &QWebSocket::textMessageReceived);
    ws.open(QUrl(QStringLiteral("wss://127.0.0.1:%1/ws").arg(ing->port())));
    QTRY_COMPARE(connected.size(), 1);
    const QString big(300000, QLatin1Char('w')); // several TLS records each way
    ws.sendTextMessage(QStringLiteral("over tls"));
    ws.sendTextMessage(big);
    QTRY_COMPARE(received.size(), 2);
    QCOMPARE(received.at(0).at(0).toString(), QStringLiteral("over tls"));
    QCOMPARE(received.at(1).at(0).toString(), big);
    ws.close();
    QTRY_COMPARE(ing->stats().connectionsOpen, 0u);
    QCOMPARE(ing->stats().upgrades, 1u);
}

QTEST_GUILESS_MAIN(TestIngressTransport)
#include "tst_ingresstransport.moc"
