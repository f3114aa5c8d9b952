#include "mainwindow.h"

#include <QApplication>

int main(int argc, char **argv)
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("Blueshift"));
    QApplication::setApplicationVersion(QStringLiteral(BLUESHIFT_VERSION));
    blueshift::gui::MainWindow window;
    window.show();
    return QApplication::exec();
}
