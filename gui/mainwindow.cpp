#include "mainwindow.h"

#include <QLabel>
#include <QStatusBar>

namespace blueshift::gui {

MainWindow::MainWindow(QWidget *parent)
    : QMainWindow(parent)
{
    setWindowTitle(QStringLiteral("Blueshift"));
    auto *label = new QLabel(tr("Blueshift rollout console"), this);
    label->setAlignment(Qt::AlignCenter);
    setCentralWidget(label);
    statusBar()->showMessage(tr("Not connected"));
    resize(1100, 720);
}

} // namespace blueshift::gui
