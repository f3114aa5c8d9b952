#pragma once

#include "doctor/doctorevidence.h"

#include <QTreeWidget>

namespace blueshift::gui {

// The doctor's evidence as a tree: one item per probe (TLS, health check, the upgrade with the
// app's Origin, without one and with a foreign one, socket.io, other paths, the silent session)
// marked ✓, ✗, ! or ·, with what came back on the wire beneath it: status line, the response
// headers worth showing, body, peer and timings. Holds no value of a header the user sent.
class DoctorEvidenceTree : public QTreeWidget
{
    Q_OBJECT
public:
    enum class Mark { Ok, Fail, Warn, Info, Skipped };

    explicit DoctorEvidenceTree(QWidget *parent = nullptr);

    void showEvidence(const doctor::DoctorEvidence &evidence);
    // The top-level item of a probe by its label ("WebSocket upgrade"), or null.
    QTreeWidgetItem *probeItem(const QString &label) const;
    static QString markGlyph(Mark mark);

private:
    QTreeWidgetItem *addProbe(const doctor::ProbeResult &probe, Mark mark,
                              const QString &comment = QString());
    void addTls(const doctor::DoctorEvidence &e);
    void addSilent(const doctor::SilentFacts &silent);
    QTreeWidgetItem *top(Mark mark, const QString &label, const QString &summary);
};

} // namespace blueshift::gui
