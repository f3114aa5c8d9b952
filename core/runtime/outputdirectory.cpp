#include "runtime/outputdirectory.h"

#include <QDir>
#include <QFileInfo>
#include <QTemporaryFile>

namespace blueshift::runtime {

bool prepareOutputDirectory(const QString &path, const QString &what, QString *error)
{
    const auto fail = [&](const QString &why) {
        *error = QStringLiteral("cannot write to %1 %2: %3").arg(what, path, why);
        return false;
    };
    if (path.isEmpty())
        return fail(QStringLiteral("no directory given"));
    const QFileInfo info(path);
    if (info.exists() && !info.isDir())
        return fail(QStringLiteral("it is a file, not a directory"));
    if (!info.exists() && !QDir().mkpath(path))
        return fail(QStringLiteral("the directory cannot be made"));
    // Permission bits do not tell (root, read-only mounts): try.
    QTemporaryFile probe(QDir(path).filePath(QStringLiteral(".blueshift-write-check-XXXXXX")));
    if (!probe.open())
        return fail(probe.errorString());
    return true;
}

} // namespace blueshift::runtime
