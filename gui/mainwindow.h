#pragma once

#include <QMainWindow>

namespace blueshift::gui {

// The console's main window. A shell for now: the revision, session and chart views come with
// the desktop-console work.
class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    explicit MainWindow(QWidget *parent = nullptr);
};

} // namespace blueshift::gui
