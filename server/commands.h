#pragma once

#include <QStringList>

namespace blueshift::server {

// Each subcommand of blueshift-server; `args` starts with the subcommand's name. Returns the
// process exit code: 0 done, 1 runtime failure, 2 bad command line or configuration.
int runRelay(const QStringList &args);
int runUpstreamSim(const QStringList &args);
int runLocal(const QStringList &args);
int runSessions(const QStringList &args);
int runRollout(const QStringList &args);
int runDoctor(const QStringList &args);

} // namespace blueshift::server
