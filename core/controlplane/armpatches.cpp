#include "armpatches.h"

#include "model/names.h"

#include <QJsonArray>

namespace blueshift::controlplane {

namespace {
QJsonObject configurationPatch(const QJsonObject &members)
{
    return {
        {QStringLiteral("properties"), QJsonObject{{QStringLiteral("configuration"), members}}}};
}
} // namespace

QJsonObject ingressPatch(const QJsonObject &members)
{
    return configurationPatch({{QStringLiteral("ingress"), members}});
}

QJsonObject trafficPatch(const QList<model::TrafficWeight> &traffic)
{
    return ingressPatch({{QStringLiteral("traffic"), model::toJson(traffic)}});
}

QJsonObject revisionModePatch(model::ActiveRevisionsMode mode)
{
    return configurationPatch({{QStringLiteral("activeRevisionsMode"), model::wireName(mode)}});
}

QJsonObject stickySessionsPatch(model::Affinity affinity)
{
    return ingressPatch({{QStringLiteral("stickySessions"),
                          QJsonObject{{QStringLiteral("affinity"), model::wireName(affinity)}}}});
}

QJsonObject transportPatch(model::Transport transport)
{
    return ingressPatch({{QStringLiteral("transport"), model::wireName(transport)}});
}

QJsonObject newRevisionPatch(const QJsonObject &currentApp, const NewRevision &revision,
                             QString *error)
{
    const QString app = currentApp.value(QStringLiteral("name")).toString();
    if (const QString e = model::revisionSuffixError(revision.suffix, app); !e.isEmpty()) {
        *error = e;
        return {};
    }
    QJsonObject tmpl = currentApp.value(QStringLiteral("properties"))
                           .toObject()
                           .value(QStringLiteral("template"))
                           .toObject();
    if (tmpl.value(QStringLiteral("revisionSuffix")).toString() == revision.suffix) {
        // The service would make no revision: the suffix is part of the template it compares.
        *error = QStringLiteral("the current revision already has the suffix '%1'; a new "
                                "revision needs a new suffix")
                     .arg(revision.suffix);
        return {};
    }
    tmpl.insert(QStringLiteral("revisionSuffix"), revision.suffix);
    if (!revision.image.isEmpty()) {
        QJsonArray containers = tmpl.value(QStringLiteral("containers")).toArray();
        qsizetype index = -1;
        QStringList names;
        for (qsizetype i = 0; i < containers.size(); ++i) {
            const QString name =
                containers.at(i).toObject().value(QStringLiteral("name")).toString();
            names.append(name);
            if (name == revision.containerName)
                index = i;
        }
        if (revision.containerName.isEmpty()) {
            if (containers.size() != 1) {
                *error =
                    containers.isEmpty()
                        ? QStringLiteral("app '%1' has no container to give the image to").arg(app)
                        : QStringLiteral("app '%1' has %2 containers (%3): say which one "
                                         "gets the image")
                              .arg(app)
                              .arg(containers.size())
                              .arg(names.join(QStringLiteral(", ")));
                return {};
            }
            index = 0;
        } else if (index < 0) {
            *error = QStringLiteral("app '%1' has no container named '%2' (it has %3)")
                         .arg(app, revision.containerName,
                              names.isEmpty() ? QStringLiteral("none")
                                              : names.join(QStringLiteral(", ")));
            return {};
        }
        QJsonObject container = containers.at(index).toObject();
        container.insert(QStringLiteral("image"), revision.image);
        containers.replace(index, container);
        tmpl.insert(QStringLiteral("containers"), containers);
    }
    return {{QStringLiteral("properties"), QJsonObject{{QStringLiteral("template"), tmpl}}}};
}

} // namespace blueshift::controlplane
