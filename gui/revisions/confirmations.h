#pragma once

#include <QString>
#include <QStringList>

#include <functional>

class QWidget;

namespace blueshift::gui {

// The questions the console asks before an action that closes sessions or moves routes. The
// texts are separate from the dialog so that tests read them; the dialog opens window-modal
// without a nested event loop and calls `onConfirmed` only on the confirming button.

QString deactivateQuestion(const QString &revision, int liveSessions, int trafficWeight,
                           int graceSeconds);
QString restartQuestion(const QString &revision, int liveSessions);
QString singleModeQuestion(const QStringList &deactivated, int liveSessions);
QString swapLabelsQuestion(const QString &first, const QStringList &firstLabels,
                           const QString &second, const QStringList &secondLabels);

void askToConfirm(QWidget *parent, const QString &title, const QString &question,
                  const QString &confirmText, std::function<void()> onConfirmed);

} // namespace blueshift::gui
