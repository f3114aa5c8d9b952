#pragma once

#include "platformtarget.h"

#include "controlplane/azurediscovery.h"

#include <QObject>
#include <QPointer>
#include <QProcessEnvironment>

#include <array>

namespace blueshift::gui {

// What an Azure token can see, for the pickers of the Azure dialog: the subscriptions, the
// resource groups of one, the container apps of one group, each listed asynchronously through
// core's azurediscovery on a client of the management endpoint. One listing per level at a
// time: a new one drops the running ones of its level and the levels under it. Failures come in
// ARM's words (code and message), with the token source named when the token is the problem.
class AzureBrowser : public QObject
{
    Q_OBJECT
public:
    enum Level { Subscriptions, ResourceGroups, Apps, LevelCount };
    Q_ENUM(Level)

    explicit AzureBrowser(QObject *parent = nullptr);
    ~AzureBrowser() override;

    // A client for the management endpoint and token source of `target` (its subscription and
    // resource group are not used); the calls of the previous client are dropped. False, with
    // the reason in words, when no endpoint can be made (an invalid field, an unset variable).
    bool setTarget(const PlatformTarget &target, const QProcessEnvironment &env, QString *error);
    bool hasClient() const { return !m_client.isNull(); }

    void listSubscriptions();
    void listResourceGroups(const QString &subscription);
    void listApps(const QString &subscription, const QString &resourceGroup);
    // Stops every listing at once; cancelled() follows.
    void cancel();

    bool isBusy() const;
    // What runs now, for the dialog's progress line ("Listing resource groups…").
    QString activity() const;

Q_SIGNALS:
    void busyChanged(bool busy, const QString &activity);
    void subscriptionsListed(const QList<blueshift::controlplane::AzureSubscription> &list);
    void resourceGroupsListed(const QString &subscription,
                              const QList<blueshift::controlplane::AzureResourceGroup> &list);
    void appsListed(const QString &subscription, const QString &resourceGroup,
                    const QList<blueshift::controlplane::AzureAppRef> &list);
    void failed(AzureBrowser::Level level, const QString &error);
    void cancelled();

private:
    using Done = std::function<void(controlplane::ArmCall *)>;
    void start(Level level, controlplane::ArmCall *call, const QString &activity, Done onOk);
    void dropFrom(Level level);
    QString failureText(Level level, const controlplane::ArmCall *call) const;

    QPointer<controlplane::ArmClient> m_client;
    PlatformTarget m_target;
    std::array<QPointer<controlplane::ArmCall>, LevelCount> m_calls;
    std::array<QString, LevelCount> m_activities;
};

} // namespace blueshift::gui
