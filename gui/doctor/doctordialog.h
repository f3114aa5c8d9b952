#pragma once

#include "doctor/doctor.h"
#include "doctor/doctordiagnosis.h"
#include "model/containerapp.h"

#include <QDialog>
#include <QPointer>

class QCheckBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;

namespace blueshift::gui {

class DoctorEvidenceTree;

// The endpoint doctor in a dialog: the same probes as `blueshift-server doctor` (core/doctor) on a
// URL (the app's ingress by default), with the Origin, a header file of secrets, a CA file or
// self-signed certificates and a silent session as options. Run probes asynchronously with
// progress and Cancel; then every probe's evidence in a tree and the verdict in plain words:
// the most likely cause, why, and what to change. Header values are sent, never shown.
class DoctorDialog : public QDialog
{
    Q_OBJECT
public:
    explicit DoctorDialog(QWidget *parent = nullptr);
    ~DoctorDialog() override;

    // Pre-fills the URL (the current app's ingress); a URL the user typed is kept.
    void suggestUrl(const QString &url);
    // ws://fqdn/ws (wss:// when the control plane speaks https, as Azure does); empty without an
    // ingress.
    static QString ingressUrl(const model::ContainerApp &app, const QUrl &adminUrl);
    void run();
    void cancel();
    bool isRunning() const { return !m_doctor.isNull(); }
    bool hasDiagnosis() const { return m_hasDiagnosis; }
    const doctor::Diagnosis &diagnosis() const { return m_diagnosis; }
    // The verdict panel as plain text (or the reason the probes could not run).
    QString verdictText() const;
    // "Probe 4: upgrade on /ws with Origin …" while probing; empty otherwise.
    QString progressText() const;
    // The report `blueshift-server doctor` prints, for the clipboard.
    QString reportText() const { return m_report; }

    QLineEdit *urlEdit() const { return m_url; }
    QLineEdit *originEdit() const { return m_origin; }
    QLineEdit *headerFileEdit() const { return m_headerFile; }
    QLineEdit *caFileEdit() const { return m_caFile; }
    QCheckBox *selfSignedCheck() const { return m_selfSigned; }
    QSpinBox *silentSpin() const { return m_silent; }
    QPushButton *runButton() const { return m_run; }
    QPushButton *cancelButton() const { return m_cancel; }
    DoctorEvidenceTree *evidenceTree() const { return m_tree; }

Q_SIGNALS:
    // The probes ended with a verdict (not when cancelled or refused before they ran).
    void diagnosed();

private:
    bool buildConfig(doctor::DoctorConfig *config, QString *error) const;
    void onFinished();
    void setRunning(bool running);
    void showVerdict(const QString &html, int tone); // 0 neutral, 1 good, 2 bad
    void browse(QLineEdit *edit, const QString &title);

    QLineEdit *m_url;
    QLineEdit *m_origin;
    QLineEdit *m_headerFile;
    QLineEdit *m_caFile;
    QCheckBox *m_selfSigned;
    QSpinBox *m_silent;
    QDoubleSpinBox *m_timeout;
    QPushButton *m_run;
    QPushButton *m_cancel;
    QPushButton *m_copy;
    QProgressBar *m_progress;
    QLabel *m_probing;
    QLabel *m_verdict;
    DoctorEvidenceTree *m_tree;
    QPointer<doctor::Doctor> m_doctor;
    doctor::Diagnosis m_diagnosis;
    bool m_hasDiagnosis = false;
    bool m_urlTyped = false;
    int m_probes = 0;
    QString m_report;
};

} // namespace blueshift::gui
