#pragma once

#include "model/containerapp.h"
#include "rollout/rolloutplan.h"

#include <QJsonObject>
#include <QWidget>

class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QSpinBox;

namespace blueshift::gui {

// The blue/green of the sample plan as a form: the app, the revision that serves now, the new
// revision (suffix, image or command, env), how long to hold at 50/50, how many test sessions
// run through it and how many new ones open at 50/50 to check the split. It makes a plan in
// the file format (so what it builds is exactly what a saved file holds and what PlanParser
// checks): deploy, wait until ready, 50/50, new sessions, hold, 100/0, deactivate the old
// revision, wait until its sessions drained, then a while on the new revision alone (where the
// old one's sessions reconnect).
class BlueGreenForm : public QWidget
{
    Q_OBJECT
public:
    explicit BlueGreenForm(QWidget *parent = nullptr);

    // Fills the fields from the app as the console sees it: the revision with the most traffic
    // as the one to replace, a free suffix for the new one, the current image. Only fields the
    // user has not typed in, and only for an app not seen before.
    void setAppSnapshot(const model::ContainerApp &app, const QList<model::Revision> &revisions);
    // After a run the app is another one: the next snapshot fills the fields in again.
    void forgetSnapshot() { m_snapshotApp.clear(); }

    // The plan in the file format, or an empty object and the reason.
    QJsonObject planJson(QString *error) const;
    // The plan as PlanParser reads planJson(); false with the reason (naming the field).
    bool buildPlan(rollout::Plan *plan, QString *error) const;
    // Shows a plan of the form's shape in the fields; false (fields unchanged) for another one.
    bool showPlan(const rollout::Plan &plan);

    QString appName() const;
    QString currentRevision() const; // "demo--blue"
    QString newRevision() const;     // "demo--green"

    QLineEdit *appEdit() const { return m_app; }
    QLineEdit *fromEdit() const { return m_from; }
    QLineEdit *toEdit() const { return m_to; }
    QLineEdit *imageEdit() const { return m_image; }
    QSpinBox *holdSpin() const { return m_hold; }
    QSpinBox *settleSpin() const { return m_settle; }
    QSpinBox *sessionsSpin() const { return m_sessions; }
    QSpinBox *newSessionsSpin() const { return m_newSessions; }
    QSpinBox *graceSpin() const { return m_grace; }
    QPlainTextEdit *envEdit() const { return m_env; }

Q_SIGNALS:
    void changed();

private:
    bool readEnv(QJsonObject *env, QString *error) const;

    QLineEdit *m_app;
    QLineEdit *m_from;
    QLineEdit *m_to;
    QLineEdit *m_image;
    QLineEdit *m_command;
    QLineEdit *m_args;
    QPlainTextEdit *m_env;
    QSpinBox *m_grace;
    QSpinBox *m_hold;
    QSpinBox *m_settle;
    QSpinBox *m_sessions;
    QSpinBox *m_newSessions;
    QString m_snapshotApp;
    QStringList m_existing; // revision names of the app, when known
};

} // namespace blueshift::gui
