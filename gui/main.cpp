// blueshift: the desktop console. Parses its options, connects to the platform (starting a local
// one when none answers) and, with --screenshot, renders its window into a PNG and exits.
#include "app/guilog.h"
#include "app/platformtarget.h"
#include "app/settings.h"
#include "mainwindow.h"

#include "runtime/unixsignalwatcher.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QTimer>

#include <csignal>
#include <cstdio>
#include <optional>

namespace {

struct ConsoleOptions
{
    std::optional<QUrl> adminUrl;
    QString stateDir;
    bool noStart = false;
    QString app;
    QString screenshot;
    double afterSeconds = 2.0;
};

enum class Parsed { Run, ExitOk, Error };

Parsed parseOptions(const QStringList &arguments, ConsoleOptions *out, QString *message)
{
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral(
        "Blueshift: a rollout console for WebSocket services. Connects to the local platform "
        "(blueshift-server local) and starts one with the demo app when none answers."));
    p.addHelpOption();
    p.addVersionOption();
    const QCommandLineOption admin(
        QStringLiteral("admin"),
        QStringLiteral("Admin API of the local platform (default http://127.0.0.1:8081)."),
        QStringLiteral("url"));
    const QCommandLineOption stateDir(
        QStringLiteral("state-dir"),
        QStringLiteral("The platform's state directory, where its admin-token is (default %1).")
            .arg(blueshift::gui::defaultLocalStateDir()),
        QStringLiteral("dir"));
    const QCommandLineOption noStart(
        QStringLiteral("no-start"),
        QStringLiteral("Do not start blueshift-server local when no platform answers."));
    const QCommandLineOption app(QStringLiteral("app"),
                                 QStringLiteral("The app to show (default: the last one, else "
                                                "demo, else the first)."),
                                 QStringLiteral("name"));
    const QCommandLineOption screenshot(
        QStringLiteral("screenshot"),
        QStringLiteral("Render the main window into this PNG file and exit."),
        QStringLiteral("file"));
    const QCommandLineOption after(
        QStringLiteral("after"),
        QStringLiteral("With --screenshot: seconds to wait first (default 2)."),
        QStringLiteral("seconds"));
    p.addOptions({admin, stateDir, noStart, app, screenshot, after});
    if (!p.parse(arguments)) {
        *message = p.errorText();
        return Parsed::Error;
    }
    if (p.isSet(QStringLiteral("help"))) {
        // Parsed before any QCoreApplication exists, so the parser cannot know the name.
        *message =
            p.helpText().replace(QLatin1String("<executable_name>"), QLatin1String("blueshift"));
        return Parsed::ExitOk;
    }
    if (p.isSet(QStringLiteral("version"))) {
        *message = QStringLiteral("blueshift %1").arg(QStringLiteral(BLUESHIFT_VERSION));
        return Parsed::ExitOk;
    }
    if (!p.positionalArguments().isEmpty()) {
        *message = QStringLiteral("unexpected argument '%1'").arg(p.positionalArguments().first());
        return Parsed::Error;
    }
    ConsoleOptions o;
    if (p.isSet(admin)) {
        QString error;
        const QUrl url = blueshift::gui::parseAdminUrl(p.value(admin), &error);
        if (url.isEmpty()) {
            *message = QStringLiteral("--admin: ") + error;
            return Parsed::Error;
        }
        o.adminUrl = url;
    }
    o.stateDir = p.value(stateDir);
    o.noStart = p.isSet(noStart);
    o.app = p.value(app);
    o.screenshot = p.value(screenshot);
    if (p.isSet(after)) {
        if (o.screenshot.isEmpty()) {
            *message = QStringLiteral("--after goes with --screenshot");
            return Parsed::Error;
        }
        bool ok = false;
        o.afterSeconds = p.value(after).toDouble(&ok);
        if (!ok || o.afterSeconds < 0 || o.afterSeconds > 3600) {
            *message = QStringLiteral("--after must be a number of seconds from 0 to 3600");
            return Parsed::Error;
        }
    }
    *out = o;
    return Parsed::Run;
}

bool hasDisplay()
{
    return !qEnvironmentVariableIsEmpty("DISPLAY") ||
           !qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY") ||
           !qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM");
}

} // namespace

int main(int argc, char **argv)
{
    // --help, --version and bad options need no display: parse before QApplication exists.
    QStringList arguments;
    for (int i = 0; i < argc; ++i)
        arguments << QString::fromLocal8Bit(argv[i]);
    ConsoleOptions options;
    QString message;
    switch (parseOptions(arguments, &options, &message)) {
    case Parsed::Error:
        std::fprintf(stderr, "blueshift: %s\n", qPrintable(message));
        return 2;
    case Parsed::ExitOk:
        std::fprintf(stdout, "%s\n", qPrintable(message));
        return 0;
    case Parsed::Run:
        break;
    }
    if (!hasDisplay()) {
        if (options.screenshot.isEmpty()) {
            std::fputs("blueshift: no display (DISPLAY and WAYLAND_DISPLAY are unset): run it in a "
                       "desktop session, or render the window with --screenshot FILE\n",
                       stderr);
            return 1;
        }
        // A screenshot needs no screen.
        qputenv("QT_QPA_PLATFORM", "offscreen");
    }

    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("Blueshift"));
    QApplication::setOrganizationName(QStringLiteral("Blueshift"));
    QApplication::setApplicationVersion(QStringLiteral(BLUESHIFT_VERSION));
    QApplication::setDesktopFileName(QStringLiteral("blueshift"));

    using namespace blueshift::gui;
    Settings settings;
    PlatformTarget target = settings.platformTarget();
    // Options name the platform to connect to; like a pick in the Platform selector, it is kept.
    if (options.adminUrl || !options.stateDir.isEmpty() || options.noStart) {
        const QUrl url = options.adminUrl.value_or(
            target.kind == PlatformKind::LocalMachine ? target.adminUrl : defaultLocalAdminUrl());
        if (options.adminUrl && !isLoopbackHost(url.host()))
            target = PlatformTarget::localRemote(url, tokenFileIn(options.stateDir.isEmpty()
                                                                      ? defaultLocalStateDir()
                                                                      : options.stateDir));
        else
            target = PlatformTarget::localMachine(
                url, options.stateDir.isEmpty() && target.kind == PlatformKind::LocalMachine
                         ? target.stateDir
                         : options.stateDir);
        target.startIfMissing = !options.noStart && target.kind == PlatformKind::LocalMachine;
    }

    MainWindow window(&settings);
    QApplication::setWindowIcon(window.windowIcon());
    if (!options.app.isEmpty())
        window.setPreferredApp(options.app);
    window.show();
    window.connectToPlatform(target);

    // Ctrl-C or a service manager's SIGTERM: close as the window would, stopping the child.
    blueshift::runtime::UnixSignalWatcher signalWatcher({SIGINT, SIGTERM});
    QObject::connect(&signalWatcher, &blueshift::runtime::UnixSignalWatcher::signalReceived,
                     &window, [&window](int) { window.close(); });

    int exitCode = 0;
    if (!options.screenshot.isEmpty()) {
        QTimer::singleShot(int(options.afterSeconds * 1000), &window, [&] {
            QString error;
            if (!window.saveScreenshot(options.screenshot, &error)) {
                std::fprintf(stderr, "blueshift: --screenshot: %s\n", qPrintable(error));
                exitCode = 1;
            }
            window.close();
        });
    }
    const int code = QApplication::exec();
    return exitCode != 0 ? exitCode : code;
}
