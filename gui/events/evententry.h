#pragma once

#include <QDateTime>
#include <QString>

namespace blueshift::gui {

// One line of the events view, whatever it came from: the platform's log stream (platform
// events, replica output) or the console's own harness (session opened/closed, rollout steps).
struct EventEntry
{
    QDateTime time;
    QString source;   // "platform", "replica", "replica.stderr", "harness", ...
    QString level;    // "debug", "info", "warning", "error"
    QString event;    // "revision.created", "connection.closed", ...
    QString revision; // empty when the event is not about one revision
    QString text;     // the rest, already free of secrets

    // 0 debug, 1 info, 2 warning, 3 error; unknown levels count as info.
    static int levelRank(const QString &level);
};

} // namespace blueshift::gui
