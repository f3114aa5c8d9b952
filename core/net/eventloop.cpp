#include "eventloop.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <stdexcept>

namespace blueshift::net {

namespace {
// A stand-in watcher for the wake-up eventfd; its address marks the event.
struct WakeTag final : EventLoop::Watcher
{
    void handleEvents(std::uint32_t) override {}
} g_wakeTag;
} // namespace

EventLoop::EventLoop()
    : m_now(Clock::now())
{
    m_epollFd = ::epoll_create1(EPOLL_CLOEXEC);
    m_wakeFd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (m_epollFd < 0 || m_wakeFd < 0)
        throw std::runtime_error("cannot create epoll or eventfd descriptors");
    watch(m_wakeFd, EPOLLIN, &g_wakeTag);
}

EventLoop::~EventLoop()
{
    while (!m_adopted.empty()) {
        Callback destroy = std::move(m_adopted.begin()->second);
        m_adopted.erase(m_adopted.begin());
        destroy();
    }
    for (auto &cb : m_deferred)
        cb();
    ::close(m_wakeFd);
    ::close(m_epollFd);
}

bool EventLoop::watch(int fd, std::uint32_t events, Watcher *watcher)
{
    epoll_event ev{};
    ev.events = events;
    ev.data.ptr = watcher;
    return ::epoll_ctl(m_epollFd, EPOLL_CTL_ADD, fd, &ev) == 0;
}

bool EventLoop::rewatch(int fd, std::uint32_t events, Watcher *watcher)
{
    epoll_event ev{};
    ev.events = events;
    ev.data.ptr = watcher;
    return ::epoll_ctl(m_epollFd, EPOLL_CTL_MOD, fd, &ev) == 0;
}

void EventLoop::unwatch(int fd)
{
    ::epoll_ctl(m_epollFd, EPOLL_CTL_DEL, fd, nullptr);
}

EventLoop::TimerId EventLoop::startTimer(std::chrono::milliseconds delay, Callback callback)
{
    const TimerId id = m_nextTimerId++;
    m_timers.emplace(id, std::move(callback));
    m_timerQueue.push({Clock::now() + delay, id});
    return id;
}

void EventLoop::cancelTimer(TimerId id)
{
    // The queue entry stays until it comes due and is then skipped: cheaper than a search.
    m_timers.erase(id);
}

void EventLoop::post(Callback callback)
{
    bool first;
    {
        std::lock_guard lock(m_postMutex);
        first = m_posted.empty();
        m_posted.push_back(std::move(callback));
    }
    if (first)
        wake();
}

void EventLoop::quit()
{
    {
        std::lock_guard lock(m_postMutex);
        m_quitRequested = true;
    }
    wake();
}

void EventLoop::wake()
{
    const std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(m_wakeFd, &one, sizeof one);
}

void EventLoop::drainPosted()
{
    std::uint64_t counter;
    [[maybe_unused]] auto n = ::read(m_wakeFd, &counter, sizeof counter);
    std::vector<Callback> posted;
    {
        std::lock_guard lock(m_postMutex);
        posted.swap(m_posted);
        if (m_quitRequested)
            m_quit = true;
    }
    for (auto &cb : posted)
        cb();
}

int EventLoop::nextTimeoutMs() const
{
    if (!m_deferred.empty())
        return 0;
    if (m_timerQueue.empty())
        return -1;
    const auto delta = m_timerQueue.top().deadline - Clock::now();
    if (delta <= Clock::duration::zero())
        return 0;
    // Round up so a timer never fires early.
    return int(std::chrono::ceil<std::chrono::milliseconds>(delta).count());
}

void EventLoop::runTimers()
{
    m_now = Clock::now();
    while (!m_timerQueue.empty() && m_timerQueue.top().deadline <= m_now) {
        const TimerId id = m_timerQueue.top().id;
        m_timerQueue.pop();
        auto it = m_timers.find(id);
        if (it == m_timers.end())
            continue;
        Callback cb = std::move(it->second);
        m_timers.erase(it);
        cb();
    }
}

void EventLoop::run()
{
    constexpr int maxEvents = 256;
    epoll_event events[maxEvents];
    while (!m_quit) {
        const int n = ::epoll_wait(m_epollFd, events, maxEvents, nextTimeoutMs());
        if (n < 0 && errno != EINTR)
            throw std::runtime_error("epoll_wait failed");
        m_now = Clock::now();
        for (int i = 0; i < n; ++i) {
            auto *w = static_cast<Watcher *>(events[i].data.ptr);
            if (w == &g_wakeTag)
                drainPosted();
            else
                w->handleEvents(events[i].events);
        }
        runTimers();
        while (!m_deferred.empty()) {
            std::vector<Callback> deferred;
            deferred.swap(m_deferred);
            for (auto &cb : deferred)
                cb();
        }
    }
}

} // namespace blueshift::net
