// blueshift-guibench: the sessions table and the charts under 10,000 sessions, offscreen,
// measuring event-loop stalls and chart redraw times (see bench/README.md, "GUI").
#include "guibenchrun.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QFile>
#include <QJsonDocument>

#include <cstdio>

using namespace blueshift::bench;

int main(int argc, char **argv)
{
    // Offscreen unless told otherwise: the benchmark runs on build machines without a display.
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("blueshift-guibench"));

    QCommandLineParser p;
    p.setApplicationDescription(
        QStringLiteral("Runs N test sessions through the sessions table (model, filter proxy, "
                       "view) and the charts panel in an offscreen window and reports "
                       "event-loop stalls (lateness of a 10 ms timer) and chart redraw times."));
    p.addHelpOption();
    const QCommandLineOption mode(
        QStringLiteral("mode"),
        QStringLiteral("synthetic (a blue/green rollout replayed in real time, default) or live "
                       "(a real fleet against blueshift-server upstream-sim)."),
        QStringLiteral("mode"), QStringLiteral("synthetic"));
    const QCommandLineOption sessions(QStringLiteral("sessions"),
                                      QStringLiteral("Sessions (default 10000)."),
                                      QStringLiteral("n"), QStringLiteral("10000"));
    const QCommandLineOption seconds(QStringLiteral("seconds"),
                                     QStringLiteral("Length of the scenario (default 60)."),
                                     QStringLiteral("s"), QStringLiteral("60"));
    const QCommandLineOption redraw(QStringLiteral("redraw-ms"),
                                    QStringLiteral("Chart redraw timer (default 250)."),
                                    QStringLiteral("ms"), QStringLiteral("250"));
    const QCommandLineOption sort(QStringLiteral("sort-column"),
                                  QStringLiteral("Table column to sort by (0 session, 4 age, "
                                                 "5 RTT; default 0)."),
                                  QStringLiteral("n"), QStringLiteral("0"));
    const QCommandLineOption server(
        QStringLiteral("server"),
        QStringLiteral("blueshift-server for --mode live (default: beside this program)."),
        QStringLiteral("path"),
        QDir(QCoreApplication::applicationDirPath()).filePath(QStringLiteral("blueshift-server")));
    const QCommandLineOption screenshot(QStringLiteral("screenshot"),
                                        QStringLiteral("Save the window as PNG at the end."),
                                        QStringLiteral("file"));
    const QCommandLineOption json(QStringLiteral("json"),
                                  QStringLiteral("Write the figures as JSON."),
                                  QStringLiteral("file"));
    p.addOptions({mode, sessions, seconds, redraw, sort, server, screenshot, json});
    p.process(app);

    GuiBenchOptions o;
    bool ok = true;
    auto fail = [](const QString &why) {
        std::fprintf(stderr, "blueshift-guibench: %s\n", qPrintable(why));
        return 2;
    };
    if (p.value(mode) == QLatin1String("live"))
        o.mode = GuiBenchOptions::Mode::Live;
    else if (p.value(mode) != QLatin1String("synthetic"))
        return fail(QStringLiteral("--mode must be synthetic or live"));
    o.sessions = p.value(sessions).toInt(&ok);
    if (!ok || o.sessions < 1 || o.sessions > 100000)
        return fail(QStringLiteral("--sessions must be 1..100000"));
    o.seconds = p.value(seconds).toDouble(&ok);
    if (!ok || o.seconds < 5 || o.seconds > 3600)
        return fail(QStringLiteral("--seconds must be 5..3600"));
    o.redrawMs = p.value(redraw).toInt(&ok);
    if (!ok || o.redrawMs < 16 || o.redrawMs > 10000)
        return fail(QStringLiteral("--redraw-ms must be 16..10000"));
    o.sortColumn = p.value(sort).toInt(&ok);
    if (!ok || o.sortColumn < 0 || o.sortColumn > 9)
        return fail(QStringLiteral("--sort-column must be 0..9"));
    o.serverBinary = p.value(server);
    o.screenshot = p.value(screenshot);
    o.json = p.value(json);

    GuiBenchRun run(o);
    QObject::connect(&run, &GuiBenchRun::done, &app, &QCoreApplication::quit);
    QString error;
    if (!run.start(&error)) {
        std::fprintf(stderr, "blueshift-guibench: %s\n", qPrintable(error));
        return 1;
    }
    QApplication::exec();
    std::fputs(qPrintable(run.report()), stdout);
    if (!o.json.isEmpty()) {
        QFile f(o.json);
        if (!f.open(QIODevice::WriteOnly) || f.write(QJsonDocument(run.results()).toJson()) < 0) {
            std::fprintf(stderr, "blueshift-guibench: cannot write %s\n", qPrintable(o.json));
            return 1;
        }
    }
    return 0;
}
