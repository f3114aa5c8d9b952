#include "harness/summarytable.h"

#include <QTest>

using namespace blueshift;
using namespace blueshift::harness;

namespace {
RevisionSummary revision(const char *name, quint64 opened, int alive, QMap<int, quint64> codes,
                         qint64 p50, qint64 p99, quint64 rttCount)
{
    RevisionSummary r;
    r.revision = QString::fromLatin1(name);
    r.opened = opened;
    r.alive = alive;
    for (auto it = codes.cbegin(); it != codes.cend(); ++it)
        r.closed += it.value();
    r.closeCodes = std::move(codes);
    r.rttMicros.count = rttCount;
    r.rttMicros.p50 = p50;
    r.rttMicros.p99 = p99;
    return r;
}
} // namespace

class tst_SummaryTable : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void closeCodes();
    void millis();
    void tableWithRevisionsUnknownAndTotals();
    void emptyFleetHasTotalsOnly();
};

void tst_SummaryTable::closeCodes()
{
    QCOMPARE(closeCodesText({}), QStringLiteral("-"));
    QCOMPARE(closeCodesText({{1001, 2}, {1000, 3}}), QStringLiteral("1000\u00D73 1001\u00D72"));
    // A code with no closes is not worth a column's width.
    QCOMPARE(closeCodesText({{1006, 0}, {4000, 1}}), QStringLiteral("4000\u00D71"));
}

void tst_SummaryTable::millis()
{
    QCOMPARE(millisText(0, 0), QStringLiteral("-"));
    QCOMPARE(millisText(410, 1), QStringLiteral("0.41"));
    QCOMPARE(millisText(1234500, 7), QStringLiteral("1234.50"));
    QCOMPARE(revisionLabel(QString()), QStringLiteral("(unattributed)"));
    QCOMPARE(revisionLabel(QStringLiteral("app--blue")), QStringLiteral("app--blue"));
}

void tst_SummaryTable::tableWithRevisionsUnknownAndTotals()
{
    FleetSnapshot s;
    s.sessions = 6;
    // The unnamed revision appeared first; it still goes last.
    s.revisions = {revision("", 1, 1, {}, 0, 0, 0),
                   revision("app--blue", 3, 1, {{1000, 1}, {1001, 1}}, 410, 1200, 10),
                   revision("app--green", 2, 2, {}, 2000, 12340, 4)};
    s.rttMicros.count = 14;
    s.rttMicros.p50 = 500;
    s.rttMicros.p99 = 12000;
    const QString expected = QStringLiteral(
        "revision        opened  alive  closed  close codes    rtt p50 ms  rtt p99 ms\n"
        "app--blue            3      1       2  1000\u00D71 1001\u00D71        0.41        1.20\n"
        "app--green           2      2       0  -                    2.00       12.34\n"
        "(unattributed)       1      1       0  -                       -           -\n"
        "total                6      4       2  1000\u00D71 1001\u00D71        0.50       "
        "12.00\n");
    QCOMPARE(summaryTable(s), expected);
}

void tst_SummaryTable::emptyFleetHasTotalsOnly()
{
    const QString expected =
        QStringLiteral("revision  opened  alive  closed  close codes  rtt p50 ms  rtt p99 ms\n"
                       "total          0      0       0  -                     -           -\n");
    QCOMPARE(summaryTable(FleetSnapshot()), expected);
}

QTEST_GUILESS_MAIN(tst_SummaryTable)
#include "tst_summarytable.moc"
