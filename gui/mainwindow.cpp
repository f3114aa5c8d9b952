#include "mainwindow.h"

#include "app/appsession.h"
#include "app/azureconnectdialog.h" // Azure Container Apps (gui/app)
#include "app/connectdialog.h"
#include "app/consolestatusbar.h"
#include "app/platformconnection.h"
#include "app/platformselector.h"
#include "app/settings.h"
#include "doctor/doctordialog.h"
#include "events/eventsmodel.h"
#include "events/eventsview.h"
#include "events/logstreamclient.h"
#include "revisions/revisionactions.h"
#include "revisions/revisionsmodel.h"
#include "revisions/revisionsview.h"
#include "rollout/rolloutwizard.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QComboBox>
#include <QDockWidget>
#include <QFileInfo>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QSplitter>
#include <QTableView>
#include <QTimer>
#include <QToolBar>
#include <QVBoxLayout>

// Resources live in the static library: referencing their initialiser keeps them linked.
static void initConsoleResources()
{
    Q_INIT_RESOURCE(blueshift);
}

namespace blueshift::gui {

namespace {
// A named place in the centre that another view takes over (setSessionsWidget/setChartsWidget).
QWidget *placeholderPanel(const QString &objectName, const QString &title, const QString &text,
                          QWidget *parent)
{
    auto *panel = new QFrame(parent);
    panel->setObjectName(objectName);
    panel->setFrameShape(QFrame::StyledPanel);
    auto *heading = new QLabel(title, panel);
    QFont f = heading->font();
    f.setPointSizeF(f.pointSizeF() * 1.15);
    f.setBold(true);
    heading->setFont(f);
    auto *body = new QLabel(text, panel);
    body->setWordWrap(true);
    body->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    body->setStyleSheet(QStringLiteral("color: palette(mid);"));
    auto *layout = new QVBoxLayout(panel);
    layout->setContentsMargins(12, 10, 12, 10);
    layout->addWidget(heading);
    layout->addWidget(body, 1);
    return panel;
}
} // namespace

MainWindow::MainWindow(Settings *settings, QWidget *parent)
    : QMainWindow(parent)
    , m_settings(settings)
    , m_connection(new PlatformConnection(this))
    , m_session(new AppSession(this))
    , m_actions(new RevisionActions(m_session, this))
    , m_revisionsModel(new RevisionsModel(this))
    , m_eventsModel(new EventsModel(50000, this))
    , m_logStream(new LogStreamClient(this))
    , m_status(new ConsoleStatusBar(this))
{
    initConsoleResources();
    setObjectName(QStringLiteral("blueshiftMainWindow"));
    QIcon icon;
    // Pre-rendered sizes: the icon does not depend on the SVG image plugin being installed.
    for (int size : {16, 32, 48, 64, 128, 256})
        icon.addFile(QStringLiteral(":/icons/blueshift-%1.png").arg(size), QSize(size, size));
    setWindowIcon(icon);
    setStatusBar(m_status);
    setDockOptions(QMainWindow::AnimatedDocks | QMainWindow::AllowTabbedDocks);
    m_session->setPollInterval(settings->pollIntervalMs());
    m_preferredApp = settings->appName();

    m_centre = new QSplitter(Qt::Horizontal, this);
    m_centre->setObjectName(QStringLiteral("centreSplitter"));
    m_centre->addWidget(placeholderPanel(
        QStringLiteral("sessionsPlaceholder"), tr("Sessions"),
        tr("The fleet of live test sessions goes here: start and stop it, and follow every "
           "session's revision, state, age, RTT, reconnects and close code."),
        m_centre));
    m_centre->addWidget(placeholderPanel(
        QStringLiteral("chartsPlaceholder"), tr("Charts"),
        tr("Live sessions per revision over time, with a marker for every rollout step; the "
           "survival curve; RTT percentiles; close codes by step."),
        m_centre));
    m_centre->setStretchFactor(0, 1);
    m_centre->setStretchFactor(1, 1);
    setCentralWidget(m_centre);

    buildDocks();
    buildLiveViews();
    buildMenusAndToolBar();

    connect(m_connection, &PlatformConnection::stateChanged, this, &MainWindow::onConnectionState);
    connect(m_connection, &PlatformConnection::connected, this, &MainWindow::onConnected);
    connect(m_connection, &PlatformConnection::disconnected, this, [this] {
        m_session->setClient(nullptr);
        m_logStream->stop();
    });
    connect(
        m_connection, &PlatformConnection::shutdownFinished, this,
        [this] {
            m_shutdownDone = true;
            close();
        },
        Qt::QueuedConnection);
    connect(m_session, &AppSession::snapshotChanged, this, &MainWindow::onSnapshot);
    connect(m_session, &AppSession::appNamesChanged, this, &MainWindow::onAppNames);
    connect(m_session, &AppSession::pollFailed, this, [this](const QString &error) {
        m_status->setPlatformState(ConsoleStatusBar::Tone::Bad, tr("Connected; %1").arg(error));
    });
    connect(m_session, &AppSession::pollSucceeded, this,
            [this] { m_status->setPlatformState(ConsoleStatusBar::Tone::Good, tr("Connected")); });
    connect(m_session, &AppSession::operationStarted, m_status,
            &ConsoleStatusBar::operationStarted);
    connect(m_session, &AppSession::operationProgress, m_status,
            &ConsoleStatusBar::operationProgress);
    connect(m_session, &AppSession::operationStarted, this, [this](const QString &description) {
        consoleEvent(QStringLiteral("info"), QStringLiteral("action.started"), description);
    });
    connect(
        m_session, &AppSession::operationFinished, this, [this](bool ok, const QString &message) {
            m_status->operationFinished(ok, message);
            consoleEvent(ok ? QStringLiteral("info") : QStringLiteral("error"),
                         ok ? QStringLiteral("action.succeeded") : QStringLiteral("action.failed"),
                         message);
        });
    connect(m_status, &ConsoleStatusBar::cancelRequested, m_session, &AppSession::cancelOperation);
    connect(m_actions, &RevisionActions::refused, this,
            [this](const QString &reason) { m_status->showMessage(reason, 8000); });
    connect(m_logStream, &LogStreamClient::eventReceived, m_eventsModel,
            qOverload<const EventEntry &>(&EventsModel::append));
    connect(m_logStream, &LogStreamClient::stateChanged, m_eventsView,
            [this](LogStreamClient::State, const QString &text) {
                m_eventsView->setStreamState(text);
            });

    resize(1280, 820);
    restoreSettings();
    updateTitle();
}

MainWindow::~MainWindow() = default;

void MainWindow::buildDocks()
{
    m_revisionsView = new RevisionsView(m_revisionsModel, m_session, m_actions, this);
    m_revisionsDock = new QDockWidget(tr("Revisions"), this);
    m_revisionsDock->setObjectName(QStringLiteral("revisionsDock"));
    m_revisionsDock->setWidget(m_revisionsView);
    m_revisionsDock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable |
                                 QDockWidget::DockWidgetClosable);
    addDockWidget(Qt::TopDockWidgetArea, m_revisionsDock);

    m_eventsView = new EventsView(m_eventsModel, this);
    m_eventsDock = new QDockWidget(tr("Events"), this);
    m_eventsDock->setObjectName(QStringLiteral("eventsDock"));
    m_eventsDock->setWidget(m_eventsView);
    m_eventsDock->setFeatures(m_revisionsDock->features());
    addDockWidget(Qt::BottomDockWidgetArea, m_eventsDock);
    // Start with sensible heights: the revisions fit a handful of rows, events get the rest.
    resizeDocks({m_revisionsDock, m_eventsDock}, {190, 280}, Qt::Vertical);
}

void MainWindow::buildMenusAndToolBar()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    QAction *local = file->addAction(tr("Connect to &this machine"));
    connect(local, &QAction::triggered, this, [this] {
        connectToPlatform(m_settings->platformTarget().kind == PlatformKind::LocalMachine
                              ? m_settings->platformTarget()
                              : PlatformTarget::localMachine());
    });
    QAction *remote = file->addAction(tr("Connect to a local platform at &URL…"));
    connect(remote, &QAction::triggered, this, &MainWindow::chooseRemote);
    QAction *azure = file->addAction(tr("Connect to &Azure Container Apps…"));
    QAction *reconnect = file->addAction(tr("&Reconnect"));
    connect(reconnect, &QAction::triggered, this,
            [this] { connectToPlatform(m_connection->target()); });
    file->addSeparator();
    QAction *quit = file->addAction(tr("&Quit"));
    quit->setShortcut(QKeySequence::Quit);
    connect(quit, &QAction::triggered, this, &QWidget::close);

    QMenu *app = menuBar()->addMenu(tr("&App"));
    app->addAction(m_revisionsView->newRevisionAction());
    app->addSeparator();
    app->addAction(m_revisionsView->activateAction());
    app->addAction(m_revisionsView->deactivateAction());
    app->addAction(m_revisionsView->restartAction());
    app->addSeparator();
    app->addAction(m_revisionsView->trafficAction());
    app->addAction(m_revisionsView->swapLabelsAction());
    app->addSeparator();
    app->addMenu(m_revisionsView->modeMenu());
    app->addMenu(m_revisionsView->transportMenu());
    app->addAction(m_revisionsView->stickyAction());
    app->addSeparator();
    QAction *refresh = app->addAction(tr("Re&fresh"));
    refresh->setShortcut(QKeySequence::Refresh);
    connect(refresh, &QAction::triggered, m_session, &AppSession::refresh);
    QAction *cancel = app->addAction(tr("&Cancel running action"));
    connect(cancel, &QAction::triggered, m_session, &AppSession::cancelOperation);

    QMenu *view = menuBar()->addMenu(tr("&View"));
    view->addAction(m_revisionsDock->toggleViewAction());
    view->addAction(m_eventsDock->toggleViewAction());
    QAction *find = view->addAction(tr("&Find in events"));
    find->setShortcut(QKeySequence::Find);
    connect(find, &QAction::triggered, this, [this] {
        m_eventsDock->show();
        m_eventsView->searchEdit()->setFocus();
        m_eventsView->searchEdit()->selectAll();
    });

    // Rollout wizard and endpoint doctor (gui/rollout, gui/doctor).
    QMenu *tools = menuBar()->addMenu(tr("&Rollout"));
    QAction *wizard = tools->addAction(tr("Blue/green &wizard…"));
    wizard->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_R));
    wizard->setToolTip(tr("Roll out a new revision step by step with live test sessions"));
    connect(wizard, &QAction::triggered, this, &MainWindow::openRolloutWizard);
    QAction *doctor = tools->addAction(tr("Endpoint &doctor…"));
    doctor->setToolTip(tr("Why do WebSocket sessions fail on this URL?"));
    connect(doctor, &QAction::triggered, this, &MainWindow::openDoctor);

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    QAction *about = help->addAction(tr("&About Blueshift"));
    connect(about, &QAction::triggered, this, [this] {
        auto *box = new QMessageBox(
            QMessageBox::NoIcon, tr("About Blueshift"),
            tr("<b>Blueshift %1</b><p>A rollout console for WebSocket services: click through a "
               "blue/green rollout and watch which live sessions survive each step.</p>")
                .arg(QApplication::applicationVersion()),
            QMessageBox::Ok, this);
        box->setIconPixmap(windowIcon().pixmap(64, 64));
        box->setAttribute(Qt::WA_DeleteOnClose);
        box->open();
    });

    QToolBar *bar = addToolBar(tr("Platform"));
    bar->setObjectName(QStringLiteral("platformToolBar"));
    bar->setMovable(false);
    bar->addWidget(new QLabel(tr(" Platform: "), bar));
    m_platformSelector = new PlatformSelector(bar);
    bar->addWidget(m_platformSelector);
    bar->addWidget(new QLabel(tr("  App: "), bar));
    m_appSelector = new QComboBox(bar);
    m_appSelector->setMinimumContentsLength(12);
    m_appSelector->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_appSelector->setToolTip(tr("The container app whose revisions are shown"));
    bar->addWidget(m_appSelector);
    bar->addSeparator();
    bar->addAction(refresh);
    bar->addAction(wizard);
    bar->addAction(doctor);

    connect(m_platformSelector, &PlatformSelector::localMachineRequested, local, &QAction::trigger);
    connect(m_platformSelector, &PlatformSelector::remoteRequested, this,
            &MainWindow::chooseRemote);
    // --- Azure Container Apps (gui/app/azureconnectdialog.h): the File entry and the selector
    // open the dialog; its choice is connected to like any other target, its app shown first.
    auto chooseAzure = [this] {
        auto *dialog =
            new AzureConnectDialog(m_settings->azureTarget(), m_settings->appName(), this);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        connect(dialog, &QDialog::accepted, this, [this, dialog] {
            const QString app = dialog->appName();
            connectToPlatform(dialog->target());
            if (!app.isEmpty()) {
                setPreferredApp(app);
                m_settings->setAppName(app);
                m_session->setAppName(app);
            }
        });
        dialog->open();
    };
    connect(azure, &QAction::triggered, this, chooseAzure);
    connect(m_platformSelector, &PlatformSelector::azureRequested, this, chooseAzure);
    // --- end Azure ---
    connect(m_appSelector, &QComboBox::activated, this, [this](int index) {
        const QString name = m_appSelector->itemText(index);
        m_preferredApp = name;
        m_settings->setAppName(name);
        m_revisionsModel->clear();
        m_session->setAppName(name);
        updateTitle();
    });
}

void MainWindow::restoreSettings()
{
    restoreGeometry(m_settings->windowGeometry());
    restoreState(m_settings->windowState());
    if (const QByteArray s = m_settings->centralSplitterState(); !s.isEmpty())
        m_centre->restoreState(s);
    m_revisionsView->restoreHeaderState(m_settings->revisionsHeaderState());
    m_eventsView->restoreHeaderState(m_settings->eventsHeaderState());
    m_eventsView->setMinimumLevel(m_settings->eventsMinimumLevel());
    m_eventsView->setFollow(m_settings->eventsFollow());
}

void MainWindow::saveSettings()
{
    m_settings->setWindowGeometry(saveGeometry());
    m_settings->setWindowState(saveState());
    m_settings->setCentralSplitterState(m_centre->saveState());
    m_settings->setRevisionsHeaderState(m_revisionsView->headerState());
    m_settings->setEventsHeaderState(m_eventsView->headerState());
    m_settings->setEventsMinimumLevel(m_eventsView->minimumLevel());
    m_settings->setEventsFollow(m_eventsView->follow());
    m_settings->sync();
}

void MainWindow::setPreferredApp(const QString &app)
{
    m_preferredApp = app;
}

void MainWindow::setServerProgram(const QString &program)
{
    m_connection->setServerProgram(program);
}

void MainWindow::connectToPlatform(const PlatformTarget &target)
{
    m_logStream->stop();
    m_session->setClient(nullptr);
    m_revisionsModel->clear();
    m_settings->setPlatformTarget(target);
    m_platformSelector->setCurrentTarget(target);
    m_status->setPlatform(target.displayName(), target.location());
    m_status->setAppSummary(QString());
    m_connection->connectTo(target);
}

void MainWindow::chooseRemote()
{
    PlatformTarget initial = m_settings->remoteTarget();
    auto *dialog = new ConnectDialog(initial, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this,
            [this, dialog] { connectToPlatform(dialog->target()); });
    dialog->open();
}

void MainWindow::onConnectionState()
{
    const PlatformConnection::State state = m_connection->state();
    const QString text = m_connection->stateText();
    ConsoleStatusBar::Tone tone = ConsoleStatusBar::Tone::Busy;
    if (state == PlatformConnection::State::Connected)
        tone = ConsoleStatusBar::Tone::Good;
    else if (state == PlatformConnection::State::Failed)
        tone = ConsoleStatusBar::Tone::Bad;
    else if (state == PlatformConnection::State::Disconnected)
        tone = ConsoleStatusBar::Tone::Neutral;
    m_status->setPlatformState(
        tone, state == PlatformConnection::State::Failed ? tr("Not connected") : text);
    const PlatformTarget target = m_connection->target();
    m_status->setPlatform(target.displayName(), target.location());
    consoleEvent(tone == ConsoleStatusBar::Tone::Bad ? QStringLiteral("error")
                                                     : QStringLiteral("info"),
                 QStringLiteral("platform.connection"), text);
    if (state == PlatformConnection::State::Failed)
        m_status->showMessage(text, 60000);
}

void MainWindow::onConnected()
{
    const PlatformTarget target = m_connection->target();
    m_status->clearMessage();
    onAppNames(m_connection->apps());
    m_session->setClient(m_connection->client());
    // --- Azure has no /logstream: the events view says so (PlatformTarget::hasLogStream) ---
    if (QString why; !target.hasLogStream(&why)) {
        m_eventsView->setStreamState(tr("No log stream on this platform"));
        consoleEvent(QStringLiteral("info"), QStringLiteral("platform.logstream"), why);
    } else {
        m_logStream->start(target.logStreamUrl(500), target.tokenFile);
    }
    // --- end Azure ---
}

void MainWindow::onAppNames(const QStringList &names)
{
    QString choice = m_session->appName();
    if (choice.isEmpty() || !names.contains(choice))
        choice = names.contains(m_preferredApp) ? m_preferredApp
                                                : (names.isEmpty() ? QString() : names.first());
    {
        const QSignalBlocker block(m_appSelector);
        m_appSelector->clear();
        m_appSelector->addItems(names);
        m_appSelector->setCurrentText(choice);
    }
    if (names.isEmpty())
        m_status->setAppSummary(tr("No apps on this platform"));
    if (choice != m_session->appName()) {
        m_revisionsModel->clear();
        m_session->setAppName(choice);
    }
    updateTitle();
}

void MainWindow::onSnapshot()
{
    if (!m_session->hasSnapshot()) {
        m_revisionsModel->clear();
        return;
    }
    const model::ContainerApp &app = m_session->app();
    m_revisionsModel->setSnapshot(app, m_session->revisions());
    int active = 0;
    for (const model::Revision &r : m_session->revisions())
        active += r.active ? 1 : 0;
    const qsizetype count = m_session->revisions().size();
    m_status->setAppSummary(
        tr("%1 · %2, %3 active · %4 mode")
            .arg(app.name, count == 1 ? tr("1 revision") : tr("%1 revisions").arg(count))
            .arg(active)
            .arg(model::wireName(app.configuration.activeRevisionsMode).toLower()));
    updateSessionsTarget();
}

void MainWindow::setSessionsWidget(QWidget *widget)
{
    QWidget *old = m_centre->replaceWidget(0, widget);
    if (old)
        old->deleteLater();
}

void MainWindow::setChartsWidget(QWidget *widget)
{
    QWidget *old = m_centre->replaceWidget(1, widget);
    if (old)
        old->deleteLater();
}

void MainWindow::setLiveSessions(const QHash<QString, int> &sessions)
{
    m_revisionsModel->setLiveSessions(sessions);
    m_status->setLiveSessions(sessions);
}

void MainWindow::appendHarnessEvents(const QList<EventEntry> &events)
{
    m_eventsModel->append(events);
}

void MainWindow::consoleEvent(const QString &level, const QString &event, const QString &text)
{
    m_eventsModel->append(EventEntry{QDateTime::currentDateTimeUtc(), QStringLiteral("console"),
                                     level, event, QString(), text});
}

void MainWindow::updateTitle()
{
    const QString app = m_session->appName();
    setWindowTitle(app.isEmpty() ? tr("Blueshift") : tr("%1 — Blueshift").arg(app));
}

bool MainWindow::saveScreenshot(const QString &file, QString *error)
{
    m_eventsModel->flush();
    // Labels resized by the latest updates lay out before the picture is taken (delivering the
    // posted layout requests, not running an event loop).
    QCoreApplication::sendPostedEvents(nullptr, QEvent::LayoutRequest);
    const QPixmap pixmap = grab();
    if (pixmap.isNull()) {
        *error = tr("nothing to grab: the window has no size");
        return false;
    }
    if (!pixmap.save(file, "PNG")) {
        *error = tr("cannot write %1").arg(QFileInfo(file).absoluteFilePath());
        return false;
    }
    return true;
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    if (m_shutdownDone) {
        event->accept();
        return;
    }
    // Stop what this console started before going: the platform child gets SIGTERM and time to
    // drain (bounded), then the window closes by itself.
    event->ignore();
    if (m_shuttingDown)
        return;
    m_shuttingDown = true;
    saveSettings();
    m_logStream->stop();
    m_session->setClient(nullptr);
    m_connection->shutdown();
}

// Rollout wizard and endpoint doctor (gui/rollout, gui/doctor).
RolloutWizard *MainWindow::rolloutWizard()
{
    if (!m_wizard) {
        m_wizard = new RolloutWizard(m_session, this);
        connect(m_wizard, &RolloutWizard::harnessEvents, this, &MainWindow::appendHarnessEvents);
        // The run's main session group is what the sessions table and the charts show.
        connect(m_wizard, &RolloutWizard::fleetStarted, this,
                [this](harness::Fleet *fleet, const QString &group) {
                    if (group == QLatin1String("main"))
                        followFleet(fleet);
                });
    }
    return m_wizard;
}

DoctorDialog *MainWindow::doctorDialog()
{
    if (!m_doctor)
        m_doctor = new DoctorDialog(this);
    return m_doctor;
}

void MainWindow::openRolloutWizard()
{
    RolloutWizard *w = rolloutWizard();
    w->show();
    w->raise();
    w->activateWindow();
}

void MainWindow::openDoctor()
{
    DoctorDialog *d = doctorDialog();
    if (m_session->hasSnapshot())
        d->suggestUrl(DoctorDialog::ingressUrl(m_session->app(), m_connection->target().adminUrl));
    d->show();
    d->raise();
    d->activateWindow();
}

} // namespace blueshift::gui
