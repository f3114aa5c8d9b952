// The PATCH bodies of core/controlplane/armpatches.h: the shapes of the official
// ContainerApps_Patch request, a new revision that keeps all of the template Azure returned, the
// errors that say why no revision can be made; then the same bodies drive the local platform
// through the same client.
#include "armstubserver.h"
#include "localplatformsupport.h"

#include "controlplane/armpatches.h"
#include "model/containerapp.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkProxy>
#include <QTest>

using namespace blueshift;
using namespace blueshift::itest;

class TestArmPatches : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { QNetworkProxy::setApplicationProxy(QNetworkProxy::NoProxy); }
    void patchBodies();
    void samePatchesDriveTheLocalPlatform();
};

void TestArmPatches::patchBodies()
{
    // A new revision keeps all of the template Azure returned (initContainers, serviceBinds,
    // resources) and changes the suffix and the one container's image.
    const QJsonObject current = azureExampleBody(QStringLiteral("ContainerApps_Get.json"));
    QString error;
    const QJsonObject patch = controlplane::newRevisionPatch(
        current, {QStringLiteral("v5"), QStringLiteral("repo/testcontainerapp0:v5"), QString()},
        &error);
    QVERIFY2(!patch.isEmpty(), qPrintable(error));
    QJsonObject expected = current.value(QStringLiteral("properties"))
                               .toObject()
                               .value(QStringLiteral("template"))
                               .toObject();
    expected.insert(QStringLiteral("revisionSuffix"), QStringLiteral("v5"));
    QJsonArray containers = expected.value(QStringLiteral("containers")).toArray();
    QJsonObject c0 = containers.at(0).toObject();
    c0.insert(QStringLiteral("image"), QStringLiteral("repo/testcontainerapp0:v5"));
    containers.replace(0, c0);
    expected.insert(QStringLiteral("containers"), containers);
    QCOMPARE(patch, QJsonObject({{QStringLiteral("properties"),
                                  QJsonObject{{QStringLiteral("template"), expected}}}}));

    // The shapes of the official PATCH request: stickySessions.affinity, traffic with labels.
    const QJsonObject request = azureExample(QStringLiteral("ContainerApps_Patch.json"))
                                    .value(QStringLiteral("parameters"))
                                    .toObject()
                                    .value(QStringLiteral("containerAppEnvelope"))
                                    .toObject();
    const QJsonObject ingress = request.value(QStringLiteral("properties"))
                                    .toObject()
                                    .value(QStringLiteral("configuration"))
                                    .toObject()
                                    .value(QStringLiteral("ingress"))
                                    .toObject();
    const QJsonObject sticky = controlplane::stickySessionsPatch(model::Affinity::Sticky);
    QCOMPARE(sticky[QStringLiteral("properties")][QStringLiteral("configuration")]
                   [QStringLiteral("ingress")][QStringLiteral("stickySessions")],
             ingress.value(QStringLiteral("stickySessions")));
    const QJsonObject traffic = controlplane::trafficPatch(
        {{QStringLiteral("testcontainerapp0-ab1234"), false, 100, QStringLiteral("production")}});
    QCOMPARE(traffic[QStringLiteral("properties")][QStringLiteral("configuration")]
                    [QStringLiteral("ingress")][QStringLiteral("traffic")],
             ingress.value(QStringLiteral("traffic")));
    QCOMPARE(controlplane::revisionModePatch(model::ActiveRevisionsMode::Multiple),
             QJsonDocument::fromJson(R"({"properties":{"configuration":{"activeRevisionsMode":)"
                                     R"("Multiple"}}})")
                 .object());
    QCOMPARE(controlplane::transportPatch(model::Transport::Http2),
             QJsonDocument::fromJson(
                 R"({"properties":{"configuration":{"ingress":{"transport":"http2"}}}})")
                 .object());

    // What cannot make a revision says why.
    QVERIFY(controlplane::newRevisionPatch(current, {QStringLiteral("Bad_Suffix"), {}, {}}, &error)
                .isEmpty());
    QVERIFY2(!error.isEmpty(), "an invalid suffix");
    QJsonObject two = current;
    QJsonObject props = two.value(QStringLiteral("properties")).toObject();
    QJsonObject tmpl = props.value(QStringLiteral("template")).toObject();
    QJsonArray both = tmpl.value(QStringLiteral("containers")).toArray();
    both.append(QJsonObject{{QStringLiteral("name"), QStringLiteral("sidecar")},
                            {QStringLiteral("image"), QStringLiteral("repo/sidecar:1")}});
    tmpl.insert(QStringLiteral("containers"), both);
    tmpl.insert(QStringLiteral("revisionSuffix"), QStringLiteral("v5"));
    props.insert(QStringLiteral("template"), tmpl);
    two.insert(QStringLiteral("properties"), props);
    QVERIFY(controlplane::newRevisionPatch(two, {QStringLiteral("v6"), QStringLiteral("x:1"), {}},
                                           &error)
                .isEmpty());
    QVERIFY2(error.contains(QLatin1String("2 containers (testcontainerapp0, sidecar)")),
             qPrintable(error));
    const QJsonObject sidecar = controlplane::newRevisionPatch(
        two, {QStringLiteral("v6"), QStringLiteral("repo/sidecar:2"), QStringLiteral("sidecar")},
        &error);
    QCOMPARE(sidecar[QStringLiteral("properties")][QStringLiteral("template")]
                    [QStringLiteral("containers")][1][QStringLiteral("image")]
                        .toString(),
             QStringLiteral("repo/sidecar:2"));
    QVERIFY(controlplane::newRevisionPatch(two, {QStringLiteral("v5"), {}, {}}, &error).isEmpty());
    QVERIFY2(error.contains(QLatin1String("already has the suffix 'v5'")), qPrintable(error));
}

void TestArmPatches::samePatchesDriveTheLocalPlatform()
{
    // The bodies built for Azure do the same on the local platform, through the same client.
    LocalPlatformProcess local;
    QVERIFY2(local.start(), local.process().diagnostics());
    const QString upstream = QStringLiteral("ws://127.0.0.1:%1/").arg(unusedPort());
    ArmResult put = armWait(
        local.client().putApp(QStringLiteral("shop"), relayApp(QStringLiteral("blue"), upstream)),
        60000);
    QVERIFY2(put.ok, qPrintable(put.errorCode + QLatin1Char(' ') + put.errorMessage));
    ArmResult get = armWait(local.client().getApp(QStringLiteral("shop")));
    QString error;
    const QJsonObject newRevision = controlplane::newRevisionPatch(
        get.body, {QStringLiteral("green"), QStringLiteral("blueshift/relay:2"), QString()},
        &error);
    QVERIFY2(!newRevision.isEmpty(), qPrintable(error));
    ArmResult patched =
        armWait(local.client().patchApp(QStringLiteral("shop"), newRevision), 60000);
    QVERIFY2(patched.ok, qPrintable(patched.errorCode + QLatin1Char(' ') + patched.errorMessage));
    QVERIFY(patched.progress.contains(QStringLiteral("InProgress")));
    model::ContainerApp app;
    QVERIFY2(model::fromJson(patched.body, &app, &error), qPrintable(error));
    QCOMPARE(app.latestRevisionName, QStringLiteral("shop--green"));
    QCOMPARE(app.tmpl.containers.at(0).image, QStringLiteral("blueshift/relay:2"));
    QCOMPARE(app.tmpl.containers.at(0).env.at(0).name, QStringLiteral("UPSTREAM_URL"));

    const QList<QJsonObject> patches{
        controlplane::trafficPatch(
            {{QStringLiteral("shop--blue"), false, 50, QStringLiteral("blue")},
             {QString(), true, 50, QStringLiteral("green")}}),
        controlplane::stickySessionsPatch(model::Affinity::Sticky),
        controlplane::transportPatch(model::Transport::Http),
    };
    for (const QJsonObject &p : patches) {
        const ArmResult r = armWait(local.client().patchApp(QStringLiteral("shop"), p), 60000);
        QVERIFY2(r.ok, qPrintable(r.errorCode + QLatin1Char(' ') + r.errorMessage));
    }
    get = armWait(local.client().getApp(QStringLiteral("shop")));
    QVERIFY2(model::fromJson(get.body, &app, &error), qPrintable(error));
    QCOMPARE(app.configuration.activeRevisionsMode, model::ActiveRevisionsMode::Multiple);
    QCOMPARE(app.configuration.ingress->affinity, model::Affinity::Sticky);
    QCOMPARE(app.configuration.ingress->transport, model::Transport::Http);
    QCOMPARE(app.configuration.ingress->traffic.size(), 2);
    QCOMPARE(app.configuration.ingress->traffic.at(1).label, QStringLiteral("green"));
    const ArmResult single = armWait(
        local.client().patchApp(QStringLiteral("shop"), controlplane::revisionModePatch(
                                                            model::ActiveRevisionsMode::Single)),
        60000);
    QVERIFY2(single.ok, qPrintable(single.errorCode + QLatin1Char(' ') + single.errorMessage));
    QVERIFY2(model::fromJson(single.body, &app, &error), qPrintable(error));
    QCOMPARE(app.configuration.activeRevisionsMode, model::ActiveRevisionsMode::Single);
}

QTEST_GUILESS_MAIN(TestArmPatches)
#include "tst_armpatches.moc"
