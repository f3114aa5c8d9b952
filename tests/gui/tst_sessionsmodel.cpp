// SessionsModel and SessionsFilterProxy fed with hand-built SessionRecord batches: rows in
// arrival (id) order, one rowsInserted per batch, one dataChanged per contiguous run spanning
// only the columns that changed, the age column ticking with one signal, roles, and the
// revision/state filter following updates.
#include "sessions/sessionsfilterproxy.h"
#include "sessions/sessionsmodel.h"

#include <QColor>
#include <QSignalSpy>
#include <QTest>

using namespace blueshift;
using namespace blueshift::gui;
using harness::SessionRecord;
using harness::SessionState;

namespace {
SessionRecord openRecord(int id, const QString &revision, double openTime = 1.0)
{
    SessionRecord r;
    r.id = id;
    r.state = SessionState::Open;
    r.firstOpenTime = openTime;
    r.openTime = openTime;
    r.revision = revision;
    r.firstRevision = revision;
    r.replica = revision + QStringLiteral("-replica-0");
    return r;
}

QList<SessionRecord> openBatch(int from, int count, const QString &revision)
{
    QList<SessionRecord> batch;
    for (int i = from; i < from + count; ++i)
        batch.append(openRecord(i, revision));
    return batch;
}

struct Range
{
    int top, left, bottom, right;
    friend bool operator==(const Range &, const Range &) = default;
};

Range rangeOf(const QList<QVariant> &args)
{
    const auto tl = args.at(0).value<QModelIndex>();
    const auto br = args.at(1).value<QModelIndex>();
    return {tl.row(), tl.column(), br.row(), br.column()};
}

QString text(const QAbstractItemModel &m, int row, int column, int role = Qt::DisplayRole)
{
    return m.data(m.index(row, column), role).toString();
}
} // namespace

namespace QTest {
template<>
char *toString(const Range &r)
{
    return qstrdup(QStringLiteral("rows %1-%2, columns %3-%4")
                       .arg(r.top)
                       .arg(r.bottom)
                       .arg(r.left)
                       .arg(r.right)
                       .toUtf8()
                       .constData());
}
} // namespace QTest

class TestSessionsModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void columnsAndHeaders();
    void firstBatchInsertsOnceInIdOrder();
    void updatesMergeIntoContiguousRuns();
    void mixedBatchUpdatesThenInsertsOnce();
    void unchangedRecordEmitsNothing();
    void rolesShowWhatHappened();
    void ageTicksWithOneSignal();
    void revisionsAndCounts();
    void tenThousandRowsInOneSignalEach();
    void proxyFiltersByRevisionAndState();
    void proxyFollowsUpdates();
    void proxySortsByColumn();
    void clearResets();
};

void TestSessionsModel::columnsAndHeaders()
{
    SessionsModel model;
    QCOMPARE(model.columnCount(), int(SessionsModel::ColumnCount));
    QCOMPARE(model.columnCount(), 10);
    QCOMPARE(model.rowCount(), 0);
    const QStringList expected = {QStringLiteral("Session"),    QStringLiteral("Revision"),
                                  QStringLiteral("Replica"),    QStringLiteral("State"),
                                  QStringLiteral("Age"),        QStringLiteral("RTT (last)"),
                                  QStringLiteral("Reconnects"), QStringLiteral("Close code"),
                                  QStringLiteral("Reason"),     QStringLiteral("Closed by")};
    for (int c = 0; c < model.columnCount(); ++c)
        QCOMPARE(model.headerData(c, Qt::Horizontal).toString(), expected.at(c));
}

void TestSessionsModel::firstBatchInsertsOnceInIdOrder()
{
    SessionsModel model;
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    QList<SessionRecord> batch = {
        openRecord(3, QStringLiteral("a")), openRecord(0, QStringLiteral("a")),
        openRecord(2, QStringLiteral("b")), openRecord(1, QStringLiteral("a"))};
    model.applyBatch(batch);
    QCOMPARE(inserted.size(), 1);
    QCOMPARE(inserted.at(0).at(1).toInt(), 0);
    QCOMPARE(inserted.at(0).at(2).toInt(), 3);
    QCOMPARE(changed.size(), 0);
    QCOMPARE(model.rowCount(), 4);
    for (int row = 0; row < 4; ++row) {
        QCOMPARE(model.record(row).id, row);
        QCOMPARE(model.rowOfSession(row), row);
        QCOMPARE(model.data(model.index(row, SessionsModel::Id)).toInt(), row);
    }
    QCOMPARE(model.rowOfSession(99), -1);

    // The next batch of new sessions is appended with one more signal.
    model.applyBatch(openBatch(4, 3, QStringLiteral("a")));
    QCOMPARE(inserted.size(), 2);
    QCOMPARE(inserted.at(1).at(1).toInt(), 4);
    QCOMPARE(inserted.at(1).at(2).toInt(), 6);
    QCOMPARE(model.rowCount(), 7);
}

void TestSessionsModel::updatesMergeIntoContiguousRuns()
{
    SessionsModel model;
    model.applyBatch(openBatch(0, 10, QStringLiteral("app--blue")));
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);

    // RTTs of 2, 3, 1 and 7 (out of order): runs 1-3 and 7, RTT column only.
    QList<SessionRecord> batch;
    for (int id : {2, 3, 7, 1}) {
        SessionRecord r = model.record(id);
        r.rttCount = 1;
        r.rttLastUs = r.rttMinUs = r.rttMaxUs = 1500;
        batch.append(r);
    }
    model.applyBatch(batch);
    QCOMPARE(inserted.size(), 0);
    QCOMPARE(changed.size(), 2);
    QCOMPARE(rangeOf(changed.at(0)), (Range{1, SessionsModel::Rtt, 3, SessionsModel::Rtt}));
    QCOMPARE(rangeOf(changed.at(1)), (Range{7, SessionsModel::Rtt, 7, SessionsModel::Rtt}));
    QCOMPARE(text(model, 2, SessionsModel::Rtt), QStringLiteral("1.50 ms"));

    // A run's columns are the union of its rows' changes: 4 closes (state .. closed by), 5
    // only gets an RTT.
    changed.clear();
    SessionRecord closing = model.record(4);
    closing.state = SessionState::Closed;
    closing.closeTime = 9;
    closing.closeCode = 1001;
    closing.closeReason = QStringLiteral("draining");
    SessionRecord pinged = model.record(5);
    pinged.rttCount = 1;
    pinged.rttLastUs = 800;
    model.applyBatch({pinged, closing});
    QCOMPARE(changed.size(), 1);
    QCOMPARE(rangeOf(changed.at(0)), (Range{4, SessionsModel::State, 5, SessionsModel::ClosedBy}));
}

void TestSessionsModel::mixedBatchUpdatesThenInsertsOnce()
{
    SessionsModel model;
    model.applyBatch(openBatch(0, 5, QStringLiteral("a")));
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    QSignalSpy applied(&model, &SessionsModel::batchApplied);
    QList<SessionRecord> batch = openBatch(5, 20, QStringLiteral("b"));
    for (int id : {0, 4}) {
        SessionRecord r = model.record(id);
        r.reconnects = 1;
        batch.append(r);
    }
    batch.append(openRecord(7, QStringLiteral("b"), 2.0)); // a new session twice in one batch
    model.applyBatch(batch);
    QCOMPARE(inserted.size(), 1);
    QCOMPARE(inserted.at(0).at(1).toInt(), 5);
    QCOMPARE(inserted.at(0).at(2).toInt(), 24);
    QCOMPARE(changed.size(), 2); // rows 0 and 4 are not adjacent
    QCOMPARE(model.rowCount(), 25);
    QCOMPARE(model.record(model.rowOfSession(7)).openTime, 2.0); // the later copy won
    QCOMPARE(applied.size(), 1);
    QCOMPARE(applied.at(0).at(0).toInt(), 20);
    QCOMPARE(applied.at(0).at(1).toInt(), 2);
}

void TestSessionsModel::unchangedRecordEmitsNothing()
{
    SessionsModel model;
    const QList<SessionRecord> batch = openBatch(0, 3, QStringLiteral("a"));
    model.applyBatch(batch);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    SessionRecord bad;
    bad.id = -1; // never a row
    model.applyBatch(QList<SessionRecord>(batch) << bad);
    QCOMPARE(changed.size(), 0);
    QCOMPARE(inserted.size(), 0);
    QCOMPARE(model.rowCount(), 3);
}

void TestSessionsModel::rolesShowWhatHappened()
{
    SessionsModel model;
    double now = 100;
    model.setClock([&now] { return now; });
    SessionRecord open = openRecord(0, QStringLiteral("app--blue"), 30);
    open.rttCount = 3;
    open.rttLastUs = 1250;
    open.rttMinUs = 900;
    open.rttMaxUs = 4000;
    SessionRecord closed = openRecord(1, QStringLiteral("app--blue"), 10);
    closed.state = SessionState::Closed;
    closed.closeTime = 55;
    closed.closeCode = 1001;
    closed.closeReason = QStringLiteral("revision deactivated");
    closed.closedBy = stats::CloseSide::Server;
    closed.reconnects = 2;
    SessionRecord refused;
    refused.id = 2;
    refused.state = SessionState::Closed;
    refused.error = QStringLiteral("connection refused");
    refused.connectFailures = 1;
    model.applyBatch({open, closed, refused});

    QCOMPARE(text(model, 0, SessionsModel::Revision), QStringLiteral("app--blue"));
    QCOMPARE(text(model, 0, SessionsModel::Replica), QStringLiteral("app--blue-replica-0"));
    QCOMPARE(text(model, 0, SessionsModel::State), QStringLiteral("open"));
    QCOMPARE(text(model, 0, SessionsModel::Age), QStringLiteral("1 min 10 s"));
    QCOMPARE(text(model, 0, SessionsModel::Rtt), QStringLiteral("1.25 ms"));
    QVERIFY(text(model, 0, SessionsModel::Rtt, Qt::ToolTipRole).contains(QLatin1String("4.00 ms")));
    QCOMPARE(text(model, 0, SessionsModel::CloseCode), QString());
    QCOMPARE(text(model, 0, SessionsModel::ClosedBy), QString());
    QVERIFY(!model.data(model.index(0, SessionsModel::State), Qt::DecorationRole).isNull());

    QCOMPARE(text(model, 1, SessionsModel::State), QStringLiteral("closed"));
    QCOMPARE(text(model, 1, SessionsModel::Age), QStringLiteral("45 s")); // frozen at close
    QCOMPARE(text(model, 1, SessionsModel::CloseCode), QStringLiteral("1001 going away"));
    QCOMPARE(text(model, 1, SessionsModel::Reason), QStringLiteral("revision deactivated"));
    QCOMPARE(text(model, 1, SessionsModel::ClosedBy), QStringLiteral("server"));
    QCOMPARE(model.data(model.index(1, SessionsModel::Reconnects)).toInt(), 2);
    QCOMPARE(model.data(model.index(1, SessionsModel::CloseCode), Qt::ForegroundRole)
                 .value<QColor>()
                 .red(),
             0xb0);

    QCOMPARE(text(model, 2, SessionsModel::Reason), QStringLiteral("connection refused"));
    QCOMPARE(text(model, 2, SessionsModel::Age), QString());
    QCOMPARE(text(model, 2, SessionsModel::Revision), QString());

    // Custom roles.
    QCOMPARE(model.data(model.index(1, 0), SessionsModel::StateRole).toInt(),
             int(SessionState::Closed));
    QCOMPARE(model.data(model.index(1, 0), SessionsModel::RevisionRole).toString(),
             QStringLiteral("app--blue"));
    QCOMPARE(model.data(model.index(1, 0), SessionsModel::SessionIdRole).toInt(), 1);
    QCOMPARE(model.data(model.index(0, SessionsModel::Age), SessionsModel::SortRole).toDouble(),
             70.0);
    QCOMPARE(model.data(model.index(0, SessionsModel::Rtt), SessionsModel::SortRole).toLongLong(),
             1250);
    QVERIFY(!model.data(model.index(5, 0)).isValid());

    QCOMPARE(SessionsModel::formatAge(3 * 3600 + 125), QStringLiteral("3 h 02 min"));
}

void TestSessionsModel::ageTicksWithOneSignal()
{
    SessionsModel model;
    double now = 10;
    model.setClock([&now] { return now; });
    QVERIFY(!model.isAgeTimerActive());
    model.applyBatch(openBatch(0, 500, QStringLiteral("a")));
    QVERIFY2(model.isAgeTimerActive(), "open sessions age");
    QCOMPARE(text(model, 0, SessionsModel::Age), QStringLiteral("9 s"));

    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    now = 12;
    model.tickAges();
    QCOMPARE(changed.size(), 1);
    QCOMPARE(rangeOf(changed.at(0)), (Range{0, SessionsModel::Age, 499, SessionsModel::Age}));
    QCOMPARE(text(model, 499, SessionsModel::Age), QStringLiteral("11 s"));

    // The timer does the same on its own.
    model.setAgeTickInterval(20);
    changed.clear();
    QVERIFY(changed.wait(2000));
    QCOMPARE(rangeOf(changed.at(0)), (Range{0, SessionsModel::Age, 499, SessionsModel::Age}));

    // With nothing open, ages are frozen and the timer stops.
    QList<SessionRecord> closes;
    for (int i = 0; i < 500; ++i) {
        SessionRecord r = model.record(i);
        r.state = SessionState::Closed;
        r.closeTime = 11;
        r.closeCode = 1000;
        r.closedBy = stats::CloseSide::Client;
        closes.append(r);
    }
    model.applyBatch(closes);
    QVERIFY(!model.isAgeTimerActive());
}

void TestSessionsModel::revisionsAndCounts()
{
    SessionsModel model;
    QSignalSpy added(&model, &SessionsModel::revisionAdded);
    SessionRecord waiting;
    waiting.id = 0;
    model.applyBatch({waiting});
    QCOMPARE(added.size(), 0); // no revision yet
    model.applyBatch(openBatch(1, 3, QStringLiteral("app--blue")) +
                     openBatch(4, 2, QStringLiteral("app--green")));
    QCOMPARE(model.revisions(),
             (QStringList{QStringLiteral("app--blue"), QStringLiteral("app--green")}));
    QCOMPARE(added.size(), 2);
    QCOMPARE(model.count(SessionState::Open), 5);
    QCOMPARE(model.count(SessionState::Waiting), 1);
    SessionRecord r = model.record(2);
    r.state = SessionState::Reconnecting;
    model.applyBatch({r});
    QCOMPARE(model.count(SessionState::Open), 4);
    QCOMPARE(model.count(SessionState::Reconnecting), 1);
    QCOMPARE(added.size(), 2);
}

void TestSessionsModel::tenThousandRowsInOneSignalEach()
{
    SessionsModel model;
    SessionsFilterProxy proxy;
    proxy.setSourceModel(&model);
    proxy.sort(SessionsModel::Id);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    model.applyBatch(openBatch(0, 10000, QStringLiteral("a")));
    QCOMPARE(inserted.size(), 1);
    QCOMPARE(proxy.rowCount(), 10000);
    QList<SessionRecord> pings;
    for (int i = 0; i < 10000; ++i) {
        SessionRecord r = model.record(i);
        r.rttCount = 1;
        r.rttLastUs = quint32(100 + i);
        pings.append(r);
    }
    model.applyBatch(pings);
    QCOMPARE(changed.size(), 1);
    QCOMPARE(rangeOf(changed.at(0)), (Range{0, SessionsModel::Rtt, 9999, SessionsModel::Rtt}));
    // Every other session changes: 5,000 runs of one row each are one range, not 5,000
    // signals (a sorted proxy would re-sort 5,000 times).
    changed.clear();
    QList<SessionRecord> half;
    for (int i = 2; i < 10000; i += 2) {
        SessionRecord r = model.record(i);
        r.reconnects = 1;
        half.append(r);
    }
    model.applyBatch(half);
    QCOMPARE(changed.size(), 1);
    QCOMPARE(rangeOf(changed.at(0)),
             (Range{2, SessionsModel::Reconnects, 9998, SessionsModel::Reconnects}));
    // Up to 32 runs are still one signal each.
    changed.clear();
    QList<SessionRecord> few;
    for (int i = 0; i < 32 * 10; i += 10) {
        SessionRecord r = model.record(i);
        r.reconnects = 2;
        few.append(r);
    }
    model.applyBatch(few);
    QCOMPARE(changed.size(), 32);
    // Many scattered pings plus three scattered closes: the pings are one range over the RTT
    // column, the closes (each in a run with its pinged neighbours) stay three small signals.
    changed.clear();
    QList<SessionRecord> mixed;
    for (int i = 1; i < 10000; i += 2) {
        SessionRecord r = model.record(i);
        r.rttLastUs += 1;
        mixed.append(r);
    }
    for (int i : {100, 5000, 9000}) {
        SessionRecord r = model.record(i);
        r.state = SessionState::Closed;
        r.closeCode = 1001;
        mixed.append(r);
    }
    model.applyBatch(mixed);
    QCOMPARE(changed.size(), 4);
    QCOMPARE(rangeOf(changed.at(0)), (Range{1, SessionsModel::Rtt, 9999, SessionsModel::Rtt}));
    QCOMPARE(rangeOf(changed.at(1)),
             (Range{99, SessionsModel::State, 101, SessionsModel::ClosedBy}));
    QCOMPARE(rangeOf(changed.at(3)),
             (Range{8999, SessionsModel::State, 9001, SessionsModel::ClosedBy}));
}

void TestSessionsModel::proxyFiltersByRevisionAndState()
{
    SessionsModel model;
    SessionsFilterProxy proxy;
    proxy.setSourceModel(&model);
    QList<SessionRecord> batch = openBatch(0, 6, QStringLiteral("app--blue")) +
                                 openBatch(6, 4, QStringLiteral("app--green"));
    batch[1].state = SessionState::Closed;
    batch[1].closeCode = 1001;
    batch[7].state = SessionState::Reconnecting;
    SessionRecord waiting;
    waiting.id = 10;
    batch.append(waiting);
    model.applyBatch(batch);
    QCOMPARE(proxy.rowCount(), 11);

    proxy.setRevisionFilter(QStringLiteral("app--green"));
    QCOMPARE(proxy.rowCount(), 4);
    proxy.setStateFilter(SessionState::Open);
    QCOMPARE(proxy.rowCount(), 3);
    proxy.setRevisionFilter(std::nullopt);
    QCOMPARE(proxy.rowCount(), 8);
    proxy.setStateFilter(SessionState::Closed);
    QCOMPARE(proxy.rowCount(), 1);
    QCOMPARE(proxy.data(proxy.index(0, SessionsModel::Id)).toInt(), 1);
    proxy.setStateFilter(std::nullopt);
    proxy.setRevisionFilter(QString()); // sessions without a revision
    QCOMPARE(proxy.rowCount(), 1);
    QCOMPARE(proxy.data(proxy.index(0, SessionsModel::Id)).toInt(), 10);
    proxy.setRevisionFilter(QStringLiteral("nope"));
    QCOMPARE(proxy.rowCount(), 0);
}

void TestSessionsModel::proxyFollowsUpdates()
{
    SessionsModel model;
    SessionsFilterProxy proxy;
    proxy.setSourceModel(&model);
    proxy.setStateFilter(SessionState::Open);
    model.applyBatch(openBatch(0, 10, QStringLiteral("app--blue")));
    QCOMPARE(proxy.rowCount(), 10);
    // Blue's sessions close: they leave the "open" filter as the batch lands.
    QList<SessionRecord> closes;
    for (int i = 0; i < 4; ++i) {
        SessionRecord r = model.record(i);
        r.state = SessionState::Closed;
        r.closeCode = 1001;
        closes.append(r);
    }
    model.applyBatch(closes);
    QCOMPARE(proxy.rowCount(), 6);
    // They reconnect on green: back in, and the green filter sees them.
    QList<SessionRecord> reopened;
    for (int i = 0; i < 4; ++i) {
        SessionRecord r = model.record(i);
        r.state = SessionState::Open;
        r.revision = QStringLiteral("app--green");
        r.reconnects = 1;
        reopened.append(r);
    }
    model.applyBatch(reopened);
    QCOMPARE(proxy.rowCount(), 10);
    proxy.setRevisionFilter(QStringLiteral("app--green"));
    QCOMPARE(proxy.rowCount(), 4);
}

void TestSessionsModel::proxySortsByColumn()
{
    SessionsModel model;
    SessionsFilterProxy proxy;
    proxy.setSourceModel(&model);
    double now = 100;
    model.setClock([&now] { return now; });
    QList<SessionRecord> batch;
    const QList<double> openTimes = {50, 10, 90, 30};
    const QList<quint32> rtts = {300, 100, 400, 200};
    for (int i = 0; i < 4; ++i) {
        SessionRecord r =
            openRecord(i, i % 2 ? QStringLiteral("b") : QStringLiteral("a"), openTimes.at(i));
        r.rttCount = 1;
        r.rttLastUs = rtts.at(i);
        batch.append(r);
    }
    model.applyBatch(batch);
    auto ids = [&] {
        QList<int> out;
        for (int row = 0; row < proxy.rowCount(); ++row)
            out.append(proxy.data(proxy.index(row, SessionsModel::Id)).toInt());
        return out;
    };
    proxy.sort(SessionsModel::Age, Qt::DescendingOrder); // oldest first
    QCOMPARE(ids(), (QList<int>{1, 3, 0, 2}));
    proxy.sort(SessionsModel::Rtt, Qt::AscendingOrder);
    QCOMPARE(ids(), (QList<int>{1, 3, 0, 2}));
    proxy.sort(SessionsModel::Revision, Qt::AscendingOrder); // ties by id
    QCOMPARE(ids(), (QList<int>{0, 2, 1, 3}));
    // A changed RTT moves its row (dynamic sort).
    proxy.sort(SessionsModel::Rtt, Qt::AscendingOrder);
    SessionRecord r = model.record(2);
    r.rttLastUs = 50;
    model.applyBatch({r});
    QCOMPARE(ids(), (QList<int>{2, 1, 3, 0}));
}

void TestSessionsModel::clearResets()
{
    SessionsModel model;
    model.applyBatch(openBatch(0, 5, QStringLiteral("a")));
    QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
    model.clear();
    QCOMPARE(reset.size(), 1);
    QCOMPARE(model.rowCount(), 0);
    QVERIFY(model.revisions().isEmpty());
    QCOMPARE(model.count(SessionState::Open), 0);
    QVERIFY(!model.isAgeTimerActive());
    model.setFleet(nullptr);
    QCOMPARE(model.rowCount(), 0);
}

QTEST_MAIN(TestSessionsModel)
#include "tst_sessionsmodel.moc"
