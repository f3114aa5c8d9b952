#pragma once

#include <QByteArray>
#include <QString>

namespace blueshift::runtime {

// The one way to read a file that a user names (a token, a key, a header file, a plan): a
// regular file only, at most `limit` bytes, and never blocking. A size check through QFile::size()
// alone let /dev/zero and FIFOs through (their size is 0): they ended in std::bad_alloc or a read
// that never returned. `what` names the file in errors ("token file", "plan"), which read
// "cannot read token file PATH: REASON" or "token file PATH is larger than 64 KiB".
bool readBoundedFile(const QString &path, const QString &what, qint64 limit, QByteArray *out,
                     QString *error);

// A file that holds one secret token (an admin token, an API key, a bearer token): white space
// around it is dropped; empty, or more than one printable token, is an error. Errors never quote
// the content.
bool readTokenFile(const QString &path, const QString &what, QByteArray *out, QString *error);

// "64 KiB", "4 MiB": how limits are written in messages.
QString byteSizeText(qint64 bytes);

} // namespace blueshift::runtime
