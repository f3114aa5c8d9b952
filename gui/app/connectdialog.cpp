#include "connectdialog.h"

#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace blueshift::gui {

ConnectDialog::ConnectDialog(const PlatformTarget &initial, QWidget *parent)
    : QDialog(parent)
    , m_url(new QLineEdit(this))
    , m_tokenFile(new QLineEdit(this))
    , m_message(new QLabel(this))
    , m_buttons(new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this))
{
    setWindowTitle(tr("Connect to a local platform"));
    m_url->setText(initial.adminUrl.isValid() ? initial.adminUrl.toString() : QString());
    m_url->setPlaceholderText(tr("http://host:8081"));
    m_tokenFile->setText(initial.tokenFile);
    m_tokenFile->setPlaceholderText(tr("a copy of that platform's STATE_DIR/admin-token"));
    auto *browse = new QPushButton(tr("Browse…"), this);
    auto *fileRow = new QHBoxLayout;
    fileRow->addWidget(m_tokenFile, 1);
    fileRow->addWidget(browse);
    auto *form = new QFormLayout;
    form->addRow(tr("Admin URL:"), m_url);
    form->addRow(tr("Token file:"), fileRow);
    m_message->setWordWrap(true);
    m_buttons->button(QDialogButtonBox::Ok)->setText(tr("Connect"));
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_message);
    layout->addWidget(m_buttons);
    resize(520, 170);
    connect(m_url, &QLineEdit::textChanged, this, &ConnectDialog::validate);
    connect(m_tokenFile, &QLineEdit::textChanged, this, &ConnectDialog::validate);
    connect(browse, &QPushButton::clicked, this, [this] {
        auto *files = new QFileDialog(this, tr("Admin token file"), m_tokenFile->text());
        files->setAttribute(Qt::WA_DeleteOnClose);
        files->setFileMode(QFileDialog::ExistingFile);
        connect(files, &QFileDialog::fileSelected, m_tokenFile, &QLineEdit::setText);
        files->open();
    });
    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    validate();
}

PlatformTarget ConnectDialog::target() const
{
    QString ignored;
    return PlatformTarget::localRemote(parseAdminUrl(m_url->text(), &ignored),
                                       m_tokenFile->text().trimmed());
}

void ConnectDialog::validate()
{
    QString error;
    parseAdminUrl(m_url->text(), &error);
    const QFileInfo file(m_tokenFile->text().trimmed());
    if (error.isEmpty() && m_tokenFile->text().trimmed().isEmpty())
        error = tr("give the file that holds the platform's admin token");
    else if (error.isEmpty() && (!file.isFile() || !file.isReadable()))
        error = tr("cannot read %1").arg(file.filePath());
    m_error = error;
    m_message->setText(error);
    m_message->setStyleSheet(QStringLiteral("color: #c62828;"));
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(error.isEmpty());
}

} // namespace blueshift::gui
