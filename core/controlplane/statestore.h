#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QString>

namespace blueshift::controlplane {

// The local platform's state directory. Every acknowledged change is on disk before the API
// answers: the state document is written to a temporary file, fsync'ed, renamed over the old
// one and the directory fsync'ed, so a crash at any moment leaves either the old or the new
// document, never a torn one. Secrets (the admin token and the affinity cookie key) live in
// their own 0600 files.
class StateStore
{
public:
    explicit StateStore(QString directory);

    // Creates the directory (0700), the admin token and the cookie key when missing.
    bool open(QString *error);

    QString directory() const { return m_dir; }
    QByteArray adminToken() const { return m_token; }
    QByteArray cookieKey() const { return m_cookieKey; }
    QString tokenPath() const;

    // The last committed state document (empty object when there is none yet).
    QJsonObject load(QString *error) const;
    bool save(const QJsonObject &state, QString *error);

    // Writes `data` to `path` durably (temporary file, fsync, rename, directory fsync).
    static bool writeDurably(const QString &path, const QByteArray &data, int mode, QString *error);

private:
    bool loadOrCreateSecret(const QString &name, int bytes, bool hex, QByteArray *out,
                            QString *error);

    QString m_dir;
    QByteArray m_token;
    QByteArray m_cookieKey;
};

} // namespace blueshift::controlplane
