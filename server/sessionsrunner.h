#pragma once

#include "sessionsoptions.h"

#include "harness/fleet.h"

#include <QObject>
#include <QTimer>

namespace blueshift::server {

// The `sessions` run around a Fleet: starts it, shows progress on stdout, stops it when the
// duration elapses, on SIGINT/SIGTERM or once every session has closed for good, then prints the
// summary table, writes the report and says how the run ended (done()). A second signal while
// stopping stops waiting for close handshakes; the results are still printed and written.
class SessionsRunner : public QObject
{
    Q_OBJECT
public:
    explicit SessionsRunner(SessionsOptions options, QObject *parent = nullptr);
    ~SessionsRunner() override;

    // False (and why) when the fleet cannot start, e.g. an unusable CA file.
    bool start(QString *error);
    void handleSignal(int signo);

Q_SIGNALS:
    // The run is over and everything is printed and written: 0 completed, 1 no session ever
    // opened or the report could not be written.
    void done(int exitCode);

private:
    void stopFleet(const QString &why);
    void snapshotArrived(const harness::FleetSnapshot &snapshot);
    void conclude(bool interrupted);
    void printStatus();
    void clearStatusLine();
    QString firstConnectError() const;
    QString shownUrl() const;

    SessionsOptions m_options;
    harness::Fleet m_fleet;
    QTimer m_durationTimer;
    QTimer m_statusTimer;
    bool m_tty = false;
    bool m_statusShown = false; // an unfinished status line is on the terminal
    bool m_concluded = false;
    QString m_stopReason;
};

} // namespace blueshift::server
