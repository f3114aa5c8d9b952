// The centre of the main window: the sessions table and the charts, both following the fleet
// that runs now (the one the Sessions panel starts, or the rollout wizard's), and the fleet's
// session events in the Events view.
#include "mainwindow.h"

#include "app/appsession.h"
#include "app/platformconnection.h"
#include "charts/chartspanel.h"
#include "revisions/revisionsview.h"
#include "sessions/sessionspanel.h"

#include "harness/fleet.h"

#include <QSplitter>

namespace blueshift::gui {

namespace {

EventEntry toEntry(const harness::Fleet &fleet, const harness::SessionEvent &e)
{
    using Kind = harness::SessionEvent::Kind;
    EventEntry out;
    out.time = fleet.startedAt().addMSecs(qint64(e.time * 1000));
    out.source = QStringLiteral("sessions");
    out.revision = e.revision;
    QString text = QStringLiteral("session=%1").arg(e.session);
    if (!e.replica.isEmpty())
        text += QStringLiteral(" replica=") + e.replica;
    switch (e.kind) {
    case Kind::Opened:
        out.level = QStringLiteral("info");
        out.event = QStringLiteral("session.opened");
        if (e.reconnect)
            text += QStringLiteral(" reconnect after %1 s%2")
                        .arg(e.seconds, 0, 'f', 2)
                        .arg(e.sameRevision ? QStringLiteral(", same revision")
                                            : QStringLiteral(", another revision"));
        break;
    case Kind::Closed: {
        // 1000 and 1001 are the closes a rollout expects; the rest deserve a look.
        const bool expected = e.code == 1000 || e.code == 1001;
        out.level = expected ? QStringLiteral("info") : QStringLiteral("warning");
        out.event = QStringLiteral("session.closed");
        text += QStringLiteral(" code=%1 by=%2 cause=%3 after=%4s")
                    .arg(e.code)
                    .arg(stats::closeSideName(e.side), stats::closeCauseName(e.cause))
                    .arg(e.seconds, 0, 'f', 1);
        if (!e.reason.isEmpty())
            text += QStringLiteral(" reason=\"%1\"").arg(e.reason);
        if (!e.error.isEmpty())
            text += QStringLiteral(" error=\"%1\"").arg(e.error);
        break;
    }
    case Kind::ConnectFailed:
        out.level = QStringLiteral("warning");
        out.event = QStringLiteral("session.failed");
        text += QStringLiteral(" attempt=%1 error=\"%2\"").arg(e.attempt).arg(e.error);
        break;
    case Kind::Retrying:
        out.level = QStringLiteral("debug");
        out.event = QStringLiteral("session.retrying");
        text += QStringLiteral(" attempt=%1 in=%2s").arg(e.attempt).arg(e.seconds, 0, 'f', 2);
        break;
    case Kind::Attributed:
        out.level = QStringLiteral("info");
        out.event = QStringLiteral("session.attributed");
        text += QStringLiteral(" from its first message");
        break;
    }
    out.text = text;
    return out;
}

} // namespace

void MainWindow::buildLiveViews()
{
    m_sessionsPanel = new SessionsPanel; // the splitter takes it over below
    m_sessionsPanel->setObjectName(QStringLiteral("sessionsPanel"));
    m_chartsPanel = new ChartsPanel;
    m_chartsPanel->setObjectName(QStringLiteral("chartsPanel"));
    setSessionsWidget(m_sessionsPanel);
    setChartsWidget(m_chartsPanel);

    connect(m_sessionsPanel, &SessionsPanel::fleetChanged, this, [this](harness::Fleet *fleet) {
        m_chartsPanel->setFleet(fleet);
        attachFleetEvents(fleet);
    });
    connect(m_sessionsPanel, &SessionsPanel::liveSessionsChanged, this,
            &MainWindow::setLiveSessions);
    // The platform warnings weigh the ingress idle timeout against the running fleet's pings.
    connect(m_sessionsPanel, &SessionsPanel::runningChanged, this, [this](bool running) {
        const harness::Fleet *fleet = m_sessionsPanel->fleet();
        if (!running || !fleet)
            return;
        m_revisionsView->setSessionPingInterval(fleet->config().pingIntervalSeconds);
        m_revisionsView->setSessionDuration(fleet->config().holdSeconds);
    });
}

void MainWindow::followFleet(harness::Fleet *fleet)
{
    m_sessionsPanel->follow(fleet);
    // follow() only says fleetChanged when the panel had none; the charts follow either way.
    m_chartsPanel->setFleet(fleet);
    attachFleetEvents(fleet);
}

void MainWindow::attachFleetEvents(harness::Fleet *fleet)
{
    disconnect(m_fleetEvents);
    if (!fleet)
        return;
    m_fleetEvents = connect(fleet, &harness::Fleet::eventsAdded, this,
                            [this, fleet](const QList<harness::SessionEvent> &events) {
                                QList<EventEntry> entries;
                                entries.reserve(events.size());
                                for (const harness::SessionEvent &e : events)
                                    entries.append(toEntry(*fleet, e));
                                appendHarnessEvents(entries);
                            });
}

void MainWindow::updateSessionsTarget()
{
    if (!m_session->hasSnapshot())
        return;
    const auto &ingress = m_session->app().configuration.ingress;
    if (!ingress || ingress->fqdn.isEmpty())
        return;
    const QString fqdn = ingress->fqdn;
    // The local platform's ingress speaks ws unless its admin API runs over TLS; Azure's is
    // always TLS.
    const bool tls = m_connection->target().adminUrl.scheme() == QLatin1String("https");
    const QUrl url(QStringLiteral("%1://%2/ws").arg(tls ? u"wss" : u"ws", fqdn));
    if (url != m_sessionsPanel->targetUrl())
        m_sessionsPanel->setTargetUrl(url);
}

} // namespace blueshift::gui
