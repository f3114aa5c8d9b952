#include "rolloutplanpanel.h"

#include "bluegreenform.h"

#include "rollout/planparser.h"
#include "rollout/planwriter.h"
#include "runtime/boundedfile.h"

#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

namespace blueshift::gui {

RolloutPlanPanel::RolloutPlanPanel(QWidget *parent)
    : QGroupBox(tr("Plan"), parent)
    , m_form(new BlueGreenForm(this))
    , m_source(new QLabel(this))
    , m_useForm(new QPushButton(tr("Use the form"), this))
    , m_error(new QLabel(this))
    , m_load(new QPushButton(tr("Load plan…"), this))
    , m_save(new QPushButton(tr("Save plan…"), this))
{
    m_source->setWordWrap(true);
    m_useForm->setVisible(false);
    m_error->setWordWrap(true);
    m_error->setStyleSheet(QStringLiteral("color: #b01c1c;"));
    m_load->setToolTip(tr("A rollout plan file (resources/plans/README.md describes the format)"));
    m_save->setToolTip(tr("`blueshift-server rollout FILE` runs a saved plan headless"));
    connect(m_useForm, &QPushButton::clicked, this, &RolloutPlanPanel::useForm);
    connect(m_load, &QPushButton::clicked, this, &RolloutPlanPanel::chooseLoad);
    connect(m_save, &QPushButton::clicked, this, &RolloutPlanPanel::chooseSave);
    connect(m_form, &BlueGreenForm::changed, this, [this] {
        update();
        Q_EMIT planChanged();
    });
    auto *files = new QHBoxLayout;
    files->addWidget(m_load);
    files->addWidget(m_save);
    files->addStretch(1);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_source);
    layout->addWidget(m_useForm, 0, Qt::AlignLeft);
    layout->addWidget(m_form);
    layout->addWidget(m_error);
    layout->addStretch(1);
    layout->addLayout(files);
    setMinimumWidth(330);
    setMaximumWidth(400);
    update();
}

bool RolloutPlanPanel::currentPlan(rollout::Plan *plan, QString *error) const
{
    if (m_loaded) {
        *plan = *m_loaded;
        return true;
    }
    return m_form->buildPlan(plan, error);
}

void RolloutPlanPanel::update()
{
    rollout::Plan plan;
    QString error;
    const bool ok = currentPlan(&plan, &error);
    // While a run goes on the app changes under the form (the new revision exists): what the
    // form would say about a next run waits until this one is over.
    m_error->setText(ok || !m_editable ? QString() : error);
    m_source->setText(m_loaded ? tr("Plan file %1: %n step(s), run as written.", nullptr,
                                    int(m_loaded->steps.size()))
                                     .arg(QFileInfo(m_loadedFile).fileName())
                               : tr("The blue/green of the sample plan, from the fields below."));
    m_useForm->setVisible(bool(m_loaded));
    m_useForm->setEnabled(m_editable);
    m_form->setEnabled(m_editable && !m_loaded);
    m_load->setEnabled(m_editable);
    m_save->setEnabled(ok && m_editable);
}

void RolloutPlanPanel::setEditable(bool editable)
{
    m_editable = editable;
    update();
}

bool RolloutPlanPanel::loadPlanFile(const QString &path, QString *error)
{
    QByteArray text;
    if (!runtime::readBoundedFile(path, tr("plan"), 4 * 1024 * 1024, &text, error))
        return false;
    rollout::Plan plan;
    QString why;
    if (!rollout::PlanParser::parse(text, &plan, &why)) {
        *error = tr("%1: %2").arg(QFileInfo(path).fileName(), why);
        return false;
    }
    m_loaded = plan;
    m_loadedFile = path;
    {
        // Only to show it: the plan runs as read, whatever the form would make of it.
        const QSignalBlocker quiet(m_form);
        m_form->showPlan(plan);
    }
    update();
    Q_EMIT planChanged();
    return true;
}

bool RolloutPlanPanel::savePlanFile(const QString &path, QString *error) const
{
    rollout::Plan plan;
    return currentPlan(&plan, error) && rollout::PlanWriter::save(plan, path, error);
}

void RolloutPlanPanel::useForm()
{
    m_loaded.reset();
    m_loadedFile.clear();
    update();
    Q_EMIT planChanged();
}

void RolloutPlanPanel::chooseLoad()
{
    auto *dialog = new QFileDialog(this, tr("Load a rollout plan"), QString(),
                                   tr("Rollout plans (*.json);;All files (*)"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setFileMode(QFileDialog::ExistingFile);
    connect(dialog, &QFileDialog::fileSelected, this, [this](const QString &path) {
        QString error;
        if (loadPlanFile(path, &error))
            Q_EMIT message(tr("Loaded %1.").arg(QFileInfo(path).fileName()), false);
        else
            Q_EMIT message(error, true);
    });
    dialog->open();
}

void RolloutPlanPanel::chooseSave()
{
    auto *dialog =
        new QFileDialog(this, tr("Save the rollout plan"), QString(), tr("Rollout plans (*.json)"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setAcceptMode(QFileDialog::AcceptSave);
    dialog->setDefaultSuffix(QStringLiteral("json"));
    connect(dialog, &QFileDialog::fileSelected, this, [this](const QString &path) {
        QString error;
        if (savePlanFile(path, &error))
            Q_EMIT message(tr("Saved the plan to %1; `blueshift-server rollout %2` runs it "
                              "headless.")
                               .arg(path, QFileInfo(path).fileName()),
                           false);
        else
            Q_EMIT message(error, true);
    });
    dialog->open();
}

} // namespace blueshift::gui
