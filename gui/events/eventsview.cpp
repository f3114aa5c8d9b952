#include "eventsview.h"

#include "eventsfilterproxy.h"
#include "eventsmodel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPushButton>
#include <QScrollBar>
#include <QTableView>
#include <QVBoxLayout>

namespace blueshift::gui {

namespace {
const char *const kLevels[] = {"debug", "info", "warning", "error"};
} // namespace

EventsView::EventsView(EventsModel *model, QWidget *parent)
    : QWidget(parent)
    , m_model(model)
    , m_proxy(new EventsFilterProxy(this))
    , m_level(new QComboBox(this))
    , m_event(new QComboBox(this))
    , m_revision(new QComboBox(this))
    , m_search(new QLineEdit(this))
    , m_follow(new QCheckBox(tr("Follow"), this))
    , m_count(new QLabel(this))
    , m_stream(new QLabel(this))
    , m_table(new QTableView(this))
{
    m_level->addItems(
        {tr("All levels"), tr("Info and up"), tr("Warnings and errors"), tr("Errors only")});
    m_level->setToolTip(tr("Least severe level shown"));
    m_event->setToolTip(tr("Show one kind of event"));
    m_event->setMinimumContentsLength(18);
    m_event->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_revision->setToolTip(tr("Show one revision's events"));
    m_revision->setMinimumContentsLength(14);
    m_revision->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_search->setPlaceholderText(tr("Search events (Ctrl+F)"));
    m_search->setClearButtonEnabled(true);
    m_search->setObjectName(QStringLiteral("eventsSearch"));
    m_follow->setChecked(true);
    m_follow->setToolTip(tr("Keep the newest line in view"));
    m_stream->setStyleSheet(QStringLiteral("color: palette(mid);"));
    auto *clear = new QPushButton(tr("Clear"), this);
    clear->setToolTip(tr("Forget the lines shown so far"));

    auto *bar = new QHBoxLayout;
    bar->setContentsMargins(6, 4, 6, 4);
    bar->addWidget(m_level);
    bar->addWidget(m_event);
    bar->addWidget(m_revision);
    bar->addWidget(m_search, 1);
    bar->addWidget(m_follow);
    bar->addWidget(clear);
    bar->addWidget(m_count);
    bar->addWidget(m_stream);

    m_proxy->setSourceModel(model);
    m_table->setModel(m_proxy);
    m_table->setObjectName(QStringLiteral("eventsTable"));
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setAlternatingRowColors(true);
    m_table->setWordWrap(false);
    m_table->setTextElideMode(Qt::ElideRight);
    m_table->verticalHeader()->hide();
    // Fixed row heights keep 50,000 rows cheap to lay out.
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 6);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->horizontalHeader()->setHighlightSections(false);
    const std::pair<int, int> widths[] = {{EventsModel::Time, 100},
                                          {EventsModel::Source, 110},
                                          {EventsModel::Level, 65},
                                          {EventsModel::Event, 170},
                                          {EventsModel::Revision, 130}};
    for (const auto &[column, width] : widths)
        m_table->setColumnWidth(column, width);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addLayout(bar);
    layout->addWidget(m_table, 1);

    m_searchDelay.setSingleShot(true);
    m_searchDelay.setInterval(200);
    connect(&m_searchDelay, &QTimer::timeout, this, [this] {
        m_proxy->setSearchText(m_search->text());
        updateCount();
    });
    connect(m_search, &QLineEdit::textChanged, this, [this] { m_searchDelay.start(); });
    connect(m_level, &QComboBox::currentIndexChanged, this, [this](int index) {
        m_proxy->setMinimumLevel(qMax(0, index));
        updateCount();
    });
    connect(m_event, &QComboBox::currentIndexChanged, this, [this](int index) {
        m_proxy->setEventFilter(index <= 0 ? QString() : m_event->itemText(index));
        updateCount();
    });
    connect(m_revision, &QComboBox::currentIndexChanged, this, [this](int index) {
        m_proxy->setRevisionFilter(index <= 0 ? QString() : m_revision->itemText(index));
        updateCount();
    });
    connect(clear, &QPushButton::clicked, m_model, &EventsModel::clear);
    connect(m_model, &EventsModel::vocabularyChanged, this, &EventsView::refreshVocabulary);
    connect(m_proxy, &QAbstractItemModel::rowsInserted, this, [this] {
        if (m_follow->isChecked())
            m_table->scrollToBottom();
    });
    connect(m_proxy, &QAbstractItemModel::rowsInserted, this, &EventsView::updateCount);
    connect(m_proxy, &QAbstractItemModel::rowsRemoved, this, &EventsView::updateCount);
    // Scrolling up to read stops following; back at the bottom follows again.
    connect(m_table->verticalScrollBar(), &QScrollBar::valueChanged, this, [this](int value) {
        QScrollBar *bar = m_table->verticalScrollBar();
        if (bar->isSliderDown())
            m_follow->setChecked(value == bar->maximum());
    });
    refreshVocabulary();
    updateCount();
}

void EventsView::refreshVocabulary()
{
    // Rebuild the lists, keeping the current choice.
    auto fill = [](QComboBox *box, const QString &all, const QStringList &names) {
        const QString current = box->currentIndex() > 0 ? box->currentText() : QString();
        const QSignalBlocker block(box);
        box->clear();
        box->addItem(all);
        box->addItems(names);
        const int index = current.isEmpty() ? 0 : box->findText(current);
        box->setCurrentIndex(qMax(0, index));
    };
    fill(m_event, tr("All events"), m_model->eventNames());
    fill(m_revision, tr("All revisions"), m_model->revisionNames());
}

void EventsView::updateCount()
{
    const QLocale locale;
    const int shown = m_proxy->rowCount();
    const int total = m_model->rowCount();
    m_count->setText(
        shown == total ? tr("%1 lines").arg(locale.toString(total))
                       : tr("%1 of %2 lines").arg(locale.toString(shown), locale.toString(total)));
}

void EventsView::setMinimumLevel(const QString &level)
{
    for (int i = 0; i < int(std::size(kLevels)); ++i) {
        if (level == QLatin1String(kLevels[i]))
            m_level->setCurrentIndex(i);
    }
}

QString EventsView::minimumLevel() const
{
    return QLatin1String(kLevels[qBound(0, m_level->currentIndex(), 3)]);
}

void EventsView::setFollow(bool follow)
{
    m_follow->setChecked(follow);
}

bool EventsView::follow() const
{
    return m_follow->isChecked();
}

QByteArray EventsView::headerState() const
{
    return m_table->horizontalHeader()->saveState();
}

void EventsView::restoreHeaderState(const QByteArray &state)
{
    if (!state.isEmpty())
        m_table->horizontalHeader()->restoreState(state);
}

void EventsView::setStreamState(const QString &text)
{
    m_stream->setText(text);
}

} // namespace blueshift::gui
