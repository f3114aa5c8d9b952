#pragma once

#include "fleetconfig.h"

namespace blueshift::harness {

// When a closed session tries again. `attempt` counts from 1 within one outage; `unitRandom` is
// uniform in [0, 1) (passed in so the schedule is testable). Returns seconds, or -1 when the
// policy gives up (None, or maxAttempts reached).
double reconnectDelay(const ReconnectPolicy &policy, int attempt, double unitRandom);

// The delay before jitter: initial * multiplier^(attempt-1), capped.
double reconnectBaseDelay(const ReconnectPolicy &policy, int attempt);

} // namespace blueshift::harness
