#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QPair>
#include <QString>

namespace blueshift::controlplane {

// An answer of the control plane in ARM's terms: a status, a JSON body, headers such as
// Azure-AsyncOperation. Errors have ARM's body: {"error": {"code": ..., "message": ...}}.
struct ApiResult
{
    int status = 200;
    QJsonObject body;
    QList<QPair<QByteArray, QByteArray>> headers;

    bool isError() const { return status >= 400; }
    QString errorCode() const;
    QString errorMessage() const;

    static ApiResult ok(const QJsonObject &body, int status = 200) { return {status, body, {}}; }
    static ApiResult error(int status, const QString &code, const QString &message);
    static ApiResult notFound(const QString &what);
    static ApiResult invalid(const QString &message) // 400, ARM's code for a bad property
    {
        return error(400, QStringLiteral("ContainerAppInvalidProperty"), message);
    }
};

} // namespace blueshift::controlplane
