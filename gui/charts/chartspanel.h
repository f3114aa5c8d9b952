#pragma once

#include "chartdata.h"
#include "revisionpalette.h"

#include <QPointer>
#include <QWidget>

#include <functional>

QT_BEGIN_NAMESPACE
class QLabel;
class QPushButton;
class QTabWidget;
QT_END_NAMESPACE

namespace blueshift::gui {

class ChartWidget;
class CloseCodesChart;
class LiveSessionsChart;
class RttChart;
class SurvivalChart;

// The four fleet charts in tabs, fed by one Fleet (or by fixed data), with buttons that export
// the current chart as PNG and its data as CSV. Only the chart on screen redraws; the others
// are marked dirty and catch up when their tab is shown.
class ChartsPanel : public QWidget
{
    Q_OBJECT
public:
    enum Chart { Live, Survival, Rtt, CloseCodes, ChartCount };

    explicit ChartsPanel(QWidget *parent = nullptr);
    ~ChartsPanel() override;

    // Follows this fleet (null: none). The fleet is not owned; a fleet that is destroyed is
    // dropped and the charts keep the last data they drew.
    void setFleet(harness::Fleet *fleet);
    harness::Fleet *fleet() const { return m_fleet; }
    // Fixed data instead of a fleet.
    void setData(const ChartData &data);
    // Any other source (a replay, the benchmark's synthetic fleet): each chart calls it for its
    // parts when it redraws; call markDirty() when the source has news.
    void setSource(const std::function<ChartData(ChartData::Parts)> &source);

    LiveSessionsChart *liveSessionsChart() const { return m_live; }
    SurvivalChart *survivalChart() const { return m_survival; }
    RttChart *rttChart() const { return m_rtt; }
    CloseCodesChart *closeCodesChart() const { return m_closeCodes; }
    ChartWidget *chart(Chart which) const;
    ChartWidget *currentChart() const;
    void setCurrentChart(Chart which);
    RevisionPalette *palette() { return &m_palette; }

    void setRedrawInterval(int milliseconds);
    void markDirty();

    // The current chart; false with `error` filled when the file cannot be written.
    bool exportCurrentPng(const QString &path, QString *error = nullptr);
    bool exportCurrentCsv(const QString &path, QString *error = nullptr);

Q_SIGNALS:
    // An export from the buttons finished: the file, or the error.
    void exported(const QString &path);
    void exportFailed(const QString &error);

private:
    void chooseExportFile(bool png);
    void showStatus(const QString &text, bool error);

    RevisionPalette m_palette;
    QPointer<harness::Fleet> m_fleet;
    QMetaObject::Connection m_fleetConnection;
    QTabWidget *m_tabs = nullptr;
    LiveSessionsChart *m_live = nullptr;
    SurvivalChart *m_survival = nullptr;
    RttChart *m_rtt = nullptr;
    CloseCodesChart *m_closeCodes = nullptr;
    QPushButton *m_exportPng = nullptr;
    QPushButton *m_exportCsv = nullptr;
    QLabel *m_status = nullptr;
};

} // namespace blueshift::gui
