#pragma once

#include <QWidget>

class QPlainTextEdit;
class QTextBrowser;
class QTreeView;

namespace blueshift::gui {

class RolloutStepsModel;

// The right side of the rollout wizard: the steps with their state and outcome, the details of
// the selected step (what it does, every verdict with ✓ or ✗), and the run's notes and platform
// events on the run's clock.
class RolloutStepsPanel : public QWidget
{
    Q_OBJECT
public:
    explicit RolloutStepsPanel(RolloutStepsModel *model, QWidget *parent = nullptr);

    void setCurrentStep(int index);
    // One line of the run's log: "[  12.3 s] text".
    void log(double seconds, const QString &text);
    void clearLog();

    QTreeView *view() const { return m_view; }
    QString detailsText() const;
    QString logText() const;

private:
    void showDetails();

    RolloutStepsModel *m_model;
    QTreeView *m_view;
    QTextBrowser *m_details;
    QPlainTextEdit *m_log;
};

} // namespace blueshift::gui
