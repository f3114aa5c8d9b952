#include "azurediscovery.h"

#include <QJsonObject>
#include <QUrl>

#include <algorithm>

namespace blueshift::controlplane {

namespace {
// A path segment from a picker's value, so that nothing in it changes the path's shape.
QString segment(const QString &value)
{
    return QString::fromLatin1(QUrl::toPercentEncoding(value));
}

template<typename T, typename Key>
void sortBy(QList<T> &list, Key key)
{
    std::stable_sort(list.begin(), list.end(), [&key](const T &a, const T &b) {
        return QString::compare(key(a), key(b), Qt::CaseInsensitive) < 0;
    });
}
} // namespace

ArmCall *listSubscriptions(ArmClient &client)
{
    return client.listSubscriptions();
}

ArmCall *listResourceGroups(ArmClient &client, const QString &subscription)
{
    return client.send("GET",
                       QStringLiteral("/subscriptions/%1/resourcegroups?api-version=%2")
                           .arg(segment(subscription), client.endpoint().resourceGroupsApiVersion),
                       {}, true);
}

ArmCall *listContainerApps(ArmClient &client, const QString &subscription,
                           const QString &resourceGroup)
{
    QString path = QStringLiteral("/subscriptions/") + segment(subscription);
    if (!resourceGroup.isEmpty())
        path += QStringLiteral("/resourceGroups/") + segment(resourceGroup);
    path += QStringLiteral("/providers/Microsoft.App/containerApps");
    return client.send("GET", path, {}, true);
}

QString resourceIdPart(const QString &id, const QString &segmentName)
{
    const QStringList parts = id.split(QLatin1Char('/'), Qt::SkipEmptyParts);
    for (qsizetype i = 0; i + 1 < parts.size(); ++i) {
        if (parts.at(i).compare(segmentName, Qt::CaseInsensitive) == 0)
            return parts.at(i + 1);
    }
    return {};
}

QList<AzureSubscription> subscriptionsFromJson(const QJsonArray &items)
{
    QList<AzureSubscription> out;
    for (const QJsonValue &v : items) {
        const QJsonObject o = v.toObject();
        AzureSubscription s;
        s.id = o.value(QStringLiteral("subscriptionId")).toString();
        if (s.id.isEmpty())
            s.id = resourceIdPart(o.value(QStringLiteral("id")).toString(),
                                  QStringLiteral("subscriptions"));
        if (s.id.isEmpty())
            continue;
        s.displayName = o.value(QStringLiteral("displayName")).toString(s.id);
        s.state = o.value(QStringLiteral("state")).toString();
        s.tenantId = o.value(QStringLiteral("tenantId")).toString();
        out.append(s);
    }
    sortBy(out, [](const AzureSubscription &s) -> QString { return s.displayName; });
    return out;
}

QList<AzureResourceGroup> resourceGroupsFromJson(const QJsonArray &items)
{
    QList<AzureResourceGroup> out;
    for (const QJsonValue &v : items) {
        const QJsonObject o = v.toObject();
        AzureResourceGroup g;
        g.name = o.value(QStringLiteral("name")).toString();
        if (g.name.isEmpty())
            continue;
        g.location = o.value(QStringLiteral("location")).toString();
        out.append(g);
    }
    sortBy(out, [](const AzureResourceGroup &g) -> QString { return g.name; });
    return out;
}

QList<AzureAppRef> appRefsFromJson(const QJsonArray &items)
{
    QList<AzureAppRef> out;
    for (const QJsonValue &v : items) {
        const QJsonObject o = v.toObject();
        AzureAppRef a;
        a.name = o.value(QStringLiteral("name")).toString();
        if (a.name.isEmpty())
            continue;
        const QString id = o.value(QStringLiteral("id")).toString();
        a.subscription = resourceIdPart(id, QStringLiteral("subscriptions"));
        a.resourceGroup = resourceIdPart(id, QStringLiteral("resourceGroups"));
        a.location = o.value(QStringLiteral("location")).toString();
        const QJsonObject props = o.value(QStringLiteral("properties")).toObject();
        a.provisioningState = props.value(QStringLiteral("provisioningState")).toString();
        a.fqdn = props.value(QStringLiteral("configuration"))
                     .toObject()
                     .value(QStringLiteral("ingress"))
                     .toObject()
                     .value(QStringLiteral("fqdn"))
                     .toString();
        out.append(a);
    }
    sortBy(out, [](const AzureAppRef &a) -> QString {
        return a.resourceGroup + QLatin1Char('/') + a.name;
    });
    return out;
}

} // namespace blueshift::controlplane
