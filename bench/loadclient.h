#pragma once

#include "net/address.h"
#include "net/eventloop.h"

#include <QByteArray>

#include <cstdint>
#include <vector>

namespace blueshift::bench {

// Masked client frames of one size and type, built once: sending is then a writev of pointers
// into these blocks, so the generator spends no time per message on copying or masking. A few
// variants with different mask keys keep the proxies from always seeing the same key.
class FrameSet
{
public:
    FrameSet(std::size_t payloadSize, bool binary, int variants = 8);

    const std::uint8_t *frame(int variant) const { return m_frames[std::size_t(variant)].data(); }
    std::size_t frameSize() const { return m_frames.front().size(); }
    std::size_t payloadSize() const { return m_payloadSize; }
    std::uint8_t opcode() const { return m_opcode; }
    int variants() const { return int(m_frames.size()); }

private:
    std::size_t m_payloadSize;
    std::uint8_t m_opcode;
    std::vector<std::vector<std::uint8_t>> m_frames;
};

// One WebSocket client connection of the load generator, on a raw non-blocking socket watched
// by a core EventLoop. Sends frames from a FrameSet and counts the echoed messages; it parses
// frame headers and skips payloads without copying them, so that receiving costs a recv() and
// a few comparisons per message. Fails loudly on anything an echo peer would not send.
class LoadClient final : public net::EventLoop::Watcher
{
public:
    class Listener
    {
    public:
        virtual void onOpen(LoadClient &client) = 0;
        // `messages` echoes arrived in one readiness event; answering with send() batches the
        // next frames into one writev.
        virtual void onEchoes(LoadClient &client, std::uint64_t messages) = 0;
        virtual void onFailed(LoadClient &client, const QByteArray &why) = 0;
        // After closeSession(): the server's close frame and then its end of stream arrived.
        virtual void onClosed(LoadClient &client) { (void)client; }

    protected:
        ~Listener() = default;
    };

    LoadClient(net::EventLoop &loop, const FrameSet &frames, Listener *listener);
    ~LoadClient();
    LoadClient(const LoadClient &) = delete;
    LoadClient &operator=(const LoadClient &) = delete;

    // Starts a non-blocking connect and, once connected, the opening handshake. A `source`
    // binds the local end to that address first (its port is chosen at connect time).
    bool start(const net::SocketAddress &address, const QByteArray &hostHeader,
               const QByteArray &target, const net::SocketAddress *source = nullptr);
    // Queues `count` frames and writes as much as the socket takes.
    void send(std::uint64_t count);
    void close();
    // The closing handshake of an open session: sends a close frame (1000), then expects the
    // server's close frame and its end of stream, and reports onClosed(). Nothing may be in
    // flight.
    void closeSession();

    bool isOpen() const { return m_state == State::Open; }
    std::uint64_t inFlight() const { return m_sent - m_received; }
    std::uint64_t received() const { return m_received; }
    // When send() was last called: in latency mode, with one message in flight, the send time
    // of the message being waited for.
    net::EventLoop::Clock::time_point lastSendTime() const { return m_lastSend; }
    // When start() was called.
    net::EventLoop::Clock::time_point startTime() const { return m_startTime; }
    int index = 0; // the listener's own bookkeeping

    void handleEvents(std::uint32_t events) override;

private:
    enum class State : std::uint8_t { Idle, Connecting, Handshaking, Open, Closing, Closed };

    void fail(const QByteArray &why);
    void flush();
    void readHandshake();
    void readFrames();
    // Returns false after fail().
    bool consume(const std::uint8_t *data, std::size_t size, std::uint64_t *messages);
    void failWithClose();
    // A close frame has been read: true when closeSession() asked for it, else fails.
    bool closeExpected();
    void setInterest(std::uint32_t events);

    net::EventLoop &m_loop;
    const FrameSet &m_frames;
    Listener *m_listener;
    int m_fd = -1;
    State m_state = State::Idle;
    std::uint32_t m_interest = 0;
    QByteArray m_request; // the upgrade request until it is written
    std::size_t m_requestWritten = 0;
    QByteArray m_key;
    QByteArray m_head; // the handshake response as it arrives

    // Output: `m_queued` whole frames, the first of which has `m_headOffset` bytes written.
    std::uint64_t m_queued = 0;
    std::size_t m_headOffset = 0;
    int m_nextVariant = 0;
    std::uint64_t m_sent = 0;
    std::uint64_t m_received = 0;
    net::EventLoop::Clock::time_point m_lastSend;
    net::EventLoop::Clock::time_point m_startTime;

    // Input: a header that straddles reads, then the payload bytes still to skip.
    std::uint8_t m_header[14] = {};
    std::size_t m_headerBytes = 0;
    std::uint64_t m_skip = 0;
    bool m_frameCounts = false;   // the frame being skipped ends an echoed message
    bool m_inClose = false;       // the frame being read is a close frame: kept, to report it
    bool m_closeReceived = false; // closeSession(): the server's close frame has arrived
    QByteArray m_closePayload;
};

} // namespace blueshift::bench
