#include "loadrun.h"

#include <QJsonArray>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

namespace blueshift::bench {

namespace {
using Clock = net::EventLoop::Clock;

double secondsSince(Clock::time_point start)
{
    return std::chrono::duration<double>(Clock::now() - start).count();
}

// Nearest-rank percentile of sorted samples, in microseconds.
double percentileUs(const std::vector<std::uint32_t> &sorted, double q)
{
    if (sorted.empty())
        return 0;
    const double rank = std::ceil(q * double(sorted.size()));
    const std::size_t i = std::min(sorted.size() - 1, std::size_t(std::max(1.0, rank)) - 1);
    return double(sorted[i]) / 1000.0;
}

double rounded(double v, int decimals = 1)
{
    const double f = std::pow(10.0, decimals);
    return std::round(v * f) / f;
}
} // namespace

QJsonObject LoadRun::Latency::toJson() const
{
    std::vector<std::uint32_t> sorted = nanos;
    std::sort(sorted.begin(), sorted.end());
    const double sum = std::accumulate(sorted.begin(), sorted.end(), 0.0);
    QJsonObject o{
        {QStringLiteral("samples"), double(sorted.size())},
        {QStringLiteral("round_trips_per_s"),
         rounded(seconds > 0 ? double(sorted.size()) / seconds : 0)},
        {QStringLiteral("p50_us"), rounded(percentileUs(sorted, 0.50))},
        {QStringLiteral("p90_us"), rounded(percentileUs(sorted, 0.90))},
        {QStringLiteral("p99_us"), rounded(percentileUs(sorted, 0.99))},
        {QStringLiteral("p999_us"), rounded(percentileUs(sorted, 0.999))},
        {QStringLiteral("max_us"), rounded(sorted.empty() ? 0 : double(sorted.back()) / 1000.0)},
        {QStringLiteral("mean_us"),
         rounded(sorted.empty() ? 0 : sum / double(sorted.size()) / 1000.0)},
    };
    o.insert(QStringLiteral("cpu_percent"), cpu);
    return o;
}

LoadRun::LoadRun(const LoadOptions &options)
    : m_options(options)
    , m_frames(options.payloadSize, options.binary)
    , m_primeFrames(options.primeSize, options.binary, 2)
{}

LoadRun::~LoadRun() = default;

void LoadRun::after(double seconds, std::function<void()> fn)
{
    m_loop.startTimer(std::chrono::milliseconds(std::llround(seconds * 1000)), std::move(fn));
}

bool LoadRun::run(QJsonObject *result, QString *error)
{
    const LoadOptions &o = m_options;
    // Bounds the whole run even if a proxy stops answering mid-measurement.
    const double budget =
        o.setupTimeoutSeconds + 2 * (o.warmupSeconds + o.durationSeconds) + o.settleSeconds + 30;
    after(budget, [this, budget] {
        abort(QStringLiteral("gave up after %1 s (a proxy or the upstream stopped answering?)")
                  .arg(budget));
    });
    if (o.mode == LoadOptions::Mode::Setup) {
        m_loop.defer([this] { measureSetup(); });
        m_loop.run();
        m_active.clear();
        if (!m_finished) {
            *error = m_error.isEmpty() ? QStringLiteral("stopped early") : m_error;
            return false;
        }
        QJsonObject r = m_result;
        r.insert(QStringLiteral("label"), o.label);
        r.insert(QStringLiteral("warmup_s"), o.warmupSeconds);
        r.insert(QStringLiteral("duration_s"), o.durationSeconds);
        *result = r;
        return true;
    }
    openClients(&m_active, o.mode == LoadOptions::Mode::Throughput ? o.connections : 1, false,
                [this] {
                    switch (m_options.mode) {
                    case LoadOptions::Mode::Latency:
                        measureLatency([this](Latency l) {
                            QJsonObject r = l.toJson();
                            r.insert(QStringLiteral("mode"), QStringLiteral("latency"));
                            finish(r);
                        });
                        break;
                    case LoadOptions::Mode::Throughput:
                        measureThroughput();
                        break;
                    case LoadOptions::Mode::Idle:
                        runIdle();
                        break;
                    case LoadOptions::Mode::Setup:
                        break;
                    }
                });
    m_loop.run();
    m_idle.clear();
    m_active.clear();
    if (!m_finished) {
        *error = m_error.isEmpty() ? QStringLiteral("stopped early") : m_error;
        return false;
    }
    QJsonObject r = m_result;
    r.insert(QStringLiteral("label"), o.label);
    r.insert(QStringLiteral("payload_bytes"), double(o.payloadSize));
    r.insert(QStringLiteral("binary"), o.binary);
    r.insert(QStringLiteral("warmup_s"), o.warmupSeconds);
    r.insert(QStringLiteral("duration_s"), o.durationSeconds);
    *result = r;
    return true;
}

void LoadRun::openClients(std::vector<std::unique_ptr<LoadClient>> *into, int count, bool prime,
                          std::function<void()> done)
{
    m_opening = into;
    m_openingFrames = into == &m_idle ? &m_primeFrames : &m_frames;
    m_openTarget = count;
    m_started = 0;
    m_ready = 0;
    m_pending = 0;
    m_prime = prime;
    m_openDone = std::move(done);
    into->reserve(std::size_t(count));
    startMoreClients();
}

void LoadRun::startMoreClients()
{
    while (m_opening && m_error.isEmpty() && m_pending < m_options.connectConcurrency &&
           m_started < m_openTarget) {
        auto client = std::make_unique<LoadClient>(m_loop, *m_openingFrames, this);
        client->index = m_opening == &m_idle ? -1 - m_started : m_started;
        LoadClient *raw = client.get();
        m_opening->push_back(std::move(client));
        ++m_started;
        ++m_pending;
        raw->start(m_options.address, m_options.hostHeader, m_options.target, nextSource());
    }
}

const net::SocketAddress *LoadRun::nextSource()
{
    if (m_options.sources.empty())
        return nullptr;
    return &m_options.sources[m_nextSource++ % m_options.sources.size()];
}

ProcessSample LoadRun::sampleProxy() const
{
    ProcessSample sum;
    for (int pid : m_options.proxyPids) {
        const ProcessSample s = sampleProcess(pid);
        if (!s.valid)
            return ProcessSample();
        sum.valid = true;
        sum.cpuSeconds += s.cpuSeconds;
        sum.rssKiB += s.rssKiB;
    }
    return sum;
}

void LoadRun::onOpen(LoadClient &client)
{
    if (m_phase == Phase::Churn) {
        if (m_recording) {
            const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() -
                                                                                 client.startTime())
                                .count();
            m_openNanos.push_back(std::uint32_t(std::min<std::int64_t>(ns, UINT32_MAX)));
        }
        client.closeSession();
        return;
    }
    if (!m_opening)
        return;
    --m_pending;
    if (m_prime)
        client.send(1);
    else
        ++m_ready;
    startMoreClients();
    if (m_ready == m_openTarget) {
        m_opening = nullptr;
        m_loop.defer(std::move(m_openDone));
    }
}

void LoadRun::onEchoes(LoadClient &client, std::uint64_t messages)
{
    if (client.index < 0) {
        // An idle session's one priming echo: from now on it stays silent.
        if (m_opening == &m_idle && ++m_ready == m_openTarget) {
            m_opening = nullptr;
            m_loop.defer(std::move(m_openDone));
        }
        return;
    }
    switch (m_phase) {
    case Phase::Latency: {
        const auto rtt = Clock::now() - client.lastSendTime();
        if (m_recording) {
            const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(rtt).count();
            m_latency.nanos.push_back(std::uint32_t(std::min<std::int64_t>(ns, UINT32_MAX)));
        }
        if (m_stopping) {
            m_stopping = false;
            m_phase = Phase::Holding;
            m_loop.defer(
                [this, done = std::move(m_latencyDone), l = std::move(m_latency)] { done(l); });
            return;
        }
        client.send(1);
        return;
    }
    case Phase::Throughput:
        m_echoes += messages;
        client.send(messages);
        return;
    default:
        return;
    }
}

void LoadRun::onFailed(LoadClient &client, const QByteArray &why)
{
    const QString who = client.index < 0 ? QStringLiteral("idle session %1").arg(-1 - client.index)
                                         : QStringLiteral("connection %1").arg(client.index);
    abort(who + QStringLiteral(": ") + QString::fromUtf8(why));
}

void LoadRun::onClosed(LoadClient &client)
{
    if (m_phase != Phase::Churn)
        return;
    if (m_recording) {
        const auto ns =
            std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - client.startTime())
                .count();
        m_cycleNanos.push_back(std::uint32_t(std::min<std::int64_t>(ns, UINT32_MAX)));
    }
    // The client is still on the stack: it is replaced once this event is handled.
    const int slot = client.index;
    m_loop.defer([this, slot] {
        if (m_phase == Phase::Churn)
            startChurnClient(slot);
    });
}

void LoadRun::startChurnClient(int slot)
{
    auto client = std::make_unique<LoadClient>(m_loop, m_frames, this);
    client->index = slot;
    LoadClient *raw = client.get();
    m_active[std::size_t(slot)] = std::move(client);
    raw->start(m_options.address, m_options.hostHeader, m_options.target, nextSource());
}

void LoadRun::measureSetup()
{
    m_phase = Phase::Churn;
    m_openNanos.reserve(1 << 20);
    m_cycleNanos.reserve(1 << 20);
    m_active.resize(std::size_t(m_options.connections));
    for (int i = 0; i < m_options.connections && m_error.isEmpty(); ++i)
        startChurnClient(i);
    after(m_options.warmupSeconds, [this] {
        m_recording = true;
        const Snapshot start = snapshot();
        after(m_options.durationSeconds, [=, this] {
            m_recording = false;
            double seconds = 0;
            const QJsonObject cpu = cpuSince(start, &seconds);
            std::sort(m_openNanos.begin(), m_openNanos.end());
            std::sort(m_cycleNanos.begin(), m_cycleNanos.end());
            const double sessions = double(m_cycleNanos.size());
            QJsonObject r{
                {QStringLiteral("mode"), QStringLiteral("setup")},
                {QStringLiteral("concurrency"), m_options.connections},
                {QStringLiteral("sessions"), sessions},
                {QStringLiteral("seconds"), rounded(seconds, 3)},
                {QStringLiteral("sessions_per_s"), rounded(sessions / seconds)},
                {QStringLiteral("open_p50_us"), rounded(percentileUs(m_openNanos, 0.50))},
                {QStringLiteral("open_p99_us"), rounded(percentileUs(m_openNanos, 0.99))},
                {QStringLiteral("cycle_p50_us"), rounded(percentileUs(m_cycleNanos, 0.50))},
                {QStringLiteral("cycle_p99_us"), rounded(percentileUs(m_cycleNanos, 0.99))},
                {QStringLiteral("cpu_percent"), cpu},
            };
            finish(r);
        });
    });
}

LoadRun::Snapshot LoadRun::snapshot() const
{
    Snapshot s;
    s.cores = sampleCores();
    s.self = sampleSelf();
    s.proxy = sampleProxy();
    s.upstream = sampleProcess(m_options.upstreamPid);
    s.time = Clock::now();
    return s;
}

QJsonObject LoadRun::cpuSince(const Snapshot &start, double *seconds) const
{
    const double elapsed = secondsSince(start.time);
    const ProcessSample self = sampleSelf();
    const ProcessSample proxy = sampleProxy();
    const ProcessSample upstream = sampleProcess(m_options.upstreamPid);
    const std::vector<double> cores = coreBusyPercent(start.cores, sampleCores());
    QJsonObject cpu{{QStringLiteral("generator"), rounded(cpuPercent(start.self, self, elapsed))}};
    if (start.proxy.valid && proxy.valid)
        cpu.insert(QStringLiteral("proxy"), rounded(cpuPercent(start.proxy, proxy, elapsed)));
    if (start.upstream.valid && upstream.valid)
        cpu.insert(QStringLiteral("upstream"),
                   rounded(cpuPercent(start.upstream, upstream, elapsed)));
    QJsonArray busy;
    for (double c : cores)
        busy.append(rounded(c));
    cpu.insert(QStringLiteral("cores_busy"), busy);
    if (seconds)
        *seconds = elapsed;
    return cpu;
}

void LoadRun::measureLatency(std::function<void(Latency)> done)
{
    m_phase = Phase::Latency;
    m_latency = Latency();
    m_latency.nanos.reserve(1 << 20);
    m_recording = false;
    m_stopping = false;
    m_latencyDone = std::move(done);
    m_active.front()->send(1);
    after(m_options.warmupSeconds, [this] {
        m_recording = true;
        const Snapshot start = snapshot();
        after(m_options.durationSeconds, [=, this] {
            m_recording = false;
            m_stopping = true;
            m_latency.cpu = cpuSince(start, &m_latency.seconds);
        });
    });
}

void LoadRun::measureThroughput()
{
    m_phase = Phase::Throughput;
    for (auto &c : m_active)
        c->send(std::uint64_t(m_options.window));
    after(m_options.warmupSeconds, [this] {
        const std::uint64_t echoes0 = m_echoes;
        const Snapshot start = snapshot();
        after(m_options.durationSeconds, [=, this] {
            const std::uint64_t echoes1 = m_echoes;
            double seconds = 0;
            const QJsonObject cpu = cpuSince(start, &seconds);
            const double messages = double(echoes1 - echoes0);
            const double rate = messages / seconds;
            // The fewest echoes any connection got: a proxy that starves some connections
            // while others fly would show here.
            std::uint64_t least = UINT64_MAX;
            for (const auto &c : m_active)
                least = std::min(least, c->received());
            QJsonObject r{
                {QStringLiteral("mode"), QStringLiteral("throughput")},
                {QStringLiteral("connections"), m_options.connections},
                {QStringLiteral("window"), m_options.window},
                {QStringLiteral("messages"), messages},
                {QStringLiteral("seconds"), rounded(seconds, 3)},
                {QStringLiteral("messages_per_s"), rounded(rate)},
                {QStringLiteral("payload_mib_per_s"),
                 rounded(rate * double(m_options.payloadSize) / (1024.0 * 1024.0))},
                {QStringLiteral("least_echoes_per_connection"), double(least)},
                {QStringLiteral("cpu_percent"), cpu},
            };
            finish(r);
        });
    });
}

void LoadRun::runIdle()
{
    measureLatency([this](Latency baseline) {
        const ProcessSample proxy0 = sampleProxy();
        const ProcessSample upstream0 = sampleProcess(m_options.upstreamPid);
        const Clock::time_point t0 = Clock::now();
        std::fprintf(stderr, "wsload: opening %d idle sessions\n", m_options.idleSessions);
        openClients(&m_idle, m_options.idleSessions, true, [=, this] {
            const double openSeconds = secondsSince(t0);
            std::fprintf(stderr, "wsload: %d idle sessions open in %.2f s\n",
                         m_options.idleSessions, openSeconds);
            after(m_options.settleSeconds, [=, this] {
                const ProcessSample proxy1 = sampleProxy();
                const ProcessSample upstream1 = sampleProcess(m_options.upstreamPid);
                measureLatency([=, this](Latency loaded) {
                    const double n = double(m_options.idleSessions);
                    const std::size_t open = std::size_t(std::count_if(
                        m_idle.begin(), m_idle.end(), [](const auto &c) { return c->isOpen(); }));
                    QJsonObject r{
                        {QStringLiteral("mode"), QStringLiteral("idle")},
                        {QStringLiteral("idle_sessions"), m_options.idleSessions},
                        {QStringLiteral("prime_bytes"), double(m_options.primeSize)},
                        {QStringLiteral("idle_sessions_open_at_end"), double(open)},
                        {QStringLiteral("open_seconds"), rounded(openSeconds, 3)},
                        {QStringLiteral("baseline"), baseline.toJson()},
                        {QStringLiteral("loaded"), loaded.toJson()},
                    };
                    if (proxy0.valid && proxy1.valid) {
                        r.insert(QStringLiteral("proxy_rss_kib_before"), double(proxy0.rssKiB));
                        r.insert(QStringLiteral("proxy_rss_kib_after"), double(proxy1.rssKiB));
                        r.insert(
                            QStringLiteral("proxy_rss_bytes_per_session"),
                            rounded((double(proxy1.rssKiB) - double(proxy0.rssKiB)) * 1024 / n));
                    }
                    if (upstream0.valid && upstream1.valid) {
                        r.insert(QStringLiteral("upstream_rss_bytes_per_session"),
                                 rounded((double(upstream1.rssKiB) - double(upstream0.rssKiB)) *
                                         1024 / n));
                    }
                    finish(r);
                });
            });
        });
    });
}

void LoadRun::finish(QJsonObject result)
{
    m_phase = Phase::Done;
    m_result = std::move(result);
    m_finished = true;
    m_loop.quit();
}

void LoadRun::abort(const QString &error)
{
    if (m_finished || !m_error.isEmpty())
        return;
    m_error = error;
    m_phase = Phase::Done;
    m_loop.quit();
}

} // namespace blueshift::bench
