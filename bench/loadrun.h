#pragma once

#include "loadclient.h"
#include "procstats.h"

#include "net/address.h"
#include "net/eventloop.h"

#include <QJsonObject>

#include <functional>
#include <memory>
#include <vector>

namespace blueshift::bench {

struct LoadOptions
{
    enum class Mode { Latency, Throughput, Idle, Setup };

    Mode mode = Mode::Latency;
    net::SocketAddress address;
    QByteArray hostHeader;
    QByteArray target = QByteArrayLiteral("/");
    QString label;
    std::vector<net::SocketAddress> sources; // local addresses to connect from, in turn
    int connections = 1;                     // throughput: connections; setup: sessions at once
    std::size_t payloadSize = 64;
    bool binary = false;
    int window = 1;           // messages in flight per connection (throughput)
    double warmupSeconds = 1; // traffic before measuring
    double durationSeconds = 5;
    int idleSessions = 5000;
    std::size_t primeSize = 64;   // the one message each idle session exchanges before going quiet
    int connectConcurrency = 200; // handshakes in progress at once
    double settleSeconds = 1;     // idle sessions held before the proxy's RSS is read
    double setupTimeoutSeconds = 60;
    std::vector<int> proxyPids; // CPU and RSS are the sum over these (e.g. ingress and relay)
    int upstreamPid = 0;
};

// One measurement, run on a single-threaded EventLoop: drives the clients through the phases
// of the chosen mode and returns its results as one JSON object.
//
// latency:    one connection, one message in flight, round-trip times of every message.
// throughput: N connections, each keeping `window` messages in flight; echoed messages/s.
// idle:       one active connection measured as in latency mode, then `idleSessions` more
//             opened (each exchanges one message, then stays silent), the proxy's RSS read
//             before and after, and the active connection measured again while they are held.
// setup:      `connections` sessions at a time, each a whole life: connect, opening handshake,
//             closing handshake, the server's end of stream; then the next one. Sessions/s.
class LoadRun final : public LoadClient::Listener
{
public:
    explicit LoadRun(const LoadOptions &options);
    ~LoadRun();

    // Returns false with `error` set when the run could not complete.
    bool run(QJsonObject *result, QString *error);

    void onOpen(LoadClient &client) override;
    void onEchoes(LoadClient &client, std::uint64_t messages) override;
    void onFailed(LoadClient &client, const QByteArray &why) override;
    void onClosed(LoadClient &client) override;

private:
    enum class Phase { Setup, Latency, Throughput, Holding, Churn, Done };

    struct Latency
    {
        std::vector<std::uint32_t> nanos; // round trips, in ns
        double seconds = 0;
        QJsonObject cpu;
        QJsonObject toJson() const;
    };

    // The start of a measurement window.
    struct Snapshot
    {
        net::EventLoop::Clock::time_point time;
        ProcessSample self;
        ProcessSample proxy;
        ProcessSample upstream;
        std::vector<CoreSample> cores;
    };

    // Opens `count` clients into `into`, at most connectConcurrency handshakes at a time; when
    // `prime` each sends one message and waits for its echo. Then calls `done`.
    void openClients(std::vector<std::unique_ptr<LoadClient>> *into, int count, bool prime,
                     std::function<void()> done);
    void startMoreClients();
    void measureLatency(std::function<void(Latency)> done);
    void measureThroughput();
    void runIdle();
    void measureSetup();
    void startChurnClient(int slot);
    const net::SocketAddress *nextSource();
    ProcessSample sampleProxy() const;
    void finish(QJsonObject result);
    void abort(const QString &error);
    void after(double seconds, std::function<void()> fn);
    Snapshot snapshot() const;
    // CPU use of the generator, proxy, upstream and of each core since `start`, in percent.
    QJsonObject cpuSince(const Snapshot &start, double *seconds) const;

    LoadOptions m_options;
    net::EventLoop m_loop;
    FrameSet m_frames;
    FrameSet m_primeFrames;
    Phase m_phase = Phase::Setup;
    std::vector<std::unique_ptr<LoadClient>> m_active;
    std::vector<std::unique_ptr<LoadClient>> m_idle;

    // openClients() state
    std::vector<std::unique_ptr<LoadClient>> *m_opening = nullptr;
    const FrameSet *m_openingFrames = nullptr;
    int m_openTarget = 0;
    int m_started = 0;
    int m_ready = 0; // open, and primed when priming
    int m_pending = 0;
    bool m_prime = false;
    std::function<void()> m_openDone;

    // measurement state
    bool m_recording = false;
    bool m_stopping = false;
    Latency m_latency;
    std::function<void(Latency)> m_latencyDone;
    std::uint64_t m_echoes = 0;
    std::size_t m_nextSource = 0;
    std::vector<std::uint32_t> m_openNanos;  // setup: connect to 101, in ns
    std::vector<std::uint32_t> m_cycleNanos; // setup: connect to the server's end of stream

    bool m_finished = false;
    QJsonObject m_result;
    QString m_error;
};

} // namespace blueshift::bench
