#pragma once

#include "harness/fleetstats.h"

#include <QString>

namespace blueshift::server {

// The progress line of a headless run: elapsed time, open/target, sessions alive per revision,
// closes by code, connection failures, RTT p50/p99. No newline; the caller decides whether it
// overwrites a terminal line or is one line of a log.
QString sessionsStatusLine(const harness::FleetSnapshot &snapshot);

// "9.5s", "4m05s", "2h03m10s".
QString elapsedText(double seconds);

// `line` cut to `columns` characters (an ellipsis marks the cut) so that a terminal does not
// wrap it: a wrapped line could no longer be overwritten with \r.
QString fitToWidth(const QString &line, int columns);

} // namespace blueshift::server
