#include "apiresult.h"

namespace blueshift::controlplane {

QString ApiResult::errorCode() const
{
    return body.value(QStringLiteral("error")).toObject().value(QStringLiteral("code")).toString();
}

QString ApiResult::errorMessage() const
{
    return body.value(QStringLiteral("error"))
        .toObject()
        .value(QStringLiteral("message"))
        .toString();
}

ApiResult ApiResult::error(int status, const QString &code, const QString &message)
{
    return {
        status,
        QJsonObject{{QStringLiteral("error"), QJsonObject{{QStringLiteral("code"), code},
                                                          {QStringLiteral("message"), message}}}},
        {}};
}

ApiResult ApiResult::notFound(const QString &what)
{
    return error(404, QStringLiteral("ResourceNotFound"),
                 QStringLiteral("%1 was not found.").arg(what));
}

} // namespace blueshift::controlplane
