#pragma once

#include "doctor.h"

#include <QString>

namespace blueshift::doctor {

// Fills a DoctorConfig from what a user types, by the rules of `blueshift-server doctor`, for
// front ends that are not the command line (the console's doctor dialog).

// The endpoint from a ws://, wss://, http:// or https:// URL with a host and no credentials:
// host, port, TLS, the request target (path and query; /ws when the URL has no path), the URL
// for the report, and the Origin a browser of that site would send.
bool setTargetUrl(DoctorConfig *config, const QString &url, QString *error);
// Why `origin` is not an origin like https://app.example.com ("null" is one); empty when it is.
QString originError(const QString &origin);
// CA certificates (PEM) to verify the server against instead of the system's.
bool loadCaFile(DoctorConfig *config, const QString &file, QString *error);

} // namespace blueshift::doctor
