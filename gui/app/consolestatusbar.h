#pragma once

#include <QHash>
#include <QStatusBar>

class QLabel;
class QProgressBar;
class QToolButton;

namespace blueshift::gui {

// The console's status bar: the running action (busy bar, its progress, Cancel) on the left;
// the platform, its state, the app and the live test session counts on the right.
class ConsoleStatusBar : public QStatusBar
{
    Q_OBJECT
public:
    enum class Tone { Good, Busy, Bad, Neutral };

    explicit ConsoleStatusBar(QWidget *parent = nullptr);

    void setPlatform(const QString &name, const QString &location);
    void setPlatformState(Tone tone, const QString &text);
    void setAppSummary(const QString &text);
    void setLiveSessions(const QHash<QString, int> &sessions);

    void operationStarted(const QString &description);
    void operationProgress(const QString &description, const QString &status);
    void operationFinished(bool ok, const QString &message);

    QString platformStateText() const;
    QString sessionsText() const;

Q_SIGNALS:
    void cancelRequested();

private:
    QProgressBar *m_busy;
    QLabel *m_operation;
    QToolButton *m_cancel;
    QLabel *m_platform;
    QLabel *m_state;
    QLabel *m_app;
    QLabel *m_sessions;
};

} // namespace blueshift::gui
