// Reading files that users name, and the local platform's own secrets: regular files only, at
// most the limit, never blocking; a binary secret read back byte for byte.
#include "controlplane/statestore.h"
#include "runtime/boundedfile.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>

using namespace blueshift;

namespace {
QString writeFile(const QTemporaryDir &dir, const QString &name, const QByteArray &content,
                  QFile::Permissions permissions = QFile::ReadOwner | QFile::WriteOwner)
{
    const QString path = dir.filePath(name);
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(content) != content.size())
        qFatal("cannot write %s", qPrintable(path));
    f.close();
    f.setPermissions(permissions);
    return path;
}
} // namespace

class TestBoundedFile : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void readsARegularFile();
    void refusesWhatIsNotARegularFile_data();
    void refusesWhatIsNotARegularFile();
    void refusesOverTheLimit();
    void tokenFile_data();
    void tokenFile();
    void binaryCookieKeyReadBackExactly_data();
    void binaryCookieKeyReadBackExactly();
    void newSecretsSurviveAReopen();
};

void TestBoundedFile::readsARegularFile()
{
    QTemporaryDir dir;
    const QByteArray content("line one\nline two\n");
    QByteArray out;
    QString error;
    QVERIFY2(runtime::readBoundedFile(writeFile(dir, QStringLiteral("f"), content),
                                      QStringLiteral("header file"), content.size(), &out, &error),
             qPrintable(error));
    QCOMPARE(out, content);
}

void TestBoundedFile::refusesWhatIsNotARegularFile_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<QString>("expected");
    QTest::newRow("/dev/zero") << QStringLiteral("/dev/zero")
                               << QStringLiteral("not a regular file");
    QTest::newRow("directory") << QStringLiteral("/") << QStringLiteral("not a regular file");
    QTest::newRow("FIFO nobody writes")
        << QStringLiteral("fifo") << QStringLiteral("not a regular file");
    QTest::newRow("missing") << QStringLiteral("/nonexistent/file")
                             << QStringLiteral("No such file or directory");
}

void TestBoundedFile::refusesWhatIsNotARegularFile()
{
    QFETCH(QString, path);
    QFETCH(QString, expected);
    QTemporaryDir dir;
    if (path == QLatin1String("fifo")) {
        path = dir.filePath(QStringLiteral("fifo"));
        QCOMPARE(::mkfifo(QFile::encodeName(path).constData(), 0600), 0);
    }
    QByteArray out;
    QString error;
    // A FIFO with no writer would block a plain open() for ever: this returns.
    QVERIFY(!runtime::readBoundedFile(path, QStringLiteral("plan"), 4096, &out, &error));
    QVERIFY2(error.startsWith(QStringLiteral("cannot read plan ") + path), qPrintable(error));
    QVERIFY2(error.contains(expected), qPrintable(error));
}

void TestBoundedFile::refusesOverTheLimit()
{
    QTemporaryDir dir;
    const QString path = writeFile(dir, QStringLiteral("big"), QByteArray(4097, 'x'));
    QByteArray out;
    QString error;
    QVERIFY(!runtime::readBoundedFile(path, QStringLiteral("plan"), 4096, &out, &error));
    QCOMPARE(error, QStringLiteral("plan %1 is larger than 4 KiB").arg(path));
    QVERIFY(runtime::readBoundedFile(path, QStringLiteral("plan"), 4097, &out, &error));
    QCOMPARE(out.size(), 4097);
}

void TestBoundedFile::tokenFile_data()
{
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<QByteArray>("token");
    QTest::addColumn<QString>("error");
    QTest::newRow("token and newline")
        << QByteArray("abc.DEF-123\n") << QByteArray("abc.DEF-123") << QString();
    QTest::newRow("empty") << QByteArray("  \n") << QByteArray() << QStringLiteral("is empty");
    QTest::newRow("two tokens") << QByteArray("secret-one secret-two\n") << QByteArray()
                                << QStringLiteral("must hold one printable token");
    QTest::newRow("two lines") << QByteArray("secret-one\nsecret-two") << QByteArray()
                               << QStringLiteral("must hold one printable token");
    QTest::newRow("over 64 KiB") << QByteArray(64 * 1024 + 1, 'k') << QByteArray()
                                 << QStringLiteral("is larger than 64 KiB");
}

void TestBoundedFile::tokenFile()
{
    QFETCH(QByteArray, content);
    QFETCH(QByteArray, token);
    QFETCH(QString, error);
    QTemporaryDir dir;
    const QString path = writeFile(dir, QStringLiteral("token"), content);
    QByteArray out;
    QString why;
    const bool ok = runtime::readTokenFile(path, QStringLiteral("token file"), &out, &why);
    QCOMPARE(ok, error.isEmpty());
    if (ok) {
        QCOMPARE(out, token);
        return;
    }
    QVERIFY2(why.contains(error), qPrintable(why));
    // The secret is never quoted back.
    QVERIFY2(!why.contains(QLatin1String("secret-")), qPrintable(why));
}

void TestBoundedFile::binaryCookieKeyReadBackExactly_data()
{
    QTest::addColumn<QByteArray>("key");
    QByteArray middle(30, '\0');
    for (int i = 0; i < middle.size(); ++i)
        middle[i] = char(0x41 + i);
    QTest::newRow("leading newline") << (QByteArray("\n") + middle + "Z");
    QTest::newRow("trailing space") << (QByteArray("Z") + middle + " ");
    QTest::newRow("tab at both ends") << (QByteArray("\t") + middle + "\t");
    QTest::newRow("all white space") << QByteArray(32, ' ');
    QTest::newRow("NUL bytes") << QByteArray(32, '\0');
}

void TestBoundedFile::binaryCookieKeyReadBackExactly()
{
    QFETCH(QByteArray, key);
    QTemporaryDir dir;
    controlplane::StateStore first(dir.path());
    QString error;
    QVERIFY2(first.open(&error), qPrintable(error));
    // About 1 key in 22 begins or ends with a white-space byte; such a key must still load.
    writeFile(dir, QStringLiteral("cookie-key"), key);
    controlplane::StateStore again(dir.path());
    QVERIFY2(again.open(&error), qPrintable(error));
    QCOMPARE(again.cookieKey(), key);
}

void TestBoundedFile::newSecretsSurviveAReopen()
{
    // 200 fresh state directories: every one opens again with the same token and key.
    for (int i = 0; i < 200; ++i) {
        QTemporaryDir dir;
        controlplane::StateStore first(dir.path());
        QString error;
        QVERIFY2(first.open(&error), qPrintable(error));
        controlplane::StateStore again(dir.path());
        QVERIFY2(again.open(&error), qPrintable(QStringLiteral("run %1: %2").arg(i).arg(error)));
        QCOMPARE(again.cookieKey(), first.cookieKey());
        QCOMPARE(again.adminToken(), first.adminToken());
    }
}

QTEST_GUILESS_MAIN(TestBoundedFile)
#include "tst_boundedfile.moc"
