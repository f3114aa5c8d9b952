#pragma once

#include "rolloutreport.h"

#include <QByteArray>

namespace blueshift::rollout {

// report.html: one self-contained page (inline CSS and SVG, no script, no external asset) with
// the verdict, the assertion table, the step list, the charts with a marker per step, the
// closes by step, the session groups and the platform events. Every text is HTML-escaped.
QByteArray rolloutHtml(const RolloutReport &report);

} // namespace blueshift::rollout
