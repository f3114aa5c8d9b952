// Rollout assertions judged on hand-built session events: connections rebuilt from lifecycle
// events (reconnects included), each assertion passing and failing with a message that names
// the step, the assertion and the numbers, and the report page escaping every text and carrying
// the charts with their step markers.
#include "rollout/assertionevaluator.h"
#include "rollout/rolloutcharts.h"
#include "rollout/rollouthtml.h"

#include <QTest>

using namespace blueshift;
using namespace blueshift::rollout;
using harness::SessionEvent;

namespace {
const QString blue = QStringLiteral("demo--blue");
const QString green = QStringLiteral("demo--green");

SessionEvent opened(int session, double t, const QString &revision, bool reconnect = false)
{
    SessionEvent e;
    e.kind = SessionEvent::Kind::Opened;
    e.session = session;
    e.time = t;
    e.revision = revision;
    e.reconnect = reconnect;
    return e;
}

SessionEvent closed(int session, double t, const QString &revision, int code,
                    stats::CloseSide side = stats::CloseSide::Server)
{
    SessionEvent e;
    e.kind = SessionEvent::Kind::Closed;
    e.session = session;
    e.time = t;
    e.revision = revision;
    e.code = code;
    e.side = side;
    return e;
}

StepWindow window(int index, StepKind kind, double start, double windowEnd,
                  const QString &revision = QString())
{
    StepWindow w;
    w.index = index;
    w.name = QStringLiteral("step-%1").arg(index + 1);
    w.kind = kind;
    w.start = start;
    w.actionDone = start + 0.05;
    w.end = start + 0.1;
    w.windowEnd = windowEnd;
    w.revision = revision;
    w.ok = true;
    return w;
}

AssertionSpec spec(AssertionKind kind)
{
    AssertionSpec s;
    s.kind = kind;
    if (kind == AssertionKind::CloseCodesOnDeactivated)
        s.allowedCodes = {1001};
    return s;
}

// 40 sessions on blue from t=1; blue deactivated at 20 with a 30 s grace period; 37 close with
// 1001 and 3 with 1006 at 45; each reconnects to green at 46.
RolloutEvidence deactivation(int dropped, double end)
{
    QList<SessionEvent> events;
    for (int i = 0; i < 40; ++i)
        events.append(opened(i, 1 + i * 0.01, blue));
    for (int i = 0; i < 40; ++i) {
        const bool bad = i < dropped;
        events.append(closed(i, 45, blue, bad ? 1006 : 1001,
                             bad ? stats::CloseSide::Transport : stats::CloseSide::Server));
        events.append(opened(i, 46, green, true));
    }
    RolloutEvidence e;
    e.addEvents(QStringLiteral("main"), events, 0);
    e.setDeactivated(blue, 20);
    e.setEnd(end);
    return e;
}
} // namespace

class tst_RolloutAssertions : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void connectionsFromEvents();
    void lostDuringShift();
    void closeCodesOnDeactivated();
    void stillOpenAfterGrace();
    void routedToDeactivated();
    void rttP99();
    void shareByWeight();
    void reportEscapesAndDraws();
};

void tst_RolloutAssertions::connectionsFromEvents()
{
    QList<SessionEvent> events{opened(0, 1, blue), closed(0, 5, blue, 1001),
                               opened(0, 6, green, true), closed(7, 3, blue, 1000)};
    RolloutEvidence e;
    e.addEvents(QStringLiteral("g"), events, 10);
    QCOMPARE(e.connections().size(), 2);
    const Connection &first = e.connections().at(0);
    QCOMPARE(first.open, 11.0);
    QCOMPARE(first.close, 15.0);
    QCOMPARE(first.code, 1001);
    QVERIFY(!first.reconnect);
    const Connection &second = e.connections().at(1);
    QCOMPARE(second.revision, green);
    QVERIFY(second.reconnect);
    QVERIFY(!second.isClosed());
    QVERIFY(second.isOpenAt(100));
    QCOMPARE(second.group, QStringLiteral("g"));
}

void tst_RolloutAssertions::lostDuringShift()
{
    QList<SessionEvent> events;
    for (int i = 0; i < 10; ++i)
        events.append(opened(i, 1, blue));
    events.append(closed(0, 12, blue, 1011));                              // in the window
    events.append(closed(1, 13, blue, 1006, stats::CloseSide::Transport)); // in the window
    events.append(closed(2, 14, blue, 1000, stats::CloseSide::Client));    // the harness: no
    events.append(closed(3, 25, blue, 1011));                              // after the window
    RolloutEvidence e;
    e.addEvents(QStringLiteral("main"), events, 0);
    e.setEnd(30);
    const StepWindow shift = window(2, StepKind::Traffic, 10, 20);
    AssertionResult r =
        AssertionEvaluator::evaluate(spec(AssertionKind::LostDuringShift), shift, e);
    QVERIFY(!r.passed);
    QCOMPARE(r.observed, QStringLiteral("2 lost (1006×1, 1011×1)"));
    QCOMPARE(r.message, QStringLiteral("step 3 'step-3': lostDuringShift: 2 sessions closed by the "
                                       "server or the network during the step (1006×1, 1011×1), "
                                       "at most 0 allowed"));
    AssertionSpec lenient = spec(AssertionKind::LostDuringShift);
    lenient.max = 2;
    QVERIFY(AssertionEvaluator::evaluate(lenient, shift, e).passed);

    // Closes of the service's own making are left out, and said to be.
    QList<SessionEvent> own = events;
    SessionEvent heartbeat = closed(4, 15, blue, 1000, stats::CloseSide::Client);
    heartbeat.cause = stats::CloseCause::HeartbeatTimeout;
    SessionEvent cap = closed(5, 16, blue, 1000);
    cap.cause = stats::CloseCause::SessionCap;
    own << heartbeat << cap;
    RolloutEvidence o;
    o.addEvents(QStringLiteral("main"), own, 0);
    o.setEnd(30);
    r = AssertionEvaluator::evaluate(spec(AssertionKind::LostDuringShift), shift, o);
    QCOMPARE(r.observed, QStringLiteral("2 lost (1006×1, 1011×1); left out: 1 session-cap"));
    QCOMPARE(
        r.details.value(QStringLiteral("left_out")).toObject().value(QStringLiteral("session-cap")),
        1);

    // Closes of a revision this run deactivated are that step's business.
    e.setDeactivated(blue, 11);
    r = AssertionEvaluator::evaluate(spec(AssertionKind::LostDuringShift), shift, e);
    QVERIFY2(r.passed, qPrintable(r.message));
    QCOMPARE(r.observed, QStringLiteral("0 lost"));
}

void tst_RolloutAssertions::closeCodesOnDeactivated()
{
    StepWindow step = window(5, StepKind::Deactivate, 20, 21, blue);
    step.name = QStringLiteral("deactivate blue");
    step.graceSeconds = 30;
    AssertionResult r = AssertionEvaluator::evaluate(spec(AssertionKind::CloseCodesOnDeactivated),
                                                     step, deactivation(3, 60));
    QVERIFY(!r.passed);
    QCOMPARE(r.message, QStringLiteral("step 6 'deactivate blue': closeCodesOnDeactivated: 3 "
                                       "sessions closed with 1006, allowed 1001"));
    QCOMPARE(r.observed, QStringLiteral("1001×37, 1006×3"));
    QCOMPARE(r.details.value(QStringLiteral("disallowed"))
                 .toObject()
                 .value(QStringLiteral("1006"))
                 .toInt(),
             3);

    r = AssertionEvaluator::evaluate(spec(AssertionKind::CloseCodesOnDeactivated), step,
                                     deactivation(0, 60));
    QVERIFY2(r.passed, qPrintable(r.message));
    QCOMPARE(r.observed, QStringLiteral("1001×40"));

    AssertionSpec both = spec(AssertionKind::CloseCodesOnDeactivated);
    both.allowedCodes = {1001, 1006};
    QVERIFY(AssertionEvaluator::evaluate(both, step, deactivation(3, 60)).passed);
}

void tst_RolloutAssertions::stillOpenAfterGrace()
{
    QList<SessionEvent> events{opened(0, 1, blue), opened(1, 1, blue), opened(2, 1, blue),
                               closed(0, 30, blue, 1001)};
    StepWindow step = window(0, StepKind::Deactivate, 20, -1, blue);
    step.graceSeconds = 30;
    // Before the grace period is over, an open session is not yet a failure.
    RolloutEvidence early;
    early.addEvents(QStringLiteral("main"), events, 0);
    early.setEnd(40);
    AssertionResult r =
        AssertionEvaluator::evaluate(spec(AssertionKind::CloseCodesOnDeactivated), step, early);
    QVERIFY2(r.passed, qPrintable(r.message));
    QCOMPARE(r.observed, QStringLiteral("1001×1, 2 still open"));
    // The harness stopped one long after the grace period; the other is still open at the end.
    events.append(closed(1, 58, blue, 1000, stats::CloseSide::Client));
    RolloutEvidence late;
    late.addEvents(QStringLiteral("main"), events, 0);
    late.setEnd(60);
    r = AssertionEvaluator::evaluate(spec(AssertionKind::CloseCodesOnDeactivated), step, late);
    QVERIFY(!r.passed);
    QVERIFY2(r.message.contains(QStringLiteral("2 sessions still open 33 s after the deactivation "
                                               "(grace period 30 s)")),
             qPrintable(r.message));
}

void tst_RolloutAssertions::routedToDeactivated()
{
    StepWindow step = window(0, StepKind::Deactivate, 20, -1, blue);
    QList<SessionEvent> events{opened(0, 1, blue),
                               // Routed before the deactivation, its 101 a moment later.
                               opened(1, 20.1, blue),
                               // Reconnects after it: one landed on blue.
                               opened(2, 25, green, true), opened(3, 26, blue, true)};
    RolloutEvidence e;
    e.addEvents(QStringLiteral("main"), events, 0);
    e.setEnd(40);
    AssertionResult r =
        AssertionEvaluator::evaluate(spec(AssertionKind::RoutedToDeactivated), step, e);
    QVERIFY(!r.passed);
    QCOMPARE(r.observed, QStringLiteral("1"));
    QVERIFY2(r.message.contains(QStringLiteral("1 session opened on demo--blue after it was "
                                               "deactivated, at most 0 allowed")),
             qPrintable(r.message));
    QVERIFY(AssertionEvaluator::evaluate(spec(AssertionKind::RoutedToDeactivated), step,
                                         deactivation(0, 60))
                .passed);
}

void tst_RolloutAssertions::rttP99()
{
    const StepWindow step = window(1, StepKind::Traffic, 10, 13);
    AssertionSpec bound = spec(AssertionKind::RttP99Ms);
    bound.max = 50;
    RolloutEvidence empty;
    empty.setEnd(20);
    AssertionResult r = AssertionEvaluator::evaluate(bound, step, empty);
    QVERIFY(!r.passed);
    QVERIFY2(r.message.contains(QStringLiteral("no RTT sample")), qPrintable(r.message));

    auto bucket = [](double start, qint64 p99Micros) {
        stats::PercentileBucket b;
        b.start = start;
        b.width = 1;
        b.summary.count = 100;
        b.summary.p50 = p99Micros / 4;
        b.summary.p99 = p99Micros;
        b.summary.max = p99Micros;
        return b;
    };
    RolloutEvidence e;
    // Fleet time 5..9 is run time 10..14 (the group started at 5); the last is outside.
    e.addRtt(
        {bucket(4, 900000), bucket(5, 2000), bucket(6, 30000), bucket(7, 4000), bucket(8, 900000)},
        {}, 5);
    e.setEnd(20);
    r = AssertionEvaluator::evaluate(bound, step, e);
    QVERIFY2(r.passed, qPrintable(r.message));
    QCOMPARE(r.observed, QStringLiteral("30.00 ms"));
    bound.max = 20;
    r = AssertionEvaluator::evaluate(bound, step, e);
    QVERIFY(!r.passed);
    QVERIFY2(r.message.contains(QStringLiteral("RTT p99 30.00 ms")), qPrintable(r.message));
}

void tst_RolloutAssertions::shareByWeight()
{
    StepWindow step = window(3, StepKind::Traffic, 10, 30);
    step.weights = {{blue, 50}, {green, 50}};
    AssertionSpec share = spec(AssertionKind::ShareByWeight);
    share.tolerance = 10;
    share.minSessions = 20;

    QList<SessionEvent> even;
    for (int i = 0; i < 40; ++i)
        even.append(opened(i, 11 + i * 0.1, i % 2 ? green : blue));
    // Before the change was acknowledged and reconnects: not new sessions under the new weights.
    even.append(opened(100, 10.01, blue));
    for (int i = 0; i < 20; ++i)
        even.append(opened(200 + i, 20, blue, true));
    RolloutEvidence e;
    e.addEvents(QStringLiteral("canary"), even, 0);
    e.setEnd(40);
    AssertionResult r = AssertionEvaluator::evaluate(share, step, e);
    QVERIFY2(r.passed, qPrintable(r.message));
    QCOMPARE(r.details.value(QStringLiteral("new_sessions")).toInt(), 40);

    share.includeReconnects = true;
    r = AssertionEvaluator::evaluate(share, step, e);
    QVERIFY(!r.passed);
    QVERIFY2(r.message.contains(QStringLiteral("demo--blue got 66.7% of 60 new sessions against "
                                               "weight 50")),
             qPrintable(r.message));
    share.includeReconnects = false;

    QList<SessionEvent> skewed;
    for (int i = 0; i < 40; ++i)
        skewed.append(opened(i, 11, i < 30 ? blue : green));
    RolloutEvidence s;
    s.addEvents(QStringLiteral("canary"), skewed, 0);
    s.setEnd(40);
    r = AssertionEvaluator::evaluate(share, step, s);
    QVERIFY(!r.passed);
    QCOMPARE(r.message, QStringLiteral("step 4 'step-4': shareByWeight: demo--blue got 75% of 40 "
                                       "new sessions against weight 50; demo--green got 25% of 40 "
                                       "new sessions against weight 50 (±10 points allowed)"));

    share.minSessions = 50;
    r = AssertionEvaluator::evaluate(share, step, e);
    QVERIFY(!r.passed);
    QVERIFY2(r.message.contains(QStringLiteral("only 40 new sessions")), qPrintable(r.message));

    // Sessions nothing attributed are never guessed: too few attributed ones skip the judgement
    // and say why, rather than failing or passing on no data.
    QList<SessionEvent> anonymous;
    for (int i = 0; i < 40; ++i)
        anonymous.append(opened(i, 11, i < 5 ? blue : QString()));
    RolloutEvidence a;
    a.addEvents(QStringLiteral("canary"), anonymous, 0);
    a.setEnd(40);
    share.minSessions = 20;
    r = AssertionEvaluator::evaluate(share, step, a);
    QVERIFY(r.passed && r.skipped);
    QCOMPARE(r.observed, QStringLiteral("skipped: 35 of 40 new sessions unattributed"));
    QCOMPARE(r.details.value(QStringLiteral("unattributed")).toInt(), 35);
}

void tst_RolloutAssertions::reportEscapesAndDraws()
{
    RolloutReport report;
    report.planName = QStringLiteral("<script>alert(1)</script>");
    report.app = QStringLiteral("demo");
    report.outcome = QStringLiteral("assertions failed");
    report.evidence = deactivation(3, 60);
    StepWindow traffic = window(0, StepKind::Traffic, 2, 20);
    traffic.name = QStringLiteral("traffic \"0/100\" & <more>");
    StepWindow wait = window(1, StepKind::Wait, 5, 20);
    StepWindow deactivate = window(2, StepKind::Deactivate, 20, -1, blue);
    deactivate.name = QStringLiteral("deactivate blue");
    report.steps = {{traffic, QStringLiteral("traffic"), traffic.name},
                    {wait, QStringLiteral("wait"), QStringLiteral("wait 15 s")},
                    {deactivate, QStringLiteral("deactivate"), deactivate.name}};
    report.results.append(AssertionEvaluator::evaluate(spec(AssertionKind::CloseCodesOnDeactivated),
                                                       deactivate, report.evidence));
    report.timeline.append(
        {20.01,
         QStringLiteral("revision.deactivated"),
         {{QStringLiteral("revision"), blue}, {QStringLiteral("note"), QStringLiteral("<b>x</b>")}},
         -1});
    const QString html = QString::fromUtf8(rolloutHtml(report));
    QVERIFY(html.startsWith(QStringLiteral("<!DOCTYPE html>")));
    QVERIFY(!html.contains(QStringLiteral("<script")));
    QVERIFY(html.contains(QStringLiteral("&lt;script&gt;alert(1)&lt;/script&gt;")));
    QVERIFY(html.contains(QStringLiteral("traffic &quot;0/100&quot; &amp; &lt;more&gt;")));
    QVERIFY(!html.contains(QStringLiteral("<b>x</b>")));
    QVERIFY(html.contains(QStringLiteral("data-assertion=\"closeCodesOnDeactivated\"")));
    QVERIFY(html.contains(QStringLiteral("<tr class=\"fail\"")));
    QVERIFY(html.contains(QStringLiteral("3 sessions closed with 1006, allowed 1001")));
    QCOMPARE(html.count(QStringLiteral("<svg")), 3);
    // No external asset: nothing is fetched from anywhere.
    QVERIFY(!html.contains(QStringLiteral("src=")));
    QVERIFY(!html.contains(QStringLiteral("href=")));

    // Markers for the steps that change something, not for the wait.
    QList<StepWindow> steps{traffic, wait, deactivate};
    const QString live = QString::fromUtf8(RolloutCharts::liveSessions(report.evidence, steps));
    QCOMPARE(live.count(QStringLiteral("class=\"step-marker\"")), 2);
    QCOMPARE(RolloutCharts::cohortTime(report.evidence, steps), 2.0);
    const QString survival =
        QString::fromUtf8(RolloutCharts::survivalOverRunTime(report.evidence, steps));
    QVERIFY(survival.contains(QStringLiteral("demo--blue (40)")));
    QCOMPARE(survival.count(QStringLiteral("class=\"step-marker\"")), 2);

    // Closes are put down to the last step that is not a wait: the deactivation's 1001s and
    // 1006s belong to it.
    QCOMPARE(report.stepAt(10), 0);
    QCOMPARE(report.stepAt(45), 2);
    QCOMPARE(report.stepAt(1), -1);
    const QJsonArray closes = report.closesByStep();
    QCOMPARE(closes.size(), 2);
    for (const QJsonValue &v : closes)
        QCOMPARE(v.toObject().value(QStringLiteral("step")).toInt(), 3);
}

QTEST_GUILESS_MAIN(tst_RolloutAssertions)
#include "tst_rolloutassertions.moc"
