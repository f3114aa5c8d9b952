#pragma once

#include <QString>
#include <QtGlobal>

#include <cstdio>
#include <cstdlib>

// What every fuzz target shares: a broken invariant is a crash (libFuzzer saves the input), and
// Qt's warnings about bad input stay quiet, since printing them costs more than the parsing.

namespace blueshift::fuzz {

[[noreturn]] inline void invariantFailed(const char *expression, const char *file, int line)
{
    std::fprintf(stderr, "%s:%d: invariant failed: %s\n", file, line, expression);
    std::abort();
}

inline void quietQt()
{
    qInstallMessageHandler([](QtMsgType type, const QMessageLogContext &, const QString &message) {
        if (type == QtFatalMsg)
            std::fprintf(stderr, "qFatal: %s\n", qPrintable(message));
    });
}

} // namespace blueshift::fuzz

#define FUZZ_CHECK(condition)                                                                      \
    ((condition) ? void() : ::blueshift::fuzz::invariantFailed(#condition, __FILE__, __LINE__))
