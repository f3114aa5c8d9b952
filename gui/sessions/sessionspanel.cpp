#include "sessionspanel.h"

#include "sessionsfilterproxy.h"
#include "sessionslog.h"
#include "sessionsmodel.h"

#include "harness/fleet.h"

#include <QComboBox>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QProgressBar>
#include <QTableView>
#include <QVBoxLayout>

namespace blueshift::gui {

using harness::Fleet;
using harness::SessionState;

namespace {
QString ms(qint64 micros)
{
    return QString::number(double(micros) / 1000.0, 'f', micros < 10000 ? 2 : 1) +
           QLatin1String(" ms");
}
} // namespace

SessionsPanel::SessionsPanel(Fleet *fleet, QWidget *parent)
    : QWidget(parent)
{
    m_controls = new FleetControls;
    connect(m_controls, &FleetControls::startRequested, this, [this] { start(); });
    connect(m_controls, &FleetControls::stopRequested, this, &SessionsPanel::stop);

    m_progress = new QProgressBar;
    m_progress->setRange(0, 1);
    m_progress->setValue(0);
    m_progress->setFormat(tr("no sessions"));
    m_progress->setMinimumWidth(220);
    m_summary = new QLabel;
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_error = new QLabel;
    m_error->setStyleSheet(QStringLiteral("color: #b00020"));
    m_error->setWordWrap(true);
    m_error->hide();

    m_model = new SessionsModel(this);
    m_proxy = new SessionsFilterProxy(this);
    m_proxy->setSourceModel(m_model);

    m_revisionFilter = new QComboBox;
    m_revisionFilter->addItem(tr("All revisions"));
    m_revisionFilter->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_stateFilter = new QComboBox;
    m_stateFilter->addItem(tr("All states"));
    for (SessionState s : {SessionState::Waiting, SessionState::Connecting, SessionState::Open,
                           SessionState::Reconnecting, SessionState::Closed})
        m_stateFilter->addItem(SessionsModel::stateText(s), int(s));
    m_shown = new QLabel;
    connect(m_revisionFilter, &QComboBox::currentIndexChanged, this, &SessionsPanel::applyFilters);
    connect(m_stateFilter, &QComboBox::currentIndexChanged, this, &SessionsPanel::applyFilters);
    connect(m_model, &SessionsModel::revisionAdded, this, &SessionsPanel::addRevisionFilter);
    connect(m_model, &SessionsModel::batchApplied, this, &SessionsPanel::updateShownCount);
    connect(m_model, &QAbstractItemModel::modelReset, this, &SessionsPanel::updateShownCount);

    m_view = new QTableView;
    m_view->setModel(m_proxy);
    // 10,000 rows stay smooth: fixed row heights (no per-row size hints), no per-row widgets,
    // no resize-to-contents over every row.
    m_view->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_view->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 6);
    m_view->verticalHeader()->hide();
    m_view->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->horizontalHeader()->setHighlightSections(false);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setAlternatingRowColors(true);
    m_view->setWordWrap(false);
    m_view->setShowGrid(false);
    m_view->setHorizontalScrollMode(QAbstractItemView::ScrollPerPixel);
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(SessionsModel::Id, Qt::AscendingOrder);
    const int em = fontMetrics().horizontalAdvance(QLatin1Char('M'));
    const int widths[SessionsModel::ColumnCount] = {6 * em, 11 * em, 13 * em, 8 * em,  7 * em,
                                                    7 * em, 6 * em,  9 * em,  14 * em, 6 * em};
    // Never narrower than the header's text plus room for the sort arrow.
    const QFontMetrics headerMetrics(m_view->horizontalHeader()->font());
    for (int c = 0; c < SessionsModel::ColumnCount; ++c) {
        const QString title = m_model->headerData(c, Qt::Horizontal).toString();
        m_view->setColumnWidth(c, std::max(widths[c], headerMetrics.horizontalAdvance(title) + 32));
    }

    auto *fleetBox = new QGroupBox(tr("Test sessions"));
    auto *fleetLayout = new QVBoxLayout(fleetBox);
    fleetLayout->addWidget(m_controls);
    auto *progressRow = new QHBoxLayout;
    progressRow->addWidget(m_progress);
    progressRow->addWidget(m_summary, 1);
    fleetLayout->addLayout(progressRow);
    fleetLayout->addWidget(m_error);

    auto *filterRow = new QHBoxLayout;
    auto *revisionLabel = new QLabel(tr("&Revision:"));
    revisionLabel->setBuddy(m_revisionFilter);
    auto *stateLabel = new QLabel(tr("S&tate:"));
    stateLabel->setBuddy(m_stateFilter);
    filterRow->addWidget(revisionLabel);
    filterRow->addWidget(m_revisionFilter);
    filterRow->addSpacing(12);
    filterRow->addWidget(stateLabel);
    filterRow->addWidget(m_stateFilter);
    filterRow->addStretch(1);
    filterRow->addWidget(m_shown);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(fleetBox);
    layout->addLayout(filterRow);
    layout->addWidget(m_view, 1);

    m_duration.setSingleShot(true);
    connect(&m_duration, &QTimer::timeout, this, &SessionsPanel::stop);

    if (fleet)
        attach(fleet, false);
    updateRunState();
    updateShownCount();
}

SessionsPanel::~SessionsPanel()
{
    // The model must not follow a fleet that dies with this panel.
    m_model->setFleet(nullptr);
}

void SessionsPanel::setTargetUrl(const QUrl &url)
{
    m_controls->setTargetUrl(url);
}

QUrl SessionsPanel::targetUrl() const
{
    return m_controls->targetUrl();
}

void SessionsPanel::attach(Fleet *fleet, bool owned)
{
    for (const QMetaObject::Connection &c : std::as_const(m_fleetConnections))
        disconnect(c);
    m_fleetConnections.clear();
    Fleet *previous = m_fleet;
    const bool ownedPrevious = m_ownsFleet;
    m_fleet = fleet;
    m_ownsFleet = owned;
    m_model->setFleet(fleet);
    m_revisionFilter->setCurrentIndex(0);
    while (m_revisionFilter->count() > 1)
        m_revisionFilter->removeItem(1);
    m_fleetConnections.append(
        connect(fleet, &Fleet::snapshotUpdated, this, &SessionsPanel::onSnapshot));
    m_fleetConnections.append(connect(fleet, &Fleet::finished, this, &SessionsPanel::onFinished));
    if (previous && previous != fleet) {
        Q_EMIT fleetChanged(fleet);
        if (ownedPrevious)
            previous->deleteLater();
    }
}

bool SessionsPanel::start(QString *error)
{
    m_error->hide();
    if (m_fleet && m_fleet->state() != Fleet::State::Idle &&
        m_fleet->state() != Fleet::State::Finished) {
        const QString why = tr("the fleet is still running");
        if (error)
            *error = why;
        return false;
    }
    const harness::FleetConfig config = m_controls->config();
    const QString invalid = config.validate();
    if (!invalid.isEmpty()) {
        showError(invalid);
        if (error)
            *error = invalid;
        return false;
    }
    const bool first = !m_fleet;
    if (!m_fleet || m_fleet->state() != Fleet::State::Idle)
        attach(new Fleet(this), true);
    if (first)
        Q_EMIT fleetChanged(m_fleet);
    QString why;
    if (!m_fleet->start(config, &why)) {
        showError(why);
        if (error)
            *error = why;
        return false;
    }
    qCInfo(lcSessions) << "fleet started:" << config.sessions << "sessions";
    if (m_controls->durationSeconds() > 0)
        m_duration.start(int(std::min(m_controls->durationSeconds() * 1000.0, 2.0e9)));
    m_live.clear();
    onSnapshot(m_fleet->snapshot());
    updateRunState();
    return true;
}

void SessionsPanel::follow(Fleet *fleet)
{
    if (!fleet || fleet == m_fleet)
        return;
    m_duration.stop();
    const bool first = !m_fleet;
    attach(fleet, false);
    if (first)
        Q_EMIT fleetChanged(fleet);
    // The rows stay as they were when the fleet goes with its runner.
    m_fleetConnections.append(
        connect(fleet, &QObject::destroyed, this, &SessionsPanel::updateRunState));
    m_live.clear();
    onSnapshot(fleet->snapshot());
    updateRunState();
}

void SessionsPanel::stop()
{
    m_duration.stop();
    if (m_fleet && m_fleet->isRunning()) {
        m_fleet->stop();
        qCInfo(lcSessions) << "fleet stopping";
    }
    updateRunState();
}

bool SessionsPanel::isRunning() const
{
    return m_fleet && (m_fleet->isRunning() || m_fleet->state() == Fleet::State::Stopping);
}

QString SessionsPanel::progressText() const
{
    return m_progress->text();
}

void SessionsPanel::onSnapshot(const harness::FleetSnapshot &s)
{
    m_progress->setRange(0, std::max(1, s.sessions));
    m_progress->setValue(std::min(s.open, std::max(1, s.sessions)));
    QString text = tr("%1 / %2 open").arg(s.open).arg(s.sessions);
    if (m_fleet && m_fleet->state() == Fleet::State::Stopping)
        text += tr(" (stopping)");
    m_progress->setFormat(text);

    QStringList parts;
    if (s.waiting)
        parts << tr("%1 waiting").arg(s.waiting);
    if (s.connecting)
        parts << tr("%1 connecting").arg(s.connecting);
    if (s.reconnecting)
        parts << tr("%1 reconnecting").arg(s.reconnecting);
    if (s.closed)
        parts << tr("%1 closed").arg(s.closed);
    if (s.connectFailures)
        parts << tr("%1 failed connects").arg(s.connectFailures);
    if (s.rttMicros.count)
        parts << tr("RTT p50 %1, p99 %2").arg(ms(s.rttMicros.p50), ms(s.rttMicros.p99));
    if (s.step >= 0)
        parts << tr("step: %1").arg(s.stepName);
    m_summary->setText(parts.join(QStringLiteral("  ·  ")));

    QHash<QString, int> live;
    for (const harness::RevisionSummary &r : s.revisions)
        live.insert(r.revision, r.alive);
    if (live != m_live) {
        m_live = live;
        Q_EMIT liveSessionsChanged(m_live);
    }
    if (m_wasRunning != isRunning())
        updateRunState();
    Q_EMIT snapshotChanged(s);
}

void SessionsPanel::onFinished()
{
    m_duration.stop();
    if (m_fleet)
        onSnapshot(m_fleet->snapshot());
    updateRunState();
    qCInfo(lcSessions) << "fleet finished";
}

void SessionsPanel::updateRunState()
{
    using RunState = FleetControls::RunState;
    const Fleet::State state = m_fleet ? m_fleet->state() : Fleet::State::Idle;
    switch (state) {
    case Fleet::State::Idle:
    case Fleet::State::Finished:
        m_controls->setRunState(RunState::Idle);
        break;
    case Fleet::State::Running:
        m_controls->setRunState(RunState::Running);
        break;
    case Fleet::State::Stopping:
        m_controls->setRunState(RunState::Stopping);
        break;
    }
    const bool running = isRunning();
    if (running != m_wasRunning) {
        m_wasRunning = running;
        Q_EMIT runningChanged(running);
    }
}

void SessionsPanel::updateShownCount()
{
    const int total = m_model->rowCount();
    const int shown = m_proxy->rowCount();
    m_shown->setText(shown == total ? tr("%n sessions", nullptr, total)
                                    : tr("%1 of %2 sessions shown").arg(shown).arg(total));
}

void SessionsPanel::addRevisionFilter(const QString &revision)
{
    m_revisionFilter->addItem(revision, revision);
}

void SessionsPanel::applyFilters()
{
    const QVariant revision = m_revisionFilter->currentData();
    m_proxy->setRevisionFilter(revision.isValid() ? std::optional<QString>(revision.toString())
                                                  : std::nullopt);
    const QVariant state = m_stateFilter->currentData();
    m_proxy->setStateFilter(
        state.isValid() ? std::optional<SessionState>(SessionState(state.toInt())) : std::nullopt);
    updateShownCount();
}

void SessionsPanel::showError(const QString &text)
{
    m_error->setText(tr("Cannot start: %1").arg(text));
    m_error->show();
    qCWarning(lcSessions) << "cannot start the fleet:" << text;
}

} // namespace blueshift::gui
