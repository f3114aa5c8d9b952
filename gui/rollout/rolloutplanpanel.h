#pragma once

#include "rollout/rolloutplan.h"

#include <QGroupBox>

#include <optional>

class QLabel;
class QPushButton;

namespace blueshift::gui {

class BlueGreenForm;

// The left side of the rollout wizard: the plan to run, from the blue/green form or from a plan
// file (run as written; the form shows it when it has the form's shape), with Load and Save
// (the file format of `blueshift-server rollout`) and what is wrong with it, in words.
class RolloutPlanPanel : public QGroupBox
{
    Q_OBJECT
public:
    explicit RolloutPlanPanel(QWidget *parent = nullptr);

    BlueGreenForm *form() const { return m_form; }
    // The plan as it stands; false with the reason (naming the field or step) when invalid.
    bool currentPlan(rollout::Plan *plan, QString *error) const;
    bool isFromFile() const { return m_loaded.has_value(); }

    // A plan file replaces the form's plan; false with the reason when it is not a valid plan.
    bool loadPlanFile(const QString &path, QString *error);
    bool savePlanFile(const QString &path, QString *error) const;
    // Back to the plan the form makes.
    void useForm();
    // Off while a run goes on: the plan being run stays as it is.
    void setEditable(bool editable);

Q_SIGNALS:
    void planChanged();
    // The outcome of Load or Save chosen in a file dialog, for the wizard's banner.
    void message(const QString &text, bool error);

private:
    void update();
    void chooseLoad();
    void chooseSave();

    BlueGreenForm *m_form;
    QLabel *m_source;
    QPushButton *m_useForm;
    QLabel *m_error;
    QPushButton *m_load;
    QPushButton *m_save;
    std::optional<rollout::Plan> m_loaded;
    QString m_loadedFile;
    bool m_editable = true;
};

} // namespace blueshift::gui
