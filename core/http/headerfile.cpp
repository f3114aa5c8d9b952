#include "headerfile.h"

#include "runtime/boundedfile.h"

#include <QRegularExpression>
#include <QStringList>

namespace blueshift::http {

bool readHeaderFile(const QString &path, HeaderList *out, QString *error)
{
    QByteArray content;
    if (!runtime::readBoundedFile(path, QStringLiteral("header file"), 64 * 1024, &content, error))
        return false;
    static const QRegularExpression token(QStringLiteral("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$"));
    static const QStringList reserved = {
        QStringLiteral("host"), QStringLiteral("upgrade"), QStringLiteral("connection"),
        QStringLiteral("content-length"), QStringLiteral("transfer-encoding")};
    HeaderList headers;
    int lineNo = 0;
    const QList<QByteArray> lines = content.split('\n');
    for (QByteArray line : lines) {
        ++lineNo;
        if (line.endsWith('\r'))
            line.chop(1);
        const QByteArray trimmed = line.trimmed();
        if (trimmed.isEmpty() || trimmed.startsWith('#'))
            continue;
        const qsizetype colon = trimmed.indexOf(':');
        const QString name =
            colon > 0 ? QString::fromLatin1(trimmed.left(colon)).trimmed() : QString();
        if (name.isEmpty() || !token.match(name).hasMatch()) {
            *error = QStringLiteral("header file %1, line %2: expected \"Name: value\"")
                         .arg(path)
                         .arg(lineNo);
            return false;
        }
        const QString lower = name.toLower();
        if (reserved.contains(lower) || lower.startsWith(QLatin1String("sec-websocket-"))) {
            *error = QStringLiteral(
                         "header file %1, line %2: %3 is set by the WebSocket handshake itself")
                         .arg(path)
                         .arg(lineNo)
                         .arg(name);
            return false;
        }
        const QByteArray value = trimmed.mid(colon + 1).trimmed();
        if (value.contains('\0')) {
            *error = QStringLiteral("header file %1, line %2: invalid characters in the value")
                         .arg(path)
                         .arg(lineNo);
            return false;
        }
        headers.append(qMakePair(name.toLatin1(), value));
    }
    out->append(headers);
    return true;
}

} // namespace blueshift::http
