#include "doctordialog.h"

#include "doctorevidencetree.h"
#include "doctorguilog.h"

#include "doctor/doctor.h"
#include "doctor/doctorreport.h"
#include "doctor/doctortarget.h"
#include "http/headerfile.h"

#include <QCheckBox>
#include <QClipboard>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QTextDocument>
#include <QToolButton>
#include <QVBoxLayout>

namespace blueshift::gui {

namespace {
QString escape(const QString &s)
{
    return s.toHtmlEscaped();
}
} // namespace

DoctorDialog::DoctorDialog(QWidget *parent)
    : QDialog(parent)
    , m_url(new QLineEdit(this))
    , m_origin(new QLineEdit(this))
    , m_headerFile(new QLineEdit(this))
    , m_caFile(new QLineEdit(this))
    , m_selfSigned(new QCheckBox(tr("Accept a self-signed certificate (the host name is still "
                                    "checked)"),
                                 this))
    , m_silent(new QSpinBox(this))
    , m_timeout(new QDoubleSpinBox(this))
    , m_run(new QPushButton(tr("Run"), this))
    , m_cancel(new QPushButton(tr("Cancel"), this))
    , m_copy(new QPushButton(tr("Copy report"), this))
    , m_progress(new QProgressBar(this))
    , m_probing(new QLabel(this))
    , m_verdict(new QLabel(this))
    , m_tree(new DoctorEvidenceTree(this))
{
    setObjectName(QStringLiteral("doctorDialog"));
    setWindowTitle(tr("Endpoint doctor"));
    setSizeGripEnabled(true);

    m_url->setObjectName(QStringLiteral("doctorUrl"));
    m_url->setPlaceholderText(tr("wss://app.example.com/ws"));
    m_url->setToolTip(tr("ws://, wss://, http:// or https:// URL of the WebSocket endpoint; the "
                         "path defaults to /ws"));
    connect(m_url, &QLineEdit::textEdited, this, [this] { m_urlTyped = true; });
    m_origin->setPlaceholderText(tr("default: the URL's own origin"));
    m_origin->setToolTip(tr("The Origin a browser of the app sends, e.g. https://app.example.com"));
    m_headerFile->setPlaceholderText(tr("optional: \"Name: value\" lines, e.g. api-key"));
    m_headerFile->setToolTip(tr("Sent with every request; the values are never shown"));
    m_caFile->setPlaceholderText(tr("optional: PEM, instead of the system's CAs"));
    m_silent->setRange(0, 900);
    m_silent->setSpecialValueText(tr("off"));
    m_silent->setSuffix(tr(" s"));
    m_silent->setToolTip(tr("Hold a session silent this long to see whether something on the way "
                            "cuts it (an ingress idle timeout)"));
    m_timeout->setRange(0.1, 300);
    m_timeout->setValue(10);
    m_timeout->setDecimals(1);
    m_timeout->setSuffix(tr(" s"));

    auto fileRow = [this](QLineEdit *edit, const QString &title) {
        auto *row = new QHBoxLayout;
        auto *browse = new QToolButton(this);
        browse->setText(tr("…"));
        browse->setToolTip(title);
        connect(browse, &QToolButton::clicked, this,
                [this, edit, title] { this->browse(edit, title); });
        row->addWidget(edit, 1);
        row->addWidget(browse);
        return row;
    };
    auto *options = new QGroupBox(tr("Options"), this);
    auto *form = new QFormLayout(options);
    form->addRow(tr("Origin:"), m_origin);
    form->addRow(tr("Header file:"), fileRow(m_headerFile, tr("Choose a header file")));
    form->addRow(tr("CA file:"), fileRow(m_caFile, tr("Choose CA certificates (PEM)")));
    form->addRow(QString(), m_selfSigned);
    auto *timing = new QHBoxLayout;
    timing->addWidget(m_silent);
    timing->addSpacing(16);
    timing->addWidget(new QLabel(tr("Timeout per probe:"), options));
    timing->addWidget(m_timeout);
    timing->addStretch(1);
    form->addRow(tr("Silent session:"), timing);

    auto *urlRow = new QHBoxLayout;
    urlRow->addWidget(new QLabel(tr("URL:"), this));
    urlRow->addWidget(m_url, 1);
    m_run->setObjectName(QStringLiteral("doctorRun"));
    m_run->setDefault(true);
    m_cancel->setObjectName(QStringLiteral("doctorCancel"));
    urlRow->addWidget(m_run);
    urlRow->addWidget(m_cancel);
    connect(m_run, &QPushButton::clicked, this, &DoctorDialog::run);
    connect(m_cancel, &QPushButton::clicked, this, &DoctorDialog::cancel);
    connect(m_url, &QLineEdit::returnPressed, this, &DoctorDialog::run);

    m_progress->setRange(0, 0);
    m_progress->setTextVisible(false);
    m_progress->setMaximumWidth(140);
    auto *progressRow = new QHBoxLayout;
    progressRow->addWidget(m_progress);
    progressRow->addWidget(m_probing, 1);

    m_verdict->setObjectName(QStringLiteral("doctorVerdict"));
    m_verdict->setWordWrap(true);
    m_verdict->setTextFormat(Qt::RichText);
    m_verdict->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_verdict->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    auto *results = new QSplitter(Qt::Vertical, this);
    results->addWidget(m_verdict);
    results->addWidget(m_tree);
    results->setStretchFactor(0, 2);
    results->setStretchFactor(1, 3);

    connect(m_copy, &QPushButton::clicked, this,
            [this] { QGuiApplication::clipboard()->setText(m_report); });
    auto *close = new QPushButton(tr("Close"), this);
    close->setAutoDefault(false);
    connect(close, &QPushButton::clicked, this, &QDialog::hide);
    auto *buttons = new QHBoxLayout;
    buttons->addStretch(1);
    buttons->addWidget(m_copy);
    buttons->addWidget(close);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(urlRow);
    layout->addWidget(options);
    layout->addLayout(progressRow);
    layout->addWidget(results, 1);
    layout->addLayout(buttons);

    setRunning(false);
    showVerdict(tr("Give the WebSocket URL and Run: the doctor checks TLS, the health path, the "
                   "upgrade with the app's Origin, without one and with a foreign one, Chainlit's "
                   "socket.io path and other paths, then names the most likely cause."),
                0);
    resize(900, 700);
}

DoctorDialog::~DoctorDialog() = default;

void DoctorDialog::suggestUrl(const QString &url)
{
    if (!m_urlTyped || m_url->text().trimmed().isEmpty())
        m_url->setText(url);
}

QString DoctorDialog::ingressUrl(const model::ContainerApp &app, const QUrl &adminUrl)
{
    if (!app.configuration.ingress || app.configuration.ingress->fqdn.isEmpty())
        return {};
    const QString scheme =
        adminUrl.scheme() == QLatin1String("http") ? QStringLiteral("ws") : QStringLiteral("wss");
    return scheme + QStringLiteral("://") + app.configuration.ingress->fqdn + QStringLiteral("/ws");
}

QString DoctorDialog::progressText() const
{
    return m_probing->text();
}

QString DoctorDialog::verdictText() const
{
    QTextDocument doc;
    doc.setHtml(m_verdict->text());
    return doc.toPlainText();
}

bool DoctorDialog::buildConfig(doctor::DoctorConfig *c, QString *error) const
{
    if (!doctor::setTargetUrl(c, m_url->text(), error))
        return false;
    const QString origin = m_origin->text().trimmed();
    if (!origin.isEmpty()) {
        if (const QString e = doctor::originError(origin); !e.isEmpty()) {
            *error = tr("Origin: %1").arg(e);
            return false;
        }
        c->origin = origin;
    }
    const QString headers = m_headerFile->text().trimmed();
    if (!headers.isEmpty()) {
        if (!http::readHeaderFile(headers, &c->headers, error))
            return false;
        for (const auto &h : std::as_const(c->headers)) {
            if (h.first.compare("origin", Qt::CaseInsensitive) == 0) {
                *error = tr("header file %1: give the Origin in the Origin field").arg(headers);
                return false;
            }
        }
    }
    const QString ca = m_caFile->text().trimmed();
    if (!ca.isEmpty() && !doctor::loadCaFile(c, ca, error))
        return false;
    c->acceptSelfSigned = m_selfSigned->isChecked();
    c->timeoutMs = qRound(m_timeout->value() * 1000);
    c->silentSeconds = m_silent->value();
    return true;
}

void DoctorDialog::run()
{
    if (isRunning())
        return;
    doctor::DoctorConfig config;
    QString error;
    if (!buildConfig(&config, &error)) {
        m_hasDiagnosis = false;
        m_tree->clear();
        showVerdict(
            QStringLiteral("<b>%1</b><br>%2").arg(escape(tr("Cannot probe that.")), escape(error)),
            2);
        return;
    }
    m_hasDiagnosis = false;
    m_report.clear();
    m_probes = 0;
    m_tree->clear();
    showVerdict(escape(tr("Probing %1…").arg(config.url)), 0);
    qCInfo(lcDoctorDialog) << "probing" << config.url;
    m_doctor = new doctor::Doctor(config, this);
    connect(m_doctor, &doctor::Doctor::probeStarted, this, [this](const QString &what) {
        ++m_probes;
        m_probing->setText(tr("Probe %1: %2").arg(m_probes).arg(what));
    });
    connect(m_doctor, &doctor::Doctor::finished, this, &DoctorDialog::onFinished);
    setRunning(true);
    m_doctor->start();
}

void DoctorDialog::cancel()
{
    if (!isRunning())
        return;
    // Deleting the doctor closes its connection; the probes that ran stay on show.
    doctor::Doctor *d = m_doctor;
    m_doctor = nullptr;
    disconnect(d, nullptr, this, nullptr);
    m_tree->showEvidence(d->evidence());
    d->deleteLater();
    setRunning(false);
    showVerdict(escape(tr("Cancelled after %n probe(s): no verdict. The probes that ran are "
                          "below.",
                          nullptr, m_probes)),
                0);
}

void DoctorDialog::onFinished()
{
    doctor::Doctor *d = m_doctor;
    if (!d)
        return;
    m_doctor = nullptr;
    const doctor::DoctorEvidence evidence = d->evidence();
    d->deleteLater();
    m_diagnosis = doctor::diagnose(evidence);
    m_hasDiagnosis = true;
    setRunning(false);
    m_report = doctor::renderReport(evidence, m_diagnosis);
    m_tree->showEvidence(evidence);
    const doctor::Diagnosis &d2 = m_diagnosis;
    const QString heading = d2.problem() ? tr("Most likely cause:") : tr("Healthy:");
    QString html = QStringLiteral("<div style='font-size:large'><b>%1</b> %2</div>")
                       .arg(escape(heading), escape(d2.title));
    html += QStringLiteral("<p>%1</p>").arg(escape(d2.explanation));
    if (!d2.fix.isEmpty())
        html += QStringLiteral("<p><b>%1</b> %2</p>")
                    .arg(escape(tr("What to change:")), escape(d2.fix));
    if (!d2.evidence.isEmpty()) {
        html += QStringLiteral("<b>%1</b><ul style='margin-top:2px'>").arg(escape(tr("Evidence:")));
        for (const QString &line : d2.evidence)
            html += QStringLiteral("<li>%1</li>").arg(escape(line));
        html += QStringLiteral("</ul>");
    }
    if (!d2.notes.isEmpty()) {
        html +=
            QStringLiteral("<b>%1</b><ul style='margin-top:2px'>").arg(escape(tr("Also noticed:")));
        for (const QString &line : d2.notes)
            html += QStringLiteral("<li>%1</li>").arg(escape(line));
        html += QStringLiteral("</ul>");
    }
    showVerdict(html, d2.problem() ? 2 : 1);
    qCInfo(lcDoctorDialog) << "verdict" << doctor::causeName(d2.cause) << "after" << m_probes
                           << "probes";
    Q_EMIT diagnosed();
}

void DoctorDialog::setRunning(bool running)
{
    m_run->setEnabled(!running);
    m_cancel->setEnabled(running);
    m_copy->setEnabled(!running && m_hasDiagnosis);
    m_progress->setVisible(running);
    m_probing->setVisible(running);
    for (QWidget *w : std::initializer_list<QWidget *>{m_url, m_origin, m_headerFile, m_caFile,
                                                       m_selfSigned, m_silent, m_timeout})
        w->setEnabled(!running);
    if (!running)
        m_probing->clear();
}

void DoctorDialog::showVerdict(const QString &html, int tone)
{
    static const char *const colours[] = {"#eef1f5", "#e3f4e8", "#fbe4e4"};
    static const char *const borders[] = {"#9aa5b1", "#1f7a3a", "#b01c1c"};
    m_verdict->setText(html);
    m_verdict->setStyleSheet(QStringLiteral("QLabel { background: %1; border-left: 4px solid %2; "
                                            "padding: 8px 12px; color: #1b1f24; }")
                                 .arg(QLatin1String(colours[tone]), QLatin1String(borders[tone])));
}

void DoctorDialog::browse(QLineEdit *edit, const QString &title)
{
    auto *dialog = new QFileDialog(this, title);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setFileMode(QFileDialog::ExistingFile);
    connect(dialog, &QFileDialog::fileSelected, edit, &QLineEdit::setText);
    dialog->open();
}

} // namespace blueshift::gui
