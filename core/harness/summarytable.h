#pragma once

#include "fleetstats.h"

#include <QMap>
#include <QString>

namespace blueshift::harness {

// The plain-text table a headless run ends with (`sessions`, `rollout`): one row per revision in
// order of first appearance, sessions that never learned their revision under "(unknown)" last,
// then a totals row. Columns: opened (connections, reconnects included), alive, closed, the close
// codes, RTT p50 and p99 in milliseconds. Aligned for a fixed-width terminal; ends in a newline.
QString summaryTable(const FleetSnapshot &snapshot);

// "1000×3 1001×2" in code order; "-" when there is none.
QString closeCodesText(const QMap<int, quint64> &codes);

// Microseconds as milliseconds with two decimals ("0.41"); "-" when nothing was measured.
QString millisText(qint64 micros, quint64 count);

// The name a revision goes by in tables and status lines: "(unknown)" when it is empty.
QString revisionLabel(const QString &revision);

} // namespace blueshift::harness
