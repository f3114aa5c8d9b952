#include "newrevisiondialog.h"

#include "model/names.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QProcess>
#include <QPushButton>
#include <QSet>
#include <QSpinBox>
#include <QTableWidget>
#include <QVBoxLayout>

namespace blueshift::gui {

namespace {
constexpr auto kErrorStyle = "color: #c62828;";
constexpr auto kOkStyle = "color: #2e7d32;";
} // namespace

NewRevisionDialog::NewRevisionDialog(const QString &appName, const QStringList &existingRevisions,
                                     const model::Template &current, QWidget *parent)
    : QDialog(parent)
    , m_appName(appName)
    , m_existing(existingRevisions)
    , m_containerName(current.containers.isEmpty() ? QString() : current.containers.first().name)
    , m_suffix(new QLineEdit(this))
    , m_suffixMessage(new QLabel(this))
    , m_image(new QLineEdit(this))
    , m_command(new QLineEdit(this))
    , m_args(new QLineEdit(this))
    , m_env(new QTableWidget(0, 2, this))
    , m_grace(new QSpinBox(this))
    , m_errorLabel(new QLabel(this))
    , m_buttons(new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this))
{
    setWindowTitle(tr("New revision of %1").arg(appName));
    const model::Container c =
        current.containers.isEmpty() ? model::Container{} : current.containers.first();

    m_suffix->setText(suggestSuffix(appName, existingRevisions));
    m_suffix->setPlaceholderText(tr("e.g. green"));
    m_suffixMessage->setWordWrap(true);
    m_image->setText(c.image);
    m_image->setPlaceholderText(tr("registry/image:tag"));
    m_command->setText(c.command.join(QLatin1Char(' ')));
    m_command->setPlaceholderText(
        tr("empty: the image's entry point (locally: the Blueshift relay); quote with \"\""));
    m_args->setText(c.args.join(QLatin1Char(' ')));
    m_grace->setRange(0, 600);
    m_grace->setSuffix(tr(" s"));
    m_grace->setValue(current.terminationGracePeriodSeconds);
    m_grace->setToolTip(tr("How long a deactivated replica may drain before SIGKILL"));

    m_env->setHorizontalHeaderLabels({tr("Name"), tr("Value")});
    m_env->horizontalHeader()->setStretchLastSection(true);
    m_env->verticalHeader()->hide();
    m_env->setMinimumHeight(110);
    for (const model::EnvVar &e : c.env)
        addEnvRow(e.name, e.value, e.secretRef);
    auto *addEnv = new QPushButton(tr("Add"), this);
    auto *removeEnv = new QPushButton(tr("Remove"), this);
    auto *envButtons = new QHBoxLayout;
    envButtons->addWidget(addEnv);
    envButtons->addWidget(removeEnv);
    envButtons->addStretch();

    auto *form = new QFormLayout;
    form->addRow(tr("Revision suffix:"), m_suffix);
    form->addRow(QString(), m_suffixMessage);
    form->addRow(tr("Image:"), m_image);
    form->addRow(tr("Command:"), m_command);
    form->addRow(tr("Arguments:"), m_args);
    form->addRow(tr("Grace period:"), m_grace);
    form->addRow(tr("Environment:"), m_env);
    form->addRow(QString(), envButtons);

    auto *note = new QLabel(tr("In multiple-revision mode the new revision starts with 0 % of the "
                               "traffic; in single mode it takes all of it once it is ready."),
                            this);
    note->setWordWrap(true);
    note->setStyleSheet(QStringLiteral("color: palette(mid);"));
    m_errorLabel->setWordWrap(true);
    m_errorLabel->setStyleSheet(QLatin1String(kErrorStyle));
    m_buttons->button(QDialogButtonBox::Ok)->setText(tr("Create revision"));

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(note);
    layout->addWidget(m_errorLabel);
    layout->addWidget(m_buttons);
    resize(560, 480);

    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_suffix, &QLineEdit::textChanged, this, &NewRevisionDialog::validate);
    connect(m_image, &QLineEdit::textChanged, this, &NewRevisionDialog::validate);
    connect(m_command, &QLineEdit::textChanged, this, &NewRevisionDialog::validate);
    connect(m_env, &QTableWidget::itemChanged, this, &NewRevisionDialog::validate);
    connect(addEnv, &QPushButton::clicked, this, [this] {
        addEnvRow(QString(), QString(), QString());
        m_env->editItem(m_env->item(m_env->rowCount() - 1, 0));
    });
    connect(removeEnv, &QPushButton::clicked, this, [this] {
        const int row = m_env->currentRow();
        if (row >= 0)
            m_env->removeRow(row);
        validate();
    });
    validate();
}

QString NewRevisionDialog::suggestSuffix(const QString &appName,
                                         const QStringList &existingRevisions)
{
    for (const char *colour : {"green", "blue"}) {
        const QString suffix = QLatin1String(colour);
        if (!existingRevisions.contains(model::revisionName(appName, suffix)))
            return suffix;
    }
    for (int n = 2;; ++n) {
        const QString suffix = QStringLiteral("v%1").arg(n);
        if (!existingRevisions.contains(model::revisionName(appName, suffix)))
            return suffix;
    }
}

void NewRevisionDialog::addEnvRow(const QString &name, const QString &value,
                                  const QString &secretRef)
{
    const int row = m_env->rowCount();
    m_env->insertRow(row);
    m_env->setItem(row, 0, new QTableWidgetItem(name));
    auto *item = new QTableWidgetItem(value);
    if (!secretRef.isEmpty()) {
        // A reference to one of the app's secrets: carried as it is, never turned into a value.
        item->setText(tr("secret: %1").arg(secretRef));
        item->setData(Qt::UserRole, secretRef);
        item->setFlags(item->flags() & ~Qt::ItemIsEditable);
        item->setToolTip(tr("The value of the app's secret %1 (secretRef)").arg(secretRef));
    }
    m_env->setItem(row, 1, item);
}

void NewRevisionDialog::validate()
{
    const QString suffix = m_suffix->text();
    // The rules are core's (model/names.h): the same words the platform would answer with.
    QString error = model::revisionSuffixError(suffix, m_appName);
    if (error.isEmpty() && m_existing.contains(model::revisionName(m_appName, suffix)))
        error = tr("revision %1 already exists: revisions are immutable, pick a new suffix")
                    .arg(model::revisionName(m_appName, suffix));
    const bool suffixBad = !error.isEmpty();
    if (!suffixBad) {
        m_suffixMessage->setText(
            tr("The revision will be %1").arg(model::revisionName(m_appName, suffix)));
        m_suffixMessage->setStyleSheet(QLatin1String(kOkStyle));
    } else {
        m_suffixMessage->setText(error);
        m_suffixMessage->setStyleSheet(QLatin1String(kErrorStyle));
    }
    if (error.isEmpty() && m_image->text().trimmed().isEmpty() &&
        m_command->text().trimmed().isEmpty())
        error = tr("give an image or a command");
    QSet<QString> names;
    for (int row = 0; error.isEmpty() && row < m_env->rowCount(); ++row) {
        const QTableWidgetItem *item = m_env->item(row, 0);
        const QString name = item ? item->text().trimmed() : QString();
        if (name.isEmpty())
            error = tr("environment variable %1 has no name").arg(row + 1);
        else if (names.contains(name))
            error = tr("environment variable %1 is set twice").arg(name);
        names.insert(name);
    }
    m_error = error;
    // The suffix message already says what is wrong with it; the bottom line covers the rest.
    m_errorLabel->setText(suffixBad ? QString() : error);
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(error.isEmpty());
}

bool NewRevisionDialog::isAcceptable() const
{
    return m_buttons->button(QDialogButtonBox::Ok)->isEnabled();
}

NewRevisionSpec NewRevisionDialog::spec() const
{
    NewRevisionSpec s;
    s.suffix = m_suffix->text();
    s.image = m_image->text().trimmed();
    s.command = QProcess::splitCommand(m_command->text());
    s.args = QProcess::splitCommand(m_args->text());
    s.containerName = m_containerName;
    s.terminationGracePeriodSeconds = m_grace->value();
    for (int row = 0; row < m_env->rowCount(); ++row) {
        const QTableWidgetItem *name = m_env->item(row, 0);
        const QTableWidgetItem *value = m_env->item(row, 1);
        if (!name || name->text().trimmed().isEmpty())
            continue;
        const QString secretRef = value ? value->data(Qt::UserRole).toString() : QString();
        s.env.append(model::EnvVar{name->text().trimmed(),
                                   value && secretRef.isEmpty() ? value->text() : QString(),
                                   secretRef});
    }
    return s;
}

} // namespace blueshift::gui
