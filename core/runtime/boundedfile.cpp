#include "runtime/boundedfile.h"

#include <QFile>

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace blueshift::runtime {

namespace {
constexpr qint64 kTokenLimit = 64 * 1024;

QString errnoText(int err)
{
    return QString::fromLocal8Bit(std::strerror(err));
}
} // namespace

QString byteSizeText(qint64 bytes)
{
    if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) == 0)
        return QStringLiteral("%1 MiB").arg(bytes / (1024 * 1024));
    if (bytes >= 1024 && bytes % 1024 == 0)
        return QStringLiteral("%1 KiB").arg(bytes / 1024);
    return QStringLiteral("%1 bytes").arg(bytes);
}

bool readBoundedFile(const QString &path, const QString &what, qint64 limit, QByteArray *out,
                     QString *error)
{
    const QByteArray native = QFile::encodeName(path);
    // O_NONBLOCK: opening a FIFO that nobody writes returns at once instead of waiting.
    const int fd = ::open(native.constData(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        *error = QStringLiteral("cannot read %1 %2: %3").arg(what, path, errnoText(errno));
        return false;
    }
    struct stat st
    {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        *error = QStringLiteral("cannot read %1 %2: not a regular file").arg(what, path);
        return false;
    }
    if (st.st_size > limit) {
        ::close(fd);
        *error = QStringLiteral("%1 %2 is larger than %3").arg(what, path, byteSizeText(limit));
        return false;
    }
    // Read to the limit and one byte past it, whatever stat said: the file may grow meanwhile.
    QByteArray data(qsizetype(st.st_size) + 1, Qt::Uninitialized);
    qsizetype got = 0;
    for (;;) {
        if (got == data.size()) {
            if (got > limit)
                break;
            data.resize(std::min<qsizetype>(qsizetype(limit) + 1, data.size() * 2 + 1));
        }
        const ssize_t n = ::read(fd, data.data() + got, size_t(data.size() - got));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            const int err = errno;
            ::close(fd);
            *error = QStringLiteral("cannot read %1 %2: %3").arg(what, path, errnoText(err));
            return false;
        }
        if (n == 0)
            break;
        got += n;
    }
    ::close(fd);
    if (got > limit) {
        *error = QStringLiteral("%1 %2 is larger than %3").arg(what, path, byteSizeText(limit));
        return false;
    }
    data.truncate(got);
    *out = data;
    return true;
}

bool readTokenFile(const QString &path, const QString &what, QByteArray *out, QString *error)
{
    QByteArray content;
    if (!readBoundedFile(path, what, kTokenLimit, &content, error))
        return false;
    const QByteArray token = content.trimmed();
    if (token.isEmpty()) {
        *error = QStringLiteral("%1 %2 is empty").arg(what, path);
        return false;
    }
    for (const char c : token) {
        if (c < 0x21 || c > 0x7e) {
            *error = QStringLiteral("%1 %2 must hold one printable token and nothing else")
                         .arg(what, path);
            return false;
        }
    }
    *out = token;
    return true;
}

} // namespace blueshift::runtime
