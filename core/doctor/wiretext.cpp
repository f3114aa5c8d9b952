#include "wiretext.h"

#include <QRegularExpression>
#include <QSslCertificate>
#include <QStringList>

namespace blueshift::doctor {

QString protocolName(QSsl::SslProtocol protocol)
{
    switch (protocol) {
    case QSsl::TlsV1_3:
        return QStringLiteral("TLS 1.3");
    case QSsl::TlsV1_2:
        return QStringLiteral("TLS 1.2");
    case QSsl::UnknownProtocol:
        return QStringLiteral("unknown");
    default:
        return QStringLiteral("older than TLS 1.2");
    }
}

QString distinguishedName(const QSslCertificate &cert, bool subject)
{
    QStringList parts;
    const auto add = [&](QSslCertificate::SubjectInfo which, const char *key) {
        const QStringList values = subject ? cert.subjectInfo(which) : cert.issuerInfo(which);
        for (const QString &v : values)
            parts.append(QLatin1String(key) + QLatin1Char('=') + v);
    };
    add(QSslCertificate::CommonName, "CN");
    add(QSslCertificate::Organization, "O");
    return parts.join(QStringLiteral(", "));
}

// The first line of a body worth quoting (an HTML page's title), printable ASCII only.
QByteArray bodySnippet(QByteArray body, bool chunked)
{
    if (chunked) {
        const qsizetype eol = body.indexOf("\r\n");
        if (eol >= 0)
            body = body.mid(eol + 2);
    }
    QByteArray line;
    static const QRegularExpression title(QStringLiteral("<title>([^<]*)</title>"),
                                          QRegularExpression::CaseInsensitiveOption);
    const auto m = title.match(QString::fromLatin1(body));
    if (m.hasMatch()) {
        line = m.captured(1).toLatin1().trimmed();
    } else {
        for (const QByteArray &l : body.split('\n')) {
            if (!l.trimmed().isEmpty()) {
                line = l.trimmed();
                break;
            }
        }
    }
    QByteArray out;
    for (const char c : line)
        out += (c >= 0x20 && c < 0x7f) ? c : '?';
    if (out.size() > 160)
        out = out.left(157) + "...";
    return out;
}

// What came back instead of an HTTP/1.x head, in words.
QString describeNonHttp(const QByteArray &data)
{
    if (data.size() >= 2 && (data.at(0) == 0x15 || data.at(0) == 0x16) && data.at(1) == 0x03)
        return QStringLiteral("the answer is a TLS record: this port serves TLS (use wss:// or "
                              "https://)");
    if (data.size() >= 9 && data.at(0) == 0 && (data.at(3) == 0x04 || data.at(3) == 0x07))
        return QStringLiteral("the answer looks like HTTP/2 frames: the server speaks only "
                              "HTTP/2 on this port");
    return QStringLiteral("the answer is not an HTTP/1.x response (it starts with %1)")
        .arg(QString::fromLatin1(data.left(8).toHex(' ')));
}
} // namespace blueshift::doctor
