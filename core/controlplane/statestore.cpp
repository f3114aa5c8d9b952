#include "statestore.h"

#include "net/random.h"
#include "runtime/boundedfile.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace blueshift::controlplane {

namespace {
QString errnoText()
{
    return QString::fromLocal8Bit(std::strerror(errno));
}
} // namespace

StateStore::StateStore(QString directory)
    : m_dir(std::move(directory))
{}

QString StateStore::tokenPath() const
{
    return QDir(m_dir).filePath(QStringLiteral("admin-token"));
}

bool StateStore::writeDurably(const QString &path, const QByteArray &data, int mode, QString *error)
{
    const QByteArray target = QFile::encodeName(path);
    const QByteArray temp = target + ".tmp";
    const int fd = ::open(temp.constData(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) {
        *error = QStringLiteral("cannot write %1: %2").arg(path, errnoText());
        return false;
    }
    ::fchmod(fd, mode); // umask must not widen or narrow what we ask for
    const char *p = data.constData();
    qsizetype left = data.size();
    while (left > 0) {
        const ssize_t n = ::write(fd, p, std::size_t(left));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            *error = QStringLiteral("cannot write %1: %2").arg(path, errnoText());
            ::close(fd);
            ::unlink(temp.constData());
            return false;
        }
        p += n;
        left -= n;
    }
    if (::fsync(fd) != 0) {
        *error = QStringLiteral("cannot sync %1: %2").arg(path, errnoText());
        ::close(fd);
        ::unlink(temp.constData());
        return false;
    }
    ::close(fd);
    if (::rename(temp.constData(), target.constData()) != 0) {
        *error = QStringLiteral("cannot replace %1: %2").arg(path, errnoText());
        ::unlink(temp.constData());
        return false;
    }
    // The rename itself must survive a power cut, not only a process crash.
    const QByteArray dir = QFile::encodeName(QFileInfo(path).absolutePath());
    const int dfd = ::open(dir.constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
    return true;
}

bool StateStore::loadOrCreateSecret(const QString &name, int bytes, bool hex, QByteArray *out,
                                    QString *error)
{
    const QString path = QDir(m_dir).filePath(name);
    QFile f(path);
    if (f.exists()) {
        if ((f.permissions() & (QFileDevice::ReadGroup | QFileDevice::ReadOther |
                                QFileDevice::WriteGroup | QFileDevice::WriteOther)) != 0) {
            *error = QStringLiteral("%1 is readable by others; run: chmod 600 %1").arg(path);
            return false;
        }
        QByteArray content;
        if (!runtime::readBoundedFile(path, name, 4096, &content, error))
            return false;
        // A hex secret is text and may end in a newline; a binary one is read back byte-exact,
        // since any of its bytes may be one that trimming would take (a 32-byte random key
        // begins or ends with a white-space byte about once in 22).
        *out = hex ? content.trimmed() : content;
        const int minimum = hex ? bytes * 2 : bytes;
        if (out->size() < minimum) {
            *error = QStringLiteral("%1 is too short (at least %2 bytes expected)")
                         .arg(path)
                         .arg(minimum);
            return false;
        }
        return true;
    }
    QByteArray raw(bytes, Qt::Uninitialized);
    net::fillRandom(reinterpret_cast<std::uint8_t *>(raw.data()), std::size_t(bytes));
    *out = hex ? raw.toHex() : raw;
    return writeDurably(path, hex ? *out + '\n' : *out, 0600, error);
}

bool StateStore::open(QString *error)
{
    QDir dir(m_dir);
    if (!dir.exists() && !QDir().mkpath(m_dir)) {
        *error = QStringLiteral("cannot create state directory %1").arg(m_dir);
        return false;
    }
    ::chmod(QFile::encodeName(m_dir).constData(), 0700);
    // 256-bit token and key: far above the 128 bits the admin API needs.
    return loadOrCreateSecret(QStringLiteral("admin-token"), 32, true, &m_token, error) &&
           loadOrCreateSecret(QStringLiteral("cookie-key"), 32, false, &m_cookieKey, error);
}

QJsonObject StateStore::load(QString *error) const
{
    const QString path = QDir(m_dir).filePath(QStringLiteral("state.json"));
    if (!QFile::exists(path))
        return {};
    QByteArray content;
    if (!runtime::readBoundedFile(path, QStringLiteral("state"), 64 * 1024 * 1024, &content, error))
        return {};
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(content, &pe);
    if (pe.error != QJsonParseError::NoError || !doc.isObject()) {
        *error = QStringLiteral("%1 is not valid JSON: %2").arg(path, pe.errorString());
        return {};
    }
    return doc.object();
}

bool StateStore::save(const QJsonObject &state, QString *error)
{
    return writeDurably(QDir(m_dir).filePath(QStringLiteral("state.json")),
                        QJsonDocument(state).toJson(QJsonDocument::Indented), 0600, error);
}

} // namespace blueshift::controlplane
