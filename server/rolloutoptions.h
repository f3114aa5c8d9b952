#pragma once

#include "relayoptions.h"

#include "controlplane/azuretarget.h"
#include "rollout/rolloutplan.h"

#include <QByteArray>
#include <QString>
#include <QStringList>
#include <QUrl>

namespace blueshift::server {

// `blueshift-server rollout PLAN [options]`: the plan to run, where the control plane is and how
// to reach it, and where the report goes.
struct RolloutOptions
{
    QString planFile;
    rollout::Plan plan;
    bool azure = false; // --platform azure: `azureTarget` says where and how to authenticate
    controlplane::AzureTarget azureTarget;
    QUrl admin;        // the control plane's base URL (local)
    QByteArray token;  // read from --token-file: never from the command line, never printed
    QString reportDir; // empty: no report files
    QString caFile;    // sessions over wss: trust these CAs
    bool acceptSelfSigned = false;
    bool dryRun = false; // validate the plan and print its steps; touch nothing
};

// `args` starts with the subcommand name. Reads and validates the plan and the token file, so
// that a bad plan or option is one line and exit code 2 before anything is changed.
CommandLine parseRolloutOptions(const QStringList &args, RolloutOptions *out);

// The plan's steps and assertions, one per line, as --dry-run prints them.
QString planOutline(const rollout::Plan &plan);

} // namespace blueshift::server
