#pragma once

#include <QColor>
#include <QHash>
#include <QString>

namespace blueshift::gui {

// One colour per revision, the same in every chart (and wherever else the lead wants it) for as
// long as the palette lives. A revision named after a colour ("app--blue", "app--green") gets
// that colour while no other revision holds it: blue/green rollouts read at a glance.
class RevisionPalette
{
public:
    QColor color(const QString &revision);
    void clear() { m_colors.clear(); }

private:
    QHash<QString, QColor> m_colors;
    int m_next = 0;
};

} // namespace blueshift::gui
