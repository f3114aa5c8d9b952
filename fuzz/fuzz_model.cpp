// Fuzzes the ARM JSON model (core/model/containerapp.h): the input, parsed as a JSON object, is
// read as a container app, a revision and a replica, the way the control-plane client reads
// what Azure or the local platform sends. Checks, for each:
// - no crash and no undefined behaviour; a refused object always comes with an error message;
// - an accepted one writes back (toJson) to JSON that reads again, and writing that gives the
//   same JSON: fromJson and toJson agree on every field they both carry;
// - the values the readers range-check stay in range (weights 0 to 100, ports, replicas).
// The input is the whole JSON text.
#include "fuzzcheck.h"

#include "model/containerapp.h"

#include <QJsonDocument>

using namespace blueshift::model;

namespace {

void checkTemplate(const Template &t)
{
    FUZZ_CHECK(t.terminationGracePeriodSeconds >= 0 && t.terminationGracePeriodSeconds <= 600);
    FUZZ_CHECK(t.scale.minReplicas >= 0 && t.scale.minReplicas <= t.scale.maxReplicas);
    FUZZ_CHECK(t.scale.maxReplicas <= 1000);
    FUZZ_CHECK(t.scale.concurrencyPerReplica() > 0);
    for (const Container &c : t.containers) {
        for (const EnvVar &e : c.env)
            FUZZ_CHECK(!e.name.isEmpty());
    }
}

void check(const ContainerApp &app)
{
    FUZZ_CHECK(app.configuration.maxInactiveRevisions >= 0 &&
               app.configuration.maxInactiveRevisions <= 100);
    if (const auto &in = app.configuration.ingress) {
        FUZZ_CHECK(in->targetPort >= 1 && in->targetPort <= 65535);
        for (const TrafficWeight &w : in->traffic) {
            FUZZ_CHECK(w.weight >= 0 && w.weight <= 100);
            FUZZ_CHECK(w.latestRevision == w.revisionName.isEmpty());
        }
    }
    checkTemplate(app.tmpl);
}

void check(const Revision &r)
{
    FUZZ_CHECK(r.replicas >= 0 && r.trafficWeight >= 0 && r.trafficWeight <= 100);
    checkTemplate(r.tmpl);
}

void check(const Replica &r)
{
    for (const ReplicaContainer &c : r.containers)
        FUZZ_CHECK(c.restartCount >= 0);
}

template<typename T>
void roundTrip(const QJsonObject &json)
{
    T first;
    QString error;
    if (!fromJson(json, &first, &error)) {
        FUZZ_CHECK(!error.isEmpty());
        return;
    }
    check(first);
    const QJsonObject written = toJson(first);
    T second;
    QString secondError;
    const bool reread = fromJson(written, &second, &secondError);
    if (!reread)
        std::fprintf(stderr, "toJson wrote what fromJson refuses: %s\n%s\n",
                     qPrintable(secondError), QJsonDocument(written).toJson().constData());
    FUZZ_CHECK(reread);
    check(second);
    FUZZ_CHECK(toJson(second) == written);
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    blueshift::fuzz::quietQt();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const QJsonDocument doc =
        QJsonDocument::fromJson(QByteArray(reinterpret_cast<const char *>(data), qsizetype(size)));
    if (!doc.isObject())
        return 0;
    const QJsonObject json = doc.object();
    roundTrip<ContainerApp>(json);
    roundTrip<Revision>(json);
    roundTrip<Replica>(json);
    return 0;
}
