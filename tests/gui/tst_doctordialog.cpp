// The endpoint doctor dialog against real processes on loopback: a healthy relay (verdict
// healthy, the upgrade's 101 in the evidence tree), a wrong path (verdict: the path, with the one
// that works), Cancel in the middle of a silent session, input it refuses before probing, and a
// header file whose value is sent but shown nowhere. Screenshots land in
// <build>/tests/gui/artifacts.
#include "doctor/doctordialog.h"
#include "doctor/doctorevidencetree.h"
#include "integrationsupport.h"

#include <QCheckBox>
#include <QDir>
#include <QFile>
#include <QLineEdit>
#include <QNetworkProxy>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>

using namespace blueshift;
using namespace blueshift::gui;
using namespace blueshift::itest;

namespace {
constexpr int kTimeout = 30000;
const QByteArray kCanary = "doctor-dialog-canary-91f3";

QString artifact(const QString &name)
{
    QDir().mkpath(QStringLiteral(BLUESHIFT_GUI_ARTIFACTS));
    return QDir(QStringLiteral(BLUESHIFT_GUI_ARTIFACTS)).filePath(name);
}

// Every text the tree shows, item by item.
QString treeText(QTreeWidget *tree)
{
    QStringList lines;
    std::function<void(QTreeWidgetItem *, int)> walk = [&](QTreeWidgetItem *item, int depth) {
        lines.append(QString(depth * 2, QLatin1Char(' ')) + item->text(0) + QStringLiteral(" | ") +
                     item->text(1));
        for (int i = 0; i < item->childCount(); ++i)
            walk(item->child(i), depth + 1);
    };
    for (int i = 0; i < tree->topLevelItemCount(); ++i)
        walk(tree->topLevelItem(i), 0);
    return lines.join(QLatin1Char('\n'));
}

void runAndWait(DoctorDialog &d, const QString &url)
{
    QSignalSpy diagnosed(&d, &DoctorDialog::diagnosed);
    d.urlEdit()->setText(url);
    QTest::mouseClick(d.runButton(), Qt::LeftButton);
    QVERIFY(d.isRunning());
    QVERIFY(!d.runButton()->isEnabled());
    QVERIFY(d.cancelButton()->isEnabled());
    QTRY_COMPARE_WITH_TIMEOUT(diagnosed.count(), 1, kTimeout);
    QVERIFY(!d.isRunning());
}
} // namespace

class TestDoctorDialog : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void healthyRelay();
    void wrongPath();
    void cancelDuringSilentSession();
    void refusedInput();
    void headerValuesShownNowhere();
    void ingressUrl();

private:
    QString relayUrl(const QString &path) const
    {
        return QStringLiteral("ws://127.0.0.1:%1%2").arg(m_relay->port()).arg(path);
    }

    QTemporaryDir m_dir;
    ServerProcess *m_upstream = nullptr;
    ServerProcess *m_relay = nullptr;
};

void TestDoctorDialog::initTestCase()
{
    QNetworkProxy::setApplicationProxy(QNetworkProxy::NoProxy);
    QVERIFY(m_dir.isValid());
    m_upstream = new ServerProcess(QStringLiteral("upstream-sim"), this);
    QVERIFY2(m_upstream->startUpstreamSim({QStringLiteral("--mode"), QStringLiteral("echo")}),
             m_upstream->diagnostics());
    m_relay = new ServerProcess(QStringLiteral("relay"), this);
    QVERIFY2(m_relay->startRelay(m_upstream->wsUrl()), m_relay->diagnostics());
}

void TestDoctorDialog::healthyRelay()
{
    DoctorDialog d;
    d.show();
    runAndWait(d, relayUrl(QStringLiteral("/ws")));
    QVERIFY(d.hasDiagnosis());
    QCOMPARE(d.diagnosis().cause, doctor::Cause::Healthy);
    const QString verdict = d.verdictText();
    QVERIFY2(verdict.startsWith(QStringLiteral("Healthy: ")), qPrintable(verdict));
    QVERIFY2(verdict.contains(d.diagnosis().explanation), qPrintable(verdict));
    QTreeWidgetItem *upgrade = d.evidenceTree()->probeItem(QStringLiteral("WebSocket upgrade"));
    QVERIFY(upgrade);
    QVERIFY2(upgrade->text(0).startsWith(QStringLiteral("✓ ")), qPrintable(upgrade->text(0)));
    QVERIFY2(upgrade->text(1).contains(QStringLiteral("101 Switching Protocols")),
             qPrintable(upgrade->text(1)));
    const QString tree = treeText(d.evidenceTree());
    QVERIFY2(tree.contains(QStringLiteral("Sec-WebSocket-Accept")), qPrintable(tree));
    QVERIFY2(tree.contains(QStringLiteral("(correct)")), qPrintable(tree));
    QVERIFY2(tree.contains(QStringLiteral("✓ Health check")), qPrintable(tree));
    QVERIFY(d.reportText().contains(QStringLiteral("Verdict: healthy")));
    QVERIFY(d.grab().save(artifact(QStringLiteral("doctor-healthy.png"))));
}

void TestDoctorDialog::wrongPath()
{
    DoctorDialog d;
    d.show();
    runAndWait(d, relayUrl(QStringLiteral("/socket")));
    QCOMPARE(d.diagnosis().cause, doctor::Cause::WrongPath);
    QCOMPARE(d.diagnosis().suggestedPath, QByteArray("/ws"));
    const QString verdict = d.verdictText();
    QVERIFY2(verdict.startsWith(QStringLiteral("Most likely cause: ") + d.diagnosis().title),
             qPrintable(verdict));
    QVERIFY2(verdict.contains(QStringLiteral("What to change: ") + d.diagnosis().fix),
             qPrintable(verdict));
    QVERIFY2(verdict.contains(QStringLiteral("Evidence:")), qPrintable(verdict));
    QTreeWidgetItem *upgrade = d.evidenceTree()->probeItem(QStringLiteral("WebSocket upgrade"));
    QVERIFY(upgrade);
    QVERIFY2(upgrade->text(0).startsWith(QStringLiteral("✗ ")), qPrintable(upgrade->text(0)));
    QTreeWidgetItem *alt = d.evidenceTree()->probeItem(QStringLiteral("Alternative path /ws"));
    QVERIFY(alt);
    QVERIFY2(alt->text(1).contains(QStringLiteral("upgrades")), qPrintable(alt->text(1)));
    d.evidenceTree()->expandAll();
    QVERIFY(d.grab().save(artifact(QStringLiteral("doctor-wrong-path.png"))));
}

void TestDoctorDialog::cancelDuringSilentSession()
{
    DoctorDialog d;
    d.show();
    d.silentSpin()->setValue(60);
    d.urlEdit()->setText(relayUrl(QStringLiteral("/ws")));
    QSignalSpy diagnosed(&d, &DoctorDialog::diagnosed);
    QTest::mouseClick(d.runButton(), Qt::LeftButton);
    // The silent session is the last probe: once it runs, Cancel.
    QTRY_VERIFY2_WITH_TIMEOUT(d.progressText().contains(QStringLiteral("silent session")),
                              qPrintable(d.progressText()), kTimeout);
    QVERIFY(d.isRunning());
    QTest::mouseClick(d.cancelButton(), Qt::LeftButton);
    QVERIFY(!d.isRunning());
    QVERIFY(d.runButton()->isEnabled());
    QVERIFY2(d.verdictText().startsWith(QStringLiteral("Cancelled after ")),
             qPrintable(d.verdictText()));
    // The probes that ran are on show; the silent session did not end.
    QVERIFY(d.evidenceTree()->probeItem(QStringLiteral("WebSocket upgrade")));
    QCOMPARE(diagnosed.count(), 0);
    QVERIFY(d.progressText().isEmpty());
    QVERIFY(!d.hasDiagnosis());
}

void TestDoctorDialog::refusedInput()
{
    DoctorDialog d;
    const struct
    {
        const char *url;
        const char *origin;
        const char *message;
    } cases[] = {
        {"ftp://127.0.0.1/ws", "", "must be ws://, wss://, http:// or https://"},
        {"wss://user:pw@127.0.0.1/ws", "", "must not carry credentials"},
        {"ws://127.0.0.1:1/ws", "app.example.com", "is not an origin like https://"},
    };
    for (const auto &c : cases) {
        d.urlEdit()->setText(QLatin1String(c.url));
        d.originEdit()->setText(QLatin1String(c.origin));
        QTest::mouseClick(d.runButton(), Qt::LeftButton);
        QVERIFY(!d.isRunning());
        QVERIFY2(d.verdictText().startsWith(QStringLiteral("Cannot probe that.")),
                 qPrintable(d.verdictText()));
        QVERIFY2(d.verdictText().contains(QLatin1String(c.message)), qPrintable(d.verdictText()));
        QVERIFY(!d.verdictText().contains(QStringLiteral("pw@")));
    }
    d.originEdit()->clear();
    const QString headers = m_dir.filePath(QStringLiteral("with-origin"));
    QFile f(headers);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("Origin: https://evil.example\n");
    f.close();
    d.headerFileEdit()->setText(headers);
    QTest::mouseClick(d.runButton(), Qt::LeftButton);
    QVERIFY(!d.isRunning());
    QVERIFY2(d.verdictText().contains(QStringLiteral("give the Origin in the Origin field")),
             qPrintable(d.verdictText()));
    d.headerFileEdit()->setText(m_dir.filePath(QStringLiteral("missing")));
    d.caFileEdit()->clear();
    QTest::mouseClick(d.runButton(), Qt::LeftButton);
    QVERIFY2(d.verdictText().contains(QStringLiteral("cannot read header file")),
             qPrintable(d.verdictText()));
    d.headerFileEdit()->clear();
    d.caFileEdit()->setText(m_dir.filePath(QStringLiteral("missing.pem")));
    QTest::mouseClick(d.runButton(), Qt::LeftButton);
    QVERIFY2(d.verdictText().contains(QStringLiteral("cannot read CA file")),
             qPrintable(d.verdictText()));
}

void TestDoctorDialog::headerValuesShownNowhere()
{
    const QString headers = m_dir.filePath(QStringLiteral("secret-headers"));
    QFile f(headers);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("api-key: " + kCanary + "\n");
    f.close();
    DoctorDialog d;
    d.show();
    d.headerFileEdit()->setText(headers);
    runAndWait(d, relayUrl(QStringLiteral("/ws")));
    QCOMPARE(d.diagnosis().cause, doctor::Cause::Healthy);
    d.evidenceTree()->expandAll();
    const QString canary = QString::fromLatin1(kCanary);
    QVERIFY(!treeText(d.evidenceTree()).contains(canary));
    QVERIFY(!d.verdictText().contains(canary));
    QVERIFY(!d.reportText().contains(canary));
    QVERIFY(d.reportText().contains(QStringLiteral("api-key (values hidden)")));
}

void TestDoctorDialog::ingressUrl()
{
    model::ContainerApp app;
    QCOMPARE(DoctorDialog::ingressUrl(app, QUrl(QStringLiteral("http://127.0.0.1:8081"))),
             QString());
    model::Ingress ingress;
    ingress.fqdn = QStringLiteral("127.0.0.1:39001");
    app.configuration.ingress = ingress;
    QCOMPARE(DoctorDialog::ingressUrl(app, QUrl(QStringLiteral("http://127.0.0.1:8081"))),
             QStringLiteral("ws://127.0.0.1:39001/ws"));
    app.configuration.ingress->fqdn = QStringLiteral("shop.azurecontainerapps.io");
    QCOMPARE(DoctorDialog::ingressUrl(app, QUrl(QStringLiteral("https://management.azure.com"))),
             QStringLiteral("wss://shop.azurecontainerapps.io/ws"));
    DoctorDialog d;
    d.suggestUrl(QStringLiteral("ws://127.0.0.1:39001/ws"));
    QCOMPARE(d.urlEdit()->text(), QStringLiteral("ws://127.0.0.1:39001/ws"));
    QTest::keyClicks(d.urlEdit(), QStringLiteral("x"));
    d.suggestUrl(QStringLiteral("ws://other/ws"));
    QCOMPARE(d.urlEdit()->text(), QStringLiteral("ws://127.0.0.1:39001/wsx")); // typed: kept
}

QTEST_MAIN(TestDoctorDialog)
#include "tst_doctordialog.moc"
