#pragma once

#include "platformtarget.h"

#include <QDialog>

class QDialogButtonBox;
class QLabel;
class QLineEdit;

namespace blueshift::gui {

// "Local platform at URL…": the admin URL of a local platform elsewhere and the file that holds
// its token (copied from that machine's state directory). The token is never typed in here and
// never stored; only the file's path is.
class ConnectDialog : public QDialog
{
    Q_OBJECT
public:
    explicit ConnectDialog(const PlatformTarget &initial, QWidget *parent = nullptr);

    PlatformTarget target() const;
    QString validationError() const { return m_error; }

private:
    void validate();

    QLineEdit *m_url;
    QLineEdit *m_tokenFile;
    QLabel *m_message;
    QDialogButtonBox *m_buttons;
    QString m_error;
};

} // namespace blueshift::gui
