#pragma once

#include "syntheticfleet.h"

#include "stats/exactpercentiles.h"

#include <QElapsedTimer>
#include <QJsonObject>
#include <QObject>
#include <QProcess>
#include <QTimer>
#include <QWidget>

#include <array>
#include <memory>

namespace blueshift::gui {
class ChartsPanel;
class SessionsPanel;
} // namespace blueshift::gui

namespace blueshift::bench {

struct GuiBenchOptions
{
    enum class Mode { Synthetic, Live };
    Mode mode = Mode::Synthetic;
    int sessions = 10000;
    double seconds = 60;
    int redrawMs = 250;
    int sortColumn = 0;    // SessionsModel::Column the table is sorted by
    double tabSeconds = 3; // the charts panel shows each chart in turn for this long
    QString serverBinary;  // live: blueshift-server (upstream-sim)
    QString screenshot;    // a PNG of the window at the end
    QString json;          // the figures as JSON
};

// One run of the GUI benchmark: the sessions panel (model, proxy, table) and the charts panel
// in one offscreen window, fed by a fleet of N sessions, while a 10 ms timer records how late
// the event loop serves it (a stall is lateness) and every chart redraw and model batch is
// timed. Finishes by itself when the scenario ends.
class GuiBenchRun : public QObject
{
    Q_OBJECT
public:
    explicit GuiBenchRun(const GuiBenchOptions &options, QObject *parent = nullptr);
    ~GuiBenchRun() override;

    // False with a reason when the run cannot start (no server binary, upstream-sim failed).
    bool start(QString *error);
    QJsonObject results() const;
    QString report() const;

Q_SIGNALS:
    void done();

private:
    void buildWindow();
    bool startLive(QString *error);
    void startSynthetic();
    void stallTick();
    void rotateChart();
    void finish();

    GuiBenchOptions m_options;
    std::unique_ptr<QWidget> m_window;
    gui::SessionsPanel *m_sessions = nullptr;
    gui::ChartsPanel *m_charts = nullptr;
    std::unique_ptr<SyntheticFleet> m_synthetic;
    QProcess m_upstream;
    QByteArray m_upstreamOut;

    QTimer m_stallTimer;
    QElapsedTimer m_stallClock;
    qint64 m_lastTickNs = -1;
    stats::ExactPercentiles m_stallsUs;
    std::array<stats::ExactPercentiles, 4> m_redrawUs;
    stats::ExactPercentiles m_batchUs;
    quint64 m_batchRecords = 0;
    QTimer m_rotate;
    int m_currentChart = 0;
    QElapsedTimer m_wall;
    double m_wallSeconds = 0;
    int m_maxRows = 0;
    bool m_finished = false;
};

} // namespace blueshift::bench
