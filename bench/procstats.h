#pragma once

#include <cstdint>
#include <vector>

namespace blueshift::bench {

// What /proc says about a process at one moment: enough to tell how much memory a proxy holds
// and whether a core was saturated during a measurement.
struct ProcessSample
{
    bool valid = false;
    double cpuSeconds = 0;    // user + system, all threads
    std::uint64_t rssKiB = 0; // VmRSS
};

ProcessSample sampleProcess(int pid);
ProcessSample sampleSelf();

// CPU use between two samples as a share of one core, in percent.
double cpuPercent(const ProcessSample &before, const ProcessSample &after, double seconds);

// Busy and total time of each core from /proc/stat: with the processes' own CPU use, it shows
// whether something else on the machine (a compiler, say) competed with the measurement.
struct CoreSample
{
    std::uint64_t busy = 0;
    std::uint64_t total = 0;
};
std::vector<CoreSample> sampleCores();
// Per core busy percent between two samples; empty when they do not match.
std::vector<double> coreBusyPercent(const std::vector<CoreSample> &before,
                                    const std::vector<CoreSample> &after);

} // namespace blueshift::bench
