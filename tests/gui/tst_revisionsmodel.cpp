// RevisionsModel: rows and roles from hand-built revisions, and polls merged as batches
// (merged dataChanged ranges, rows inserted and removed, never a reset).
#include "revisions/revisionsmodel.h"

#include <QFont>
#include <QIcon>
#include <QSignalSpy>
#include <QTest>

using blueshift::gui::RevisionsModel;
namespace model = blueshift::model;

namespace {
model::Revision rev(const QString &name, int weight, bool active = true, int replicas = 1,
                    const QString &health = QStringLiteral("Healthy"))
{
    model::Revision r;
    r.name = name;
    r.trafficWeight = weight;
    r.active = active;
    r.replicas = replicas;
    r.healthState = health;
    r.runningState = active ? QStringLiteral("Running") : QStringLiteral("Stopped");
    r.provisioningState = QStringLiteral("Provisioned");
    r.createdTime = QDateTime(QDate(2025, 1, 2), QTime(3, 4, 5), Qt::UTC);
    return r;
}

model::ContainerApp app(const QList<model::TrafficWeight> &traffic, const QString &latest)
{
    model::ContainerApp a;
    a.name = QStringLiteral("shop");
    a.latestRevisionName = latest;
    a.configuration.activeRevisionsMode = model::ActiveRevisionsMode::Multiple;
    model::Ingress ingress;
    ingress.traffic = traffic;
    a.configuration.ingress = ingress;
    return a;
}

model::TrafficWeight weight(const QString &revision, int w, const QString &label = QString())
{
    return model::TrafficWeight{revision, false, w, label};
}

struct Spies
{
    explicit Spies(RevisionsModel *m)
        : changed(m, &QAbstractItemModel::dataChanged)
        , inserted(m, &QAbstractItemModel::rowsInserted)
        , removed(m, &QAbstractItemModel::rowsRemoved)
        , reset(m, &QAbstractItemModel::modelReset)
        , layout(m, &QAbstractItemModel::layoutChanged)
    {}
    void clear()
    {
        changed.clear();
        inserted.clear();
        removed.clear();
        reset.clear();
        layout.clear();
    }
    QSignalSpy changed, inserted, removed, reset, layout;
};
} // namespace

class TestRevisionsModel : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void rowsAndRoles();
    void labelsFromTrafficAndRevision();
    void unchangedPollEmitsNothing();
    void adjacentChangesMergeIntoOneRange();
    void separateChangesStaySeparate();
    void activityRepaintsTheWholeRow();
    void revisionsAddedAndRemovedInBatches();
    void liveSessionsTouchOnlyTheirColumn();
    void clearRemovesEverything();
};

void TestRevisionsModel::rowsAndRoles()
{
    RevisionsModel m;
    QCOMPARE(m.columnCount(), int(RevisionsModel::ColumnCount));
    for (int c = 0; c < RevisionsModel::ColumnCount; ++c)
        QVERIFY2(!m.headerData(c, Qt::Horizontal).toString().isEmpty(),
                 qPrintable(QString::number(c)));
    m.setSnapshot(app({weight(QStringLiteral("shop--blue"), 70, QStringLiteral("blue")),
                       weight(QStringLiteral("shop--green"), 30)},
                      QStringLiteral("shop--green")),
                  {rev(QStringLiteral("shop--blue"), 70),
                   rev(QStringLiteral("shop--green"), 30, true, 2),
                   rev(QStringLiteral("shop--old"), 0, false, 0, QStringLiteral("None"))});
    QCOMPARE(m.rowCount(), 3);
    auto cell = [&m](int row, int column, int role = Qt::DisplayRole) {
        return m.data(m.index(row, column), role);
    };
    QCOMPARE(cell(0, RevisionsModel::Name).toString(), QStringLiteral("shop--blue"));
    QCOMPARE(cell(0, RevisionsModel::Active).toString(), QStringLiteral("Active"));
    QCOMPARE(cell(0, RevisionsModel::Running).toString(), QStringLiteral("Running"));
    QCOMPARE(cell(0, RevisionsModel::Health).toString(), QStringLiteral("Healthy"));
    QCOMPARE(cell(0, RevisionsModel::Traffic).toString(), QStringLiteral("70 %"));
    QCOMPARE(cell(0, RevisionsModel::Traffic, RevisionsModel::WeightRole).toInt(), 70);
    QCOMPARE(cell(0, RevisionsModel::Traffic, RevisionsModel::SortRole).toInt(), 70);
    QCOMPARE(cell(0, RevisionsModel::Label).toString(), QStringLiteral("blue"));
    QCOMPARE(cell(0, RevisionsModel::Sessions).toInt(), 0);
    QCOMPARE(cell(1, RevisionsModel::Replicas).toInt(), 2);
    QCOMPARE(cell(1, RevisionsModel::Name, RevisionsModel::RevisionNameRole).toString(),
             QStringLiteral("shop--green"));
    QCOMPARE(cell(0, RevisionsModel::Created, RevisionsModel::SortRole).toDateTime(),
             QDateTime(QDate(2025, 1, 2), QTime(3, 4, 5), Qt::UTC));
    QCOMPARE(cell(0, RevisionsModel::Created, Qt::ToolTipRole).toString(),
             QStringLiteral("2025-01-02T03:04:05Z"));
    QVERIFY(!cell(0, RevisionsModel::Created).toString().isEmpty());
    // The latest revision is bold; the others are not.
    QVERIFY(cell(1, RevisionsModel::Name, RevisionsModel::LatestRole).toBool());
    QVERIFY(cell(1, RevisionsModel::Name, Qt::FontRole).value<QFont>().bold());
    QVERIFY(!cell(0, RevisionsModel::Name, RevisionsModel::LatestRole).toBool());
    QVERIFY(!cell(0, RevisionsModel::Name, Qt::FontRole).isValid());
    // An inactive revision reads as such and is greyed out.
    QCOMPARE(cell(2, RevisionsModel::Active).toString(), QStringLiteral("Inactive"));
    QVERIFY(!cell(2, RevisionsModel::Active, RevisionsModel::ActiveRole).toBool());
    QVERIFY(cell(2, RevisionsModel::Name, Qt::ForegroundRole).isValid());
    QVERIFY(!cell(0, RevisionsModel::Name, Qt::ForegroundRole).isValid());
    // Health has a status light; numbers are right-aligned.
    QVERIFY(!cell(0, RevisionsModel::Health, Qt::DecorationRole).value<QIcon>().isNull());
    QCOMPARE(cell(0, RevisionsModel::Replicas, Qt::TextAlignmentRole).value<Qt::Alignment>() &
                 Qt::AlignRight,
             Qt::AlignRight);
    QCOMPARE(m.rowOf(QStringLiteral("shop--old")), 2);
    QCOMPARE(m.rowOf(QStringLiteral("nope")), -1);
    QCOMPARE(m.latestRevisionName(), QStringLiteral("shop--green"));
    QVERIFY(!m.data(m.index(5, 0)).isValid());
}

void TestRevisionsModel::labelsFromTrafficAndRevision()
{
    RevisionsModel m;
    model::Revision green = rev(QStringLiteral("shop--green"), 0);
    green.labels = {QStringLiteral("canary")}; // the local platform's own list
    model::TrafficWeight latest{QString(), true, 100, QStringLiteral("prod")};
    m.setSnapshot(app({latest, weight(QStringLiteral("shop--green"), 0, QStringLiteral("next"))},
                      QStringLiteral("shop--green")),
                  {rev(QStringLiteral("shop--blue"), 0), green});
    QCOMPARE(m.labelsAt(0), QStringList());
    // latestRevision's label resolves to the latest revision; labels are sorted and unique.
    QCOMPARE(m.labelsAt(1), (QStringList{QStringLiteral("canary"), QStringLiteral("next"),
                                         QStringLiteral("prod")}));
    QCOMPARE(m.data(m.index(1, RevisionsModel::Label)).toString(),
             QStringLiteral("canary, next, prod"));
}

void TestRevisionsModel::unchangedPollEmitsNothing()
{
    RevisionsModel m;
    const auto a = app({weight(QStringLiteral("shop--blue"), 100)}, QStringLiteral("shop--blue"));
    const QList<model::Revision> revisions{rev(QStringLiteral("shop--blue"), 100)};
    Spies spies(&m);
    m.setSnapshot(a, revisions);
    QCOMPARE(spies.inserted.size(), 1);
    spies.clear();
    m.setSnapshot(a, revisions);
    QCOMPARE(spies.changed.size(), 0);
    QCOMPARE(spies.inserted.size(), 0);
    QCOMPARE(spies.removed.size(), 0);
    QCOMPARE(spies.reset.size(), 0);
}

void TestRevisionsModel::adjacentChangesMergeIntoOneRange()
{
    RevisionsModel m;
    const auto a = app({}, QStringLiteral("shop--c"));
    m.setSnapshot(a, {rev(QStringLiteral("shop--a"), 100), rev(QStringLiteral("shop--b"), 0),
                      rev(QStringLiteral("shop--c"), 0)});
    Spies spies(&m);
    // Row 0: replicas; row 1: traffic. One range: rows 0-1, columns Replicas..Traffic.
    m.setSnapshot(a, {rev(QStringLiteral("shop--a"), 100, true, 3),
                      rev(QStringLiteral("shop--b"), 50), rev(QStringLiteral("shop--c"), 0)});
    QCOMPARE(spies.changed.size(), 1);
    const QModelIndex topLeft = spies.changed.at(0).at(0).value<QModelIndex>();
    const QModelIndex bottomRight = spies.changed.at(0).at(1).value<QModelIndex>();
    QCOMPARE(topLeft.row(), 0);
    QCOMPARE(bottomRight.row(), 1);
    QCOMPARE(topLeft.column(), int(RevisionsModel::Replicas));
    QCOMPARE(bottomRight.column(), int(RevisionsModel::Traffic));
    QCOMPARE(spies.inserted.size() + spies.removed.size() + spies.reset.size(), 0);
    QCOMPARE(m.data(m.index(0, RevisionsModel::Replicas)).toInt(), 3);
    QCOMPARE(m.data(m.index(1, RevisionsModel::Traffic), RevisionsModel::WeightRole).toInt(), 50);
}

void TestRevisionsModel::separateChangesStaySeparate()
{
    RevisionsModel m;
    const auto a = app({}, QString());
    m.setSnapshot(a, {rev(QStringLiteral("shop--a"), 0), rev(QStringLiteral("shop--b"), 0),
                      rev(QStringLiteral("shop--c"), 0)});
    Spies spies(&m);
    model::Revision c = rev(QStringLiteral("shop--c"), 0);
    c.healthState = QStringLiteral("Unhealthy");
    m.setSnapshot(
        a, {rev(QStringLiteral("shop--a"), 0, true, 2), rev(QStringLiteral("shop--b"), 0), c});
    QCOMPARE(spies.changed.size(), 2);
    QCOMPARE(spies.changed.at(0).at(0).value<QModelIndex>().row(), 0);
    QCOMPARE(spies.changed.at(0).at(1).value<QModelIndex>().row(), 0);
    QCOMPARE(spies.changed.at(0).at(0).value<QModelIndex>().column(),
             int(RevisionsModel::Replicas));
    QCOMPARE(spies.changed.at(1).at(0).value<QModelIndex>().row(), 2);
    QCOMPARE(spies.changed.at(1).at(0).value<QModelIndex>().column(), int(RevisionsModel::Health));
    QCOMPARE(spies.changed.at(1).at(1).value<QModelIndex>().column(), int(RevisionsModel::Health));
}

void TestRevisionsModel::activityRepaintsTheWholeRow()
{
    RevisionsModel m;
    const auto a = app({}, QString());
    m.setSnapshot(a, {rev(QStringLiteral("shop--a"), 0)});
    Spies spies(&m);
    model::Revision off = rev(QStringLiteral("shop--a"), 0, false);
    m.setSnapshot(a, {off});
    QCOMPARE(spies.changed.size(), 1);
    QCOMPARE(spies.changed.at(0).at(0).value<QModelIndex>().column(), 0);
    QCOMPARE(spies.changed.at(0).at(1).value<QModelIndex>().column(),
             int(RevisionsModel::ColumnCount) - 1);
}

void TestRevisionsModel::revisionsAddedAndRemovedInBatches()
{
    RevisionsModel m;
    const auto a = app({}, QString());
    m.setSnapshot(a, {rev(QStringLiteral("shop--a"), 0), rev(QStringLiteral("shop--b"), 0),
                      rev(QStringLiteral("shop--c"), 0), rev(QStringLiteral("shop--d"), 0)});
    Spies spies(&m);
    // b and c go (one contiguous run), e and f come (one batch at the end).
    m.setSnapshot(a, {rev(QStringLiteral("shop--a"), 0), rev(QStringLiteral("shop--d"), 0),
                      rev(QStringLiteral("shop--e"), 0), rev(QStringLiteral("shop--f"), 0)});
    QCOMPARE(spies.removed.size(), 1);
    QCOMPARE(spies.removed.at(0).at(1).toInt(), 1);
    QCOMPARE(spies.removed.at(0).at(2).toInt(), 2);
    QCOMPARE(spies.inserted.size(), 1);
    QCOMPARE(spies.inserted.at(0).at(1).toInt(), 2);
    QCOMPARE(spies.inserted.at(0).at(2).toInt(), 3);
    QCOMPARE(spies.changed.size(), 0);
    QCOMPARE(spies.reset.size(), 0);
    QStringList names;
    for (int row = 0; row < m.rowCount(); ++row)
        names.append(m.revisionAt(row).name);
    QCOMPARE(names, (QStringList{QStringLiteral("shop--a"), QStringLiteral("shop--d"),
                                 QStringLiteral("shop--e"), QStringLiteral("shop--f")}));
    // Two separate runs removed: two signals, from the back.
    spies.clear();
    m.setSnapshot(a, {rev(QStringLiteral("shop--d"), 0), rev(QStringLiteral("shop--f"), 0)});
    QCOMPARE(spies.removed.size(), 2);
    QCOMPARE(spies.removed.at(0).at(1).toInt(), 2);
    QCOMPARE(spies.removed.at(1).at(1).toInt(), 0);
    QCOMPARE(m.rowCount(), 2);
    QCOMPARE(m.revisionAt(0).name, QStringLiteral("shop--d"));
}

void TestRevisionsModel::liveSessionsTouchOnlyTheirColumn()
{
    RevisionsModel m;
    m.setSnapshot(app({}, QString()),
                  {rev(QStringLiteral("shop--blue"), 50), rev(QStringLiteral("shop--green"), 50)});
    Spies spies(&m);
    m.setLiveSessions({{QStringLiteral("shop--blue"), 40},
                       {QStringLiteral("shop--green"), 9},
                       {QStringLiteral("shop--gone"), 3}});
    QCOMPARE(spies.changed.size(), 1);
    const QModelIndex tl = spies.changed.at(0).at(0).value<QModelIndex>();
    const QModelIndex br = spies.changed.at(0).at(1).value<QModelIndex>();
    QCOMPARE(tl.column(), int(RevisionsModel::Sessions));
    QCOMPARE(br.column(), int(RevisionsModel::Sessions));
    QCOMPARE(tl.row(), 0);
    QCOMPARE(br.row(), 1);
    QCOMPARE(m.data(m.index(0, RevisionsModel::Sessions)).toInt(), 40);
    QCOMPARE(m.data(m.index(1, RevisionsModel::Sessions), RevisionsModel::SessionsRole).toInt(), 9);
    QCOMPARE(m.liveSessions(QStringLiteral("shop--blue")), 40);
    QCOMPARE(m.totalLiveSessions(), 52);
    spies.clear();
    m.setLiveSessions({{QStringLiteral("shop--blue"), 40}, {QStringLiteral("shop--green"), 9}});
    QCOMPARE(spies.changed.size(), 0);
    // Sessions survive a poll: the next snapshot keeps the fleet's counts.
    m.setSnapshot(app({}, QString()),
                  {rev(QStringLiteral("shop--blue"), 50), rev(QStringLiteral("shop--green"), 50)});
    QCOMPARE(spies.changed.size(), 0);
    QCOMPARE(m.data(m.index(0, RevisionsModel::Sessions)).toInt(), 40);
}

void TestRevisionsModel::clearRemovesEverything()
{
    RevisionsModel m;
    m.setSnapshot(app({}, QString()),
                  {rev(QStringLiteral("shop--a"), 0), rev(QStringLiteral("shop--b"), 0)});
    Spies spies(&m);
    m.clear();
    QCOMPARE(m.rowCount(), 0);
    QCOMPARE(spies.removed.size(), 1);
    QCOMPARE(spies.reset.size(), 0);
    m.clear();
    QCOMPARE(spies.removed.size(), 1);
}

QTEST_MAIN(TestRevisionsModel)
#include "tst_revisionsmodel.moc"
