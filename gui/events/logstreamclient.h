#pragma once

#include "evententry.h"

#include "telemetry/redactor.h"

#include <QJsonObject>
#include <QObject>
#include <QTimer>
#include <QUrl>

class QWebSocket;

namespace blueshift::gui {

// The local platform's /logstream, live: a WebSocket with the admin token (read from its file at
// each attempt, never kept in settings), reconnected with exponential backoff and jitter after
// any loss, without repeating the lines a reconnect replays. Every line passes the redactor
// (the token itself and anything that looks like a credential) before it becomes an EventEntry.
class LogStreamClient : public QObject
{
    Q_OBJECT
public:
    enum class State { Stopped, Connecting, Connected, Waiting };
    Q_ENUM(State)

    explicit LogStreamClient(QObject *parent = nullptr);
    ~LogStreamClient() override;

    // `url` from PlatformTarget::logStreamUrl(); the token is read from `tokenFile`.
    void start(const QUrl &url, const QString &tokenFile);
    void stop();
    State state() const { return m_state; }
    int attempts() const { return m_attempt; }

    // One log stream line as an entry; `redactor` masks secrets in its text.
    static EventEntry entryFromJson(const QJsonObject &line, const telemetry::Redactor &redactor);

Q_SIGNALS:
    void eventReceived(const EventEntry &entry);
    void stateChanged(LogStreamClient::State state, const QString &text);

private:
    void connectNow();
    void onTextMessage(const QString &message);
    void onDisconnected();
    void setState(State state, const QString &text);

    QWebSocket *m_socket = nullptr;
    QUrl m_url;
    QString m_tokenFile;
    State m_state = State::Stopped;
    QTimer m_retryTimer;
    int m_attempt = 0;
    telemetry::Redactor m_redactor;
    // The newest line seen, so that the tail a reconnect replays is not shown twice.
    QString m_lastReceived;
    double m_lastSeq = -1;
};

} // namespace blueshift::gui
