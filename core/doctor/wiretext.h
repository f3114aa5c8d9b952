#pragma once

// Words for what came over the wire: the doctor quotes servers, but only printable, short and
// in terms a user can act on.

#include <QByteArray>
#include <QSsl>
#include <QString>

class QSslCertificate;

namespace blueshift::doctor {

// "TLS 1.3", "TLS 1.2", "older than TLS 1.2".
QString protocolName(QSsl::SslProtocol protocol);

// "CN=app.example.com, O=Example" of the subject (or the issuer).
QString distinguishedName(const QSslCertificate &cert, bool subject);

// The first line of a body worth quoting (an HTML page's title), printable ASCII, at most 160
// characters.
QByteArray bodySnippet(QByteArray body, bool chunked);

// What came back instead of an HTTP/1.x head: a TLS record, HTTP/2 frames, or some bytes.
QString describeNonHttp(const QByteArray &data);

} // namespace blueshift::doctor
