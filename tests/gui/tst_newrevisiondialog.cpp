// The New revision dialog: every bad suffix is refused with the rule it breaks (the words of
// core's model/names.h), OK is disabled while anything is invalid, and the spec it hands over.
#include "revisions/newrevisiondialog.h"

#include "model/names.h"

#include <QDialogButtonBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QTableWidget>
#include <QTest>

using blueshift::gui::NewRevisionDialog;
namespace model = blueshift::model;

namespace {
model::Template demoTemplate()
{
    model::Template t;
    t.revisionSuffix = QStringLiteral("blue");
    t.terminationGracePeriodSeconds = 12;
    t.containers.append(
        model::Container{QStringLiteral("relay"),
                         QStringLiteral("blueshift/relay:local"),
                         {},
                         {},
                         {model::EnvVar{QStringLiteral("UPSTREAM_URL"),
                                        QStringLiteral("ws://127.0.0.1:9/x"), QString()}},
                         {}});
    return t;
}

QPushButton *okButton(NewRevisionDialog &d)
{
    return d.findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok);
}

// Every label's text, to check the reason is on screen and not only in an accessor.
QString shownText(NewRevisionDialog &d)
{
    QStringList texts;
    for (QLabel *l : d.findChildren<QLabel *>())
        texts.append(l->text());
    return texts.join(QLatin1Char('\n'));
}
} // namespace

class TestNewRevisionDialog : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void badSuffixRejectedWithItsReason_data();
    void badSuffixRejectedWithItsReason();
    void goodSuffixAccepted();
    void suggestsAFreeSuffix();
    void workloadAndEnvironment();
    void environmentMistakesRefused();
};

void TestNewRevisionDialog::badSuffixRejectedWithItsReason_data()
{
    QTest::addColumn<QString>("suffix");
    QTest::addColumn<QString>("reason");
    QTest::addRow("empty") << QString() << QStringLiteral("must not be empty");
    QTest::addRow("uppercase") << QStringLiteral("Green") << QStringLiteral("must be lowercase");
    QTest::addRow("underscore") << QStringLiteral("green_2")
                                << QStringLiteral("only lowercase letters, digits and '-'");
    QTest::addRow("dot") << QStringLiteral("v1.2")
                         << QStringLiteral("only lowercase letters, digits and '-'");
    QTest::addRow("space") << QStringLiteral("new green")
                           << QStringLiteral("only lowercase letters, digits and '-'");
    QTest::addRow("leading dash") << QStringLiteral("-green")
                                  << QStringLiteral("must start with a letter or digit");
    QTest::addRow("trailing dash")
        << QStringLiteral("green-") << QStringLiteral("must end with a letter or digit");
    QTest::addRow("double dash") << QStringLiteral("gr--een")
                                 << QStringLiteral("must not contain '--'");
    QTest::addRow("too long") << QString(60, QLatin1Char('a'))
                              << QStringLiteral("must be at most 54 characters");
    QTest::addRow("exists") << QStringLiteral("blue") << QStringLiteral("already exists");
}

void TestNewRevisionDialog::badSuffixRejectedWithItsReason()
{
    QFETCH(QString, suffix);
    QFETCH(QString, reason);
    NewRevisionDialog d(QStringLiteral("demo"), {QStringLiteral("demo--blue")}, demoTemplate());
    QVERIFY(okButton(d)->isEnabled()); // the suggestion is valid
    d.suffixEdit()->setText(suffix);
    QVERIFY(!d.isAcceptable());
    QVERIFY(!okButton(d)->isEnabled());
    QVERIFY2(d.validationError().contains(reason), qPrintable(d.validationError()));
    QVERIFY2(shownText(d).contains(reason), qPrintable(shownText(d)));
    // The words are core's, where core has the rule.
    const QString core = model::revisionSuffixError(suffix, QStringLiteral("demo"));
    if (!core.isEmpty())
        QCOMPARE(d.validationError(), core);
}

void TestNewRevisionDialog::goodSuffixAccepted()
{
    NewRevisionDialog d(QStringLiteral("demo"), {QStringLiteral("demo--blue")}, demoTemplate());
    d.suffixEdit()->setText(QStringLiteral("x-"));
    QVERIFY(!d.isAcceptable());
    d.suffixEdit()->setText(QStringLiteral("green-2"));
    QVERIFY(d.isAcceptable());
    QVERIFY(d.validationError().isEmpty());
    QVERIFY2(shownText(d).contains(QLatin1String("demo--green-2")), qPrintable(shownText(d)));
    // A suffix of exactly the longest length allowed passes.
    d.suffixEdit()->setText(QString(54 - 6, QLatin1Char('a')));
    QVERIFY2(d.isAcceptable(), qPrintable(d.validationError()));
}

void TestNewRevisionDialog::suggestsAFreeSuffix()
{
    QCOMPARE(
        NewRevisionDialog::suggestSuffix(QStringLiteral("demo"), {QStringLiteral("demo--blue")}),
        QStringLiteral("green"));
    QCOMPARE(
        NewRevisionDialog::suggestSuffix(
            QStringLiteral("demo"), {QStringLiteral("demo--green"), QStringLiteral("demo--blue")}),
        QStringLiteral("v2"));
    NewRevisionDialog d(QStringLiteral("demo"), {QStringLiteral("demo--blue")}, demoTemplate());
    QCOMPARE(d.suffixEdit()->text(), QStringLiteral("green"));
}

void TestNewRevisionDialog::workloadAndEnvironment()
{
    NewRevisionDialog d(QStringLiteral("demo"), {QStringLiteral("demo--blue")}, demoTemplate());
    // Filled from the current template.
    QCOMPARE(d.imageEdit()->text(), QStringLiteral("blueshift/relay:local"));
    QCOMPARE(d.envTable()->rowCount(), 1);
    d.commandEdit()->setText(QStringLiteral("python3 -m app --flag \"two words\""));
    const blueshift::gui::NewRevisionSpec spec = d.spec();
    QCOMPARE(spec.suffix, QStringLiteral("green"));
    QCOMPARE(spec.image, QStringLiteral("blueshift/relay:local"));
    QCOMPARE(spec.command,
             (QStringList{QStringLiteral("python3"), QStringLiteral("-m"), QStringLiteral("app"),
                          QStringLiteral("--flag"), QStringLiteral("two words")}));
    QCOMPARE(spec.terminationGracePeriodSeconds, 12);
    QCOMPARE(spec.env.size(), 1);
    QCOMPARE(spec.env.at(0).name, QStringLiteral("UPSTREAM_URL"));
    QCOMPARE(spec.env.at(0).value, QStringLiteral("ws://127.0.0.1:9/x"));
    // Neither image nor command: nothing to run.
    d.imageEdit()->clear();
    d.commandEdit()->clear();
    QVERIFY(!d.isAcceptable());
    QVERIFY2(d.validationError().contains(QLatin1String("image or a command")),
             qPrintable(d.validationError()));
    d.commandEdit()->setText(QStringLiteral("/usr/bin/myapp"));
    QVERIFY(d.isAcceptable());
}

void TestNewRevisionDialog::environmentMistakesRefused()
{
    NewRevisionDialog d(QStringLiteral("demo"), {}, demoTemplate());
    QTableWidget *env = d.envTable();
    env->insertRow(1);
    env->setItem(1, 0, new QTableWidgetItem(QStringLiteral("UPSTREAM_URL")));
    env->setItem(1, 1, new QTableWidgetItem(QStringLiteral("ws://other")));
    QVERIFY(!d.isAcceptable());
    QVERIFY2(d.validationError().contains(QLatin1String("set twice")),
             qPrintable(d.validationError()));
    env->item(1, 0)->setText(QString());
    QVERIFY2(d.validationError().contains(QLatin1String("has no name")),
             qPrintable(d.validationError()));
    env->item(1, 0)->setText(QStringLiteral("LOG_LEVEL"));
    QVERIFY(d.isAcceptable());
    QCOMPARE(d.spec().env.size(), 2);
}

QTEST_MAIN(TestNewRevisionDialog)
#include "tst_newrevisiondialog.moc"
