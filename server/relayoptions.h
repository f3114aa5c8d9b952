#pragma once

#include "relay/relayconfig.h"

#include <QProcessEnvironment>
#include <QStringList>
#include <QUrl>

namespace blueshift::server {

// The outcome of parsing a subcommand's command line.
struct CommandLine
{
    enum Status { Run, ExitOk, Error };
    Status status = Run;
    QString message; // help or version text for ExitOk, one line for Error
};

// `blueshift-server relay [options]`; `args` starts with the subcommand name. The environment
// supplies what Container Apps sets (PORT, CONTAINER_APP_REVISION, CONTAINER_APP_REPLICA_NAME)
// and UPSTREAM_URL / UPSTREAM_API_KEY / UPSTREAM_HEADER_FILE / UPSTREAM_BEARER_TOKEN_FILE.
// Secrets are only ever read from files or the environment.
CommandLine parseRelayOptions(const QStringList &args, const QProcessEnvironment &env,
                              relay::RelayConfig *out);

// An Azure OpenAI realtime deployment as the upstream.
struct AzureOpenAiUpstream
{
    QString resource; // NAME of NAME.openai.azure.com
    QString endpoint; // or the endpoint itself: https://NAME.openai.azure.com, or a stand-in's
                      // wss://127.0.0.1:PORT
    QString deployment;
    QString apiVersion = QStringLiteral("2025-04-01-preview");
};

// wss://NAME.openai.azure.com/openai/realtime?api-version=V&deployment=D; an empty URL and the
// reason in *error when a part is missing or malformed.
QUrl azureOpenAiRealtimeUrl(const AzureOpenAiUpstream &upstream, QString *error);

// "1048576", "64KiB", "1MiB", "2M": a byte count.
bool parseByteSize(const QString &text, quint64 *out);

} // namespace blueshift::server
