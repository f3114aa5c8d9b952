// The console against a real `blueshift-server local --demo` on loopback: it connects, shows
// demo--blue, creates revisions (through the actions layer and through the dialog), splits
// traffic 50/50, deactivates with a confirmation that counts live sessions, shows ARM's errors in
// words, keeps the token out of the events view and the settings, starts and stops a platform of
// its own, and renders --screenshot. Screenshots land in <build>/tests/gui/artifacts.
#include "app/appsession.h"
#include "app/connectdialog.h"
#include "app/consolestatusbar.h"
#include "app/localserverprocess.h"
#include "app/platformconnection.h"
#include "app/settings.h"
#include "events/eventsmodel.h"
#include "localplatformsupport.h"
#include "mainwindow.h"
#include "revisions/newrevisiondialog.h"
#include "revisions/revisionactions.h"
#include "revisions/revisionsmodel.h"
#include "revisions/revisionsview.h"
#include "revisions/trafficdialog.h"

#include <QAction>
#include <QDir>
#include <QFile>
#include <QImage>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>

#include <csignal>

using namespace blueshift::gui;
using namespace blueshift::itest;

namespace {
constexpr int kTimeout = 30000;

QString artifact(const QString &name)
{
    QDir().mkpath(QStringLiteral(BLUESHIFT_GUI_ARTIFACTS));
    return QDir(QStringLiteral(BLUESHIFT_GUI_ARTIFACTS)).filePath(name);
}

QUrl adminUrl(quint16 port)
{
    return QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port));
}

QVariant cell(RevisionsModel *m, const QString &revision, int column, int role = Qt::DisplayRole)
{
    const int row = m->rowOf(revision);
    return row < 0 ? QVariant() : m->data(m->index(row, column), role);
}

bool eventsContain(EventsModel *events, const QString &needle)
{
    events->flush();
    for (int row = 0; row < events->rowCount(); ++row) {
        const EventEntry &e = events->entryAt(row);
        if (e.event.contains(needle) || e.text.contains(needle))
            return true;
    }
    return false;
}

// The last operationFinished, once there is one.
bool finishedOk(QSignalSpy &spy, QString *message)
{
    if (spy.isEmpty())
        return false;
    *message = spy.constLast().at(1).toString();
    return spy.constLast().at(0).toBool();
}
} // namespace

class TestConsoleLocal : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void consoleDrivesLocalPlatform();
    void startsAndStopsItsOwnPlatform();
    void connectionFailuresInWords();
    void screenshotFromTheCommandLine();
};

void TestConsoleLocal::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
}

void TestConsoleLocal::consoleDrivesLocalPlatform()
{
    LocalPlatformProcess local;
    QVERIFY2(local.start({QStringLiteral("--demo")}), local.process().diagnostics());
    QTemporaryDir tmp;
    Settings settings(tmp.filePath(QStringLiteral("console.ini")));
    MainWindow w(&settings);
    w.resize(1280, 820);
    w.show();
    PlatformTarget target =
        PlatformTarget::localMachine(adminUrl(local.adminPort()), local.stateDir());
    target.startIfMissing = false; // this test's platform, not one of the console's own
    w.connectToPlatform(target);
    QTRY_COMPARE_WITH_TIMEOUT(w.connection()->state(), PlatformConnection::State::Connected,
                              kTimeout);
    QVERIFY(!w.connection()->ownsLocalPlatform());

    RevisionsModel *m = w.revisionsModel();
    QTRY_VERIFY_WITH_TIMEOUT(m->rowOf(QStringLiteral("demo--blue")) >= 0, kTimeout);
    QCOMPARE(w.session()->appName(), QStringLiteral("demo"));
    QTRY_COMPARE_WITH_TIMEOUT(
        cell(m, QStringLiteral("demo--blue"), RevisionsModel::Running).toString(),
        QStringLiteral("Running"), kTimeout);
    QCOMPARE(
        cell(m, QStringLiteral("demo--blue"), RevisionsModel::Traffic, RevisionsModel::WeightRole)
            .toInt(),
        100);
    QCOMPARE(cell(m, QStringLiteral("demo--blue"), RevisionsModel::Label).toString(),
             QStringLiteral("blue"));
    // The platform's log stream, live, with the token.
    QTRY_VERIFY_WITH_TIMEOUT(eventsContain(w.eventsModel(), QStringLiteral("revision.created")),
                             kTimeout);
    QTRY_VERIFY_WITH_TIMEOUT(eventsContain(w.eventsModel(), QStringLiteral("replica.ready")),
                             kTimeout);
    QString error;
    QVERIFY2(w.saveScreenshot(artifact(QStringLiteral("console-blue.png")), &error),
             qPrintable(error));

    // A new revision through the actions layer.
    QSignalSpy finished(w.session(), &AppSession::operationFinished);
    NewRevisionSpec green;
    green.suffix = QStringLiteral("green");
    const blueshift::model::Container current = w.session()->app().tmpl.containers.value(0);
    green.image = current.image;
    green.env = current.env;
    green.terminationGracePeriodSeconds = 5;
    QVERIFY(w.revisionActions()->createRevision(green));
    QString message;
    QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty(), kTimeout);
    QVERIFY2(finishedOk(finished, &message), qPrintable(message));
    QTRY_VERIFY_WITH_TIMEOUT(m->rowOf(QStringLiteral("demo--green")) >= 0, kTimeout);
    QTRY_COMPARE_WITH_TIMEOUT(
        cell(m, QStringLiteral("demo--green"), RevisionsModel::Running).toString(),
        QStringLiteral("Running"), kTimeout);
    QVERIFY(cell(m, QStringLiteral("demo--green"), 0, RevisionsModel::LatestRole).toBool());
    QCOMPARE(
        cell(m, QStringLiteral("demo--green"), RevisionsModel::Traffic, RevisionsModel::WeightRole)
            .toInt(),
        0);

    // 50/50 as the Traffic dialog's preset makes it.
    {
        TrafficDialog dialog(w.session()->app(), w.session()->revisions());
        dialog.setPresetPair(QStringLiteral("demo--blue"), QStringLiteral("demo--green"));
        dialog.applyPreset(50, 50);
        QVERIFY2(dialog.isAcceptable(), qPrintable(dialog.validationError()));
        dialog.show();
        QVERIFY(dialog.grab().save(artifact(QStringLiteral("dialog-traffic.png"))));
        finished.clear();
        QVERIFY(w.revisionActions()->setTraffic(dialog.traffic()));
    }
    QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty(), kTimeout);
    QVERIFY2(finishedOk(finished, &message), qPrintable(message));
    QTRY_COMPARE_WITH_TIMEOUT(
        cell(m, QStringLiteral("demo--blue"), RevisionsModel::Traffic, RevisionsModel::WeightRole)
            .toInt(),
        50, kTimeout);
    QCOMPARE(
        cell(m, QStringLiteral("demo--green"), RevisionsModel::Traffic, RevisionsModel::WeightRole)
            .toInt(),
        50);
    QCOMPARE(cell(m, QStringLiteral("demo--blue"), RevisionsModel::Label).toString(),
             QStringLiteral("blue"));
    w.setLiveSessions({{QStringLiteral("demo--blue"), 40}, {QStringLiteral("demo--green"), 38}});
    QCOMPARE(cell(m, QStringLiteral("demo--green"), RevisionsModel::Sessions).toInt(), 38);
    QCOMPARE(w.consoleStatusBar()->sessionsText(), QStringLiteral("Live sessions: 78"));
    QTRY_VERIFY_WITH_TIMEOUT(eventsContain(w.eventsModel(), QStringLiteral("traffic.updated")),
                             kTimeout);
    QVERIFY2(w.saveScreenshot(artifact(QStringLiteral("console-5050.png")), &error),
             qPrintable(error));

    // Swap labels: blue's label moves to green.
    finished.clear();
    QVERIFY(w.revisionActions()->swapLabels(QStringLiteral("demo--blue"),
                                            QStringLiteral("demo--green")));
    QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty(), kTimeout);
    QVERIFY2(finishedOk(finished, &message), qPrintable(message));
    QTRY_COMPARE_WITH_TIMEOUT(
        cell(m, QStringLiteral("demo--green"), RevisionsModel::Label).toString(),
        QStringLiteral("blue"), kTimeout);

    // Sticky sessions and transport, as the app's ingress reports them back.
    finished.clear();
    QVERIFY(w.revisionActions()->setStickySessions(true));
    QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty(), kTimeout);
    QVERIFY2(finishedOk(finished, &message), qPrintable(message));
    QTRY_VERIFY_WITH_TIMEOUT(w.session()->app().configuration.ingress->affinity ==
                                 blueshift::model::Affinity::Sticky,
                             kTimeout);
    QTRY_VERIFY_WITH_TIMEOUT(w.revisionsView()->stickyAction()->isChecked(), kTimeout);

    finished.clear();
    QVERIFY(w.revisionActions()->setTransport(blueshift::model::Transport::Http));
    QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty(), kTimeout);
    QVERIFY2(finishedOk(finished, &message), qPrintable(message));
    QTRY_VERIFY_WITH_TIMEOUT(w.session()->app().configuration.ingress->transport ==
                                 blueshift::model::Transport::Http,
                             kTimeout);

    // A long-running operation cancelled from the status bar while the platform works on it.
    {
        QSignalSpy progress(w.session(), &AppSession::operationProgress);
        NewRevisionSpec late = green;
        late.suffix = QStringLiteral("late");
        finished.clear();
        QVERIFY(w.revisionActions()->createRevision(late));
        QVERIFY(w.session()->busy());
        QVERIFY(!w.revisionsView()->newRevisionAction()->isEnabled()); // one action at a time
        QTRY_VERIFY_WITH_TIMEOUT(!progress.isEmpty() || !finished.isEmpty(), kTimeout);
        QToolButton *cancel = nullptr;
        for (QToolButton *b : w.consoleStatusBar()->findChildren<QToolButton *>()) {
            if (b->text() == QLatin1String("Cancel"))
                cancel = b;
        }
        QVERIFY(cancel);
        if (finished.isEmpty()) {
            QVERIFY(cancel->isVisible());
            cancel->click();
            QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty(), kTimeout);
            QVERIFY(!finishedOk(finished, &message));
            QVERIFY2(message.contains(QLatin1String("cancelled")), qPrintable(message));
        }
        QVERIFY(!w.session()->busy());
        // The platform finishes what it acknowledged; the console shows it on the next poll.
        QTRY_VERIFY_WITH_TIMEOUT(m->rowOf(QStringLiteral("demo--late")) >= 0, kTimeout);
    }

    // Through the window: New revision dialog, then Deactivate with its confirmation.
    QTRY_VERIFY_WITH_TIMEOUT(w.revisionsView()->newRevisionAction()->isEnabled(), kTimeout);
    w.revisionsView()->newRevisionAction()->trigger();
    auto *dialog = w.findChild<NewRevisionDialog *>();
    QVERIFY(dialog);
    QTRY_VERIFY_WITH_TIMEOUT(dialog->isVisible(), kTimeout);
    dialog->suffixEdit()->setText(QStringLiteral("Canary")); // refused: uppercase
    QVERIFY(!dialog->isAcceptable());
    QVERIFY(dialog->grab().save(artifact(QStringLiteral("dialog-newrevision.png"))));
    dialog->suffixEdit()->setText(QStringLiteral("canary"));
    QVERIFY2(dialog->isAcceptable(), qPrintable(dialog->validationError()));
    finished.clear();
    dialog->accept();
    QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty(), kTimeout);
    QVERIFY2(finishedOk(finished, &message), qPrintable(message));
    QTRY_VERIFY_WITH_TIMEOUT(m->rowOf(QStringLiteral("demo--canary")) >= 0, kTimeout);
    QTRY_COMPARE_WITH_TIMEOUT(
        cell(m, QStringLiteral("demo--canary"), RevisionsModel::Running).toString(),
        QStringLiteral("Running"), kTimeout);

    w.setLiveSessions({{QStringLiteral("demo--blue"), 40}, {QStringLiteral("demo--canary"), 7}});
    w.revisionsView()->selectRevision(QStringLiteral("demo--canary"));
    QTRY_VERIFY_WITH_TIMEOUT(w.revisionsView()->deactivateAction()->isEnabled(), kTimeout);
    w.revisionsView()->deactivateAction()->trigger();
    auto *box = w.findChild<QMessageBox *>(QStringLiteral("confirmation"));
    QVERIFY(box);
    QVERIFY2(box->text().contains(QLatin1String("close 7 live test sessions")),
             qPrintable(box->text()));
    QAbstractButton *confirm = nullptr;
    for (QAbstractButton *b : box->buttons()) {
        if (b->text() == QLatin1String("Deactivate"))
            confirm = b;
    }
    QVERIFY(confirm);
    finished.clear();
    confirm->click();
    QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty(), kTimeout);
    QVERIFY2(finishedOk(finished, &message), qPrintable(message));
    QTRY_VERIFY_WITH_TIMEOUT(
        !cell(m, QStringLiteral("demo--canary"), 0, RevisionsModel::ActiveRole).toBool(), kTimeout);

    // ARM's error, in words: a suffix that is taken.
    finished.clear();
    QVERIFY(w.revisionActions()->createRevision(green));
    QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty(), kTimeout);
    QVERIFY(!finishedOk(finished, &message));
    QVERIFY2(message.contains(QLatin1String("already exists")), qPrintable(message));
    QVERIFY2(message.contains(QLatin1String("ContainerAppRevisionAlreadyExists")),
             qPrintable(message));
    QVERIFY(eventsContain(w.eventsModel(), QStringLiteral("action.failed")));
    QVERIFY2(w.saveScreenshot(artifact(QStringLiteral("console-rollout.png")), &error),
             qPrintable(error));

    // The token is in no line of the events view and nowhere in the settings.
    const QByteArray token = local.token();
    QVERIFY(!token.isEmpty());
    EventsModel *events = w.eventsModel();
    events->flush();
    QVERIFY(events->rowCount() > 10);
    for (int row = 0; row < events->rowCount(); ++row)
        QVERIFY(!events->entryAt(row).text.contains(QString::fromUtf8(token)));
    w.close(); // saves the settings; nothing of ours to stop
    QTRY_VERIFY_WITH_TIMEOUT(!w.isVisible(), kTimeout);
    settings.sync();
    QFile ini(settings.fileName());
    QVERIFY(ini.open(QIODevice::ReadOnly));
    const QByteArray saved = ini.readAll();
    QVERIFY(saved.contains("window"));
    QVERIFY(!saved.contains(token));
}

void TestConsoleLocal::startsAndStopsItsOwnPlatform()
{
    QTemporaryDir tmp;
    Settings settings(tmp.filePath(QStringLiteral("console.ini")));
    const quint16 port = unusedPort();
    QVERIFY(port > 0);
    MainWindow w(&settings);
    w.setServerProgram(serverBinary());
    w.show();
    w.connectToPlatform(
        PlatformTarget::localMachine(adminUrl(port), tmp.filePath(QStringLiteral("state"))));
    QTRY_COMPARE_WITH_TIMEOUT(w.connection()->state(), PlatformConnection::State::Connected, 60000);
    QVERIFY(w.connection()->ownsLocalPlatform());
    QCOMPARE(w.connection()->target().adminUrl.port(), int(port));
    LocalServerProcess &child = w.connection()->localProcess();
    const qint64 pid = child.processId();
    QVERIFY(pid > 0);
    QTRY_VERIFY_WITH_TIMEOUT(w.revisionsModel()->rowOf(QStringLiteral("demo--blue")) >= 0,
                             kTimeout);
    // The replica the child started, from the log stream (pid=...).
    QTRY_VERIFY_WITH_TIMEOUT(eventsContain(w.eventsModel(), QStringLiteral("replica.started")),
                             kTimeout);
    qint64 replicaPid = 0;
    for (int row = 0; row < w.eventsModel()->rowCount(); ++row) {
        const EventEntry &e = w.eventsModel()->entryAt(row);
        if (e.event == QLatin1String("replica.started")) {
            const qsizetype at = e.text.indexOf(QLatin1String("pid="));
            if (at >= 0)
                replicaPid = e.text.mid(at + 4).section(QLatin1Char(' '), 0, 0).toLongLong();
        }
    }
    QVERIFY2(replicaPid > 0, "replica.started carries the replica's pid");

    QSignalSpy stopped(&child, &LocalServerProcess::stopped);
    w.close();
    // The window waits for the platform it started, then closes by itself.
    QTRY_COMPARE_WITH_TIMEOUT(stopped.size(), 1, kTimeout);
    QCOMPARE(stopped.at(0).at(1).toBool(), false); // asked to stop, not a crash
    QTRY_VERIFY_WITH_TIMEOUT(!w.isVisible(), kTimeout);
    QVERIFY(!w.connection()->ownsLocalPlatform());
    QCOMPARE(::kill(pid_t(pid), 0), -1);
    QTRY_COMPARE_WITH_TIMEOUT(::kill(pid_t(replicaPid), 0), -1, kTimeout);
}

void TestConsoleLocal::connectionFailuresInWords()
{
    QTemporaryDir tmp;
    Settings settings(tmp.filePath(QStringLiteral("console.ini")));
    MainWindow w(&settings);

    // Azure before a subscription is chosen: refused in words, nothing sent (tst_azureconnect
    // covers the rest of Azure).
    w.connectToPlatform(PlatformTarget::azure());
    QTRY_COMPARE_WITH_TIMEOUT(w.connection()->state(), PlatformConnection::State::Failed, kTimeout);
    QVERIFY2(w.connection()->stateText().contains(QLatin1String("no subscription")),
             qPrintable(w.connection()->stateText()));

    // Nothing listens, and no platform ever ran with this state directory.
    const QString stateDir = tmp.filePath(QStringLiteral("s"));
    PlatformTarget nobody = PlatformTarget::localMachine(adminUrl(unusedPort()), stateDir);
    nobody.startIfMissing = false;
    w.connectToPlatform(nobody);
    QTRY_COMPARE_WITH_TIMEOUT(w.connection()->state(), PlatformConnection::State::Failed, kTimeout);
    QVERIFY2(w.connection()->stateText().contains(QLatin1String("No admin token at")),
             qPrintable(w.connection()->stateText()));
    // A token, but nothing listens.
    QVERIFY(QDir().mkpath(stateDir));
    QFile token(tokenFileIn(stateDir));
    QVERIFY(token.open(QIODevice::WriteOnly));
    token.write("some-token\n");
    token.close();
    w.connectToPlatform(nobody);
    QTRY_COMPARE_WITH_TIMEOUT(w.connection()->state(), PlatformConnection::State::Failed, kTimeout);
    QVERIFY2(w.connection()->stateText().contains(QLatin1String("No platform answers")),
             qPrintable(w.connection()->stateText()));
    QVERIFY(!w.connection()->ownsLocalPlatform());

    // The Connect dialog for a local platform elsewhere: URL and token file checked as typed.
    {
        ConnectDialog dialog(PlatformTarget::localRemote(QUrl(), QString()));
        QVERIFY(!dialog.validationError().isEmpty());
        const QList<QLineEdit *> edits = dialog.findChildren<QLineEdit *>();
        QCOMPARE(edits.size(), 2);
        edits.at(0)->setText(QStringLiteral("ftp://10.0.0.1:21"));
        QVERIFY2(dialog.validationError().contains(QLatin1String("http://")),
                 qPrintable(dialog.validationError()));
        edits.at(0)->setText(QStringLiteral("203.0.113.7:8081"));
        edits.at(1)->setText(tmp.filePath(QStringLiteral("absent")));
        QVERIFY2(dialog.validationError().contains(QLatin1String("cannot read")),
                 qPrintable(dialog.validationError()));
        edits.at(1)->setText(tokenFileIn(stateDir));
        QVERIFY2(dialog.validationError().isEmpty(), qPrintable(dialog.validationError()));
        QCOMPARE(dialog.target().kind, PlatformKind::LocalRemote);
        QCOMPARE(dialog.target().adminUrl, QUrl(QStringLiteral("http://203.0.113.7:8081")));
        QCOMPARE(dialog.target().displayName(),
                 QStringLiteral("Local platform at 203.0.113.7:8081"));
    }

    LocalPlatformProcess local;
    QVERIFY2(local.start(), local.process().diagnostics());
    const QString wrong = tmp.filePath(QStringLiteral("wrong-token"));
    QFile f(wrong);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("not-the-token\n");
    f.close();
    w.connectToPlatform(PlatformTarget::localRemote(adminUrl(local.adminPort()), wrong));
    QTRY_COMPARE_WITH_TIMEOUT(w.connection()->state(), PlatformConnection::State::Failed, kTimeout);
    QVERIFY2(w.connection()->stateText().contains(QLatin1String("refused the token")),
             qPrintable(w.connection()->stateText()));
    QVERIFY(!w.connection()->stateText().contains(QLatin1String("not-the-token")));
}

void TestConsoleLocal::screenshotFromTheCommandLine()
{
    LocalPlatformProcess local;
    QVERIFY2(local.start({QStringLiteral("--demo")}), local.process().diagnostics());
    QTemporaryDir home;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    env.insert(QStringLiteral("XDG_CONFIG_HOME"), home.filePath(QStringLiteral("config")));
    const QString console = QStringLiteral(BLUESHIFT_BIN_DIR "/blueshift");
    const QStringList target{QStringLiteral("--admin"), adminUrl(local.adminPort()).toString(),
                             QStringLiteral("--state-dir"), local.stateDir(),
                             QStringLiteral("--no-start")};

    const QString shot = artifact(QStringLiteral("console-cli.png"));
    QFile::remove(shot);
    QProcess p;
    p.setProcessEnvironment(env);
    p.start(console, target + QStringList{QStringLiteral("--screenshot"), shot,
                                          QStringLiteral("--after"), QStringLiteral("3")});
    QVERIFY(p.waitForFinished(60000));
    QVERIFY2(p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0,
             p.readAllStandardError().constData());
    const QImage image(shot);
    QVERIFY(!image.isNull());
    QVERIFY(image.width() >= 1000 && image.height() >= 600);

    p.start(console, target + QStringList{QStringLiteral("--screenshot"),
                                          QStringLiteral("/nonexistent-dir/shot.png"),
                                          QStringLiteral("--after"), QStringLiteral("0")});
    QVERIFY(p.waitForFinished(60000));
    QCOMPARE(p.exitCode(), 1);
    QVERIFY(p.readAllStandardError().contains("cannot write /nonexistent-dir/shot.png"));

    p.start(console, {QStringLiteral("--screenshot"), shot, QStringLiteral("--after"),
                      QStringLiteral("soon")});
    QVERIFY(p.waitForFinished(60000));
    QCOMPARE(p.exitCode(), 2);
    QVERIFY(p.readAllStandardError().contains("--after must be a number"));
}

QTEST_MAIN(TestConsoleLocal)
#include "tst_consolelocal.moc"
