#include "bluegreenform.h"

#include "stepoutcome.h"

#include "model/names.h"
#include "rollout/planparser.h"

#include <QFormLayout>
#include <QJsonArray>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QProcess>
#include <QRegularExpression>
#include <QSpinBox>

#include <algorithm>

namespace blueshift::gui {

namespace {
QLabel *heading(const QString &text, QWidget *parent)
{
    auto *label = new QLabel(text, parent);
    QFont f = label->font();
    f.setBold(true);
    label->setFont(f);
    label->setContentsMargins(0, 6, 0, 0);
    return label;
}

QJsonArray stringArray(const QStringList &list)
{
    return QJsonArray::fromStringList(list);
}

// The inverse of QProcess::splitCommand, for showing a plan's command in a field.
QString joinCommand(const QStringList &parts)
{
    QStringList quoted;
    for (const QString &p : parts)
        quoted.append(p.contains(QLatin1Char(' ')) || p.isEmpty()
                          ? QLatin1Char('"') + p + QLatin1Char('"')
                          : p);
    return quoted.join(QLatin1Char(' '));
}

QString suffixOf(const QString &ref)
{
    return shortRevision(ref);
}
} // namespace

BlueGreenForm::BlueGreenForm(QWidget *parent)
    : QWidget(parent)
    , m_app(new QLineEdit(this))
    , m_from(new QLineEdit(this))
    , m_to(new QLineEdit(this))
    , m_image(new QLineEdit(this))
    , m_command(new QLineEdit(this))
    , m_args(new QLineEdit(this))
    , m_env(new QPlainTextEdit(this))
    , m_grace(new QSpinBox(this))
    , m_hold(new QSpinBox(this))
    , m_settle(new QSpinBox(this))
    , m_sessions(new QSpinBox(this))
    , m_newSessions(new QSpinBox(this))
{
    m_app->setObjectName(QStringLiteral("appEdit"));
    m_from->setObjectName(QStringLiteral("fromEdit"));
    m_to->setObjectName(QStringLiteral("toEdit"));
    m_from->setPlaceholderText(tr("e.g. blue"));
    m_from->setToolTip(tr("Suffix of the revision that serves the app now: it keeps its sessions "
                          "until it is deactivated at the end"));
    m_to->setPlaceholderText(tr("e.g. green"));
    m_to->setToolTip(tr("Suffix of the revision to roll out: {app}--{suffix}"));
    m_image->setPlaceholderText(tr("empty: keep the current image"));
    m_command->setPlaceholderText(tr("empty: keep the current command"));
    m_args->setPlaceholderText(tr("empty: keep the current arguments"));
    m_env->setPlaceholderText(tr("NAME=value, one per line (changed or added)"));
    m_env->setTabChangesFocus(true);
    const int line = m_env->fontMetrics().lineSpacing();
    m_env->setFixedHeight(line * 3 + 12);
    m_grace->setRange(-1, 600);
    m_grace->setSpecialValueText(tr("as the app's"));
    m_grace->setValue(-1);
    m_grace->setSuffix(tr(" s"));
    m_grace->setToolTip(tr("terminationGracePeriodSeconds of the new revision: how long its "
                           "replicas may drain before SIGKILL"));
    m_hold->setRange(0, 3600);
    m_hold->setValue(30);
    m_hold->setSuffix(tr(" s"));
    m_hold->setObjectName(QStringLiteral("holdSpin"));
    m_hold->setToolTip(
        tr("How long both revisions take new sessions before all go to the new one"));
    m_settle->setRange(0, 3600);
    m_settle->setValue(10);
    m_settle->setSuffix(tr(" s"));
    m_settle->setSpecialValueText(tr("end at once"));
    m_settle->setObjectName(QStringLiteral("settleSpin"));
    m_settle->setToolTip(tr("How long the sessions run on the new revision alone once the old "
                            "one drained: they reconnect there, and none may be lost"));
    m_sessions->setRange(1, 10000);
    m_sessions->setValue(50);
    m_sessions->setObjectName(QStringLiteral("sessionsSpin"));
    m_sessions->setToolTip(tr("Live test sessions opened through the ingress before the first "
                              "step and held through the rollout"));
    m_newSessions->setRange(0, 10000);
    m_newSessions->setValue(40);
    m_newSessions->setObjectName(QStringLiteral("newSessionsSpin"));
    m_newSessions->setToolTip(tr("Sessions opened during 50/50 to check that new sessions split "
                                 "by the weights (±10 points); 0: no check"));

    auto *form = new QFormLayout(this);
    form->setContentsMargins(0, 0, 0, 0);
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    form->addRow(heading(tr("Revisions"), this));
    form->addRow(tr("App:"), m_app);
    form->addRow(tr("Serving now:"), m_from);
    form->addRow(tr("New revision:"), m_to);
    form->addRow(heading(tr("Workload of the new revision"), this));
    form->addRow(tr("Image:"), m_image);
    form->addRow(tr("Command:"), m_command);
    form->addRow(tr("Arguments:"), m_args);
    form->addRow(tr("Environment:"), m_env);
    form->addRow(tr("Grace period:"), m_grace);
    form->addRow(heading(tr("Sessions and timing"), this));
    form->addRow(tr("Test sessions:"), m_sessions);
    form->addRow(tr("New at 50/50:"), m_newSessions);
    form->addRow(tr("Hold at 50/50:"), m_hold);
    form->addRow(tr("Then on new alone:"), m_settle);

    for (QLineEdit *e : {m_app, m_from, m_to, m_image, m_command, m_args})
        connect(e, &QLineEdit::textChanged, this, &BlueGreenForm::changed);
    connect(m_env, &QPlainTextEdit::textChanged, this, &BlueGreenForm::changed);
    for (QSpinBox *s : {m_grace, m_hold, m_settle, m_sessions, m_newSessions})
        connect(s, &QSpinBox::valueChanged, this, &BlueGreenForm::changed);
}

void BlueGreenForm::setAppSnapshot(const model::ContainerApp &app,
                                   const QList<model::Revision> &revisions)
{
    m_existing.clear();
    for (const model::Revision &r : revisions)
        m_existing.append(r.name);
    if (app.name == m_snapshotApp)
        return;
    m_snapshotApp = app.name;
    // The revision that carries most of the traffic is the one being replaced.
    const model::Revision *serving = nullptr;
    for (const model::Revision &r : revisions) {
        if (r.active && (!serving || r.trafficWeight > serving->trafficWeight))
            serving = &r;
    }
    m_app->setText(app.name);
    if (serving)
        m_from->setText(suffixOf(serving->name));
    QString suffix;
    for (const QString &candidate : {QStringLiteral("green"), QStringLiteral("blue")}) {
        if (!m_existing.contains(model::revisionName(app.name, candidate))) {
            suffix = candidate;
            break;
        }
    }
    for (int n = 2; suffix.isEmpty(); ++n) {
        if (!m_existing.contains(model::revisionName(app.name, QStringLiteral("v%1").arg(n))))
            suffix = QStringLiteral("v%1").arg(n);
    }
    m_to->setText(suffix);
    if (!app.tmpl.containers.isEmpty())
        m_image->setText(app.tmpl.containers.first().image);
}

QString BlueGreenForm::appName() const
{
    return m_app->text().trimmed();
}

QString BlueGreenForm::currentRevision() const
{
    return model::revisionName(appName(), m_from->text().trimmed());
}

QString BlueGreenForm::newRevision() const
{
    return model::revisionName(appName(), m_to->text().trimmed());
}

bool BlueGreenForm::readEnv(QJsonObject *env, QString *error) const
{
    static const QRegularExpression name(QStringLiteral("^[A-Za-z_][A-Za-z0-9_.-]*$"));
    const QStringList lines = m_env->toPlainText().split(QLatin1Char('\n'));
    for (int i = 0; i < lines.size(); ++i) {
        const QString line = lines.at(i).trimmed();
        if (line.isEmpty())
            continue;
        const qsizetype eq = line.indexOf(QLatin1Char('='));
        const QString key = eq > 0 ? line.left(eq).trimmed() : QString();
        // Never quote the line: its value may be a secret.
        if (key.isEmpty() || !name.match(key).hasMatch()) {
            *error = tr("Environment, line %1: expected NAME=value").arg(i + 1);
            return false;
        }
        env->insert(key, line.mid(eq + 1).trimmed());
    }
    return true;
}

QJsonObject BlueGreenForm::planJson(QString *error) const
{
    const QString app = appName();
    const QString from = m_from->text().trimmed();
    const QString to = m_to->text().trimmed();
    if (const QString e = model::appNameError(app); !e.isEmpty()) {
        *error = tr("App: %1").arg(e);
        return {};
    }
    if (const QString e = model::revisionSuffixError(from, app); !e.isEmpty()) {
        *error = tr("Serving now: %1").arg(e);
        return {};
    }
    if (!m_existing.isEmpty() && !m_existing.contains(model::revisionName(app, from))) {
        *error = tr("Serving now: %1 has no revision %2").arg(app, model::revisionName(app, from));
        return {};
    }
    if (const QString e = model::revisionSuffixError(to, app); !e.isEmpty()) {
        *error = tr("New revision: %1").arg(e);
        return {};
    }
    if (to == from) {
        *error = tr("New revision: give it another suffix than the revision serving now");
        return {};
    }
    if (m_existing.contains(model::revisionName(app, to))) {
        *error = tr("New revision: %1 already exists; choose a new suffix")
                     .arg(model::revisionName(app, to));
        return {};
    }
    QJsonObject env;
    if (!readEnv(&env, error))
        return {};

    QJsonObject deploy{{QStringLiteral("kind"), QStringLiteral("deploy")},
                       {QStringLiteral("name"), tr("deploy %1").arg(to)},
                       {QStringLiteral("revisionSuffix"), to},
                       {QStringLiteral("timeout"), 300}};
    if (!m_image->text().trimmed().isEmpty())
        deploy.insert(QStringLiteral("image"), m_image->text().trimmed());
    if (!m_command->text().trimmed().isEmpty())
        deploy.insert(QStringLiteral("command"),
                      stringArray(QProcess::splitCommand(m_command->text())));
    if (!m_args->text().trimmed().isEmpty())
        deploy.insert(QStringLiteral("args"), stringArray(QProcess::splitCommand(m_args->text())));
    if (!env.isEmpty())
        deploy.insert(QStringLiteral("env"), env);
    if (m_grace->value() >= 0)
        deploy.insert(QStringLiteral("terminationGracePeriodSeconds"), m_grace->value());

    QJsonObject half{{QStringLiteral("kind"), QStringLiteral("traffic")},
                     {QStringLiteral("name"), QStringLiteral("50/50")},
                     {QStringLiteral("weights"), QJsonObject{{from, 50}, {to, 50}}}};
    const int fresh = m_newSessions->value();
    if (fresh > 0)
        half.insert(
            QStringLiteral("assertions"),
            QJsonObject{{QStringLiteral("shareByWeight"),
                         QJsonObject{{QStringLiteral("tolerance"), 10},
                                     {QStringLiteral("minSessions"), std::min(20, fresh)}}}});
    QJsonArray steps{deploy,
                     QJsonObject{{QStringLiteral("kind"), QStringLiteral("wait")},
                                 {QStringLiteral("name"), tr("%1 ready").arg(to)},
                                 {QStringLiteral("until"), QStringLiteral("ready")},
                                 {QStringLiteral("revision"), to},
                                 {QStringLiteral("timeout"), 120}},
                     half};
    if (fresh > 0)
        steps.append(QJsonObject{
            {QStringLiteral("kind"), QStringLiteral("startSessions")},
            {QStringLiteral("name"), tr("new sessions at 50/50")},
            {QStringLiteral("group"), QStringLiteral("at-50-50")},
            {QStringLiteral("sessions"),
             QJsonObject{{QStringLiteral("connections"), fresh},
                         {QStringLiteral("openRate"), std::clamp(fresh / 2, 10, 200)}}}});
    steps.append(QJsonObject{{QStringLiteral("kind"), QStringLiteral("hold")},
                             {QStringLiteral("name"), tr("hold 50/50")},
                             {QStringLiteral("seconds"), m_hold->value()}});
    steps.append(QJsonObject{{QStringLiteral("kind"), QStringLiteral("traffic")},
                             {QStringLiteral("name"), QStringLiteral("100/0")},
                             {QStringLiteral("weights"), QJsonObject{{from, 0}, {to, 100}}}});
    steps.append(QJsonObject{{QStringLiteral("kind"), QStringLiteral("deactivate")},
                             {QStringLiteral("name"), tr("deactivate %1").arg(from)},
                             {QStringLiteral("revision"), from}});
    steps.append(QJsonObject{{QStringLiteral("kind"), QStringLiteral("wait")},
                             {QStringLiteral("name"), tr("%1 drained").arg(from)},
                             {QStringLiteral("until"), QStringLiteral("drained")},
                             {QStringLiteral("revision"), from},
                             {QStringLiteral("timeout"), 660}});
    if (m_settle->value() > 0)
        steps.append(QJsonObject{{QStringLiteral("kind"), QStringLiteral("hold")},
                                 {QStringLiteral("name"), tr("%1 alone").arg(to)},
                                 {QStringLiteral("seconds"), m_settle->value()},
                                 {QStringLiteral("assertions"),
                                  QJsonObject{{QStringLiteral("lostDuringShift"),
                                               QJsonObject{{QStringLiteral("max"), 0}}}}}});
    const int sessions = m_sessions->value();
    return QJsonObject{
        {QStringLiteral("version"), 1},
        {QStringLiteral("name"), tr("blue-green %1 to %2").arg(from, to)},
        {QStringLiteral("description"),
         tr("Made in the Blueshift console: %1 replaces %2 of app %3.").arg(to, from, app)},
        {QStringLiteral("target"), QJsonObject{{QStringLiteral("app"), app}}},
        {QStringLiteral("sessions"),
         QJsonObject{{QStringLiteral("connections"), sessions},
                     {QStringLiteral("openRate"), std::clamp(sessions, 20, 500)},
                     {QStringLiteral("pingInterval"), 1},
                     {QStringLiteral("reconnect"),
                      QJsonObject{{QStringLiteral("mode"), QStringLiteral("backoff")},
                                  {QStringLiteral("initial"), 0.5},
                                  {QStringLiteral("max"), 5}}}}},
        {QStringLiteral("steps"), steps}};
}

bool BlueGreenForm::buildPlan(rollout::Plan *plan, QString *error) const
{
    const QJsonObject json = planJson(error);
    if (json.isEmpty())
        return false;
    return rollout::PlanParser::parse(json, plan, error);
}

bool BlueGreenForm::showPlan(const rollout::Plan &plan)
{
    using rollout::StepKind;
    using rollout::WaitCondition;
    const QList<rollout::PlanStep> &s = plan.steps;
    qsizetype i = 0;
    auto at = [&](StepKind kind) { return i < s.size() && s.at(i).kind == kind; };
    if (!at(StepKind::Deploy))
        return false;
    const rollout::PlanStep &deploy = s.at(i++);
    if (!at(StepKind::Wait) || s.at(i).until != WaitCondition::Ready)
        return false;
    ++i;
    if (!at(StepKind::Traffic) || s.at(i).weights.size() != 2)
        return false;
    ++i;
    int fresh = 0;
    if (at(StepKind::StartSessions))
        fresh = s.at(i++).sessions.fleet.sessions;
    if (!at(StepKind::Hold))
        return false;
    const double hold = s.at(i++).seconds;
    if (!at(StepKind::Traffic))
        return false;
    ++i;
    if (!at(StepKind::Deactivate))
        return false;
    const QString from = suffixOf(s.at(i++).revision.text);
    if (!at(StepKind::Wait) || s.at(i).until != WaitCondition::Drained)
        return false;
    ++i;
    double settle = 0;
    if (at(StepKind::Hold))
        settle = s.at(i++).seconds;
    if (i != s.size())
        return false;
    QStringList env;
    for (const rollout::EnvSetting &e : deploy.env) {
        if (e.remove || !e.secretRef.isEmpty())
            return false; // the form cannot say either
        env.append(e.name + QLatin1Char('=') + e.value);
    }
    m_snapshotApp = plan.target.app; // a later snapshot must not overwrite what is shown
    m_app->setText(plan.target.app);
    m_from->setText(from);
    m_to->setText(deploy.revisionSuffix);
    m_image->setText(deploy.image);
    m_command->setText(deploy.command ? joinCommand(*deploy.command) : QString());
    m_args->setText(deploy.args ? joinCommand(*deploy.args) : QString());
    m_env->setPlainText(env.join(QLatin1Char('\n')));
    m_grace->setValue(deploy.terminationGracePeriodSeconds.value_or(-1));
    m_hold->setValue(int(hold));
    m_settle->setValue(int(settle));
    m_sessions->setValue(plan.sessions.fleet.sessions);
    m_newSessions->setValue(fresh);
    return true;
}

} // namespace blueshift::gui
