#pragma once

#include "model/containerapp.h"
#include "model/platformwarnings.h"

#include <QFrame>

#include <optional>

class QLabel;

namespace blueshift::gui {

// Core's platform warnings where the revisions are: the app's configuration (sticky sessions in
// multiple revision mode, weights in single mode), the test sessions' ping interval against the
// ingress idle timeout and an Application Gateway's backend timeout, and the warnings of a
// change just sent. A warning icon and one paragraph per warning; hidden when there is nothing
// to say. It informs and never blocks.
class PlatformWarningsBar : public QFrame
{
    Q_OBJECT
public:
    explicit PlatformWarningsBar(QWidget *parent = nullptr);

    // The connected app as the platform reports it; cleared when there is none.
    void setApp(const model::ContainerApp &app);
    void clearApp();
    // How the test sessions behave. Timing warnings show only once a ping interval is known.
    void setSessionPingInterval(double seconds);
    void setSessionDuration(double seconds);
    // The timeouts in front of the revisions (Container Apps' 240 s idle timeout by default;
    // no Application Gateway unless its backend timeout is given).
    void setTimeouts(const model::PlatformTimeouts &timeouts);
    model::PlatformTimeouts timeouts() const { return m_timeouts; }
    // What a change about to be applied will do; shown until clearChangeWarnings().
    void setChangeWarnings(const QString &change, const QList<model::PlatformWarning> &warnings);
    void clearChangeWarnings();

    // Everything shown now, the change's warnings first.
    QList<model::PlatformWarning> warnings() const;
    QString text() const;

private:
    void refresh();

    QLabel *m_icon;
    QLabel *m_text;
    std::optional<model::ContainerApp> m_app;
    std::optional<model::SessionTiming> m_timing;
    double m_sessionSeconds = 0;
    model::PlatformTimeouts m_timeouts;
    QString m_change;
    QList<model::PlatformWarning> m_changeWarnings;
};

} // namespace blueshift::gui
