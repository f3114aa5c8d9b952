#include "trafficrestore.h"

#include "wizardlog.h"

#include "controlplane/armpatches.h"

namespace blueshift::gui {

TrafficRestore::TrafficRestore(controlplane::ArmClient *client, QString app,
                               QList<model::TrafficWeight> traffic, QStringList activateFirst,
                               QObject *parent)
    : QObject(parent)
    , m_client(client)
    , m_app(std::move(app))
    , m_traffic(std::move(traffic))
    , m_activate(std::move(activateFirst))
{}

QString TrafficRestore::describe(const QList<model::TrafficWeight> &traffic)
{
    QStringList parts;
    for (const model::TrafficWeight &t : traffic) {
        if (t.weight > 0)
            parts.append(QStringLiteral("%1 %2%")
                             .arg(t.latestRevision ? tr("latest revision") : t.revisionName)
                             .arg(t.weight));
    }
    return parts.isEmpty() ? tr("no weights") : parts.join(QStringLiteral(", "));
}

void TrafficRestore::start()
{
    next();
}

void TrafficRestore::next()
{
    if (!m_client) {
        done(false, tr("not connected to the platform any more"));
        return;
    }
    if (!m_activate.isEmpty()) {
        const QString revision = m_activate.takeFirst();
        controlplane::ArmCall *call =
            m_client->revisionAction(m_app, revision, QStringLiteral("activate"));
        connect(call, &controlplane::ArmCall::finished, this, [this, call, revision] {
            if (!call->ok()) {
                done(false, tr("activate %1: %2").arg(revision, call->errorText()));
                return;
            }
            qCInfo(lcWizard) << "abort: activated" << revision;
            next();
        });
        return;
    }
    controlplane::ArmCall *call = m_client->patchApp(m_app, controlplane::trafficPatch(m_traffic));
    connect(call, &controlplane::ArmCall::finished, this, [this, call] {
        if (!call->ok()) {
            done(false, tr("traffic PATCH: %1").arg(call->errorText()));
            return;
        }
        done(true, describe(m_traffic));
    });
}

void TrafficRestore::done(bool ok, const QString &message)
{
    if (m_done)
        return;
    m_done = true;
    qCInfo(lcWizard) << "abort: traffic restore" << (ok ? "done:" : "failed:") << message;
    Q_EMIT finished(ok, message);
}

} // namespace blueshift::gui
