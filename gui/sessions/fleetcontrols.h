#pragma once

#include "harness/fleetconfig.h"

#include <QUrl>
#include <QWidget>

QT_BEGIN_NAMESPACE
class QComboBox;
class QDoubleSpinBox;
class QLineEdit;
class QPushButton;
class QSpinBox;
QT_END_NAMESPACE

namespace blueshift::gui {

// The form that describes a fleet: target URL, count, duration, ping interval, open rate,
// traffic and reconnect policy, with Start and Stop. It only fills a FleetConfig; the panel
// around it runs the fleet.
class FleetControls : public QWidget
{
    Q_OBJECT
public:
    explicit FleetControls(QWidget *parent = nullptr);

    void setTargetUrl(const QUrl &url);
    QUrl targetUrl() const;

    // The configuration as the form describes it (not validated: FleetConfig::validate does).
    harness::FleetConfig config() const;
    // Fills the form (the URL too); header values and TLS options are kept for config().
    void setConfig(const harness::FleetConfig &config);
    // Seconds before the panel stops the fleet; 0: until Stop.
    double durationSeconds() const;
    void setDurationSeconds(double seconds);

    enum class RunState { Idle, Running, Stopping };
    // Enables what makes sense: the form and Start while idle, Stop while running.
    void setRunState(RunState state);

    QPushButton *startButton() const { return m_start; }
    QPushButton *stopButton() const { return m_stop; }

Q_SIGNALS:
    void startRequested();
    void stopRequested();

private:
    void updateTrafficFields();

    harness::FleetConfig m_base; // what the form does not show (headers, TLS, threads)
    QLineEdit *m_url = nullptr;
    QSpinBox *m_count = nullptr;
    QDoubleSpinBox *m_duration = nullptr;
    QDoubleSpinBox *m_ping = nullptr;
    QDoubleSpinBox *m_openRate = nullptr;
    QComboBox *m_traffic = nullptr;
    QComboBox *m_protocol = nullptr;
    QSpinBox *m_messageBytes = nullptr;
    QDoubleSpinBox *m_trafficInterval = nullptr;
    QComboBox *m_reconnect = nullptr;
    QPushButton *m_start = nullptr;
    QPushButton *m_stop = nullptr;
    QList<QWidget *> m_form;
};

} // namespace blueshift::gui
