#include "fleetcontrols.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QStyle>

namespace blueshift::gui {

using harness::ReconnectMode;
using harness::TrafficMode;

namespace {
QDoubleSpinBox *seconds(double min, double max, double value, const QString &zeroText)
{
    auto *box = new QDoubleSpinBox;
    box->setRange(min, max);
    box->setDecimals(1);
    box->setSuffix(QStringLiteral(" s"));
    box->setValue(value);
    if (!zeroText.isEmpty())
        box->setSpecialValueText(zeroText);
    box->setAccelerated(true);
    return box;
}

QLabel *label(const QString &text, QWidget *buddy)
{
    auto *l = new QLabel(text);
    l->setBuddy(buddy);
    l->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
    return l;
}
} // namespace

FleetControls::FleetControls(QWidget *parent)
    : QWidget(parent)
{
    m_url = new QLineEdit;
    m_url->setPlaceholderText(tr("ws://127.0.0.1:8080/ws"));
    m_url->setToolTip(tr("The gateway the sessions connect to (ws:// or wss://)"));
    m_url->setClearButtonEnabled(true);

    m_count = new QSpinBox;
    m_count->setRange(1, 100000);
    m_count->setValue(100);
    m_count->setAccelerated(true);
    m_count->setToolTip(tr("Test sessions to hold"));

    m_openRate = new QDoubleSpinBox;
    m_openRate->setRange(0, 100000);
    m_openRate->setDecimals(0);
    m_openRate->setValue(50);
    m_openRate->setSuffix(tr(" /s"));
    m_openRate->setSpecialValueText(tr("all at once"));
    m_openRate->setToolTip(tr("New sessions per second during the ramp"));

    m_duration = seconds(0, 1e6, 0, tr("until stopped"));
    m_duration->setToolTip(tr("How long the fleet runs before every session is closed (1000)"));
    m_ping = seconds(0, 3600, 5, tr("no pings"));
    m_ping->setToolTip(tr("WebSocket ping interval; the pongs give the RTT"));

    m_protocol = new QComboBox;
    m_protocol->addItem(tr("WebSocket"), int(harness::SessionProtocol::WebSocket));
    m_protocol->addItem(tr("Socket.IO"), int(harness::SessionProtocol::SocketIo));
    m_protocol->addItem(tr("Realtime"), int(harness::SessionProtocol::Realtime));
    m_protocol->setToolTip(tr("What the sessions speak: plain WebSocket; Socket.IO (e.g. "
                              "Chainlit: answers every Engine.IO ping, connects the namespace; "
                              "/socket.io/ is added when the URL has no path); or an OpenAI "
                              "realtime conversation with its session cap"));

    m_traffic = new QComboBox;
    m_traffic->addItem(tr("none"), int(TrafficMode::None));
    m_traffic->addItem(tr("echo"), int(TrafficMode::Echo));
    m_traffic->addItem(tr("realtime"), int(TrafficMode::Realtime));
    m_traffic->setToolTip(tr("Application messages: none, an echo message, or a realtime "
                             "response.create per interval"));
    m_messageBytes = new QSpinBox;
    m_messageBytes->setRange(1, 16 * 1024 * 1024);
    m_messageBytes->setValue(64);
    m_messageBytes->setSuffix(tr(" B"));
    m_messageBytes->setToolTip(tr("Size of each echo message"));
    m_trafficInterval = seconds(0.01, 3600, 5, QString());
    m_trafficInterval->setDecimals(2);
    m_trafficInterval->setToolTip(tr("Time between two application messages of a session"));

    m_reconnect = new QComboBox;
    m_reconnect->addItem(tr("none"), int(ReconnectMode::None));
    m_reconnect->addItem(tr("immediate"), int(ReconnectMode::Immediate));
    m_reconnect->addItem(tr("backoff"), int(ReconnectMode::Backoff));
    m_reconnect->setToolTip(tr("What a session does when the server closes it"));

    m_start = new QPushButton(style()->standardIcon(QStyle::SP_MediaPlay), tr("Start"));
    m_start->setToolTip(tr("Open the sessions"));
    m_stop = new QPushButton(style()->standardIcon(QStyle::SP_MediaStop), tr("Stop"));
    m_stop->setToolTip(tr("Close every session with 1000 and wait for the handshakes"));
    connect(m_start, &QPushButton::clicked, this, &FleetControls::startRequested);
    connect(m_stop, &QPushButton::clicked, this, &FleetControls::stopRequested);
    connect(m_traffic, &QComboBox::currentIndexChanged, this, &FleetControls::updateTrafficFields);

    auto *grid = new QGridLayout(this);
    grid->setContentsMargins(0, 0, 0, 0);
    grid->setHorizontalSpacing(8);
    grid->setVerticalSpacing(4);
    grid->addWidget(label(tr("&Target:"), m_url), 0, 0);
    grid->addWidget(m_url, 0, 1, 1, 5);
    grid->addWidget(label(tr("Pro&tocol:"), m_protocol), 0, 6);
    grid->addWidget(m_protocol, 0, 7);
    grid->addWidget(label(tr("&Sessions:"), m_count), 1, 0);
    grid->addWidget(m_count, 1, 1);
    grid->addWidget(label(tr("&Open rate:"), m_openRate), 1, 2);
    grid->addWidget(m_openRate, 1, 3);
    grid->addWidget(label(tr("&Duration:"), m_duration), 1, 4);
    grid->addWidget(m_duration, 1, 5);
    grid->addWidget(label(tr("&Ping every:"), m_ping), 1, 6);
    grid->addWidget(m_ping, 1, 7);
    grid->addWidget(label(tr("T&raffic:"), m_traffic), 2, 0);
    grid->addWidget(m_traffic, 2, 1);
    grid->addWidget(label(tr("Message &size:"), m_messageBytes), 2, 2);
    grid->addWidget(m_messageBytes, 2, 3);
    grid->addWidget(label(tr("&Every:"), m_trafficInterval), 2, 4);
    grid->addWidget(m_trafficInterval, 2, 5);
    grid->addWidget(label(tr("Re&connect:"), m_reconnect), 2, 6);
    grid->addWidget(m_reconnect, 2, 7);
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_start);
    buttons->addWidget(m_stop);
    grid->addLayout(buttons, 0, 8, 3, 1, Qt::AlignTop);
    for (int c : {1, 3, 5, 7})
        grid->setColumnStretch(c, 1);

    m_form = {m_url,  m_protocol, m_count,        m_openRate,        m_duration,
              m_ping, m_traffic,  m_messageBytes, m_trafficInterval, m_reconnect};
    setRunState(RunState::Idle);
}

void FleetControls::setTargetUrl(const QUrl &url)
{
    m_url->setText(url.toString());
}

QUrl FleetControls::targetUrl() const
{
    return QUrl(m_url->text().trimmed(), QUrl::StrictMode);
}

harness::FleetConfig FleetControls::config() const
{
    harness::FleetConfig c = m_base;
    c.url = targetUrl();
    c.sessions = m_count->value();
    c.openRate = m_openRate->value();
    c.pingIntervalSeconds = m_ping->value();
    c.protocol = harness::SessionProtocol(m_protocol->currentData().toInt());
    c.traffic = TrafficMode(m_traffic->currentData().toInt());
    c.echoBytes = m_messageBytes->value();
    c.trafficIntervalSeconds = m_trafficInterval->value();
    c.reconnect.mode = ReconnectMode(m_reconnect->currentData().toInt());
    return c;
}

void FleetControls::setConfig(const harness::FleetConfig &config)
{
    m_base = config;
    setTargetUrl(config.url);
    m_count->setValue(config.sessions);
    m_openRate->setValue(config.openRate);
    m_ping->setValue(config.pingIntervalSeconds);
    m_protocol->setCurrentIndex(m_protocol->findData(int(config.protocol)));
    m_traffic->setCurrentIndex(m_traffic->findData(int(config.traffic)));
    m_messageBytes->setValue(config.echoBytes);
    m_trafficInterval->setValue(config.trafficIntervalSeconds);
    m_reconnect->setCurrentIndex(m_reconnect->findData(int(config.reconnect.mode)));
}

double FleetControls::durationSeconds() const
{
    return m_duration->value();
}

void FleetControls::setDurationSeconds(double seconds)
{
    m_duration->setValue(seconds);
}

void FleetControls::setRunState(RunState state)
{
    for (QWidget *w : std::as_const(m_form))
        w->setEnabled(state == RunState::Idle);
    m_start->setEnabled(state == RunState::Idle);
    m_stop->setEnabled(state == RunState::Running);
    if (state == RunState::Idle)
        updateTrafficFields();
}

void FleetControls::updateTrafficFields()
{
    const auto mode = TrafficMode(m_traffic->currentData().toInt());
    const bool idle = m_start->isEnabled();
    m_messageBytes->setEnabled(idle && mode == TrafficMode::Echo);
    m_trafficInterval->setEnabled(idle && mode != TrafficMode::None);
}

} // namespace blueshift::gui
