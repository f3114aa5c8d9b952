#include "chartspanel.h"

#include "chartslog.h"
#include "closecodeschart.h"
#include "livesessionschart.h"
#include "rttchart.h"
#include "survivalchart.h"

#include <QDir>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QTabWidget>
#include <QVBoxLayout>

namespace blueshift::gui {

ChartsPanel::ChartsPanel(QWidget *parent)
    : QWidget(parent)
{
    m_live = new LiveSessionsChart(&m_palette);
    m_survival = new SurvivalChart(&m_palette);
    m_rtt = new RttChart;
    m_closeCodes = new CloseCodesChart;

    m_tabs = new QTabWidget(this);
    m_tabs->setDocumentMode(true);
    m_tabs->addTab(m_live, tr("Live sessions"));
    m_tabs->addTab(m_survival, tr("Survival"));
    m_tabs->addTab(m_rtt, tr("RTT"));
    m_tabs->addTab(m_closeCodes, tr("Close codes"));

    m_exportPng = new QPushButton(tr("Export PNG…"));
    m_exportPng->setToolTip(tr("Save the chart on screen as a PNG image"));
    m_exportCsv = new QPushButton(tr("Export CSV…"));
    m_exportCsv->setToolTip(tr("Save the figures of the chart on screen as CSV"));
    m_status = new QLabel;
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    connect(m_exportPng, &QPushButton::clicked, this, [this] { chooseExportFile(true); });
    connect(m_exportCsv, &QPushButton::clicked, this, [this] { chooseExportFile(false); });

    auto *buttons = new QHBoxLayout;
    buttons->setContentsMargins(6, 2, 6, 4);
    buttons->addWidget(m_status, 1);
    buttons->addWidget(m_exportPng);
    buttons->addWidget(m_exportCsv);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(m_tabs, 1);
    layout->addLayout(buttons);
}

ChartsPanel::~ChartsPanel() = default;

ChartWidget *ChartsPanel::chart(Chart which) const
{
    switch (which) {
    case Live:
        return m_live;
    case Survival:
        return m_survival;
    case Rtt:
        return m_rtt;
    case CloseCodes:
        return m_closeCodes;
    case ChartCount:
        break;
    }
    return nullptr;
}

ChartWidget *ChartsPanel::currentChart() const
{
    return qobject_cast<ChartWidget *>(m_tabs->currentWidget());
}

void ChartsPanel::setCurrentChart(Chart which)
{
    if (ChartWidget *c = chart(which))
        m_tabs->setCurrentWidget(c);
}

void ChartsPanel::setFleet(harness::Fleet *fleet)
{
    disconnect(m_fleetConnection);
    m_fleet = fleet;
    if (!fleet) {
        for (int i = 0; i < ChartCount; ++i)
            chart(Chart(i))->setData(ChartData());
        return;
    }
    m_palette.clear();
    // The fleet's tick already batches everything: one snapshot per batch interval marks the
    // charts dirty, and each chart reads what it shows when its own timer next fires.
    m_fleetConnection =
        connect(fleet, &harness::Fleet::snapshotUpdated, this, &ChartsPanel::markDirty);
    // Once the fleet is gone nothing marks the charts dirty: they keep what they drew last.
    const QPointer<harness::Fleet> guarded(fleet);
    for (int i = 0; i < ChartCount; ++i) {
        chart(Chart(i))->setSource([guarded](ChartData::Parts parts) {
            return guarded ? ChartData::fromFleet(*guarded, parts) : ChartData();
        });
    }
    connect(fleet, &QObject::destroyed, this, [this, fleet] {
        if (m_fleet == fleet || m_fleet.isNull())
            m_fleet = nullptr;
    });
}

void ChartsPanel::setData(const ChartData &data)
{
    disconnect(m_fleetConnection);
    m_fleet = nullptr;
    for (int i = 0; i < ChartCount; ++i)
        chart(Chart(i))->setData(data);
}

void ChartsPanel::setSource(const std::function<ChartData(ChartData::Parts)> &source)
{
    disconnect(m_fleetConnection);
    m_fleet = nullptr;
    for (int i = 0; i < ChartCount; ++i)
        chart(Chart(i))->setSource(source);
}

void ChartsPanel::setRedrawInterval(int milliseconds)
{
    for (int i = 0; i < ChartCount; ++i)
        chart(Chart(i))->setRedrawInterval(milliseconds);
}

void ChartsPanel::markDirty()
{
    for (int i = 0; i < ChartCount; ++i)
        chart(Chart(i))->markDirty();
}

bool ChartsPanel::exportCurrentPng(const QString &path, QString *error)
{
    ChartWidget *c = currentChart();
    return c && c->exportPng(path, error);
}

bool ChartsPanel::exportCurrentCsv(const QString &path, QString *error)
{
    ChartWidget *c = currentChart();
    return c && c->exportCsv(path, error);
}

void ChartsPanel::chooseExportFile(bool png)
{
    ChartWidget *c = currentChart();
    if (!c)
        return;
    // An asynchronous dialog: the charts keep updating while the user picks a file.
    auto *dialog =
        new QFileDialog(this, png ? tr("Export chart as PNG") : tr("Export chart data"),
                        QDir::homePath(), png ? tr("PNG images (*.png)") : tr("CSV files (*.csv)"));
    dialog->setAcceptMode(QFileDialog::AcceptSave);
    dialog->setDefaultSuffix(png ? QStringLiteral("png") : QStringLiteral("csv"));
    dialog->selectFile(c->fileStem() + (png ? QStringLiteral(".png") : QStringLiteral(".csv")));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QFileDialog::fileSelected, this, [this, png](const QString &path) {
        QString error;
        const bool ok = png ? exportCurrentPng(path, &error) : exportCurrentCsv(path, &error);
        if (ok) {
            showStatus(tr("Saved %1").arg(QDir::toNativeSeparators(path)), false);
            Q_EMIT exported(path);
        } else {
            showStatus(error, true);
            Q_EMIT exportFailed(error);
        }
    });
    dialog->open();
}

void ChartsPanel::showStatus(const QString &text, bool error)
{
    m_status->setText(text);
    m_status->setStyleSheet(error ? QStringLiteral("color: #b00020") : QString());
    if (error)
        qCWarning(lcCharts) << text;
}

} // namespace blueshift::gui
