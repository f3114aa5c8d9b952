#pragma once

#include <QWidget>

class QAction;
class QActionGroup;
class QMenu;
class QSortFilterProxyModel;
class QTableView;
class QToolButton;

namespace blueshift::gui {

class AppSession;
class PlatformWarningsBar;
class RevisionActions;
class RevisionsModel;

// The revisions of the current app: a sortable table over RevisionsModel and the actions on it
// (new revision, activate, deactivate, restart, traffic, swap labels, revision mode, sticky
// sessions, transport), with core's platform warnings in a band under the toolbar. The actions
// are QActions so the main window can put them in its menus. Dialogs open window-modal without
// nested event loops; the work goes through RevisionActions.
class RevisionsView : public QWidget
{
    Q_OBJECT
public:
    RevisionsView(RevisionsModel *model, AppSession *session, RevisionActions *actions,
                  QWidget *parent = nullptr);

    QTableView *table() const { return m_table; }
    // The revision names selected, in row order of the model.
    QStringList selectedRevisions() const;
    void selectRevision(const QString &name);

    QAction *newRevisionAction() const { return m_newRevision; }
    QAction *activateAction() const { return m_activate; }
    QAction *deactivateAction() const { return m_deactivate; }
    QAction *restartAction() const { return m_restart; }
    QAction *trafficAction() const { return m_traffic; }
    QAction *swapLabelsAction() const { return m_swapLabels; }
    QAction *stickyAction() const { return m_sticky; }
    QMenu *modeMenu() const { return m_modeMenu; }
    QMenu *transportMenu() const { return m_transportMenu; }

    QByteArray headerState() const;
    void restoreHeaderState(const QByteArray &state);

    // The warnings band (the app's configuration, session timing, the change just sent).
    PlatformWarningsBar *warningsBar() const { return m_warnings; }
    // The test sessions' ping interval in seconds (0: no pings) and how long they are held (0:
    // unknown), checked against the ingress idle timeout: the Sessions panel's values.
    void setSessionPingInterval(double seconds);
    void setSessionDuration(double seconds);
    // The backend request timeout of an Application Gateway in front of the app (0: none).
    void setGatewayBackendTimeout(double seconds);

private:
    void updateActions();
    void syncAppSettings();
    void newRevision();
    void activate();
    void deactivate();
    void restart();
    void editTraffic();
    void swapLabels();
    void chooseMode(bool single);
    void chooseSticky(bool sticky);
    void chooseTransport(int transport);

    RevisionsModel *m_model;
    AppSession *m_session;
    RevisionActions *m_actions;
    QSortFilterProxyModel *m_proxy;
    QTableView *m_table;
    QAction *m_newRevision;
    QAction *m_activate;
    QAction *m_deactivate;
    QAction *m_restart;
    QAction *m_traffic;
    QAction *m_swapLabels;
    QAction *m_sticky;
    QActionGroup *m_modeGroup;
    QActionGroup *m_transportGroup;
    QMenu *m_modeMenu;
    QMenu *m_transportMenu;
    QToolButton *m_modeButton;
    QToolButton *m_transportButton;
    PlatformWarningsBar *m_warnings;
    // A change's warnings stay until the snapshot that follows it shows the app as changed.
    bool m_clearChangeWarnings = false;
};

} // namespace blueshift::gui
