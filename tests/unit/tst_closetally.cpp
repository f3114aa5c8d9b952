#include "stats/closetally.h"

#include <QTest>

using namespace blueshift::stats;

namespace {
// A blue/green rollout: baseline at 0, green created at 60, 50/50 at 120, 0/100 at 300, blue
// deactivated at 600.
StepTimeline rollout()
{
    return StepTimeline({{0, QStringLiteral("baseline")},
                         {60, QStringLiteral("create green")},
                         {120, QStringLiteral("50/50")},
                         {300, QStringLiteral("0/100")},
                         {600, QStringLiteral("deactivate blue")}});
}

const QString blue = QStringLiteral("app--blue");
const QString green = QStringLiteral("app--green");
} // namespace

class tst_CloseTally : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void stepAt_data();
    void stepAt();
    void stepsOnlyGoForward();
    void stepNames();
    void attribution();
    void queries();
    void rowsAreOrdered();
    void emptyTally();
};

void tst_CloseTally::stepAt_data()
{
    QTest::addColumn<double>("time");
    QTest::addColumn<int>("step");
    QTest::addRow("before the first step") << -0.5 << -1;
    QTest::addRow("at the first step") << 0.0 << 0;
    QTest::addRow("inside baseline") << 59.999 << 0;
    QTest::addRow("a step owns its start") << 60.0 << 1;
    QTest::addRow("50/50") << 299.0 << 2;
    QTest::addRow("after the last step") << 1e9 << 4;
}

void tst_CloseTally::stepAt()
{
    QFETCH(double, time);
    QFETCH(int, step);
    QCOMPARE(rollout().stepAt(time), step);
}

void tst_CloseTally::stepsOnlyGoForward()
{
    StepTimeline t;
    QCOMPARE(t.stepAt(5), -1);
    QCOMPARE(t.addStep(10, QStringLiteral("a")), 0);
    QCOMPARE(t.addStep(10, QStringLiteral("b")), 1); // two clicks in the same instant
    QCOMPARE(t.addStep(5, QStringLiteral("c")), -1);
    QCOMPARE(t.addStep(std::nan(""), QStringLiteral("d")), -1);
    QCOMPARE(t.size(), 2);
    QCOMPARE(t.stepAt(10), 1); // the later of two steps at one instant
}

void tst_CloseTally::stepNames()
{
    StepTimeline t = rollout();
    t.addStep(700, QString());
    QCOMPARE(t.stepName(-1), QStringLiteral("before rollout"));
    QCOMPARE(t.stepName(2), QStringLiteral("50/50"));
    QCOMPARE(t.stepName(5), QStringLiteral("step 6"));
    QCOMPARE(t.stepName(99), QString());
}

void tst_CloseTally::attribution()
{
    CloseTally tally;
    tally.timeline() = rollout();
    // Idle timeouts in the baseline, a 1001 drain when blue is deactivated, a dropped connection
    // at the very instant of 0/100.
    QCOMPARE(tally.recordAt(30, blue, 1006, CloseSide::Transport), 0);
    QCOMPARE(tally.recordAt(59.9, blue, 1000, CloseSide::Client), 0);
    QCOMPARE(tally.recordAt(300, green, 1006, CloseSide::Transport), 3);
    for (int i = 0; i < 40; ++i)
        QCOMPARE(tally.recordAt(600 + i * 0.5, blue, 1001, CloseSide::Server), 4);
    QCOMPARE(tally.recordAt(-1, green, 1011, CloseSide::Server), -1);

    QCOMPARE(tally.count(4, blue, 1001, CloseSide::Server), quint64(40));
    QCOMPARE(tally.count(4, green, 1001, CloseSide::Server), quint64(0));
    QCOMPARE(tally.count(3, green, 1006, CloseSide::Transport), quint64(1));
    QCOMPARE(tally.count(-1, green, 1011, CloseSide::Server), quint64(1));
    QCOMPARE(tally.total(), quint64(44));
    QCOMPARE(tally.steps(), (QList<int>{-1, 0, 3, 4}));
}

void tst_CloseTally::queries()
{
    CloseTally tally;
    tally.record(2, blue, 1000, CloseSide::Client, 5);
    tally.record(2, blue, 1001, CloseSide::Server, 3);
    tally.record(2, green, 1001, CloseSide::Server, 2);
    tally.record(2, green, 1006, CloseSide::Transport);
    tally.record(3, blue, 1001, CloseSide::Server, 10);
    tally.record(3, blue, 1000, CloseSide::Server, 0); // nothing

    using Codes = QMap<int, quint64>;
    QCOMPARE(tally.codesForStep(2), (Codes{{1000, 5}, {1001, 5}, {1006, 1}}));
    QCOMPARE(tally.codesForStep(3), (Codes{{1001, 10}}));
    QCOMPARE(tally.codesForStep(7), Codes());
    QCOMPARE(tally.codesForRevision(blue), (Codes{{1000, 5}, {1001, 13}}));
    QCOMPARE(tally.codesForRevision(green), (Codes{{1001, 2}, {1006, 1}}));
    QCOMPARE(tally.codesForRevision(QStringLiteral("app--red")), Codes());

    CloseFilter serverOnStep2;
    serverOnStep2.step = 2;
    serverOnStep2.side = CloseSide::Server;
    QCOMPARE(tally.codeCounts(serverOnStep2), (Codes{{1001, 5}}));
    QCOMPARE(tally.total(serverOnStep2), quint64(5));
    CloseFilter greenStep2 = serverOnStep2;
    greenStep2.revision = green;
    greenStep2.side.reset();
    QCOMPARE(tally.total(greenStep2), quint64(3));

    QCOMPARE(tally.revisions(), (QStringList{blue, green}));
    QCOMPARE(tally.codes(), (QList<int>{1000, 1001, 1006}));
}

void tst_CloseTally::rowsAreOrdered()
{
    CloseTally tally;
    tally.record(1, green, 1006, CloseSide::Transport);
    tally.record(0, blue, 1001, CloseSide::Server);
    tally.record(1, blue, 1000, CloseSide::Client, 2);
    tally.record(1, blue, 1000, CloseSide::Server);
    QStringList rows;
    for (const CloseTallyRow &r : tally.rows())
        rows.append(QStringLiteral("%1 %2 %3 %4 %5")
                        .arg(r.step)
                        .arg(r.revision, QString::number(r.code), closeSideName(r.side))
                        .arg(r.count));
    // Revisions in order of first appearance (green was seen first), then code, then side.
    QCOMPARE(rows, (QStringList{QStringLiteral("0 app--blue 1001 server 1"),
                                QStringLiteral("1 app--green 1006 transport 1"),
                                QStringLiteral("1 app--blue 1000 client 2"),
                                QStringLiteral("1 app--blue 1000 server 1")}));
    QVERIFY(tally.memoryBytes() < 4096);
}

void tst_CloseTally::emptyTally()
{
    CloseTally tally;
    QVERIFY(tally.rows().isEmpty());
    QVERIFY(tally.steps().isEmpty());
    QCOMPARE(tally.total(), quint64(0));
    QCOMPARE(tally.recordAt(5, blue, 1000, CloseSide::Client), -1); // no step yet
    tally.clear();
    QCOMPARE(tally.total(), quint64(0));
    QVERIFY(tally.revisions().isEmpty());
}

QTEST_GUILESS_MAIN(tst_CloseTally)
#include "tst_closetally.moc"
