#pragma once

#include "revisionactions.h"

#include <QDialog>

class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QSpinBox;
class QTableWidget;

namespace blueshift::gui {

// New revision: a suffix checked as the user types against Container Apps' rules (the message
// names the broken rule), the workload of the app's first container (image, command, arguments),
// its environment (secret references shown, kept and not editable) and grace period. OK stays
// disabled while anything is invalid.
class NewRevisionDialog : public QDialog
{
    Q_OBJECT
public:
    // `current` fills the workload fields; `existingRevisions` are names already taken.
    NewRevisionDialog(const QString &appName, const QStringList &existingRevisions,
                      const model::Template &current, QWidget *parent = nullptr);

    NewRevisionSpec spec() const;
    // Why OK is disabled, in words; empty when the input is valid.
    QString validationError() const { return m_error; }
    bool isAcceptable() const;

    QLineEdit *suffixEdit() const { return m_suffix; }
    QLineEdit *imageEdit() const { return m_image; }
    QLineEdit *commandEdit() const { return m_command; }
    QTableWidget *envTable() const { return m_env; }
    // A suffix not yet taken (green, blue, then v2, v3 ...).
    static QString suggestSuffix(const QString &appName, const QStringList &existingRevisions);

private:
    void validate();
    void addEnvRow(const QString &name, const QString &value, const QString &secretRef);

    QString m_appName;
    QStringList m_existing;
    QString m_containerName; // the container the workload fields come from
    QLineEdit *m_suffix;
    QLabel *m_suffixMessage;
    QLineEdit *m_image;
    QLineEdit *m_command;
    QLineEdit *m_args;
    QTableWidget *m_env;
    QSpinBox *m_grace;
    QLabel *m_errorLabel;
    QDialogButtonBox *m_buttons;
    QString m_error;
};

} // namespace blueshift::gui
