#include "evententry.h"

namespace blueshift::gui {

int EventEntry::levelRank(const QString &level)
{
    if (level.compare(QLatin1String("debug"), Qt::CaseInsensitive) == 0 ||
        level.compare(QLatin1String("trace"), Qt::CaseInsensitive) == 0)
        return 0;
    if (level.compare(QLatin1String("warning"), Qt::CaseInsensitive) == 0 ||
        level.compare(QLatin1String("warn"), Qt::CaseInsensitive) == 0)
        return 2;
    if (level.compare(QLatin1String("error"), Qt::CaseInsensitive) == 0 ||
        level.compare(QLatin1String("critical"), Qt::CaseInsensitive) == 0 ||
        level.compare(QLatin1String("fatal"), Qt::CaseInsensitive) == 0)
        return 3;
    return 1;
}

} // namespace blueshift::gui
