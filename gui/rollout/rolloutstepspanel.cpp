#include "rolloutstepspanel.h"

#include "rolloutstepsmodel.h"

#include <QHeaderView>
#include <QPlainTextEdit>
#include <QSplitter>
#include <QTextBrowser>
#include <QTreeView>
#include <QVBoxLayout>

namespace blueshift::gui {

RolloutStepsPanel::RolloutStepsPanel(RolloutStepsModel *model, QWidget *parent)
    : QWidget(parent)
    , m_model(model)
    , m_view(new QTreeView(this))
    , m_details(new QTextBrowser(this))
    , m_log(new QPlainTextEdit(this))
{
    m_view->setObjectName(QStringLiteral("rolloutSteps"));
    m_view->setModel(model);
    m_view->setRootIsDecorated(false);
    m_view->setUniformRowHeights(true);
    m_view->setAlternatingRowColors(true);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->header()->setStretchLastSection(true);
    m_view->setColumnWidth(RolloutStepsModel::Step, 210);
    m_view->setColumnWidth(RolloutStepsModel::State, 95);
    m_details->setObjectName(QStringLiteral("stepDetails"));
    m_details->setOpenLinks(false);
    m_log->setObjectName(QStringLiteral("rolloutLog"));
    m_log->setReadOnly(true);
    m_log->setMaximumBlockCount(2000);
    m_log->setPlaceholderText(tr("Notes and platform events of the run"));
    auto *split = new QSplitter(Qt::Vertical, this);
    split->addWidget(m_view);
    split->addWidget(m_details);
    split->addWidget(m_log);
    split->setStretchFactor(0, 5);
    split->setStretchFactor(1, 2);
    split->setStretchFactor(2, 3);
    // Room for a dozen steps, a handful of verdicts, and the rest for the log.
    const int row = m_view->fontMetrics().height() + 6;
    split->setSizes({row * 13, row * 6, row * 9});
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(split);

    connect(m_view->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &RolloutStepsPanel::showDetails);
    connect(model, &QAbstractItemModel::dataChanged, this, &RolloutStepsPanel::showDetails);
    connect(model, &QAbstractItemModel::modelReset, this, &RolloutStepsPanel::showDetails);
}

void RolloutStepsPanel::setCurrentStep(int index)
{
    m_view->setCurrentIndex(m_model->index(index, 0));
}

void RolloutStepsPanel::log(double seconds, const QString &text)
{
    m_log->appendPlainText(QStringLiteral("[%1 s] %2").arg(seconds, 6, 'f', 1).arg(text));
}

void RolloutStepsPanel::clearLog()
{
    m_log->clear();
}

QString RolloutStepsPanel::detailsText() const
{
    return m_details->toPlainText();
}

QString RolloutStepsPanel::logText() const
{
    return m_log->toPlainText();
}

void RolloutStepsPanel::showDetails()
{
    const int row = m_view->currentIndex().row();
    if (row < 0 || row >= m_model->rowCount()) {
        m_details->clear();
        return;
    }
    const rollout::PlanStep &step = m_model->plan().steps.at(row);
    const StepRecord &r = m_model->record(row);
    QString html =
        QStringLiteral("<b>%1</b> &nbsp;<span style='color:#57606a'>%2</span><br>"
                       "<span style='color:#57606a'>%3</span>")
            .arg(m_model->stepTitle(row).toHtmlEscaped(), stepStateText(r.state).toHtmlEscaped(),
                 rollout::describe(step).toHtmlEscaped());
    // A step that has not run has no outcome beyond what it will do (said above).
    if (r.state != StepRecord::State::Pending && r.state != StepRecord::State::Next &&
        r.state != StepRecord::State::NotRun)
        html += QStringLiteral("<p>%1</p>").arg(m_model->outcome(row).toHtmlEscaped());
    for (const QString &line : verdictLines(r)) {
        const bool bad = line.startsWith(QStringLiteral("✗"));
        html += QStringLiteral("<div style='color:%1'>%2</div>")
                    .arg(bad ? QStringLiteral("#b01c1c") : QStringLiteral("#1f7a3a"),
                         line.toHtmlEscaped());
    }
    m_details->setHtml(html);
}

} // namespace blueshift::gui
