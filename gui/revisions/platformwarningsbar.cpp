#include "platformwarningsbar.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QStyle>

#include <algorithm>

namespace blueshift::gui {

PlatformWarningsBar::PlatformWarningsBar(QWidget *parent)
    : QFrame(parent)
    , m_icon(new QLabel(this))
    , m_text(new QLabel(this))
{
    setObjectName(QStringLiteral("platformWarnings"));
    setFrameShape(QFrame::StyledPanel);
    // An amber band that stands out from the table without looking like an error.
    setStyleSheet(QStringLiteral("#platformWarnings { background: #fff4d6; border: 1px solid "
                                 "#e0b84a; border-radius: 3px; } #platformWarnings QLabel { "
                                 "color: #4a3b00; }"));
    const int size = style()->pixelMetric(QStyle::PM_SmallIconSize, nullptr, this);
    m_icon->setPixmap(style()->standardIcon(QStyle::SP_MessageBoxWarning).pixmap(size, size));
    m_icon->setAlignment(Qt::AlignTop);
    m_text->setWordWrap(true);
    m_text->setTextFormat(Qt::RichText);
    m_text->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(8, 4, 8, 4);
    layout->addWidget(m_icon);
    layout->addWidget(m_text, 1);
    hide();
}

void PlatformWarningsBar::setApp(const model::ContainerApp &app)
{
    m_app = app;
    refresh();
}

void PlatformWarningsBar::clearApp()
{
    m_app.reset();
    refresh();
}

void PlatformWarningsBar::setSessionPingInterval(double seconds)
{
    model::SessionTiming t;
    t.pingIntervalSeconds = std::max(0.0, seconds);
    t.sessionSeconds = m_sessionSeconds;
    m_timing = t;
    refresh();
}

void PlatformWarningsBar::setSessionDuration(double seconds)
{
    m_sessionSeconds = std::max(0.0, seconds);
    if (m_timing)
        m_timing->sessionSeconds = m_sessionSeconds;
    refresh();
}

void PlatformWarningsBar::setTimeouts(const model::PlatformTimeouts &timeouts)
{
    m_timeouts = timeouts;
    refresh();
}

void PlatformWarningsBar::setChangeWarnings(const QString &change,
                                            const QList<model::PlatformWarning> &warnings)
{
    m_change = change;
    m_changeWarnings = warnings;
    refresh();
}

void PlatformWarningsBar::clearChangeWarnings()
{
    if (m_changeWarnings.isEmpty())
        return;
    m_change.clear();
    m_changeWarnings.clear();
    refresh();
}

QList<model::PlatformWarning> PlatformWarningsBar::warnings() const
{
    QList<model::PlatformWarning> out = m_changeWarnings;
    auto add = [&out](const QList<model::PlatformWarning> &more) {
        for (const model::PlatformWarning &w : more) {
            if (!out.contains(w))
                out.append(w);
        }
    };
    if (m_app)
        add(model::configurationWarnings(*m_app));
    // Only an app with ingress has sessions that a timeout can cut.
    if (m_app && m_app->configuration.ingress && m_timing)
        add(model::timeoutWarnings(*m_timing, m_timeouts));
    return out;
}

QString PlatformWarningsBar::text() const
{
    return m_text->text();
}

void PlatformWarningsBar::refresh()
{
    QStringList paragraphs;
    const QList<model::PlatformWarning> all = warnings();
    for (qsizetype i = 0; i < all.size(); ++i) {
        const QString body = all.at(i).text.toHtmlEscaped();
        paragraphs.append(i < m_changeWarnings.size()
                              ? tr("<b>%1:</b> %2").arg(m_change.toHtmlEscaped(), body)
                              : body);
    }
    m_text->setText(paragraphs.join(QStringLiteral("<br>")));
    setToolTip(all.isEmpty() ? QString()
                             : tr("What Container Apps does that a rollout otherwise learns the "
                                  "hard way. Nothing here stops an action."));
    setVisible(!all.isEmpty());
}

} // namespace blueshift::gui
