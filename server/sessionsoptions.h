#pragma once

#include "relayoptions.h"

#include "harness/fleetconfig.h"

#include <QString>
#include <QStringList>

namespace blueshift::server {

// `blueshift-server sessions URL [options]`: the fleet to run and how the runner around it
// behaves (how long, what it prints, where the report goes).
struct SessionsOptions
{
    harness::FleetConfig fleet;
    double durationSeconds = 300;     // then the fleet is stopped; 0: until SIGINT or SIGTERM
    QString reportDir;                // empty: no report files
    bool quiet = false;               // no progress lines; the summary table is still printed
    double statusIntervalSeconds = 5; // when stdout is not a terminal
};

// The defaults the issue asks for on top of FleetConfig's: 5 connections, 30 s pings.
SessionsOptions defaultSessionsOptions();

// `args` starts with the subcommand name. Header values come only from --header-file, never
// from the command line, and no error message quotes one.
CommandLine parseSessionsOptions(const QStringList &args, SessionsOptions *out);

} // namespace blueshift::server
