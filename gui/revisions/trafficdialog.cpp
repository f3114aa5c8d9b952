#include "trafficdialog.h"

#include "model/traffic.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QStyle>
#include <QTableWidget>
#include <QVBoxLayout>

namespace blueshift::gui {

TrafficDialog::TrafficDialog(const model::ContainerApp &app,
                             const QList<model::Revision> &revisions, QWidget *parent)
    : QDialog(parent)
    , m_app(app)
    , m_latest(app.latestRevisionName)
    , m_table(new QTableWidget(0, 4, this))
    , m_from(new QComboBox(this))
    , m_to(new QComboBox(this))
    , m_sum(new QLabel(this))
    , m_warningIcon(new QLabel(this))
    , m_warningText(new QLabel(this))
    , m_buttons(new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this))
{
    setWindowTitle(tr("Traffic of %1").arg(app.name));
    const QList<model::TrafficWeight> current = app.configuration.ingress
                                                    ? app.configuration.ingress->traffic
                                                    : QList<model::TrafficWeight>{};
    // One row per revision: its weighted entry and its first label (a revision with several
    // labels keeps the first here; the others are shown in the Revisions view).
    QHash<QString, int> weights;
    QHash<QString, QString> labels;
    for (const model::TrafficWeight &t : current) {
        const QString key = t.latestRevision ? QString() : t.revisionName;
        weights[key] += t.weight;
        if (!t.label.isEmpty() && !labels.contains(key))
            labels.insert(key, t.label);
    }

    m_table->setHorizontalHeaderLabels({tr("Revision"), tr("State"), tr("Weight"), tr("Label")});
    m_table->verticalHeader()->hide();
    m_table->setSelectionMode(QAbstractItemView::NoSelection);
    m_table->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
    m_table->horizontalHeader()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setSectionResizeMode(2, QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setSectionResizeMode(3, QHeaderView::Stretch);
    for (const model::Revision &r : revisions) {
        m_names.append(r.name);
        if (r.active)
            m_activeNames.append(r.name);
        // Inactive revisions without traffic or label cannot take part; leave them out.
        if (!r.active && !weights.contains(r.name))
            continue;
        addRow(r.name, r.active ? tr("active") : tr("inactive"), weights.value(r.name),
               labels.value(r.name));
    }
    addRow(QString(),
           m_latest.isEmpty() ? tr("latest revision")
                              : tr("latest revision (now %1)").arg(m_latest),
           weights.value(QString()), labels.value(QString()));

    // Presets: blue is the revision with the most traffic other than the latest, green the latest.
    QString blue;
    int blueWeight = -1;
    for (const QString &name : std::as_const(m_activeNames)) {
        m_from->addItem(name);
        m_to->addItem(name);
        const int w = weights.value(name);
        if (name != m_latest && w > blueWeight) {
            blue = name;
            blueWeight = w;
        }
    }
    setPresetPair(blue, m_latest);

    auto *presets = new QHBoxLayout;
    presets->addWidget(new QLabel(tr("Presets from"), this));
    presets->addWidget(m_from, 1);
    presets->addWidget(new QLabel(tr("to"), this));
    presets->addWidget(m_to, 1);
    const std::pair<int, int> splits[] = {{100, 0}, {50, 50}, {0, 100}};
    for (const auto &[a, b] : splits) {
        auto *button = new QPushButton(QStringLiteral("%1 / %2").arg(a).arg(b), this);
        button->setToolTip(tr("%1 % to the first revision, %2 % to the second").arg(a).arg(b));
        connect(button, &QPushButton::clicked, this, [this, a, b] { applyPreset(a, b); });
        presets->addWidget(button);
    }
    auto *latest = new QPushButton(tr("latestRevision"), this);
    latest->setToolTip(tr("All traffic to whichever revision is the latest, now and later"));
    connect(latest, &QPushButton::clicked, this, &TrafficDialog::applyAllToLatest);
    presets->addWidget(latest);

    const int iconSize = style()->pixelMetric(QStyle::PM_SmallIconSize, nullptr, this);
    m_warningIcon->setPixmap(
        style()->standardIcon(QStyle::SP_MessageBoxWarning).pixmap(iconSize, iconSize));
    m_warningIcon->setAlignment(Qt::AlignTop);
    m_warningText->setWordWrap(true);
    m_warningText->setObjectName(QStringLiteral("trafficWarnings"));
    auto *warning = new QHBoxLayout;
    warning->addWidget(m_warningIcon);
    warning->addWidget(m_warningText, 1);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_table, 1);
    layout->addLayout(presets);
    layout->addWidget(m_sum);
    layout->addLayout(warning);
    layout->addWidget(m_buttons);
    m_sum->setWordWrap(true);
    m_buttons->button(QDialogButtonBox::Ok)->setText(tr("Apply traffic"));
    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    resize(640, 360);
    validate();
}

void TrafficDialog::addRow(const QString &revision, const QString &status, int weight,
                           const QString &label)
{
    const int row = m_table->rowCount();
    m_table->insertRow(row);
    auto *name = new QTableWidgetItem(revision.isEmpty() ? tr("latestRevision") : revision);
    name->setFlags(Qt::ItemIsEnabled);
    auto *state = new QTableWidgetItem(status);
    state->setFlags(Qt::ItemIsEnabled);
    m_table->setItem(row, 0, name);
    m_table->setItem(row, 1, state);
    Row r;
    r.revision = revision;
    r.weight = new QSpinBox(m_table);
    r.weight->setRange(0, 100);
    r.weight->setSuffix(QStringLiteral(" %"));
    r.weight->setValue(weight);
    r.label = new QLineEdit(label, m_table);
    r.label->setPlaceholderText(tr("none"));
    m_table->setCellWidget(row, 2, r.weight);
    m_table->setCellWidget(row, 3, r.label);
    connect(r.weight, &QSpinBox::valueChanged, this, &TrafficDialog::validate);
    connect(r.label, &QLineEdit::textChanged, this, &TrafficDialog::validate);
    m_rows.append(r);
}

TrafficDialog::Row *TrafficDialog::rowFor(const QString &revision)
{
    for (Row &r : m_rows) {
        if (r.revision == revision)
            return &r;
    }
    return nullptr;
}

void TrafficDialog::setPresetPair(const QString &from, const QString &to)
{
    m_from->setCurrentText(from);
    m_to->setCurrentText(to);
}

void TrafficDialog::applyPreset(int fromWeight, int toWeight)
{
    const QString from = m_from->currentText();
    const QString to = m_to->currentText();
    if (from.isEmpty() || to.isEmpty() || from == to) {
        m_sum->setText(tr("Choose two different revisions for the presets"));
        return;
    }
    for (Row &r : m_rows) {
        const QSignalBlocker block(r.weight);
        r.weight->setValue(r.revision == from ? fromWeight : r.revision == to ? toWeight : 0);
    }
    validate();
}

void TrafficDialog::applyAllToLatest()
{
    for (Row &r : m_rows) {
        const QSignalBlocker block(r.weight);
        r.weight->setValue(r.revision.isEmpty() ? 100 : 0);
    }
    validate();
}

void TrafficDialog::setWeight(const QString &revision, int weight)
{
    if (Row *r = rowFor(revision))
        r->weight->setValue(weight);
}

void TrafficDialog::setLabel(const QString &revision, const QString &label)
{
    if (Row *r = rowFor(revision))
        r->label->setText(label);
}

QList<model::TrafficWeight> TrafficDialog::traffic() const
{
    QList<model::TrafficWeight> out;
    for (const Row &r : m_rows) {
        const QString label = r.label->text().trimmed();
        if (r.weight->value() == 0 && label.isEmpty())
            continue;
        out.append(
            model::TrafficWeight{r.revision, r.revision.isEmpty(), r.weight->value(), label});
    }
    return out;
}

void TrafficDialog::validate()
{
    const QList<model::TrafficWeight> t = traffic();
    int sum = 0;
    for (const model::TrafficWeight &w : t)
        sum += w.weight;
    // The platform's own rules (model/traffic.h), so the dialog says what the platform would.
    m_error = t.isEmpty() ? tr("give at least one revision a weight")
                          : model::trafficError(t, m_names, m_activeNames);
    if (m_error.isEmpty()) {
        m_sum->setText(tr("Total %1 %: valid").arg(sum));
        m_sum->setStyleSheet(QStringLiteral("color: #2e7d32;"));
    } else {
        m_sum->setText(tr("Total %1 %: %2").arg(sum).arg(m_error));
        m_sum->setStyleSheet(QStringLiteral("color: #c62828;"));
    }
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(m_error.isEmpty());

    // What the platform will make of this split: a warning, never a refusal.
    model::ContainerApp after = m_app;
    if (after.configuration.ingress)
        after.configuration.ingress->traffic = t;
    m_warnings = model::configurationWarnings(after);
    QStringList texts;
    for (const model::PlatformWarning &w : std::as_const(m_warnings))
        texts.append(w.text);
    m_warningText->setText(texts.join(QLatin1Char('\n')));
    m_warningIcon->setVisible(!m_warnings.isEmpty());
    m_warningText->setVisible(!m_warnings.isEmpty());
}

bool TrafficDialog::isAcceptable() const
{
    return m_buttons->button(QDialogButtonBox::Ok)->isEnabled();
}

} // namespace blueshift::gui
