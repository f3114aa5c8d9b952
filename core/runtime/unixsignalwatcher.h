#pragma once

#include <QObject>

#include <initializer_list>

class QSocketNotifier;

namespace blueshift::runtime {

// Turns Unix signals into a Qt signal on the thread that owns the watcher: the handler only
// writes the signal number to a socketpair (async-signal-safe), a QSocketNotifier reads it.
class UnixSignalWatcher : public QObject
{
    Q_OBJECT
public:
    explicit UnixSignalWatcher(std::initializer_list<int> signalNumbers, QObject *parent = nullptr);
    ~UnixSignalWatcher() override;

    static QString signalName(int signo);

Q_SIGNALS:
    void signalReceived(int signo);

private:
    void readPending();
    QSocketNotifier *m_notifier = nullptr;
    QList<int> m_signals;
};

} // namespace blueshift::runtime
