#pragma once

#include "../net/address.h"
#include "../net/bytebuffer.h"
#include "../net/connection.h"
#include "../websocket/framechecker.h"

#include <QElapsedTimer>
#include <QString>

#include <memory>

namespace blueshift::http {
class HttpWorker;
}

namespace blueshift::relay {

class RelayService;
struct RelayWorkerState;

// One relayed session: the client's WebSocket (already upgraded) and its own upstream
// WebSocket, with frames forwarded both ways as they arrive, in order and without reassembly.
// Client frames are checked, unmasked, validated and re-masked in place; upstream frames are
// checked and validated and forwarded as they are. Lives on one worker thread.
class Bridge final : public net::Connection::Handler
{
public:
    Bridge(RelayService &service, http::HttpWorker &worker, RelayWorkerState &state,
           std::unique_ptr<net::Connection> client, net::ByteBuffer leftover, QByteArray sessionId,
           QString peer);
    ~Bridge();

    void start();
    // SIGTERM's drain window ran out: 1001 "revision draining" to both sides.
    void closeForDrain();

    void onConnected(net::Connection &conn) override;
    void onReadable(net::Connection &conn) override;
    void onDrained(net::Connection &conn) override;
    void onFailed(net::Connection &conn, const QString &error) override;

private:
    enum class Dir : std::uint8_t { ToUpstream, ToClient };
    enum class UpstreamState : std::uint8_t { Resolving, Connecting, Handshaking, Open, Gone };

    struct Side
    {
        explicit Side(websocket::Sender sender, std::uint64_t maxMessage)
            : checker(sender, maxMessage)
        {}
        std::unique_ptr<net::Connection> conn;
        net::ByteBuffer in; // only a frame that straddles reads
        websocket::FrameChecker checker;
        std::uint64_t messages = 0;
        std::uint64_t bytes = 0;
        bool headerChecked = false; // the frame at the start of `in` passed checkHeader
    };

    void connectNext();
    void upstreamFailed(const QString &why);
    void readHandshakeResponse();
    void upstreamOpened();

    void pump(Dir dir);
    // Checks and transforms complete frames in place; returns how many bytes it used.
    std::size_t processFrames(Dir dir, std::uint8_t *data, std::size_t size, bool *stop);
    void forward(Dir dir, const std::uint8_t *data, std::size_t size);
    std::size_t backlog(Dir dir) const;

    void handleClose(Dir dir, const std::uint8_t *payload, std::size_t size);
    void violation(Dir dir, const websocket::Violation &v);
    void peerLost(Dir dir, const QString &error);

    // Sends a close frame (code 0: empty payload) and hands the connection to a lingering close.
    void closeSide(Dir towards, int code, const QByteArray &reason);
    void logClosed(int code, const QByteArray &reason, const char *side, const QString &error = {});
    void maybeFinish();

    Side &source(Dir d) { return d == Dir::ToUpstream ? m_client : m_upstream; }

    RelayService &m_service;
    http::HttpWorker &m_worker;
    RelayWorkerState &m_state;
    Side m_client;
    Side m_upstream;
    UpstreamState m_upstreamState = UpstreamState::Resolving;
    net::ByteBuffer m_pending;   // client frames waiting for the upstream to open
    bool m_pendingClose = false; // the client closed before the upstream opened
    QByteArray m_sessionId;
    // Connecting state, freed once the upstream opens.
    QString m_peer;
    QByteArray m_upstreamKey;
    std::vector<net::SocketAddress> m_addresses;
    std::size_t m_nextAddress = 0;
    QString m_lastConnectError;
    net::EventLoop::TimerId m_upstreamTimer = 0;
    QElapsedTimer m_age;
    bool m_closeLogged = false;
    bool m_finished = false;
    std::shared_ptr<bool> m_alive = std::make_shared<bool>(true);
};

} // namespace blueshift::relay
