#pragma once

#include <QString>

namespace blueshift::runtime {

// A directory that a run will write its report into, made (with parents) and checked writable
// before the run starts: a run that changes a platform for minutes must not find out at the end
// that its results have nowhere to go. Errors read "cannot write to --report PATH: REASON".
bool prepareOutputDirectory(const QString &path, const QString &what, QString *error);

} // namespace blueshift::runtime
