#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <queue>
#include <unordered_map>
#include <vector>

namespace blueshift::net {

// One epoll reactor per thread. Qt's event dispatchers poll every socket on every wakeup, which
// made a 64 B round trip 170x slower with 8,000 idle connections on one thread; epoll's cost
// does not grow with idle sockets. Level-triggered, so pausing a reader is just dropping EPOLLIN.
class EventLoop
{
public:
    using Clock = std::chrono::steady_clock;
    using Callback = std::function<void()>;
    using TimerId = std::uint64_t;

    class Watcher
    {
    public:
        virtual void handleEvents(std::uint32_t events) = 0;

    protected:
        ~Watcher() = default;
    };

    EventLoop();
    ~EventLoop();
    EventLoop(const EventLoop &) = delete;
    EventLoop &operator=(const EventLoop &) = delete;

    // Only from the loop's own thread.
    bool watch(int fd, std::uint32_t events, Watcher *watcher);
    bool rewatch(int fd, std::uint32_t events, Watcher *watcher);
    void unwatch(int fd);

    TimerId startTimer(std::chrono::milliseconds delay, Callback callback);
    void cancelTimer(TimerId id);

    // Runs `callback` after the current batch of events, when no watcher is mid-dispatch:
    // the safe moment to destroy objects that other pending events may still point to.
    void defer(Callback callback) { m_deferred.push_back(std::move(callback)); }

    // Objects that own themselves (a lingering connection) register a way to be destroyed
    // with the loop, so that none outlives it.
    void adopt(const void *key, Callback destroy) { m_adopted[key] = std::move(destroy); }
    void release(const void *key) { m_adopted.erase(key); }

    // From any thread.
    void post(Callback callback);
    void quit();

    void run();
    Clock::time_point now() const { return m_now; }

private:
    void wake();
    void runTimers();
    int nextTimeoutMs() const;
    void drainPosted();

    struct TimerEntry
    {
        Clock::time_point deadline;
        TimerId id;
        bool operator>(const TimerEntry &o) const
        {
            return deadline > o.deadline || (deadline == o.deadline && id > o.id);
        }
    };

    int m_epollFd = -1;
    int m_wakeFd = -1;
    bool m_quit = false;
    Clock::time_point m_now;
    TimerId m_nextTimerId = 1;
    std::priority_queue<TimerEntry, std::vector<TimerEntry>, std::greater<>> m_timerQueue;
    std::unordered_map<TimerId, Callback> m_timers;
    std::vector<Callback> m_deferred;
    std::unordered_map<const void *, Callback> m_adopted;

    std::mutex m_postMutex;
    std::vector<Callback> m_posted;
    bool m_quitRequested = false;
};

} // namespace blueshift::net
