#pragma once

#include "apiresult.h"

#include "http/httpmessage.h"
#include "net/address.h"

#include <QObject>
#include <QSet>
#include <QTcpServer>

class QTcpSocket;
class QWebSocket;
class QWebSocketServer;

namespace blueshift::controlplane {

class EventJournal;
class LocalPlatform;

// The local platform's admin API: the Microsoft.App/containerApps REST shape under
// /subscriptions/local/resourceGroups/local/providers/Microsoft.App/containerApps, and a
// WebSocket log stream on /logstream. Low traffic, so it runs on the Qt main thread beside the
// platform it drives. Every request needs the bearer token (compared in constant time); a Host
// that is not the admin address gets 421 (DNS rebinding), a foreign Origin 403, and a mutation
// attempted with the wrong method 405. Like the ingress and the relay, it bounds what a slow or
// hostile client can hold: a request head must arrive within 10 s (else 408), an idle keep-alive
// connection is closed after 60 s, and past 128 open connections (64 log streams) a new one
// gets 503 at once, so stalled connections can never take every descriptor of the platform.
class AdminServer : public QObject
{
    Q_OBJECT
public:
    AdminServer(LocalPlatform &platform, EventJournal &journal, QByteArray token,
                QObject *parent = nullptr);
    ~AdminServer() override;

    bool listen(const net::HostPort &where, QString *error);
    quint16 port() const { return m_server.serverPort(); }
    QString baseUrl() const;
    // Extra names the Host header may carry (besides the bound address and localhost).
    void addAllowedHost(const QString &host) { m_extraHosts.insert(host.toLower()); }

private:
    struct Connection;
    void onNewConnection();
    void onTimeout(Connection *c);
    void onAcceptError();
    void onReadyRead(Connection *c);
    // Returns an error result when the request fails the Host, Origin or token checks.
    std::optional<ApiResult> checkRequest(const http::Request &request) const;
    ApiResult route(const http::Request &request, const QByteArray &body);
    void reply(Connection *c, const http::Request &request, const ApiResult &result);
    void startLogStream(Connection *c, const http::Request &request);
    void onLogStreamConnected();
    bool hostAllowed(const QByteArray &host) const;

    LocalPlatform &m_platform;
    EventJournal &m_journal;
    QByteArray m_token;
    QTcpServer m_server;
    QWebSocketServer *m_logServer;
    net::HostPort m_bound;
    QSet<QString> m_extraHosts;
    int m_connections = 0; // plain HTTP connections open
    int m_logStreams = 0;
};

} // namespace blueshift::controlplane
