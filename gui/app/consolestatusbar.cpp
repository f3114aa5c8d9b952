#include "consolestatusbar.h"

#include <QLabel>
#include <QLocale>
#include <QProgressBar>
#include <QToolButton>

namespace blueshift::gui {

namespace {
QString toneColour(ConsoleStatusBar::Tone tone)
{
    switch (tone) {
    case ConsoleStatusBar::Tone::Good:
        return QStringLiteral("#2e9d4a");
    case ConsoleStatusBar::Tone::Busy:
        return QStringLiteral("#e0a000");
    case ConsoleStatusBar::Tone::Bad:
        return QStringLiteral("#d32f2f");
    case ConsoleStatusBar::Tone::Neutral:
        break;
    }
    return QStringLiteral("#9e9e9e");
}
} // namespace

ConsoleStatusBar::ConsoleStatusBar(QWidget *parent)
    : QStatusBar(parent)
    , m_busy(new QProgressBar(this))
    , m_operation(new QLabel(this))
    , m_cancel(new QToolButton(this))
    , m_platform(new QLabel(this))
    , m_state(new QLabel(this))
    , m_app(new QLabel(this))
    , m_sessions(new QLabel(this))
{
    m_busy->setRange(0, 0); // the platform gives no percentage: a busy indicator
    m_busy->setMaximumWidth(90);
    m_busy->setMaximumHeight(14);
    m_busy->setTextVisible(false);
    m_cancel->setText(tr("Cancel"));
    m_cancel->setToolTip(tr("Stop waiting for this action (the platform may still finish it)"));
    m_cancel->setAutoRaise(true);
    for (QWidget *w : {static_cast<QWidget *>(m_busy), static_cast<QWidget *>(m_operation),
                       static_cast<QWidget *>(m_cancel)}) {
        addWidget(w);
        w->hide();
    }
    m_state->setTextFormat(Qt::RichText);
    m_platform->setToolTip(tr("The control plane this console drives"));
    m_sessions->setToolTip(tr("Live test sessions of the fleet, per revision"));
    addPermanentWidget(m_platform);
    addPermanentWidget(m_state);
    addPermanentWidget(m_app);
    addPermanentWidget(m_sessions);
    setLiveSessions({});
    setPlatformState(Tone::Neutral, tr("Not connected"));
    connect(m_cancel, &QToolButton::clicked, this, &ConsoleStatusBar::cancelRequested);
    connect(this, &QStatusBar::messageChanged, this, [this](const QString &message) {
        if (message.isEmpty())
            setStyleSheet(QString());
    });
}

void ConsoleStatusBar::setPlatform(const QString &name, const QString &location)
{
    m_platform->setText(location.isEmpty() ? name : tr("%1 · %2").arg(name, location));
}

void ConsoleStatusBar::setPlatformState(Tone tone, const QString &text)
{
    m_state->setText(QStringLiteral("<span style=\"color:%1\">&#9679;</span> %2")
                         .arg(toneColour(tone), text.toHtmlEscaped()));
    m_state->setToolTip(text);
    m_state->setProperty("plainText", text);
}

QString ConsoleStatusBar::platformStateText() const
{
    return m_state->property("plainText").toString();
}

void ConsoleStatusBar::setAppSummary(const QString &text)
{
    m_app->setText(text);
    m_app->setVisible(!text.isEmpty());
}

void ConsoleStatusBar::setLiveSessions(const QHash<QString, int> &sessions)
{
    int total = 0;
    QStringList parts;
    QStringList names = sessions.keys();
    names.sort();
    for (const QString &name : std::as_const(names)) {
        total += sessions.value(name);
        parts.append(QStringLiteral("%1: %2").arg(name).arg(sessions.value(name)));
    }
    m_sessions->setText(tr("Live sessions: %1").arg(QLocale().toString(total)));
    m_sessions->setToolTip(parts.isEmpty() ? tr("No fleet running")
                                           : parts.join(QLatin1Char('\n')));
}

QString ConsoleStatusBar::sessionsText() const
{
    return m_sessions->text();
}

void ConsoleStatusBar::operationStarted(const QString &description)
{
    clearMessage();
    m_operation->setText(description + QStringLiteral("…"));
    m_operation->setStyleSheet(QString());
    m_busy->show();
    m_operation->show();
    m_cancel->show();
}

void ConsoleStatusBar::operationProgress(const QString &description, const QString &status)
{
    m_operation->setText(tr("%1… (%2)").arg(description, status));
}

void ConsoleStatusBar::operationFinished(bool ok, const QString &message)
{
    m_busy->hide();
    m_cancel->hide();
    m_operation->hide();
    // A failure stays longer: it is the thing to read.
    showMessage(message, ok ? 8000 : 30000);
    setStyleSheet(ok ? QString() : QStringLiteral("QStatusBar { color: #c62828; }"));
}

} // namespace blueshift::gui
