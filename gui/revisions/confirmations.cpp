#include "confirmations.h"

#include <QMessageBox>
#include <QPushButton>

namespace blueshift::gui {

namespace {
QString sessionsPhrase(int n)
{
    if (n == 0)
        return QStringLiteral("no live test sessions");
    return n == 1 ? QStringLiteral("1 live test session")
                  : QStringLiteral("%1 live test sessions").arg(n);
}

QString labelsPhrase(const QStringList &labels)
{
    return labels.isEmpty() ? QStringLiteral("no label")
                            : QStringLiteral("label %1").arg(labels.join(QStringLiteral(", ")));
}
} // namespace

QString deactivateQuestion(const QString &revision, int liveSessions, int trafficWeight,
                           int graceSeconds)
{
    QString text = QStringLiteral("Deactivate %1?\n\n").arg(revision);
    if (liveSessions > 0)
        text += QStringLiteral("This will close %1 on it: its replicas get SIGTERM, drain, and "
                               "are killed after the %2 s grace period.")
                    .arg(sessionsPhrase(liveSessions))
                    .arg(graceSeconds);
    else
        text += QStringLiteral("It has %1; its replicas get SIGTERM and are killed after the "
                               "%2 s grace period.")
                    .arg(sessionsPhrase(0))
                    .arg(graceSeconds);
    if (trafficWeight > 0)
        text += QStringLiteral("\n\nIt still has %1 % of the traffic: new connections for that "
                               "share find no revision until the traffic is changed.")
                    .arg(trafficWeight);
    return text;
}

QString restartQuestion(const QString &revision, int liveSessions)
{
    return QStringLiteral("Restart %1?\n\nIts replicas are replaced; this will close %2 on it.")
        .arg(revision, sessionsPhrase(liveSessions));
}

QString singleModeQuestion(const QStringList &deactivated, int liveSessions)
{
    if (deactivated.isEmpty())
        return QStringLiteral("Switch to single-revision mode?\n\nAll traffic goes to the latest "
                              "ready revision.");
    return QStringLiteral("Switch to single-revision mode?\n\nOnly the latest revision stays "
                          "active: %1 will be deactivated, closing %2.")
        .arg(deactivated.join(QStringLiteral(", ")), sessionsPhrase(liveSessions));
}

QString swapLabelsQuestion(const QString &first, const QStringList &firstLabels,
                           const QString &second, const QStringList &secondLabels)
{
    return QStringLiteral("Swap the labels of %1 and %2?\n\n%1 gets %3; %2 gets %4. Weights "
                          "stay as they are; label routes switch for new connections.")
        .arg(first, second, labelsPhrase(secondLabels), labelsPhrase(firstLabels));
}

void askToConfirm(QWidget *parent, const QString &title, const QString &question,
                  const QString &confirmText, std::function<void()> onConfirmed)
{
    auto *box =
        new QMessageBox(QMessageBox::Question, title, question, QMessageBox::Cancel, parent);
    box->setObjectName(QStringLiteral("confirmation"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    QPushButton *confirm = box->addButton(confirmText, QMessageBox::AcceptRole);
    box->setDefaultButton(QMessageBox::Cancel);
    QObject::connect(box, &QMessageBox::buttonClicked, box,
                     [confirm, onConfirmed = std::move(onConfirmed)](QAbstractButton *clicked) {
                         if (clicked == confirm)
                             onConfirmed();
                     });
    box->open();
}

} // namespace blueshift::gui
