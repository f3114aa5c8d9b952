#include "guibenchrun.h"

#include "charts/chartspanel.h"
#include "charts/chartwidget.h"
#include "sessions/sessionsfilterproxy.h"
#include "sessions/sessionsmodel.h"
#include "sessions/sessionspanel.h"

#include <QFileInfo>
#include <QJsonDocument>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

namespace blueshift::bench {

namespace {
constexpr int kStallIntervalMs = 10;
const char *const kChartNames[] = {"live sessions", "survival", "rtt", "close codes"};

QJsonObject summaryJson(const stats::ExactPercentiles &p, double scale = 1000.0)
{
    // Microseconds in, milliseconds out.
    return {{QStringLiteral("count"), qint64(p.count())},
            {QStringLiteral("p50_ms"), double(p.percentile(0.5)) / scale},
            {QStringLiteral("p99_ms"), double(p.percentile(0.99)) / scale},
            {QStringLiteral("max_ms"), double(p.max()) / scale}};
}

QString line(const QString &what, const stats::ExactPercentiles &p)
{
    return QStringLiteral("%1 %2 %3 %4 %5\n")
        .arg(what, -30)
        .arg(p.count(), 8)
        .arg(double(p.percentile(0.5)) / 1000.0, 9, 'f', 2)
        .arg(double(p.percentile(0.99)) / 1000.0, 9, 'f', 2)
        .arg(double(p.max()) / 1000.0, 9, 'f', 2);
}
} // namespace

GuiBenchRun::GuiBenchRun(const GuiBenchOptions &options, QObject *parent)
    : QObject(parent)
    , m_options(options)
{
    m_stallTimer.setTimerType(Qt::PreciseTimer);
    m_stallTimer.setInterval(kStallIntervalMs);
    connect(&m_stallTimer, &QTimer::timeout, this, &GuiBenchRun::stallTick);
    m_rotate.setInterval(int(options.tabSeconds * 1000));
    connect(&m_rotate, &QTimer::timeout, this, &GuiBenchRun::rotateChart);
}

GuiBenchRun::~GuiBenchRun()
{
    m_window.reset();
    if (m_upstream.state() != QProcess::NotRunning) {
        m_upstream.kill();
        m_upstream.waitForFinished(5000); // teardown, after the measurement
    }
}

void GuiBenchRun::buildWindow()
{
    m_window = std::make_unique<QWidget>();
    m_window->setWindowTitle(QStringLiteral("Blueshift GUI benchmark"));
    m_sessions = new gui::SessionsPanel(nullptr);
    m_charts = new gui::ChartsPanel;
    m_charts->setRedrawInterval(m_options.redrawMs);
    auto *split = new QSplitter(Qt::Vertical);
    split->addWidget(m_sessions);
    split->addWidget(m_charts);
    split->setSizes({520, 480});
    auto *layout = new QVBoxLayout(m_window.get());
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(split);
    m_sessions->view()->sortByColumn(m_options.sortColumn, Qt::AscendingOrder);
    for (int i = 0; i < gui::ChartsPanel::ChartCount; ++i) {
        connect(m_charts->chart(gui::ChartsPanel::Chart(i)), &gui::ChartWidget::redrawn, this,
                [this, i](qint64 ns) { m_redrawUs[std::size_t(i)].record(ns / 1000); });
    }
    connect(m_sessions->model(), &gui::SessionsModel::batchApplied, this,
            [this] { m_maxRows = std::max(m_maxRows, m_sessions->model()->rowCount()); });
    m_window->resize(1400, 1000);
    m_window->show();
}

bool GuiBenchRun::start(QString *error)
{
    buildWindow();
    if (m_options.mode == GuiBenchOptions::Mode::Live) {
        if (!startLive(error))
            return false;
    } else {
        startSynthetic();
    }
    m_wall.start();
    m_stallClock.start();
    m_stallTimer.start();
    m_rotate.start();
    return true;
}

void GuiBenchRun::startSynthetic()
{
    SyntheticFleet::Options o;
    o.sessions = m_options.sessions;
    o.seconds = m_options.seconds;
    m_synthetic = std::make_unique<SyntheticFleet>(o);
    SyntheticFleet *fleet = m_synthetic.get();
    gui::SessionsModel *model = m_sessions->model();
    model->setClock([fleet] { return fleet->now(); });
    // The model takes the batches exactly as it takes a Fleet's; timed here.
    connect(fleet, &SyntheticFleet::sessionsChanged, this,
            [this, model](const QList<harness::SessionRecord> &batch) {
                QElapsedTimer t;
                t.start();
                model->applyBatch(batch);
                m_batchUs.record(t.nsecsElapsed() / 1000);
                m_batchRecords += quint64(batch.size());
            });
    m_charts->setSource([fleet](gui::ChartData::Parts parts) {
        return gui::ChartData::fromStats(fleet->stats(), fleet->timeline(), fleet->now(), parts);
    });
    connect(fleet, &SyntheticFleet::ticked, m_charts, &gui::ChartsPanel::markDirty);
    connect(fleet, &SyntheticFleet::finished, this, &GuiBenchRun::finish);
    fleet->start();
}

bool GuiBenchRun::startLive(QString *error)
{
    if (!QFileInfo(m_options.serverBinary).isExecutable()) {
        *error = QStringLiteral("no blueshift-server at %1 (--server)").arg(m_options.serverBinary);
        return false;
    }
    // upstream-sim in echo mode, straight (10,000 sessions through a relay would need 20,000
    // more descriptors than a default limit gives one process).
    m_upstream.setProgram(m_options.serverBinary);
    m_upstream.setArguments({QStringLiteral("upstream-sim"), QStringLiteral("--listen"),
                             QStringLiteral("127.0.0.1:0"), QStringLiteral("--mode"),
                             QStringLiteral("echo")});
    m_upstream.setProcessChannelMode(QProcess::SeparateChannels);
    m_upstream.setStandardErrorFile(QProcess::nullDevice());
    connect(&m_upstream, &QProcess::readyReadStandardOutput, this, [this] {
        m_upstreamOut += m_upstream.readAllStandardOutput();
        if (m_sessions->fleet())
            return;
        qsizetype nl;
        while ((nl = m_upstreamOut.indexOf('\n')) >= 0) {
            const QJsonObject event = QJsonDocument::fromJson(m_upstreamOut.left(nl)).object();
            m_upstreamOut.remove(0, nl + 1);
            if (event.value(QLatin1String("event")).toString() != QLatin1String("server.started"))
                continue;
            const int port = event.value(QLatin1String("port")).toInt();
            harness::FleetConfig c;
            c.url = QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(port));
            c.sessions = m_options.sessions;
            c.openRate = m_options.sessions / (m_options.seconds * 0.33);
            c.pingIntervalSeconds = 5;
            c.stopTimeoutSeconds = 30;
            m_sessions->controls()->setConfig(c);
            connect(m_sessions, &gui::SessionsPanel::fleetChanged, m_charts,
                    &gui::ChartsPanel::setFleet);
            QString why;
            if (!m_sessions->start(&why)) {
                qWarning("cannot start the fleet: %s", qPrintable(why));
                finish();
                return;
            }
            harness::Fleet *fleet = m_sessions->fleet();
            connect(fleet, &harness::Fleet::finished, this, &GuiBenchRun::finish);
            // Steps on the timeline, so the charts draw their markers as in a rollout.
            const double T = m_options.seconds;
            const QList<QPair<double, QString>> steps = {
                qMakePair(0.40 * T, QStringLiteral("deploy green")),
                qMakePair(0.48 * T, QStringLiteral("50/50")),
                qMakePair(0.62 * T, QStringLiteral("100/0 green")),
                qMakePair(0.72 * T, QStringLiteral("deactivate blue"))};
            for (const auto &step : steps) {
                QTimer::singleShot(int(step.first * 1000), fleet,
                                   [fleet, name = step.second] { fleet->beginStep(name); });
            }
            QTimer::singleShot(int(0.95 * T * 1000), m_sessions, &gui::SessionsPanel::stop);
            return;
        }
    });
    m_upstream.start();
    return true;
}

void GuiBenchRun::stallTick()
{
    const qint64 now = m_stallClock.nsecsElapsed();
    if (m_lastTickNs >= 0) {
        const qint64 late = now - m_lastTickNs - qint64(kStallIntervalMs) * 1000000;
        m_stallsUs.record(std::max<qint64>(0, late) / 1000);
    }
    m_lastTickNs = now;
}

void GuiBenchRun::rotateChart()
{
    m_currentChart = (m_currentChart + 1) % gui::ChartsPanel::ChartCount;
    m_charts->setCurrentChart(gui::ChartsPanel::Chart(m_currentChart));
}

void GuiBenchRun::finish()
{
    if (m_finished)
        return;
    m_finished = true;
    m_wallSeconds = double(m_wall.nsecsElapsed()) / 1e9;
    m_stallTimer.stop();
    m_rotate.stop();
    if (!m_options.screenshot.isEmpty()) {
        m_charts->setCurrentChart(gui::ChartsPanel::Live);
        m_charts->currentChart()->redrawNow();
        gui::ChartWidget::flushLayout();
        m_window->grab().save(m_options.screenshot);
    }
    Q_EMIT done();
}

QJsonObject GuiBenchRun::results() const
{
    QJsonObject charts;
    for (int i = 0; i < 4; ++i)
        charts.insert(QLatin1String(kChartNames[i]), summaryJson(m_redrawUs[std::size_t(i)]));
    stats::ExactPercentiles allRedraws;
    for (const stats::ExactPercentiles &p : m_redrawUs)
        allRedraws.merge(p);
    return {
        {QStringLiteral("mode"), m_options.mode == GuiBenchOptions::Mode::Live
                                     ? QStringLiteral("live")
                                     : QStringLiteral("synthetic")},
        {QStringLiteral("sessions"), m_options.sessions},
        {QStringLiteral("rows"), m_maxRows},
        {QStringLiteral("seconds"), m_wallSeconds},
        {QStringLiteral("sort_column"), m_options.sortColumn},
        {QStringLiteral("redraw_interval_ms"), m_options.redrawMs},
        {QStringLiteral("stall"), summaryJson(m_stallsUs)},
        {QStringLiteral("redraw"), summaryJson(allRedraws)},
        {QStringLiteral("redraw_by_chart"), charts},
        {QStringLiteral("batch"), summaryJson(m_batchUs)},
        {QStringLiteral("batch_records"), qint64(m_batchRecords)},
    };
}

QString GuiBenchRun::report() const
{
    stats::ExactPercentiles allRedraws;
    for (const stats::ExactPercentiles &p : m_redrawUs)
        allRedraws.merge(p);
    QString out =
        QStringLiteral("%1 mode, %2 sessions (%3 rows), %4 s, table sorted by column "
                       "%5, charts redrawn every %6 ms when dirty\n")
            .arg(m_options.mode == GuiBenchOptions::Mode::Live ? QStringLiteral("live")
                                                               : QStringLiteral("synthetic"))
            .arg(m_options.sessions)
            .arg(m_maxRows)
            .arg(m_wallSeconds, 0, 'f', 1)
            .arg(m_options.sortColumn)
            .arg(m_options.redrawMs);
    out += QStringLiteral("%1 %2 %3 %4 %5\n")
               .arg(QStringLiteral("(ms)"), -30)
               .arg(QStringLiteral("count"), 8)
               .arg(QStringLiteral("p50"), 9)
               .arg(QStringLiteral("p99"), 9)
               .arg(QStringLiteral("max"), 9);
    out += line(QStringLiteral("event-loop stall (10 ms timer)"), m_stallsUs);
    out += line(QStringLiteral("chart redraw, all"), allRedraws);
    for (int i = 0; i < 4; ++i)
        out +=
            line(QStringLiteral("  ") + QLatin1String(kChartNames[i]), m_redrawUs[std::size_t(i)]);
    if (m_batchUs.count())
        out += line(QStringLiteral("model batch (%1 records)").arg(m_batchRecords), m_batchUs);
    return out;
}

} // namespace blueshift::bench
