#pragma once

#include <QTimer>
#include <QWidget>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QTableView;

namespace blueshift::gui {

class EventsFilterProxy;
class EventsModel;

// The events view: platform log stream and harness events in one table, filtered by level,
// event and revision, with a search box; follows the newest line unless the user scrolls away.
class EventsView : public QWidget
{
    Q_OBJECT
public:
    EventsView(EventsModel *model, QWidget *parent = nullptr);

    EventsFilterProxy *proxy() const { return m_proxy; }
    QTableView *table() const { return m_table; }
    QLineEdit *searchEdit() const { return m_search; }

    // "debug", "info", "warning" or "error".
    void setMinimumLevel(const QString &level);
    QString minimumLevel() const;
    void setFollow(bool follow);
    bool follow() const;
    QByteArray headerState() const;
    void restoreHeaderState(const QByteArray &state);
    // The stream's connection state, shown beside the counts.
    void setStreamState(const QString &text);

private:
    void refreshVocabulary();
    void updateCount();

    EventsModel *m_model;
    EventsFilterProxy *m_proxy;
    QComboBox *m_level;
    QComboBox *m_event;
    QComboBox *m_revision;
    QLineEdit *m_search;
    QCheckBox *m_follow;
    QLabel *m_count;
    QLabel *m_stream;
    QTableView *m_table;
    QTimer m_searchDelay;
};

} // namespace blueshift::gui
