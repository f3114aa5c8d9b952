// The supervisor's readiness probe against an in-process listener that answers whatever the
// case needs: an HTTP status, something that is not HTTP, silence, or nothing at all.
#include "supervisor/readinessprobe.h"

#include <QNetworkProxy>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

using blueshift::supervisor::ReadinessProbe;
using namespace std::chrono_literals;

namespace {
// Accepts connections and answers each one's first bytes with `reply`; an empty reply with
// `close` hangs up at once, without it stays silent.
class FakeWorkload : public QObject
{
public:
    FakeWorkload(QByteArray reply, bool close)
        : m_reply(std::move(reply))
        , m_close(close)
    {
        m_server.listen(QHostAddress::LocalHost, 0);
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *s = m_server.nextPendingConnection()) {
                s->setParent(this);
                if (m_reply.isEmpty() && m_close) {
                    s->close();
                    continue;
                }
                connect(s, &QTcpSocket::readyRead, s, [this, s] {
                    m_request += s->readAll();
                    if (!m_reply.isEmpty() && m_request.contains("\r\n\r\n")) {
                        s->write(m_reply);
                        if (m_close)
                            s->disconnectFromHost();
                    }
                });
            }
        });
    }
    quint16 port() const { return m_server.serverPort(); }
    QByteArray request() const { return m_request; }

private:
    QTcpServer m_server;
    QByteArray m_reply;
    QByteArray m_request;
    bool m_close;
};
} // namespace

class tst_ReadinessProbe : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { QNetworkProxy::setApplicationProxy(QNetworkProxy::NoProxy); }
    void answers_data();
    void answers();
    void refusedWhenNothingListens();
    void cancelDropsTheAnswer();
};

void tst_ReadinessProbe::answers_data()
{
    QTest::addColumn<QByteArray>("reply");
    QTest::addColumn<bool>("close");
    QTest::addColumn<ReadinessProbe::Result>("result");
    QTest::addColumn<QString>("details");

    using R = ReadinessProbe::Result;
    QTest::addRow("200 is ready") << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
                                  << true << R::Ready << QStringLiteral("answered 200");
    QTest::addRow("204 is ready") << QByteArray("HTTP/1.0 204 No Content\r\n\r\n") << true
                                  << R::Ready << QStringLiteral("answered 204");
    QTest::addRow("503 while draining is not")
        << QByteArray("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n") << false
        << R::NotReady << QStringLiteral("answered 503");
    QTest::addRow("500 is not") << QByteArray("HTTP/1.1 500 Oops\r\n\r\n") << true << R::NotReady
                                << QStringLiteral("answered 500");
    QTest::addRow("404: no /readyz, TCP readiness")
        << QByteArray("HTTP/1.1 404 Not Found\r\n\r\n") << true << R::Ready
        << QStringLiteral("no /readyz");
    QTest::addRow("not HTTP: TCP readiness")
        << QByteArray("SSH-2.0-OpenSSH_9.2\r\n") << false << R::Ready << QStringLiteral("not HTTP");
    QTest::addRow("hangs up at once: TCP readiness")
        << QByteArray() << true << R::Ready << QStringLiteral("accepts connections");
    QTest::addRow("silent: TCP readiness at the timeout")
        << QByteArray() << false << R::Ready << QStringLiteral("no HTTP answer");
}

void tst_ReadinessProbe::answers()
{
    QFETCH(QByteArray, reply);
    QFETCH(bool, close);
    QFETCH(ReadinessProbe::Result, result);
    QFETCH(QString, details);

    FakeWorkload workload(reply, close);
    QVERIFY(workload.port() != 0);
    ReadinessProbe probe;
    QSignalSpy spy(&probe, &ReadinessProbe::finished);
    probe.probe(workload.port(), 300ms);
    QVERIFY(probe.isRunning());
    QVERIFY(spy.isEmpty()); // never from inside probe()
    QTRY_COMPARE_WITH_TIMEOUT(spy.size(), 1, 5000);
    QCOMPARE(spy.at(0).at(0).value<ReadinessProbe::Result>(), result);
    QVERIFY2(spy.at(0).at(1).toString().contains(details), qPrintable(spy.at(0).at(1).toString()));
    QVERIFY(!probe.isRunning());
    if (!reply.isEmpty())
        QVERIFY2(workload.request().startsWith("GET /readyz HTTP/1.1\r\n"), workload.request());
}

void tst_ReadinessProbe::refusedWhenNothingListens()
{
    QTcpServer server;
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    const quint16 port = server.serverPort();
    server.close();

    ReadinessProbe probe;
    QSignalSpy spy(&probe, &ReadinessProbe::finished);
    probe.probe(port, 1000ms);
    QTRY_COMPARE_WITH_TIMEOUT(spy.size(), 1, 5000);
    QCOMPARE(spy.at(0).at(0).value<ReadinessProbe::Result>(), ReadinessProbe::Result::Refused);
    QVERIFY2(spy.at(0).at(1).toString().contains(QLatin1String("refused")),
             qPrintable(spy.at(0).at(1).toString()));
}

void tst_ReadinessProbe::cancelDropsTheAnswer()
{
    FakeWorkload workload(QByteArray("HTTP/1.1 200 OK\r\n\r\n"), true);
    ReadinessProbe probe;
    QSignalSpy spy(&probe, &ReadinessProbe::finished);
    probe.probe(workload.port(), 1000ms);
    probe.cancel();
    QVERIFY(!probe.isRunning());
    QTest::qWait(200); // nothing may arrive: there is no condition to wait for
    QCOMPARE(spy.size(), 0);

    // A new probe after an abandoned one answers once.
    probe.probe(workload.port(), 1000ms);
    QTRY_COMPARE_WITH_TIMEOUT(spy.size(), 1, 5000);
    QTest::qWait(100);
    QCOMPARE(spy.size(), 1);
}

QTEST_GUILESS_MAIN(tst_ReadinessProbe)
#include "tst_readinessprobe.moc"
