#pragma once

#include "framechecker.h"

#include "../net/bytebuffer.h"
#include "../net/connection.h"

#include <QByteArray>

#include <memory>

namespace blueshift::websocket {

// A message-level WebSocket endpoint over an upgraded net::Connection, for programs that
// consume messages rather than forward frames (upstream-sim, the benchmark load generator).
// Enforces the same RFC 6455 rules as the relay, answers pings, and runs the close handshake.
// In echo mode every data frame goes straight back as it came, fragmentation included.
class MessageSocket final : public net::Connection::Handler
{
public:
    enum class Role { Server, Client };

    class Handler
    {
    public:
        virtual void onMessage(MessageSocket &socket, bool text, const QByteArray &payload) = 0;
        virtual void onPong(MessageSocket &, const QByteArray &) {}
        // Once, when the session is over. code 1006 when no close frame came.
        virtual void onClosed(MessageSocket &socket, int code, const QByteArray &reason,
                              bool byPeer) = 0;

    protected:
        ~Handler() = default;
    };

    MessageSocket(std::unique_ptr<net::Connection> connection, Role role,
                  std::uint64_t maxMessageBytes, Handler *handler);
    ~MessageSocket();

    void setEchoFrames(bool echo) { m_echo = echo; }
    // Processes bytes that arrived with the handshake, then reads as data comes.
    void start(net::ByteBuffer leftover = {});

    void sendText(const QByteArray &payload) { send(Opcode::Text, payload); }
    void sendBinary(const QByteArray &payload) { send(Opcode::Binary, payload); }
    void sendPing(const QByteArray &payload = {}) { send(Opcode::Ping, payload); }
    void send(Opcode opcode, const QByteArray &payload);
    // Starts the close handshake (code 0: empty close frame).
    void close(int code, const QByteArray &reason = {});
    bool isOpen() const { return m_conn && !m_closeSent; }
    std::size_t pendingOutput() const { return m_conn ? m_conn->pendingOutput() : 0; }
    net::Connection *connection() const { return m_conn.get(); }

    void onReadable(net::Connection &conn) override;
    void onDrained(net::Connection &) override {}
    void onFailed(net::Connection &conn, const QString &error) override;

private:
    std::size_t process(std::uint8_t *data, std::size_t size);
    void appendFrame(Opcode opcode, bool fin, const std::uint8_t *payload, std::size_t size);
    void flushBatch();
    void fail(int code, const char *reason);
    void finish(int code, const QByteArray &reason, bool byPeer);

    std::unique_ptr<net::Connection> m_conn;
    Role m_role;
    Handler *m_handler;
    FrameChecker m_checker;
    net::ByteBuffer m_in;
    net::ByteBuffer m_batch; // output produced while processing one read, written once
    QByteArray m_message;    // a fragmented message being assembled
    bool m_messageText = false;
    bool m_batching = false;
    bool m_echo = false;
    bool m_closeSent = false;
    bool m_finished = false;
    bool m_headerChecked = false;
    std::shared_ptr<bool> m_alive = std::make_shared<bool>(true);
};

} // namespace blueshift::websocket
