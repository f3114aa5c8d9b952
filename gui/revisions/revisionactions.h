#pragma once

#include "model/containerapp.h"
#include "model/platformwarnings.h"

#include <QJsonObject>
#include <QObject>

namespace blueshift::controlplane {
class ArmCall;
}

namespace blueshift::gui {

class AppSession;

// What the New revision dialog asks for: a new suffix and the workload.
struct NewRevisionSpec
{
    QString suffix;
    QString image;         // the container image (on the local platform: carried, not pulled)
    QString containerName; // the container that gets the workload; empty: the first
    QStringList command;   // empty: the image's entry point (locally: the Blueshift relay)
    QStringList args;
    QList<model::EnvVar> env; // secretRef entries stay references
    int terminationGracePeriodSeconds = 30;
};

// The revision actions of the console on either platform, each run through AppSession::run
// (which reports progress and errors): a POST of a revision action, or a PATCH of the app whose
// body is core's (controlplane/armpatches.h). A new revision reads the app afresh first and
// PATCHes its whole template back (a merge patch replaces arrays), so that probes, volumes and
// whatever else Blueshift does not model survive. Before a PATCH goes, the platform warnings it
// would add (model/platformwarnings.h) are announced; they never stop it.
// Every function returns the operation's first call, or null when nothing was sent: not
// connected, no app, an invalid request, or another action still running.
class RevisionActions : public QObject
{
    Q_OBJECT
public:
    explicit RevisionActions(AppSession *session, QObject *parent = nullptr);

    // GET of the app, then the PATCH made from its answer.
    controlplane::ArmCall *createRevision(const NewRevisionSpec &spec);
    controlplane::ArmCall *activate(const QString &revision);
    controlplane::ArmCall *deactivate(const QString &revision);
    controlplane::ArmCall *restart(const QString &revision);
    controlplane::ArmCall *setTraffic(const QList<model::TrafficWeight> &traffic);
    // Exchanges the traffic labels of two revisions.
    controlplane::ArmCall *swapLabels(const QString &first, const QString &second);
    controlplane::ArmCall *setRevisionMode(model::ActiveRevisionsMode mode);
    controlplane::ArmCall *setStickySessions(bool sticky);
    controlplane::ArmCall *setTransport(model::Transport transport);

    // The PATCH that makes a new revision from `currentApp` (a GET answer of either platform):
    // core's newRevisionPatch with the spec's suffix and image, then the spec's command,
    // arguments, environment and grace period on its container. Empty, with the reason in
    // *error, when the suffix is invalid or the container cannot be found.
    static QJsonObject newRevisionPatch(const QJsonObject &currentApp, const NewRevisionSpec &spec,
                                        QString *error);
    // The traffic with the labels of `first` and `second` exchanged; empty (and `error`) when
    // neither carries a label.
    static QList<model::TrafficWeight> swappedLabels(const QList<model::TrafficWeight> &traffic,
                                                     const QString &latestRevision,
                                                     const QString &first, const QString &second,
                                                     QString *error);

Q_SIGNALS:
    // An action could not be sent (with the reason in words).
    void refused(const QString &reason);
    // A change about to be sent will do something the user may not expect (sticky sessions
    // ignored in multiple mode, weights ignored in single mode ...). Informational.
    void warned(const QString &description, const QList<model::PlatformWarning> &warnings);

private:
    bool ready();
    controlplane::ArmCall *runAction(controlplane::ArmCall *call, const QString &description);
    controlplane::ArmCall *patch(const QJsonObject &body, const QString &description);
    void announce(const QString &description, const QJsonObject &currentApp,
                  const QJsonObject &patch);

    AppSession *m_session;
};

} // namespace blueshift::gui
