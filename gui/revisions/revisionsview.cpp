#include "revisionsview.h"

#include "confirmations.h"
#include "newrevisiondialog.h"
#include "platformwarningsbar.h"
#include "revisionactions.h"
#include "revisionsmodel.h"
#include "trafficbardelegate.h"
#include "trafficdialog.h"

#include "app/appsession.h"

#include <QAction>
#include <QActionGroup>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QMenu>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QToolBar>
#include <QToolButton>
#include <QVBoxLayout>

namespace blueshift::gui {

namespace {
const model::Transport kTransports[] = {model::Transport::Auto, model::Transport::Http,
                                        model::Transport::Http2, model::Transport::Tcp};
} // namespace

RevisionsView::RevisionsView(RevisionsModel *model, AppSession *session, RevisionActions *actions,
                             QWidget *parent)
    : QWidget(parent)
    , m_model(model)
    , m_session(session)
    , m_actions(actions)
    , m_proxy(new QSortFilterProxyModel(this))
    , m_table(new QTableView(this))
    , m_newRevision(
          new QAction(QIcon::fromTheme(QStringLiteral("list-add")), tr("&New revision…"), this))
    , m_activate(new QAction(tr("&Activate"), this))
    , m_deactivate(new QAction(tr("&Deactivate…"), this))
    , m_restart(new QAction(tr("&Restart…"), this))
    , m_traffic(new QAction(tr("Edit &traffic…"), this))
    , m_swapLabels(new QAction(tr("&Swap labels…"), this))
    , m_sticky(new QAction(tr("S&ticky sessions"), this))
    , m_modeGroup(new QActionGroup(this))
    , m_transportGroup(new QActionGroup(this))
    , m_modeMenu(new QMenu(tr("Revision &mode"), this))
    , m_transportMenu(new QMenu(tr("Trans&port"), this))
    , m_modeButton(new QToolButton(this))
    , m_transportButton(new QToolButton(this))
    , m_warnings(new PlatformWarningsBar(this))
{
    m_newRevision->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_N));
    m_newRevision->setToolTip(tr("Make a new revision of the app (a new suffix and workload)"));
    m_activate->setToolTip(tr("Activate the selected revision: its replicas start"));
    m_deactivate->setToolTip(
        tr("Deactivate the selected revision: no new connections, its sessions are drained"));
    m_restart->setToolTip(tr("Restart the selected revision's replicas"));
    m_traffic->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_T));
    m_traffic->setToolTip(tr("Split traffic between revisions, with labels"));
    m_swapLabels->setToolTip(tr("Exchange the traffic labels of two revisions (blue/green swap)"));
    m_sticky->setCheckable(true);
    m_sticky->setToolTip(tr("Session affinity: a client with the cookie stays on its revision "
                            "(Container Apps honours it in single revision mode only)"));

    m_modeGroup->setExclusive(true);
    QAction *single = m_modeMenu->addAction(tr("Single"));
    QAction *multiple = m_modeMenu->addAction(tr("Multiple"));
    for (QAction *a : {single, multiple}) {
        a->setCheckable(true);
        m_modeGroup->addAction(a);
    }
    connect(single, &QAction::triggered, this, [this] { chooseMode(true); });
    connect(multiple, &QAction::triggered, this, [this] { chooseMode(false); });
    m_transportGroup->setExclusive(true);
    for (int i = 0; i < int(std::size(kTransports)); ++i) {
        QAction *a = m_transportMenu->addAction(model::wireName(kTransports[i]));
        a->setCheckable(true);
        m_transportGroup->addAction(a);
        connect(a, &QAction::triggered, this, [this, i] { chooseTransport(i); });
    }
    connect(m_sticky, &QAction::triggered, this, &RevisionsView::chooseSticky);

    auto *bar = new QToolBar(this);
    bar->setToolButtonStyle(Qt::ToolButtonTextOnly);
    bar->setIconSize(QSize(16, 16));
    bar->addAction(m_newRevision);
    bar->addSeparator();
    bar->addAction(m_activate);
    bar->addAction(m_deactivate);
    bar->addAction(m_restart);
    bar->addSeparator();
    bar->addAction(m_traffic);
    bar->addAction(m_swapLabels);
    bar->addSeparator();
    m_modeButton->setMenu(m_modeMenu);
    m_modeButton->setPopupMode(QToolButton::InstantPopup);
    m_modeButton->setToolTip(tr("Active revisions mode: single keeps one revision active, "
                                "multiple lets traffic be split"));
    m_transportButton->setMenu(m_transportMenu);
    m_transportButton->setPopupMode(QToolButton::InstantPopup);
    m_transportButton->setToolTip(tr("Ingress transport, as Container Apps names it"));
    bar->addWidget(m_modeButton);
    bar->addWidget(m_transportButton);
    bar->addAction(m_sticky);

    m_proxy->setSourceModel(model);
    m_proxy->setSortRole(RevisionsModel::SortRole);
    m_table->setModel(m_proxy);
    m_table->setObjectName(QStringLiteral("revisionsTable"));
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_table->setAlternatingRowColors(true);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(RevisionsModel::Created, Qt::AscendingOrder);
    m_table->setWordWrap(false);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 10);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->horizontalHeader()->setHighlightSections(false);
    m_table->setItemDelegateForColumn(RevisionsModel::Traffic, new TrafficBarDelegate(m_table));
    const std::pair<int, int> widths[] = {
        {RevisionsModel::Name, 190},    {RevisionsModel::Active, 70},
        {RevisionsModel::Running, 90},  {RevisionsModel::Health, 90},
        {RevisionsModel::Replicas, 70}, {RevisionsModel::Traffic, 140},
        {RevisionsModel::Label, 90},    {RevisionsModel::Sessions, 100}};
    for (const auto &[column, width] : widths)
        m_table->setColumnWidth(column, width);
    m_table->setContextMenuPolicy(Qt::ActionsContextMenu);
    m_table->addActions({m_activate, m_deactivate, m_restart, m_traffic, m_swapLabels});

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(bar);
    layout->addWidget(m_warnings);
    layout->addWidget(m_table, 1);

    connect(m_newRevision, &QAction::triggered, this, &RevisionsView::newRevision);
    connect(m_activate, &QAction::triggered, this, &RevisionsView::activate);
    connect(m_deactivate, &QAction::triggered, this, &RevisionsView::deactivate);
    connect(m_restart, &QAction::triggered, this, &RevisionsView::restart);
    connect(m_traffic, &QAction::triggered, this, &RevisionsView::editTraffic);
    connect(m_swapLabels, &QAction::triggered, this, &RevisionsView::swapLabels);
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &RevisionsView::updateActions);
    connect(m_model, &QAbstractItemModel::dataChanged, this, &RevisionsView::updateActions);
    connect(m_model, &QAbstractItemModel::rowsInserted, this, &RevisionsView::updateActions);
    connect(m_model, &QAbstractItemModel::rowsRemoved, this, &RevisionsView::updateActions);
    connect(m_session, &AppSession::snapshotChanged, this, &RevisionsView::syncAppSettings);
    connect(m_session, &AppSession::operationStarted, this, &RevisionsView::updateActions);
    connect(m_session, &AppSession::operationFinished, this, &RevisionsView::updateActions);
    connect(m_actions, &RevisionActions::warned, m_warnings,
            &PlatformWarningsBar::setChangeWarnings);
    connect(m_session, &AppSession::operationFinished, this, [this](bool ok) {
        if (ok)
            m_clearChangeWarnings = true; // shown until the app is read back changed
        else
            m_warnings->clearChangeWarnings(); // nothing changed
    });
    syncAppSettings();
}

QStringList RevisionsView::selectedRevisions() const
{
    QList<int> rows;
    for (const QModelIndex &i : m_table->selectionModel()->selectedRows())
        rows.append(m_proxy->mapToSource(i).row());
    std::sort(rows.begin(), rows.end());
    QStringList names;
    for (int row : rows)
        names.append(m_model->revisionAt(row).name);
    return names;
}

void RevisionsView::selectRevision(const QString &name)
{
    const int row = m_model->rowOf(name);
    if (row < 0)
        return;
    const QModelIndex index = m_proxy->mapFromSource(m_model->index(row, 0));
    m_table->selectionModel()->select(index, QItemSelectionModel::ClearAndSelect |
                                                 QItemSelectionModel::Rows);
    m_table->setCurrentIndex(index);
}

QByteArray RevisionsView::headerState() const
{
    return m_table->horizontalHeader()->saveState();
}

void RevisionsView::restoreHeaderState(const QByteArray &state)
{
    if (!state.isEmpty())
        m_table->horizontalHeader()->restoreState(state);
}

void RevisionsView::setSessionPingInterval(double seconds)
{
    m_warnings->setSessionPingInterval(seconds);
}

void RevisionsView::setSessionDuration(double seconds)
{
    m_warnings->setSessionDuration(seconds);
}

void RevisionsView::setGatewayBackendTimeout(double seconds)
{
    model::PlatformTimeouts t = m_warnings->timeouts();
    t.gatewayBackendTimeoutSeconds = std::max(0.0, seconds);
    m_warnings->setTimeouts(t);
}

void RevisionsView::updateActions()
{
    const bool ready = m_session->client() && m_session->hasSnapshot() && !m_session->busy();
    const QStringList selected = selectedRevisions();
    const int row = selected.isEmpty() ? -1 : m_model->rowOf(selected.constFirst());
    const bool one = row >= 0;
    const bool active = one && m_model->revisionAt(row).active;
    m_newRevision->setEnabled(ready);
    m_activate->setEnabled(ready && one && !active);
    m_deactivate->setEnabled(ready && one && active);
    m_restart->setEnabled(ready && one && active);
    m_traffic->setEnabled(ready && m_session->app().configuration.ingress.has_value());
    m_swapLabels->setEnabled(ready && m_session->app().configuration.ingress.has_value());
    for (QAction *a : m_modeGroup->actions())
        a->setEnabled(ready);
    for (QAction *a : m_transportGroup->actions())
        a->setEnabled(ready && m_session->app().configuration.ingress.has_value());
    m_sticky->setEnabled(ready && m_session->app().configuration.ingress.has_value());
    m_modeButton->setEnabled(ready);
    m_transportButton->setEnabled(ready && m_session->app().configuration.ingress.has_value());
}

void RevisionsView::syncAppSettings()
{
    // Reflect the platform's state; a choice the user made shows once the platform has it.
    const model::ContainerApp &app = m_session->app();
    const bool single = app.configuration.activeRevisionsMode == model::ActiveRevisionsMode::Single;
    m_modeGroup->actions().at(single ? 0 : 1)->setChecked(true);
    m_modeButton->setText(
        tr("Mode: %1").arg(model::wireName(app.configuration.activeRevisionsMode)));
    const model::Transport transport =
        app.configuration.ingress ? app.configuration.ingress->transport : model::Transport::Auto;
    for (int i = 0; i < int(std::size(kTransports)); ++i) {
        if (kTransports[i] == transport)
            m_transportGroup->actions().at(i)->setChecked(true);
    }
    m_transportButton->setText(tr("Transport: %1").arg(model::wireName(transport)));
    const bool sticky =
        app.configuration.ingress && app.configuration.ingress->affinity == model::Affinity::Sticky;
    m_sticky->setChecked(sticky);
    m_sticky->setIconText(sticky ? tr("Sticky sessions: on") : tr("Sticky sessions: off"));
    if (m_session->hasSnapshot())
        m_warnings->setApp(app);
    else
        m_warnings->clearApp();
    if (m_clearChangeWarnings && m_session->hasSnapshot() && !m_session->busy()) {
        m_clearChangeWarnings = false;
        m_warnings->clearChangeWarnings();
    }
    updateActions();
}

void RevisionsView::newRevision()
{
    QStringList names;
    for (const model::Revision &r : m_session->revisions())
        names.append(r.name);
    auto *dialog =
        new NewRevisionDialog(m_session->appName(), names, m_session->app().tmpl, window());
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this,
            [this, dialog] { m_actions->createRevision(dialog->spec()); });
    dialog->open();
}

void RevisionsView::activate()
{
    const QStringList selected = selectedRevisions();
    if (!selected.isEmpty())
        m_actions->activate(selected.constFirst());
}

void RevisionsView::deactivate()
{
    const QStringList selected = selectedRevisions();
    if (selected.isEmpty())
        return;
    const QString name = selected.constFirst();
    const model::Revision &r = m_model->revisionAt(m_model->rowOf(name));
    askToConfirm(window(), tr("Deactivate revision"),
                 deactivateQuestion(name, m_model->liveSessions(name), r.trafficWeight,
                                    r.tmpl.terminationGracePeriodSeconds),
                 tr("Deactivate"), [this, name] { m_actions->deactivate(name); });
}

void RevisionsView::restart()
{
    const QStringList selected = selectedRevisions();
    if (selected.isEmpty())
        return;
    const QString name = selected.constFirst();
    askToConfirm(window(), tr("Restart revision"),
                 restartQuestion(name, m_model->liveSessions(name)), tr("Restart"),
                 [this, name] { m_actions->restart(name); });
}

void RevisionsView::editTraffic()
{
    auto *dialog = new TrafficDialog(m_session->app(), m_session->revisions(), window());
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this,
            [this, dialog] { m_actions->setTraffic(dialog->traffic()); });
    dialog->open();
}

void RevisionsView::swapLabels()
{
    QStringList pair = selectedRevisions();
    if (pair.size() != 2) {
        // Without a selection of two: the two revisions that carry labels, if there are two.
        pair.clear();
        for (int row = 0; row < m_model->rowCount(); ++row) {
            if (!m_model->labelsAt(row).isEmpty())
                pair.append(m_model->revisionAt(row).name);
        }
    }
    if (pair.size() != 2) {
        Q_EMIT m_actions->refused(tr("Select the two revisions whose labels to swap"));
        return;
    }
    const QString a = pair.at(0);
    const QString b = pair.at(1);
    askToConfirm(window(), tr("Swap labels"),
                 swapLabelsQuestion(a, m_model->labelsAt(m_model->rowOf(a)), b,
                                    m_model->labelsAt(m_model->rowOf(b))),
                 tr("Swap"), [this, a, b] { m_actions->swapLabels(a, b); });
}

void RevisionsView::chooseMode(bool single)
{
    syncAppSettings(); // the menu shows the platform's mode until the platform has the new one
    const auto mode =
        single ? model::ActiveRevisionsMode::Single : model::ActiveRevisionsMode::Multiple;
    if (mode == m_session->app().configuration.activeRevisionsMode)
        return;
    if (!single) {
        m_actions->setRevisionMode(mode);
        return;
    }
    QStringList others;
    int sessions = 0;
    for (const model::Revision &r : m_session->revisions()) {
        if (r.active && r.name != m_session->app().latestRevisionName) {
            others.append(r.name);
            sessions += m_model->liveSessions(r.name);
        }
    }
    askToConfirm(window(), tr("Revision mode"), singleModeQuestion(others, sessions),
                 tr("Switch to single"), [this, mode] { m_actions->setRevisionMode(mode); });
}

void RevisionsView::chooseSticky(bool sticky)
{
    syncAppSettings();
    m_actions->setStickySessions(sticky);
}

void RevisionsView::chooseTransport(int transport)
{
    syncAppSettings();
    const model::Transport t = kTransports[transport];
    if (m_session->app().configuration.ingress &&
        m_session->app().configuration.ingress->transport != t)
        m_actions->setTransport(t);
}

} // namespace blueshift::gui
