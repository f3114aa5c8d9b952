#pragma once

#include <QString>

namespace blueshift::net {

// Writes a self-signed certificate for localhost, 127.0.0.1 and ::1 (ECDSA P-256, valid for a
// year) and its private key (mode 0600) as PEM into `directory`: cert.pem and key.pem. For
// trying wss on the local platform; nothing to trust in production.
bool writeSelfSignedCertificate(const QString &directory, QString *certPath, QString *keyPath,
                                QString *error);

} // namespace blueshift::net
