// What the console's doctor dialog turns its fields into: the endpoint from a URL (scheme, port,
// target, default Origin), Origin checks, CA files, and header files whose errors never quote a
// line (it holds a secret).
#include "doctor/doctortarget.h"
#include "http/headerfile.h"
#include "net/selfsignedcert.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace blueshift;

namespace {
bool writeFile(const QString &path, const QByteArray &data)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(data) == data.size();
}
} // namespace

class tst_DoctorTarget : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void urls_data();
    void urls();
    void badUrls_data();
    void badUrls();
    void origins();
    void caFiles();
    void headerFiles();
};

void tst_DoctorTarget::urls_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<QString>("host");
    QTest::addColumn<int>("port");
    QTest::addColumn<bool>("secure");
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<QString>("origin");
    QTest::addRow("ws with port") << "ws://127.0.0.1:8080/ws"
                                  << "127.0.0.1" << 8080 << false << QByteArray("/ws")
                                  << "http://127.0.0.1:8080";
    QTest::addRow("wss default port, no path")
        << "wss://app.example.com"
        << "app.example.com" << 443 << true << QByteArray("/ws") << "https://app.example.com";
    QTest::addRow("https with query")
        << "https://app.example.com:8443/chat?room=1"
        << "app.example.com" << 8443 << true << QByteArray("/chat?room=1")
        << "https://app.example.com:8443";
    QTest::addRow("ipv6") << "ws://[::1]:9000/socket"
                          << "::1" << 9000 << false << QByteArray("/socket") << "http://[::1]:9000";
    QTest::addRow("spaces around")
        << "  ws://localhost/ws  "
        << "localhost" << 80 << false << QByteArray("/ws") << "http://localhost";
}

void tst_DoctorTarget::urls()
{
    QFETCH(QString, url);
    doctor::DoctorConfig c;
    QString error;
    QVERIFY2(doctor::setTargetUrl(&c, url, &error), qPrintable(error));
    QTEST(c.host, "host");
    QTEST(int(c.port), "port");
    QTEST(c.secure, "secure");
    QTEST(c.target, "target");
    QTEST(c.origin, "origin");
}

void tst_DoctorTarget::badUrls_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<QString>("message");
    QTest::addRow("empty") << ""
                           << "must be ws://, wss://, http:// or https://";
    QTest::addRow("ftp") << "ftp://example.com/"
                         << "must be ws://";
    QTest::addRow("no host") << "ws:///ws"
                             << "with a host";
    QTest::addRow("credentials") << "wss://user:pw@example.com/ws"
                                 << "must not carry credentials";
    QTest::addRow("port 0") << "ws://example.com:0/ws"
                            << "port must be from 1 to 65535";
}

void tst_DoctorTarget::badUrls()
{
    QFETCH(QString, url);
    QFETCH(QString, message);
    doctor::DoctorConfig c;
    QString error;
    QVERIFY(!doctor::setTargetUrl(&c, url, &error));
    QVERIFY2(error.contains(message), qPrintable(error));
    QVERIFY(!error.contains(QLatin1String("pw")));
}

void tst_DoctorTarget::origins()
{
    QVERIFY(doctor::originError(QStringLiteral("https://app.example.com")).isEmpty());
    QVERIFY(doctor::originError(QStringLiteral("http://127.0.0.1:8080")).isEmpty());
    QVERIFY(doctor::originError(QStringLiteral("null")).isEmpty());
    for (const char *bad : {"app.example.com", "https://app.example.com/path",
                            "https://app.example.com?x=1", "", "https://"})
        QVERIFY2(!doctor::originError(QLatin1String(bad)).isEmpty(), bad);
}

void tst_DoctorTarget::caFiles()
{
    QTemporaryDir dir;
    QString cert, key, error;
    QVERIFY2(net::writeSelfSignedCertificate(dir.path(), &cert, &key, &error), qPrintable(error));
    doctor::DoctorConfig c;
    QVERIFY2(doctor::loadCaFile(&c, cert, &error), qPrintable(error));
    QVERIFY(c.customCa);
    QCOMPARE(c.caCertificates.size(), 1);

    doctor::DoctorConfig d;
    QVERIFY(!doctor::loadCaFile(&d, dir.filePath(QStringLiteral("missing.pem")), &error));
    QVERIFY2(error.contains(QLatin1String("cannot read CA file")), qPrintable(error));
    const QString notPem = dir.filePath(QStringLiteral("not.pem"));
    QVERIFY(writeFile(notPem, "hello"));
    QVERIFY(!doctor::loadCaFile(&d, notPem, &error));
    QVERIFY2(error.contains(QLatin1String("holds no PEM certificate")), qPrintable(error));
    QVERIFY(!d.customCa);
}

void tst_DoctorTarget::headerFiles()
{
    QTemporaryDir dir;
    const QString good = dir.filePath(QStringLiteral("good"));
    QVERIFY(writeFile(good, "# keys\r\napi-key: s3cret-value\n\nX-Trace:  on \n"));
    http::HeaderList headers;
    QString error;
    QVERIFY2(http::readHeaderFile(good, &headers, &error), qPrintable(error));
    QCOMPARE(headers.size(), 2);
    QCOMPARE(headers.at(0).first, QByteArray("api-key"));
    QCOMPARE(headers.at(0).second, QByteArray("s3cret-value"));
    QCOMPARE(headers.at(1).second, QByteArray("on"));

    const struct
    {
        const char *content;
        const char *message;
    } bad[] = {
        {"no colon s3cret-value\n", "line 1: expected \"Name: value\""},
        {"# c\nHost: s3cret-value\n", "line 2: Host is set by the WebSocket handshake"},
        {"Sec-WebSocket-Key: s3cret-value\n", "set by the WebSocket handshake"},
        {"bad name: s3cret-value\n", "expected \"Name: value\""},
    };
    for (const auto &b : bad) {
        const QString path = dir.filePath(QStringLiteral("bad"));
        QVERIFY(writeFile(path, b.content));
        http::HeaderList h;
        QVERIFY(!http::readHeaderFile(path, &h, &error));
        QVERIFY2(error.contains(QLatin1String(b.message)), qPrintable(error));
        QVERIFY2(!error.contains(QLatin1String("s3cret")), qPrintable(error));
        QVERIFY(h.isEmpty());
    }
    const QString big = dir.filePath(QStringLiteral("big"));
    QVERIFY(writeFile(big, QByteArray(65 * 1024, 'a')));
    QVERIFY(!http::readHeaderFile(big, &headers, &error));
    QVERIFY2(error.contains(QLatin1String("larger than 64 KiB")), qPrintable(error));
    QVERIFY(!http::readHeaderFile(dir.filePath(QStringLiteral("none")), &headers, &error));
    QVERIFY2(error.contains(QLatin1String("cannot read header file")), qPrintable(error));
}

QTEST_GUILESS_MAIN(tst_DoctorTarget)
#include "tst_doctortarget.moc"
