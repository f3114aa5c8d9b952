#include "names.h"

namespace blueshift::model {

namespace {
bool isLowerAlnum(QChar c)
{
    return (c >= QLatin1Char('a') && c <= QLatin1Char('z')) ||
           (c >= QLatin1Char('0') && c <= QLatin1Char('9'));
}

// The rules shared by app names, suffixes and labels; `what` names the value in messages.
QString dnsLabelError(const QString &value, const QString &what, bool mustStartWithLetter)
{
    if (value.isEmpty())
        return QStringLiteral("%1 must not be empty").arg(what);
    for (QChar c : value) {
        if (!isLowerAlnum(c) && c != QLatin1Char('-')) {
            if (c.isUpper())
                return QStringLiteral("%1 must be lowercase: '%2' is an uppercase letter")
                    .arg(what, QString(c));
            return QStringLiteral(
                       "%1 may contain only lowercase letters, digits and '-': '%2' is not allowed")
                .arg(what, QString(c));
        }
    }
    const QChar first = value.front();
    if (mustStartWithLetter && !(first >= QLatin1Char('a') && first <= QLatin1Char('z')))
        return QStringLiteral("%1 must start with a letter").arg(what);
    if (!isLowerAlnum(first))
        return QStringLiteral("%1 must start with a letter or digit").arg(what);
    if (!isLowerAlnum(value.back()))
        return QStringLiteral("%1 must end with a letter or digit").arg(what);
    if (value.contains(QLatin1String("--")))
        return QStringLiteral("%1 must not contain '--'").arg(what);
    return {};
}
} // namespace

QString appNameError(const QString &name)
{
    if (name.size() < 2 || name.size() > 32)
        return QStringLiteral("app name must be 2 to 32 characters long (it has %1)")
            .arg(name.size());
    return dnsLabelError(name, QStringLiteral("app name"), true);
}

QString revisionSuffixError(const QString &suffix, const QString &appName)
{
    if (QString e = dnsLabelError(suffix, QStringLiteral("revision suffix"), false); !e.isEmpty())
        return e;
    const qsizetype total = appName.size() + 2 + suffix.size();
    if (total > maxRevisionNameLength)
        return QStringLiteral("revision name '%1' must be at most %2 characters (it has %3): "
                              "shorten the suffix to %4")
            .arg(revisionName(appName, suffix))
            .arg(maxRevisionNameLength)
            .arg(total)
            .arg(qMax<qsizetype>(0, maxRevisionNameLength - appName.size() - 2));
    return {};
}

QString labelError(const QString &label)
{
    if (label.size() > 64)
        return QStringLiteral("label must be at most 64 characters");
    return dnsLabelError(label, QStringLiteral("label"), true);
}

} // namespace blueshift::model
