#pragma once

#include "model/containerapp.h"
#include "model/platformwarnings.h"

#include <QDialog>

class QComboBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QSpinBox;
class QTableWidget;

namespace blueshift::gui {

// Edit traffic: a weight and a label per revision (and for "latest revision"), presets for a
// blue/green pair (100/0, 50/50, 0/100, all to the latest revision), and the sum and every rule
// of model::trafficError checked live; OK stays disabled until the split is valid. Core's
// platform warnings of the app this split would make (weights ignored in single revision mode,
// sticky sessions ignored in multiple mode) show as the weights change; they never disable OK.
class TrafficDialog : public QDialog
{
    Q_OBJECT
public:
    TrafficDialog(const model::ContainerApp &app, const QList<model::Revision> &revisions,
                  QWidget *parent = nullptr);

    // The traffic list to PATCH: rows with a weight or a label.
    QList<model::TrafficWeight> traffic() const;
    QString validationError() const { return m_error; }
    bool isAcceptable() const;
    // The platform warnings for the split as it stands.
    QList<model::PlatformWarning> warnings() const { return m_warnings; }

    // Presets between the "from" (blue) and "to" (green) revisions chosen in the dialog.
    void applyPreset(int fromWeight, int toWeight);
    void applyAllToLatest();
    void setPresetPair(const QString &from, const QString &to);
    // Direct access for tests and keyboard users: the weight of a revision's row (or of the
    // latest-revision row with an empty name).
    void setWeight(const QString &revision, int weight);
    void setLabel(const QString &revision, const QString &label);

private:
    struct Row
    {
        QString revision; // empty: the latestRevision entry
        QSpinBox *weight = nullptr;
        QLineEdit *label = nullptr;
    };
    void addRow(const QString &revision, const QString &status, int weight, const QString &label);
    Row *rowFor(const QString &revision);
    void validate();

    model::ContainerApp m_app;
    QString m_latest;
    QStringList m_names;
    QStringList m_activeNames;
    QList<Row> m_rows;
    QTableWidget *m_table;
    QComboBox *m_from;
    QComboBox *m_to;
    QLabel *m_sum;
    QLabel *m_warningIcon;
    QLabel *m_warningText;
    QDialogButtonBox *m_buttons;
    QString m_error;
    QList<model::PlatformWarning> m_warnings;
};

} // namespace blueshift::gui
