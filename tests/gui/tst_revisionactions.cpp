// What the revision actions send and ask: the new-revision PATCH, label swaps on a traffic list,
// the confirmation texts (how many live sessions an action closes), and the Traffic dialog's
// presets and live checks.
#include "revisions/confirmations.h"
#include "revisions/revisionactions.h"
#include "revisions/trafficdialog.h"

#include "model/traffic.h"

#include <QDialogButtonBox>
#include <QJsonArray>
#include <QPushButton>
#include <QTest>

using namespace blueshift::gui;
namespace model = blueshift::model;

namespace blueshift::model {
// Readable QCOMPARE failures for traffic lists.
char *toString(const TrafficWeight &t)
{
    return QTest::toString(
        QStringLiteral("{%1 %2%3}")
            .arg(t.latestRevision ? QStringLiteral("latestRevision") : t.revisionName)
            .arg(t.weight)
            .arg(t.label.isEmpty() ? QString() : QStringLiteral(" label ") + t.label));
}
} // namespace blueshift::model

namespace {
model::TrafficWeight tw(const QString &revision, int weight, const QString &label = QString())
{
    return model::TrafficWeight{revision, false, weight, label};
}

model::Revision revision(const QString &name, bool active = true)
{
    model::Revision r;
    r.name = name;
    r.active = active;
    return r;
}

model::ContainerApp blueGreen(const QList<model::TrafficWeight> &traffic)
{
    model::ContainerApp a;
    a.name = QStringLiteral("demo");
    a.latestRevisionName = QStringLiteral("demo--green");
    a.configuration.activeRevisionsMode = model::ActiveRevisionsMode::Multiple;
    model::Ingress ingress;
    ingress.traffic = traffic;
    a.configuration.ingress = ingress;
    return a;
}
} // namespace

class TestRevisionActions : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void newRevisionPatchKeepsTheTemplate();
    void swapLabels();
    void swapLabelsOntoARevisionWithoutEntry();
    void swapNeedsALabel();
    void confirmationsCountSessions();
    void trafficPresets();
    void trafficMustAddUpTo100();
    void trafficRulesAreCores();
};

void TestRevisionActions::newRevisionPatchKeepsTheTemplate()
{
    model::Template current;
    current.revisionSuffix = QStringLiteral("blue");
    current.scale.minReplicas = 2;
    current.scale.maxReplicas = 4;
    current.containers.append(model::Container{
        QStringLiteral("relay"),
        QStringLiteral("img:1"),
        {},
        {},
        {model::EnvVar{QStringLiteral("KEY"), QString(), QStringLiteral("api-key")}},
        {}});
    // The app as a GET answers it, with what Blueshift does not model: probes on the container,
    // volumes on the template.
    QJsonObject tmplJson = model::toJson(current);
    QJsonArray containers = tmplJson.value(QStringLiteral("containers")).toArray();
    QJsonObject relay = containers.at(0).toObject();
    const QJsonArray probes{
        QJsonObject{{QStringLiteral("type"), QStringLiteral("Liveness")},
                    {QStringLiteral("httpGet"),
                     QJsonObject{{QStringLiteral("path"), QStringLiteral("/healthz")},
                                 {QStringLiteral("port"), 8080}}}}};
    relay.insert(QStringLiteral("probes"), probes);
    containers.replace(0, relay);
    tmplJson.insert(QStringLiteral("containers"), containers);
    const QJsonArray volumes{
        QJsonObject{{QStringLiteral("name"), QStringLiteral("cache")},
                    {QStringLiteral("storageType"), QStringLiteral("EmptyDir")}}};
    tmplJson.insert(QStringLiteral("volumes"), volumes);
    const QJsonObject app{
        {QStringLiteral("name"), QStringLiteral("demo")},
        {QStringLiteral("properties"), QJsonObject{{QStringLiteral("template"), tmplJson}}}};

    NewRevisionSpec spec;
    spec.suffix = QStringLiteral("green");
    spec.image = QStringLiteral("img:2");
    spec.command = {QStringLiteral("/bin/app")};
    spec.env = {model::EnvVar{QStringLiteral("A"), QStringLiteral("1"), QString()},
                model::EnvVar{QStringLiteral("KEY"), QString(), QStringLiteral("api-key")}};
    spec.terminationGracePeriodSeconds = 5;
    QString error;
    const QJsonObject patch = RevisionActions::newRevisionPatch(app, spec, &error);
    QVERIFY2(!patch.isEmpty(), qPrintable(error));
    const QJsonObject patchedTemplate = patch.value(QStringLiteral("properties"))
                                            .toObject()
                                            .value(QStringLiteral("template"))
                                            .toObject();
    model::Template t;
    QVERIFY2(model::templateFromJson(patchedTemplate, QStringLiteral("template"), &t, &error),
             qPrintable(error));
    QCOMPARE(t.revisionSuffix, QStringLiteral("green"));
    QCOMPARE(t.terminationGracePeriodSeconds, 5);
    QCOMPARE(t.scale.minReplicas, 2); // unchanged parts stay: arrays replace in a merge patch
    QCOMPARE(t.containers.size(), 1);
    QCOMPARE(t.containers.at(0).name, QStringLiteral("relay"));
    QCOMPARE(t.containers.at(0).image, QStringLiteral("img:2"));
    QCOMPARE(t.containers.at(0).command, QStringList{QStringLiteral("/bin/app")});
    QCOMPARE(t.containers.at(0).env.size(), 2);
    // A secret stays a reference; it never becomes an empty value.
    QCOMPARE(t.containers.at(0).env.at(1).secretRef, QStringLiteral("api-key"));
    const QJsonObject patchedRelay =
        patchedTemplate.value(QStringLiteral("containers")).toArray().at(0).toObject();
    QVERIFY(!patchedRelay.value(QStringLiteral("env"))
                 .toArray()
                 .at(1)
                 .toObject()
                 .contains(QLatin1String("value")));
    // What Blueshift does not model survives the round trip.
    QCOMPARE(patchedRelay.value(QStringLiteral("probes")).toArray(), probes);
    QCOMPARE(patchedTemplate.value(QStringLiteral("volumes")).toArray(), volumes);
    QVERIFY(!patch.value(QStringLiteral("properties"))
                 .toObject()
                 .contains(QLatin1String("configuration")));

    // The suffix the app already has makes no revision; a container that is not there neither.
    spec.suffix = QStringLiteral("blue");
    QVERIFY(RevisionActions::newRevisionPatch(app, spec, &error).isEmpty());
    QVERIFY2(error.contains(QLatin1String("already has the suffix")), qPrintable(error));
    spec.suffix = QStringLiteral("green");
    spec.containerName = QStringLiteral("sidecar");
    QVERIFY(RevisionActions::newRevisionPatch(app, spec, &error).isEmpty());
    QVERIFY2(error.contains(QLatin1String("sidecar")), qPrintable(error));
}

void TestRevisionActions::swapLabels()
{
    QString error;
    const auto out = RevisionActions::swappedLabels(
        {tw(QStringLiteral("demo--blue"), 100, QStringLiteral("prod")),
         tw(QStringLiteral("demo--green"), 0, QStringLiteral("next"))},
        QStringLiteral("demo--green"), QStringLiteral("demo--blue"), QStringLiteral("demo--green"),
        &error);
    QVERIFY2(!out.isEmpty(), qPrintable(error));
    // Weights stay with their revisions; labels cross over.
    QCOMPARE(out, (QList<model::TrafficWeight>{
                      tw(QStringLiteral("demo--blue"), 100, QStringLiteral("next")),
                      tw(QStringLiteral("demo--green"), 0, QStringLiteral("prod"))}));
    QVERIFY(model::trafficError(out, {QStringLiteral("demo--blue"), QStringLiteral("demo--green")},
                                {QStringLiteral("demo--blue"), QStringLiteral("demo--green")})
                .isEmpty());
}

void TestRevisionActions::swapLabelsOntoARevisionWithoutEntry()
{
    QString error;
    model::TrafficWeight latest{QString(), true, 100, QStringLiteral("prod")};
    const auto out = RevisionActions::swappedLabels({latest}, QStringLiteral("demo--green"),
                                                    QStringLiteral("demo--green"),
                                                    QStringLiteral("demo--blue"), &error);
    // latestRevision resolves to green: its label moves to blue on a new weight-0 entry, and the
    // latestRevision entry keeps its weight without the label.
    QCOMPARE(out.size(), 2);
    QCOMPARE(out.at(0), (model::TrafficWeight{QString(), true, 100, QString()}));
    QCOMPARE(out.at(1), tw(QStringLiteral("demo--blue"), 0, QStringLiteral("prod")));
}

void TestRevisionActions::swapNeedsALabel()
{
    QString error;
    QVERIFY(RevisionActions::swappedLabels({tw(QStringLiteral("demo--blue"), 100)}, QString(),
                                           QStringLiteral("demo--blue"),
                                           QStringLiteral("demo--green"), &error)
                .isEmpty());
    QVERIFY2(error.contains(QLatin1String("carries a label")), qPrintable(error));
}

void TestRevisionActions::confirmationsCountSessions()
{
    const QString deactivate = deactivateQuestion(QStringLiteral("demo--blue"), 40, 0, 30);
    QVERIFY2(deactivate.contains(QLatin1String("close 40 live test sessions")),
             qPrintable(deactivate));
    QVERIFY(deactivate.contains(QLatin1String("30 s grace period")));
    QVERIFY(!deactivate.contains(QLatin1String("% of the traffic")));
    const QString withTraffic = deactivateQuestion(QStringLiteral("demo--blue"), 1, 50, 30);
    QVERIFY2(withTraffic.contains(QLatin1String("close 1 live test session ")),
             qPrintable(withTraffic));
    QVERIFY(withTraffic.contains(QLatin1String("50 % of the traffic")));
    QVERIFY(deactivateQuestion(QStringLiteral("demo--blue"), 0, 0, 30)
                .contains(QLatin1String("no live test sessions")));
    QVERIFY(restartQuestion(QStringLiteral("demo--green"), 7)
                .contains(QLatin1String("7 live test sessions")));
    const QString single = singleModeQuestion({QStringLiteral("demo--blue")}, 12);
    QVERIFY(single.contains(QLatin1String("demo--blue will be deactivated")));
    QVERIFY(single.contains(QLatin1String("12 live test sessions")));
    const QString swap = swapLabelsQuestion(QStringLiteral("demo--blue"), {QStringLiteral("prod")},
                                            QStringLiteral("demo--green"), {});
    QVERIFY2(swap.contains(QLatin1String("demo--blue gets no label; demo--green gets label prod")),
             qPrintable(swap));
}

void TestRevisionActions::trafficPresets()
{
    TrafficDialog d(
        blueGreen({tw(QStringLiteral("demo--blue"), 100, QStringLiteral("blue"))}),
        {revision(QStringLiteral("demo--blue")), revision(QStringLiteral("demo--green"))});
    QVERIFY(d.isAcceptable()); // as it is now: 100/0
    d.applyPreset(50, 50);
    QVERIFY2(d.isAcceptable(), qPrintable(d.validationError()));
    QCOMPARE(d.traffic(), (QList<model::TrafficWeight>{
                              tw(QStringLiteral("demo--blue"), 50, QStringLiteral("blue")),
                              tw(QStringLiteral("demo--green"), 50)}));
    d.applyPreset(0, 100);
    QCOMPARE(d.traffic(), (QList<model::TrafficWeight>{
                              tw(QStringLiteral("demo--blue"), 0, QStringLiteral("blue")),
                              tw(QStringLiteral("demo--green"), 100)}));
    d.applyAllToLatest();
    const auto latest = d.traffic();
    QCOMPARE(latest.size(), 2); // blue keeps its label route at weight 0
    QCOMPARE(latest.at(1), (model::TrafficWeight{QString(), true, 100, QString()}));
    QVERIFY(d.isAcceptable());
    // The presets go between the two revisions chosen for them.
    d.setPresetPair(QStringLiteral("demo--green"), QStringLiteral("demo--blue"));
    d.applyPreset(100, 0);
    QCOMPARE(d.traffic(), (QList<model::TrafficWeight>{
                              tw(QStringLiteral("demo--blue"), 0, QStringLiteral("blue")),
                              tw(QStringLiteral("demo--green"), 100)}));
}

void TestRevisionActions::trafficMustAddUpTo100()
{
    TrafficDialog d(
        blueGreen({tw(QStringLiteral("demo--blue"), 100)}),
        {revision(QStringLiteral("demo--blue")), revision(QStringLiteral("demo--green"))});
    QPushButton *ok = d.findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok);
    d.setWeight(QStringLiteral("demo--green"), 30);
    QVERIFY(!d.isAcceptable());
    QVERIFY(!ok->isEnabled());
    QVERIFY2(d.validationError().contains(QLatin1String("add up to 130")),
             qPrintable(d.validationError()));
    d.setWeight(QStringLiteral("demo--blue"), 70);
    QVERIFY(d.isAcceptable());
    QVERIFY(ok->isEnabled());
}

void TestRevisionActions::trafficRulesAreCores()
{
    TrafficDialog d(blueGreen({tw(QStringLiteral("demo--blue"), 100)}),
                    {revision(QStringLiteral("demo--blue")),
                     revision(QStringLiteral("demo--green")),
                     revision(QStringLiteral("demo--old"), false)});
    d.setLabel(QStringLiteral("demo--green"), QStringLiteral("Green"));
    QVERIFY(!d.isAcceptable());
    QVERIFY2(d.validationError().contains(QLatin1String("lowercase")),
             qPrintable(d.validationError()));
    d.setLabel(QStringLiteral("demo--green"), QStringLiteral("same"));
    d.setLabel(QStringLiteral("demo--blue"), QStringLiteral("same"));
    QVERIFY2(d.validationError().contains(QLatin1String("used twice")),
             qPrintable(d.validationError()));
    d.setLabel(QStringLiteral("demo--blue"), QString());
    QVERIFY(d.isAcceptable());
}

QTEST_MAIN(TestRevisionActions)
#include "tst_revisionactions.moc"
