#pragma once

#include "model/containerapp.h"

#include <QJsonObject>
#include <QString>

namespace blueshift::controlplane {

// The PATCH bodies of Microsoft.App/containerApps for what a rollout does, in one place for
// both platforms. A PATCH is a JSON merge patch: objects merge, arrays replace. So a traffic
// patch carries the whole traffic list, and a new revision carries the whole template, taken
// from the app as the service answered it, so that probes, volumes and anything else Blueshift
// does not model survive.

// configuration.ingress.<members>: the base of the ingress patches below.
QJsonObject ingressPatch(const QJsonObject &members);

// configuration.ingress.traffic: weights, labels, latestRevision entries.
QJsonObject trafficPatch(const QList<model::TrafficWeight> &traffic);

// configuration.activeRevisionsMode
QJsonObject revisionModePatch(model::ActiveRevisionsMode mode);

// configuration.ingress.stickySessions.affinity
QJsonObject stickySessionsPatch(model::Affinity affinity);

// configuration.ingress.transport
QJsonObject transportPatch(model::Transport transport);

// What makes a new revision.
struct NewRevision
{
    QString suffix;        // revisionSuffix; the revision is named {app}--{suffix}
    QString image;         // empty: keep the current image
    QString containerName; // which container gets the image; empty: the only one
};

// The template of `currentApp` (a GET answer, Azure's or the local platform's) with the new
// suffix and image, as a PATCH of properties.template. Empty, with the reason in *error, when
// the suffix is invalid or the container cannot be chosen.
QJsonObject newRevisionPatch(const QJsonObject &currentApp, const NewRevision &revision,
                             QString *error);

} // namespace blueshift::controlplane
