#pragma once

#include "httpmessage.h"

#include <QString>

namespace blueshift::http {

// Reads "Name: value" lines (blank lines and # comments skipped, at most 64 KiB) into `out`: the
// secret headers (api-key, Authorization ...) a user keeps in a file rather than on a command
// line or in a settings file. Names the handshake sets itself (Host, Upgrade, Connection,
// Sec-WebSocket-*, Content-Length, Transfer-Encoding) are refused. No error message ever quotes a
// line: it holds a secret. The same rules as the command line's --header-file.
bool readHeaderFile(const QString &path, HeaderList *out, QString *error);

} // namespace blueshift::http
