#include "azurebrowser.h"

#include "guilog.h"

#include "controlplane/armclient.h"

namespace blueshift::gui {

AzureBrowser::AzureBrowser(QObject *parent)
    : QObject(parent)
{}

AzureBrowser::~AzureBrowser()
{
    // Calls in flight finish into nothing: their client goes with this object.
    for (auto &call : m_calls) {
        if (call)
            call->disconnect(this);
    }
}

bool AzureBrowser::setTarget(const PlatformTarget &target, const QProcessEnvironment &env,
                             QString *error)
{
    cancel();
    if (m_client)
        m_client->deleteLater();
    m_client.clear();
    controlplane::AzureTarget t = target.azureTarget();
    // Listing needs neither: subscriptions and groups are what the user is choosing.
    t.subscription.clear();
    t.resourceGroup.clear();
    const std::optional<controlplane::ArmEndpoint> endpoint =
        controlplane::azureEndpoint(t, env, error);
    if (!endpoint)
        return false;
    m_target = target;
    m_client = new controlplane::ArmClient(*endpoint, this);
    return true;
}

bool AzureBrowser::isBusy() const
{
    for (const auto &call : m_calls) {
        if (call)
            return true;
    }
    return false;
}

QString AzureBrowser::activity() const
{
    // The deepest level running is the one the user waits for.
    for (int level = LevelCount - 1; level >= 0; --level) {
        if (m_calls.at(level))
            return m_activities.at(level);
    }
    return {};
}

void AzureBrowser::dropFrom(Level level)
{
    for (int l = level; l < LevelCount; ++l) {
        if (QPointer<controlplane::ArmCall> call = m_calls.at(l)) {
            call->disconnect(this);
            call->cancel();
        }
        m_calls[l].clear();
        m_activities[l].clear();
    }
}

void AzureBrowser::cancel()
{
    const bool wasBusy = isBusy();
    dropFrom(Subscriptions);
    if (wasBusy) {
        Q_EMIT busyChanged(false, QString());
        Q_EMIT cancelled();
    }
}

void AzureBrowser::start(Level level, controlplane::ArmCall *call, const QString &activity,
                         Done onOk)
{
    dropFrom(level);
    m_calls[level] = call;
    m_activities[level] = activity;
    qCDebug(lcGui) << "azure:" << activity;
    Q_EMIT busyChanged(true, this->activity());
    connect(call, &controlplane::ArmCall::finished, this, [this, level, call, onOk] {
        if (m_calls.at(level) != call)
            return;
        m_calls[level].clear();
        m_activities[level].clear();
        if (call->ok()) {
            onOk(call);
        } else {
            const QString text = failureText(level, call);
            qCDebug(lcGui) << "azure:" << text;
            Q_EMIT failed(level, text);
        }
        Q_EMIT busyChanged(isBusy(), this->activity());
    });
}

void AzureBrowser::listSubscriptions()
{
    if (!m_client)
        return;
    start(Subscriptions, controlplane::listSubscriptions(*m_client),
          tr("Listing the subscriptions the token can see…"), [this](controlplane::ArmCall *c) {
              Q_EMIT subscriptionsListed(controlplane::subscriptionsFromJson(c->items()));
          });
}

void AzureBrowser::listResourceGroups(const QString &subscription)
{
    if (!m_client)
        return;
    start(ResourceGroups, controlplane::listResourceGroups(*m_client, subscription),
          tr("Listing the resource groups of %1…").arg(subscription),
          [this, subscription](controlplane::ArmCall *c) {
              Q_EMIT resourceGroupsListed(subscription,
                                          controlplane::resourceGroupsFromJson(c->items()));
          });
}

void AzureBrowser::listApps(const QString &subscription, const QString &resourceGroup)
{
    if (!m_client)
        return;
    start(Apps, controlplane::listContainerApps(*m_client, subscription, resourceGroup),
          tr("Listing the container apps of %1…").arg(resourceGroup),
          [this, subscription, resourceGroup](controlplane::ArmCall *c) {
              Q_EMIT appsListed(subscription, resourceGroup,
                                controlplane::appRefsFromJson(c->items()));
          });
}

QString AzureBrowser::failureText(Level level, const controlplane::ArmCall *call) const
{
    QString what;
    switch (level) {
    case Subscriptions:
        what = tr("Cannot list subscriptions");
        break;
    case ResourceGroups:
        what = tr("Cannot list resource groups");
        break;
    case Apps:
    case LevelCount:
        what = tr("Cannot list container apps");
        break;
    }
    // No HTTP status: the request never left (no token, nothing answers).
    if (call->status() == 0 && call->errorCode() == QLatin1String("AuthenticationFailed"))
        return tr("%1: no token from %2: %3")
            .arg(what, m_target.tokenSourceText(), call->errorMessage());
    if (call->status() == 401)
        return tr("%1: Azure refused the token from %2 (%3)")
            .arg(what, m_target.tokenSourceText(), call->errorText());
    return tr("%1: %2").arg(what, call->errorText());
}

} // namespace blueshift::gui
