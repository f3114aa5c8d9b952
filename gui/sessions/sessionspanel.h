#pragma once

#include "fleetcontrols.h"

#include "harness/fleet.h"

#include <QHash>
#include <QPointer>
#include <QTimer>
#include <QWidget>

QT_BEGIN_NAMESPACE
class QComboBox;
class QLabel;
class QProgressBar;
class QTableView;
QT_END_NAMESPACE

namespace blueshift::gui {

class SessionsFilterProxy;
class SessionsModel;

// The sessions view: fleet controls (target, count, duration, ping, open rate, traffic,
// reconnect policy, Start/Stop), the progress ("312 / 500 open"), revision and state filters,
// and the table. A fleet runs once, so each Start after the first makes a new Fleet and says so
// with fleetChanged(), for whoever draws or drives it (charts, the rollout wizard).
class SessionsPanel : public QWidget
{
    Q_OBJECT
public:
    // `fleet` (not owned; null: the panel makes its own) is used for the first run if it is
    // idle, or followed as it is if it already runs.
    explicit SessionsPanel(harness::Fleet *fleet = nullptr, QWidget *parent = nullptr);
    ~SessionsPanel() override;

    // The app's ingress URL, fed by the main window.
    void setTargetUrl(const QUrl &url);
    QUrl targetUrl() const;

    harness::Fleet *fleet() const { return m_fleet; }
    FleetControls *controls() const { return m_controls; }
    SessionsModel *model() const { return m_model; }
    SessionsFilterProxy *proxy() const { return m_proxy; }
    QTableView *view() const { return m_view; }

    // Live (open) sessions per revision, from the fleet's latest snapshot.
    QHash<QString, int> liveSessionsByRevision() const { return m_live; }
    // The progress line as shown: "312 / 500 open".
    QString progressText() const;

    // Start with the form's configuration; false (and the reason, also shown) when it cannot.
    bool start(QString *error = nullptr);
    void stop();
    // Shows a fleet someone else runs and owns (the rollout wizard's); Start makes a fresh one of
    // the panel's own again. If the followed fleet is destroyed the table keeps its last rows.
    void follow(harness::Fleet *fleet);
    bool isRunning() const;

Q_SIGNALS:
    void liveSessionsChanged(const QHash<QString, int> &live);
    // A new fleet replaced the previous one (the previous one may be deleted after this).
    void fleetChanged(blueshift::harness::Fleet *fleet);
    void runningChanged(bool running);
    // The last snapshot, for status bars.
    void snapshotChanged(const blueshift::harness::FleetSnapshot &snapshot);

private:
    void attach(harness::Fleet *fleet, bool owned);
    void onSnapshot(const harness::FleetSnapshot &snapshot);
    void onFinished();
    void updateRunState();
    void updateShownCount();
    void addRevisionFilter(const QString &revision);
    void applyFilters();
    void showError(const QString &text);

    QPointer<harness::Fleet> m_fleet;
    bool m_ownsFleet = false;
    QList<QMetaObject::Connection> m_fleetConnections;
    FleetControls *m_controls = nullptr;
    SessionsModel *m_model = nullptr;
    SessionsFilterProxy *m_proxy = nullptr;
    QTableView *m_view = nullptr;
    QProgressBar *m_progress = nullptr;
    QLabel *m_summary = nullptr;
    QLabel *m_error = nullptr;
    QComboBox *m_revisionFilter = nullptr;
    QComboBox *m_stateFilter = nullptr;
    QLabel *m_shown = nullptr;
    QTimer m_duration;
    QHash<QString, int> m_live;
    bool m_wasRunning = false;
};

} // namespace blueshift::gui
