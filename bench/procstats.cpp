#include "procstats.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace blueshift::bench {

namespace {
bool readFile(const std::string &path, std::string *out)
{
    FILE *f = std::fopen(path.c_str(), "r");
    if (!f)
        return false;
    char buf[8192];
    std::size_t n;
    out->clear();
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0)
        out->append(buf, n);
    std::fclose(f);
    return true;
}
} // namespace

ProcessSample sampleProcess(int pid)
{
    ProcessSample s;
    if (pid <= 0)
        return s;
    const std::string dir = "/proc/" + std::to_string(pid);
    std::string stat;
    std::string status;
    if (!readFile(dir + "/stat", &stat) || !readFile(dir + "/status", &status))
        return s;
    // The command name may contain spaces and parentheses: fields are counted after the last ')'.
    const std::size_t close = stat.rfind(')');
    if (close == std::string::npos)
        return s;
    unsigned long utime = 0;
    unsigned long stime = 0;
    // Fields 3.. follow ") "; utime and stime are fields 14 and 15.
    if (std::sscanf(stat.c_str() + close + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
                    &utime, &stime) != 2)
        return s;
    const std::size_t rss = status.find("VmRSS:");
    if (rss == std::string::npos)
        return s;
    s.rssKiB = std::strtoull(status.c_str() + rss + 6, nullptr, 10);
    s.cpuSeconds = double(utime + stime) / double(sysconf(_SC_CLK_TCK));
    s.valid = true;
    return s;
}

ProcessSample sampleSelf()
{
    ProcessSample s = sampleProcess(int(getpid()));
    // getrusage has microsecond resolution where /proc has clock ticks.
    rusage ru{};
    if (getrusage(RUSAGE_SELF, &ru) == 0) {
        s.cpuSeconds = double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                       double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
    }
    return s;
}

double cpuPercent(const ProcessSample &before, const ProcessSample &after, double seconds)
{
    if (!before.valid || !after.valid || seconds <= 0)
        return -1;
    return 100.0 * (after.cpuSeconds - before.cpuSeconds) / seconds;
}

std::vector<CoreSample> sampleCores()
{
    std::vector<CoreSample> cores;
    std::string stat;
    if (!readFile("/proc/stat", &stat))
        return cores;
    std::size_t pos = 0;
    while (pos < stat.size()) {
        const std::size_t end = std::min(stat.find('\n', pos), stat.size());
        const std::string line = stat.substr(pos, end - pos);
        pos = end + 1;
        // "cpuN user nice system idle iowait irq softirq steal ..."; the aggregate "cpu " is
        // skipped.
        if (line.size() < 4 || line.compare(0, 3, "cpu") != 0 || line[3] == ' ')
            continue;
        unsigned long long v[8] = {};
        if (std::sscanf(line.c_str(), "%*s %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1],
                        &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) < 4)
            continue;
        CoreSample c;
        for (unsigned long long x : v)
            c.total += x;
        // Steal counts as busy: a hypervisor that takes the core away is competition too.
        c.busy = c.total - v[3] - v[4];
        cores.push_back(c);
    }
    return cores;
}

std::vector<double> coreBusyPercent(const std::vector<CoreSample> &before,
                                    const std::vector<CoreSample> &after)
{
    std::vector<double> out;
    if (before.size() != after.size())
        return out;
    for (std::size_t i = 0; i < before.size(); ++i) {
        const double total = double(after[i].total - before[i].total);
        out.push_back(total > 0 ? 100.0 * double(after[i].busy - before[i].busy) / total : 0);
    }
    return out;
}

} // namespace blueshift::bench
