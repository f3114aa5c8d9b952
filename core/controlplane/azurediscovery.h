#pragma once

#include "armclient.h"

#include <QJsonArray>
#include <QList>
#include <QString>

namespace blueshift::controlplane {

// What a token can see, for the pickers that choose a subscription, then a resource group, then
// a container app. The calls go through any ArmClient on the management endpoint (the
// endpoint's own subscription and resource group are not used); each answers every page.

struct AzureSubscription
{
    QString id; // the subscription ID, a GUID
    QString displayName;
    QString state; // Enabled, Warned, PastDue, Disabled, Deleted
    QString tenantId;
    bool operator==(const AzureSubscription &) const = default;
};

struct AzureResourceGroup
{
    QString name;
    QString location;
    bool operator==(const AzureResourceGroup &) const = default;
};

struct AzureAppRef
{
    QString name;
    QString subscription;
    QString resourceGroup;
    QString location;
    QString provisioningState;
    QString fqdn; // of the ingress, when it has one
    bool operator==(const AzureAppRef &) const = default;
};

// GET /subscriptions
ArmCall *listSubscriptions(ArmClient &client);
// GET /subscriptions/{id}/resourcegroups
ArmCall *listResourceGroups(ArmClient &client, const QString &subscription);
// Microsoft.App/containerApps in a resource group, or in the whole subscription when
// resourceGroup is empty.
ArmCall *listContainerApps(ArmClient &client, const QString &subscription,
                           const QString &resourceGroup = QString());

// The items of those calls, sorted by name for a picker; entries without a name are skipped.
QList<AzureSubscription> subscriptionsFromJson(const QJsonArray &items);
QList<AzureResourceGroup> resourceGroupsFromJson(const QJsonArray &items);
QList<AzureAppRef> appRefsFromJson(const QJsonArray &items);

// The value after `segment` in an ARM resource ID ("resourceGroups" in
// "/subscriptions/S/resourceGroups/G/providers/..." gives "G"), matched case-insensitively.
QString resourceIdPart(const QString &id, const QString &segment);

} // namespace blueshift::controlplane
