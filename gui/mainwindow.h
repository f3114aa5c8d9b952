#pragma once

#include "app/platformtarget.h"
#include "events/evententry.h"

#include <QHash>
#include <QMainWindow>

class QComboBox;
class QDockWidget;
class QSplitter;

namespace blueshift::harness {
class Fleet;
}

namespace blueshift::gui {

class AppSession;
class ChartsPanel;
class DoctorDialog;
class ConsoleStatusBar;
class EventsModel;
class EventsView;
class LogStreamClient;
class PlatformConnection;
class PlatformSelector;
class RevisionActions;
class RevisionsModel;
class RevisionsView;
class RolloutWizard;
class SessionsPanel;
class Settings;

// The console's main window: the Revisions dock on top, the sessions table and the charts in the
// centre, the Events dock at the bottom, the Platform and App selectors in the toolbar, and the
// platform, its state and the session counts in the status bar. It wires the parts together; the
// work is theirs (PlatformConnection, AppSession, RevisionActions, LogStreamClient) and core's.
class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    // `settings` outlives the window.
    explicit MainWindow(Settings *settings, QWidget *parent = nullptr);
    ~MainWindow() override;

    // Connects (asynchronously) and remembers the choice.
    void connectToPlatform(const PlatformTarget &target);
    // The app to show once connected (else the saved one, else the first the platform lists).
    void setPreferredApp(const QString &app);
    // blueshift-server to start when this machine has no platform (default: beside, else PATH).
    void setServerProgram(const QString &program);

    // Where the sessions table and the charts go (they replace the placeholders).
    void setSessionsWidget(QWidget *widget);
    void setChartsWidget(QWidget *widget);

    // Live test sessions per revision, from the fleet: the Revisions view and the status bar.
    void setLiveSessions(const QHash<QString, int> &sessions);
    // Events from the console's own harness (sessions, rollout steps) beside the platform's.
    void appendHarnessEvents(const QList<EventEntry> &events);

    // Shows a fleet someone else runs (the rollout wizard's) in the sessions table and charts.
    void followFleet(harness::Fleet *fleet);
    SessionsPanel *sessionsPanel() const { return m_sessionsPanel; }
    ChartsPanel *chartsPanel() const { return m_chartsPanel; }

    // The rollout wizard and the endpoint doctor (gui/rollout, gui/doctor), made on first use and
    // kept (a run goes on while the wizard is hidden).
    RolloutWizard *rolloutWizard();
    DoctorDialog *doctorDialog();
    void openRolloutWizard();
    void openDoctor();

    // Renders the window into a PNG; false with the reason when it cannot be written.
    bool saveScreenshot(const QString &file, QString *error);

    PlatformConnection *connection() const { return m_connection; }
    AppSession *session() const { return m_session; }
    RevisionsModel *revisionsModel() const { return m_revisionsModel; }
    RevisionsView *revisionsView() const { return m_revisionsView; }
    RevisionActions *revisionActions() const { return m_actions; }
    EventsModel *eventsModel() const { return m_eventsModel; }
    EventsView *eventsView() const { return m_eventsView; }
    LogStreamClient *logStream() const { return m_logStream; }
    ConsoleStatusBar *consoleStatusBar() const { return m_status; }

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void buildDocks();
    void buildMenusAndToolBar();
    void restoreSettings();
    void saveSettings();
    void onConnectionState();
    void onConnected();
    void onSnapshot();
    void onAppNames(const QStringList &names);
    void chooseRemote();
    void consoleEvent(const QString &level, const QString &event, const QString &text);
    void updateTitle();
    // mainwindowlive.cpp: the sessions table and charts, fed by one fleet at a time.
    void buildLiveViews();
    void attachFleetEvents(harness::Fleet *fleet);
    void updateSessionsTarget();

    Settings *m_settings;
    PlatformConnection *m_connection;
    AppSession *m_session;
    RevisionActions *m_actions;
    RevisionsModel *m_revisionsModel;
    RevisionsView *m_revisionsView = nullptr;
    EventsModel *m_eventsModel;
    EventsView *m_eventsView = nullptr;
    LogStreamClient *m_logStream;
    ConsoleStatusBar *m_status;
    PlatformSelector *m_platformSelector = nullptr;
    QComboBox *m_appSelector = nullptr;
    QDockWidget *m_revisionsDock = nullptr;
    QDockWidget *m_eventsDock = nullptr;
    QSplitter *m_centre = nullptr;
    SessionsPanel *m_sessionsPanel = nullptr;
    ChartsPanel *m_chartsPanel = nullptr;
    RolloutWizard *m_wizard = nullptr;
    DoctorDialog *m_doctor = nullptr;
    QMetaObject::Connection m_fleetEvents;
    QString m_preferredApp;
    bool m_shuttingDown = false;
    bool m_shutdownDone = false;
};

} // namespace blueshift::gui
