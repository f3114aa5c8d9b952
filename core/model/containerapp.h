#pragma once

#include <QDateTime>
#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace blueshift::model {

// The Microsoft.App/containerApps resource model, as much of it as a rollout touches, in the
// JSON shape of Azure's REST API (api-version 2025-01-01). One model for both platforms: the
// local control plane stores and serves it, the control-plane client reads it from either.

enum class ActiveRevisionsMode { Single, Multiple };
enum class Transport { Auto, Http, Http2, Tcp };
enum class Affinity { None, Sticky };

QString wireName(ActiveRevisionsMode mode);
QString wireName(Transport transport);
QString wireName(Affinity affinity);

struct EnvVar
{
    QString name;
    QString value;
    QString secretRef;
    bool operator==(const EnvVar &) const = default;
};

struct Container
{
    QString name;
    QString image;
    QStringList command;
    QStringList args;
    QList<EnvVar> env;
    QJsonObject resources; // cpu, memory: carried, not interpreted
    bool operator==(const Container &) const = default;
};

struct Scale
{
    int minReplicas = 1;
    int maxReplicas = 10;
    int cooldownPeriod = 300;
    int pollingInterval = 30;
    QJsonArray rules;
    // Concurrent connections one replica should carry, from an http or tcp scale rule
    // (concurrentRequests / concurrentConnections); Container Apps' default is 10.
    int concurrencyPerReplica() const;
    bool operator==(const Scale &) const = default;
};

struct Template
{
    QString revisionSuffix;
    int terminationGracePeriodSeconds = 30;
    QList<Container> containers;
    Scale scale;
    // A revision-scope change makes a new revision; the suffix alone is part of it.
    bool operator==(const Template &) const = default;
};

struct TrafficWeight
{
    QString revisionName; // empty when latestRevision
    bool latestRevision = false;
    int weight = 0;
    QString label;
    bool operator==(const TrafficWeight &) const = default;
};

struct Ingress
{
    bool external = true;
    int targetPort = 8080;
    Transport transport = Transport::Auto;
    QString fqdn;
    QList<TrafficWeight> traffic;
    Affinity affinity = Affinity::None;
};

struct Configuration
{
    ActiveRevisionsMode activeRevisionsMode = ActiveRevisionsMode::Single;
    std::optional<Ingress> ingress;
    int maxInactiveRevisions = 100;
};

struct ContainerApp
{
    QString id;
    QString name;
    QString location = QStringLiteral("local");
    QString provisioningState;
    QString runningStatus;
    QString latestRevisionName;
    QString latestReadyRevisionName;
    QString latestRevisionFqdn;
    Configuration configuration;
    Template tmpl;
};

struct Revision
{
    QString id;
    QString name;
    QDateTime createdTime;
    QDateTime lastActiveTime;
    QString fqdn;
    Template tmpl;
    bool active = true;
    int replicas = 0;
    int trafficWeight = 0;
    QString healthState = QStringLiteral("None"); // Healthy, Unhealthy, None
    QString provisioningState = QStringLiteral(
        "Provisioning"); // Provisioning, Provisioned, Failed, Deprovisioning, Deprovisioned
    QString runningState =
        QStringLiteral("Processing"); // Running, Processing, Stopped, Degraded, Failed, Unknown
    QString runningStateDetails;
    QStringList labels; // carried by Blueshift's local platform; Azure puts labels on traffic
};

struct ReplicaContainer
{
    QString name;
    bool ready = false;
    bool started = false;
    int restartCount = 0;
    QString runningState; // Running, Terminated, Waiting
    QString runningStateDetails;
};

struct Replica
{
    QString id;
    QString name;
    QDateTime createdTime;
    QString runningState; // Running, NotRunning, Unknown
    QString runningStateDetails;
    QList<ReplicaContainer> containers;
};

QJsonObject toJson(const ContainerApp &app);
QJsonObject toJson(const Revision &revision);
QJsonObject toJson(const Replica &replica);
QJsonObject toJson(const Template &tmpl);
QJsonArray toJson(const QList<TrafficWeight> &traffic);

// Strict readers: a wrong type or value is an error that names its JSON path
// ("properties.configuration.ingress.traffic[1].weight must be an integer").
bool fromJson(const QJsonObject &json, ContainerApp *out, QString *error);
bool fromJson(const QJsonObject &json, Revision *out, QString *error);
bool fromJson(const QJsonObject &json, Replica *out, QString *error);
bool templateFromJson(const QJsonObject &json, const QString &path, Template *out, QString *error);
bool trafficFromJson(const QJsonArray &json, const QString &path, QList<TrafficWeight> *out,
                     QString *error);

// RFC 7386 JSON merge patch: objects merge, everything else (arrays included) replaces, null
// deletes. How the local control plane applies PATCH.
QJsonObject mergePatch(const QJsonObject &target, const QJsonObject &patch);

} // namespace blueshift::model
