#include "backoff.h"

#include <algorithm>
#include <cmath>

namespace blueshift::harness {

double reconnectBaseDelay(const ReconnectPolicy &policy, int attempt)
{
    if (policy.mode != ReconnectMode::Backoff)
        return 0;
    attempt = std::max(attempt, 1);
    // pow overflows to inf for long outages, which the cap absorbs.
    const double d = policy.initialSeconds * std::pow(policy.multiplier, double(attempt - 1));
    return std::min(d, policy.maxSeconds);
}

double reconnectDelay(const ReconnectPolicy &policy, int attempt, double unitRandom)
{
    if (policy.mode == ReconnectMode::None)
        return -1;
    if (policy.maxAttempts > 0 && attempt > policy.maxAttempts)
        return -1;
    if (policy.mode == ReconnectMode::Immediate)
        return 0;
    const double base = reconnectBaseDelay(policy, attempt);
    const double u = std::clamp(unitRandom, 0.0, 1.0);
    // Jitter spreads a crowd that lost its connections at the same instant (a deactivation)
    // so that it does not come back at the same instant either.
    const double jittered = base * (1.0 - policy.jitter + 2.0 * policy.jitter * u);
    return std::clamp(jittered, 0.0, policy.maxSeconds);
}

} // namespace blueshift::harness
