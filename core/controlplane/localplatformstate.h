#pragma once

// The private per-app and per-revision state of LocalPlatform, shared by its two source files.
#include "localplatform.h"

#include "ingress/ingress.h"
#include "supervisor/revisionsupervisor.h"

namespace blueshift::controlplane {

struct LocalPlatform::RevisionState
{
    model::Revision meta; // what is persisted: name, createdTime, template, active
    std::unique_ptr<supervisor::RevisionSupervisor> sup;
    bool everReady = false;
    bool failed = false;
};

struct LocalPlatform::AppState
{
    model::ContainerApp app; // the desired configuration; its template is the latest revision's
    quint16 ingressPort = 0;
    std::unique_ptr<ingress::Ingress> ingress;
    std::vector<std::unique_ptr<RevisionState>> revisions; // in creation order
    QDateTime created;
};

} // namespace blueshift::controlplane
