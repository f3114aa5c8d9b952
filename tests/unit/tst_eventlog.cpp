#include "telemetry/eventlog.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTest>

#include <unistd.h>

using namespace blueshift::telemetry;

class tst_EventLog : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void jsonLineHasTheFixedFields();
    void textLineForPeople();
    void registeredSecretsAreMasked();
    void credentialShapesAreMasked_data();
    void credentialShapesAreMasked();
    void closeAndExitCodesStay();
    void urlRedaction();
    void writesWholeLines();
};

void tst_EventLog::jsonLineHasTheFixedFields()
{
    EventLog log(-1, LogFormat::Json, QStringLiteral("app--blue"), QStringLiteral("replica-1"));
    const QByteArray line = log.formatLine(
        Level::Info, QStringLiteral("connection.closed"), QStringLiteral("s1"),
        {{QStringLiteral("code"), 1001}, {QStringLiteral("side"), QStringLiteral("relay")}});
    QVERIFY(!line.contains('\n'));
    QJsonParseError err;
    const QJsonObject o = QJsonDocument::fromJson(line, &err).object();
    QCOMPARE(err.error, QJsonParseError::NoError);
    QCOMPARE(o.value(QStringLiteral("event")).toString(), QStringLiteral("connection.closed"));
    QCOMPARE(o.value(QStringLiteral("level")).toString(), QStringLiteral("info"));
    QCOMPARE(o.value(QStringLiteral("revision")).toString(), QStringLiteral("app--blue"));
    QCOMPARE(o.value(QStringLiteral("replica")).toString(), QStringLiteral("replica-1"));
    QCOMPARE(o.value(QStringLiteral("session")).toString(), QStringLiteral("s1"));
    QCOMPARE(o.value(QStringLiteral("code")).toInt(), 1001);
    // RFC 3339 UTC with milliseconds.
    static const QRegularExpression ts(
        QStringLiteral("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z$"));
    QVERIFY2(ts.match(o.value(QStringLiteral("ts")).toString()).hasMatch(), line.constData());
    QVERIFY(line.startsWith("{\"ts\":"));
    // An event field cannot overwrite a fixed one.
    const QByteArray spoof = log.formatLine(Level::Info, QStringLiteral("x"), QString(),
                                            {{QStringLiteral("revision"), QStringLiteral("evil")}});
    QCOMPARE(QJsonDocument::fromJson(spoof).object().value(QStringLiteral("revision")).toString(),
             QStringLiteral("app--blue"));
    QVERIFY(QJsonDocument::fromJson(spoof).object().value(QStringLiteral("session")).isNull());
}

void tst_EventLog::textLineForPeople()
{
    EventLog log(-1, LogFormat::Text, QStringLiteral("r"), QStringLiteral("p"));
    const QByteArray line =
        log.formatLine(Level::Warning, QStringLiteral("upstream.failed"), QStringLiteral("abc"),
                       {{QStringLiteral("error"), QStringLiteral("connect: refused")}});
    QVERIFY2(line.contains("WARNING upstream.failed session=abc error=\"connect: refused\""),
             line.constData());
}

void tst_EventLog::registeredSecretsAreMasked()
{
    EventLog log(-1, LogFormat::Json, QStringLiteral("r"), QStringLiteral("p"));
    log.redactor().addSecret("CANARY-3f9a1c");
    const QByteArray line = log.formatLine(
        Level::Error, QStringLiteral("upstream.failed"), QString(),
        {{QStringLiteral("error"), QStringLiteral("rejected key CANARY-3f9a1c here")},
         {QStringLiteral("nested"),
          QJsonObject{{QStringLiteral("v"), QStringLiteral("xCANARY-3f9a1cx")}}},
         {QStringLiteral("api-key"), QStringLiteral("anything")}});
    QVERIFY2(!line.contains("CANARY-3f9a1c"), line.constData());
    QVERIFY(!line.contains("anything"));
    QVERIFY(line.contains("[REDACTED]"));
}

void tst_EventLog::credentialShapesAreMasked_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("secret");
    QTest::addRow("api-key query")
        << QStringLiteral("wss://x/openai/realtime?api-key=abc123&deployment=d")
        << QStringLiteral("abc123");
    QTest::addRow("bearer") << QStringLiteral("Authorization: Bearer eyJ0eXAiOiJKV1Q.x.y")
                            << QStringLiteral("eyJ0eXAiOiJKV1Q");
    QTest::addRow("sig") << QStringLiteral("https://a/b?sv=1&sig=ZmFrZQ%3D%3D")
                         << QStringLiteral("ZmFrZQ");
    QTest::addRow("access_token") << QStringLiteral("access_token=tok-42")
                                  << QStringLiteral("tok-42");
    QTest::addRow("oauth code") << QStringLiteral("https://app/callback?state=s&code=c0de-99")
                                << QStringLiteral("c0de-99");
}

void tst_EventLog::closeAndExitCodesStay()
{
    Redactor r;
    const QString text = QStringLiteral("connection.closed code=1001 exit_code=0 reason=drain");
    QCOMPARE(r.redact(text), text);
}

void tst_EventLog::credentialShapesAreMasked()
{
    QFETCH(QString, text);
    QFETCH(QString, secret);
    Redactor r;
    const QString out = r.redact(text);
    QVERIFY2(!out.contains(secret), qPrintable(out));
    QVERIFY(out.contains(Redactor::mask));
}

void tst_EventLog::urlRedaction()
{
    const QString out = Redactor::redactUrl(
        QUrl(QStringLiteral("wss://user:pw@res.openai.azure.com/openai/"
                            "realtime?api-version=2024-10-01&deployment=gpt&api-key=K")));
    QVERIFY2(!out.contains(QLatin1String("pw")), qPrintable(out));
    QVERIFY(!out.contains(QLatin1String("=K")));
    QVERIFY(out.contains(QLatin1String("deployment=gpt")));
    QVERIFY(out.contains(QLatin1String("api-version=2024-10-01")));
}

void tst_EventLog::writesWholeLines()
{
    int fds[2];
    QVERIFY(::pipe(fds) == 0);
    EventLog log(fds[1], LogFormat::Json, QStringLiteral("r"), QStringLiteral("p"));
    log.info(QStringLiteral("server.started"), QString(), {{QStringLiteral("port"), 8080}});
    log.info(QStringLiteral("server.stopped"));
    ::close(fds[1]);
    QByteArray all;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fds[0], buf, sizeof buf)) > 0)
        all.append(buf, n);
    ::close(fds[0]);
    const QList<QByteArray> lines = all.split('\n');
    QCOMPARE(lines.size(), 3); // two lines and the empty tail
    QCOMPARE(QJsonDocument::fromJson(lines[0]).object().value(QStringLiteral("port")).toInt(),
             8080);
    QCOMPARE(QJsonDocument::fromJson(lines[1]).object().value(QStringLiteral("event")).toString(),
             QStringLiteral("server.stopped"));
}

QTEST_GUILESS_MAIN(tst_EventLog)
#include "tst_eventlog.moc"
