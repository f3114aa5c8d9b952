// EventsModel (a bounded ring, appended in batches), its filter proxy (level, event, revision,
// search) and the log stream's line parsing (secrets masked before a line is shown).
#include "events/eventsfilterproxy.h"
#include "events/eventsmodel.h"
#include "events/eventsview.h"
#include "events/logstreamclient.h"

#include <QJsonDocument>
#include <QLineEdit>
#include <QSignalSpy>
#include <QTest>

using namespace blueshift::gui;

namespace {
EventEntry entry(int i, const QString &level = QStringLiteral("info"),
                 const QString &event = QStringLiteral("replica.ready"),
                 const QString &revision = QStringLiteral("demo--blue"),
                 const QString &text = QString())
{
    return EventEntry{QDateTime::fromMSecsSinceEpoch(1700000000000 + i, Qt::UTC),
                      QStringLiteral("platform"),
                      level,
                      event,
                      revision,
                      text.isEmpty() ? QStringLiteral("line %1").arg(i) : text};
}

QJsonObject json(const char *text)
{
    return QJsonDocument::fromJson(QByteArray(text)).object();
}
} // namespace

class TestEventsModel : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void appendsInOneBatch();
    void flushesByItself();
    void ringKeepsTheNewest();
    void batchLargerThanTheRing();
    void vocabularyForTheFilters();
    void filterByLevel();
    void filterByEventAndRevision();
    void searchIsCaseInsensitive();
    void filtersFollowNewLines();
    void viewSearchBoxFilters();
    void platformEventLine();
    void replicaLines();
    void secretsNeverShown();
};

void TestEventsModel::appendsInOneBatch()
{
    EventsModel m(100);
    QSignalSpy inserted(&m, &QAbstractItemModel::rowsInserted);
    m.append(entry(0));
    m.append(QList<EventEntry>{entry(1), entry(2)});
    QCOMPARE(m.rowCount(), 0); // queued until the flush
    m.flush();
    QCOMPARE(inserted.size(), 1);
    QCOMPARE(inserted.at(0).at(1).toInt(), 0);
    QCOMPARE(inserted.at(0).at(2).toInt(), 2);
    QCOMPARE(m.rowCount(), 3);
    QCOMPARE(m.columnCount(), int(EventsModel::ColumnCount));
    QCOMPARE(m.data(m.index(2, EventsModel::Text)).toString(), QStringLiteral("line 2"));
    QCOMPARE(m.data(m.index(2, EventsModel::Event)).toString(), QStringLiteral("replica.ready"));
    QCOMPARE(m.data(m.index(2, EventsModel::Revision)).toString(), QStringLiteral("demo--blue"));
    QCOMPARE(m.data(m.index(2, EventsModel::Level)).toString(), QStringLiteral("info"));
    QCOMPARE(m.data(m.index(2, EventsModel::Source)).toString(), QStringLiteral("platform"));
    QCOMPARE(m.data(m.index(2, EventsModel::Time), EventsModel::TimeRole).toDateTime(),
             QDateTime::fromMSecsSinceEpoch(1700000000002, Qt::UTC));
    QCOMPARE(m.data(m.index(2, 0), EventsModel::LevelRankRole).toInt(), 1);
    for (int c = 0; c < EventsModel::ColumnCount; ++c)
        QVERIFY(!m.headerData(c, Qt::Horizontal).toString().isEmpty());
    m.flush(); // nothing queued: nothing happens
    QCOMPARE(inserted.size(), 1);
}

void TestEventsModel::flushesByItself()
{
    EventsModel m(100);
    m.setFlushInterval(20);
    QSignalSpy inserted(&m, &QAbstractItemModel::rowsInserted);
    for (int i = 0; i < 50; ++i)
        m.append(entry(i));
    QTRY_COMPARE_WITH_TIMEOUT(m.rowCount(), 50, 5000);
    QCOMPARE(inserted.size(), 1);
}

void TestEventsModel::ringKeepsTheNewest()
{
    EventsModel m(5);
    QSignalSpy removed(&m, &QAbstractItemModel::rowsRemoved);
    for (int i = 0; i < 3; ++i)
        m.append(entry(i));
    m.flush();
    for (int i = 3; i < 8; ++i)
        m.append(entry(i));
    m.flush();
    QCOMPARE(m.rowCount(), 5);
    QCOMPARE(removed.size(), 1);
    QCOMPARE(removed.at(0).at(1).toInt(), 0);
    QCOMPARE(removed.at(0).at(2).toInt(), 2);
    QCOMPARE(m.entryAt(0).text, QStringLiteral("line 3"));
    QCOMPARE(m.entryAt(4).text, QStringLiteral("line 7"));
    QCOMPARE(m.droppedCount(), 3);
}

void TestEventsModel::batchLargerThanTheRing()
{
    EventsModel m(4);
    QList<EventEntry> batch;
    for (int i = 0; i < 10; ++i)
        batch.append(entry(i));
    m.append(batch);
    m.flush();
    QCOMPARE(m.rowCount(), 4);
    QCOMPARE(m.entryAt(0).text, QStringLiteral("line 6"));
    QCOMPARE(m.droppedCount(), 6);
    m.clear();
    QCOMPARE(m.rowCount(), 0);
}

void TestEventsModel::vocabularyForTheFilters()
{
    EventsModel m(100);
    QSignalSpy vocabulary(&m, &EventsModel::vocabularyChanged);
    m.append(QList<EventEntry>{entry(0, QStringLiteral("info"), QStringLiteral("b.event")),
                               entry(1, QStringLiteral("info"), QStringLiteral("a.event"),
                                     QStringLiteral("demo--green"))});
    m.flush();
    QCOMPARE(vocabulary.size(), 1);
    QCOMPARE(m.eventNames(), (QStringList{QStringLiteral("a.event"), QStringLiteral("b.event")}));
    QCOMPARE(m.revisionNames(),
             (QStringList{QStringLiteral("demo--blue"), QStringLiteral("demo--green")}));
    m.append(entry(2, QStringLiteral("info"), QStringLiteral("a.event")));
    m.flush();
    QCOMPARE(vocabulary.size(), 1); // nothing new
}

void TestEventsModel::filterByLevel()
{
    EventsModel m(100);
    m.append(QList<EventEntry>{entry(0, QStringLiteral("debug")), entry(1, QStringLiteral("info")),
                               entry(2, QStringLiteral("warning")),
                               entry(3, QStringLiteral("error")),
                               entry(4, QStringLiteral("WARN"))});
    m.flush();
    EventsFilterProxy p;
    p.setSourceModel(&m);
    QCOMPARE(p.rowCount(), 5);
    p.setMinimumLevel(1);
    QCOMPARE(p.rowCount(), 4);
    p.setMinimumLevel(2);
    QCOMPARE(p.rowCount(), 3);
    p.setMinimumLevel(3);
    QCOMPARE(p.rowCount(), 1);
    QCOMPARE(p.data(p.index(0, EventsModel::Text)).toString(), QStringLiteral("line 3"));
}

void TestEventsModel::filterByEventAndRevision()
{
    EventsModel m(100);
    m.append(QList<EventEntry>{entry(0, QStringLiteral("info"), QStringLiteral("connection.closed"),
                                     QStringLiteral("demo--blue")),
                               entry(1, QStringLiteral("info"), QStringLiteral("connection.closed"),
                                     QStringLiteral("demo--green")),
                               entry(2, QStringLiteral("info"), QStringLiteral("replica.ready"),
                                     QStringLiteral("demo--green"))});
    m.flush();
    EventsFilterProxy p;
    p.setSourceModel(&m);
    p.setEventFilter(QStringLiteral("connection.closed"));
    QCOMPARE(p.rowCount(), 2);
    p.setRevisionFilter(QStringLiteral("demo--green"));
    QCOMPARE(p.rowCount(), 1);
    QCOMPARE(p.data(p.index(0, EventsModel::Text)).toString(), QStringLiteral("line 1"));
    p.setEventFilter(QString());
    QCOMPARE(p.rowCount(), 2);
    p.setRevisionFilter(QString());
    QCOMPARE(p.rowCount(), 3);
}

void TestEventsModel::searchIsCaseInsensitive()
{
    EventsModel m(100);
    m.append(QList<EventEntry>{entry(0, QStringLiteral("info"), QStringLiteral("connection.closed"),
                                     QStringLiteral("demo--blue"),
                                     QStringLiteral("code=1001 reason=\"Going Away\"")),
                               entry(1, QStringLiteral("info"), QStringLiteral("replica.ready"),
                                     QStringLiteral("demo--green"))});
    m.flush();
    EventsFilterProxy p;
    p.setSourceModel(&m);
    p.setSearchText(QStringLiteral("going away"));
    QCOMPARE(p.rowCount(), 1);
    p.setSearchText(QStringLiteral("GREEN")); // matches the revision column too
    QCOMPARE(p.rowCount(), 1);
    QCOMPARE(p.data(p.index(0, EventsModel::Event)).toString(), QStringLiteral("replica.ready"));
    p.setSearchText(QStringLiteral("nothing like this"));
    QCOMPARE(p.rowCount(), 0);
}

void TestEventsModel::filtersFollowNewLines()
{
    EventsModel m(3);
    EventsFilterProxy p;
    p.setSourceModel(&m);
    p.setMinimumLevel(3);
    m.append(QList<EventEntry>{entry(0, QStringLiteral("error")), entry(1)});
    m.flush();
    QCOMPARE(p.rowCount(), 1);
    m.append(QList<EventEntry>{entry(2, QStringLiteral("error")), entry(3), entry(4)});
    m.flush();
    // The ring dropped the first error; the second is shown.
    QCOMPARE(p.rowCount(), 1);
    QCOMPARE(p.data(p.index(0, EventsModel::Text)).toString(), QStringLiteral("line 2"));
}

void TestEventsModel::viewSearchBoxFilters()
{
    EventsModel m(100);
    EventsView view(&m);
    m.append(QList<EventEntry>{entry(0),
                               entry(1, QStringLiteral("info"), QStringLiteral("drain.started"))});
    m.flush();
    QCOMPARE(view.proxy()->rowCount(), 2);
    view.searchEdit()->setText(QStringLiteral("drain"));
    QTRY_COMPARE_WITH_TIMEOUT(view.proxy()->rowCount(), 1, 5000);
    view.setMinimumLevel(QStringLiteral("error"));
    QCOMPARE(view.minimumLevel(), QStringLiteral("error"));
    QCOMPARE(view.proxy()->rowCount(), 0);
}

void TestEventsModel::platformEventLine()
{
    blueshift::telemetry::Redactor redactor;
    const EventEntry e = LogStreamClient::entryFromJson(
        json(R"({"ts":"2025-03-04T05:06:07.089Z","received":"2025-03-04T05:06:07.090Z","seq":7,
                 "source":"platform","event":"traffic.updated","app":"demo",
                 "weights":{"demo--blue":50,"demo--green":50}})"),
        redactor);
    QCOMPARE(e.time, QDateTime(QDate(2025, 3, 4), QTime(5, 6, 7, 89), Qt::UTC));
    QCOMPARE(e.source, QStringLiteral("platform"));
    QCOMPARE(e.event, QStringLiteral("traffic.updated"));
    QCOMPARE(e.level, QStringLiteral("info"));
    QVERIFY(e.revision.isEmpty());
    QCOMPARE(e.text, QStringLiteral("app=demo weights={\"demo--blue\":50,\"demo--green\":50}"));
}

void TestEventsModel::replicaLines()
{
    blueshift::telemetry::Redactor redactor;
    const EventEntry json1 = LogStreamClient::entryFromJson(
        json(R"({"ts":"2025-03-04T05:06:07Z","level":"WARNING","event":"drain.started",
                 "source":"replica","app":"demo","revision":"demo--blue","replica":"r1",
                 "sessions":3})"),
        redactor);
    QCOMPARE(json1.level, QStringLiteral("warning"));
    QCOMPARE(json1.revision, QStringLiteral("demo--blue"));
    QCOMPARE(json1.text, QStringLiteral("app=demo replica=r1 sessions=3"));
    const EventEntry plain = LogStreamClient::entryFromJson(
        json(R"({"line":"Traceback (most recent call last):","source":"replica.stderr",
                 "revision":"demo--green"})"),
        redactor);
    QCOMPARE(plain.level, QStringLiteral("warning"));
    QCOMPARE(plain.event, QStringLiteral("output"));
    QCOMPARE(plain.text, QStringLiteral("Traceback (most recent call last):"));
    QVERIFY(plain.time.isValid()); // no ts: the time it arrived
}

void TestEventsModel::secretsNeverShown()
{
    blueshift::telemetry::Redactor redactor;
    redactor.addSecret("s3cr3t-admin-token-value");
    const EventEntry e =
        LogStreamClient::entryFromJson(json(R"({"event":"replica.output","source":"replica",
                 "line":"connecting with s3cr3t-admin-token-value",
                 "authorization":"Bearer abcdef", "note":"header Bearer zyx987 sent",
                 "url":"wss://x/y?api-key=k123&x=1"})"),
                                       redactor);
    QVERIFY2(!e.text.contains(QLatin1String("s3cr3t-admin-token-value")), qPrintable(e.text));
    QVERIFY2(!e.text.contains(QLatin1String("abcdef")), qPrintable(e.text));
    QVERIFY2(!e.text.contains(QLatin1String("zyx987")), qPrintable(e.text));
    QVERIFY2(!e.text.contains(QLatin1String("k123")), qPrintable(e.text));
    QVERIFY(e.text.contains(QLatin1String("[REDACTED]")));
    QVERIFY(e.text.contains(QLatin1String("connecting with")));
    // Field names are not credentials: close codes and exit codes stay readable.
    const EventEntry closed = LogStreamClient::entryFromJson(
        json(R"({"event":"connection.closed","source":"replica","code":1001,"exit_code":0})"),
        redactor);
    QCOMPARE(closed.text, QStringLiteral("code=1001 exit_code=0"));
}

QTEST_MAIN(TestEventsModel)
#include "tst_eventsmodel.moc"
