#include "commands.h"
#include "doctoroptions.h"

#include "doctor/doctor.h"
#include "doctor/doctordiagnosis.h"
#include "doctor/doctorreport.h"

#include <QCoreApplication>
#include <QJsonDocument>

#include <cstdio>

namespace blueshift::server {

int runDoctor(const QStringList &args)
{
    DoctorOptions options;
    const CommandLine cl = parseDoctorOptions(args, &options);
    if (cl.status == CommandLine::Error) {
        std::fprintf(stderr, "blueshift-server doctor: %s\n", qPrintable(cl.message));
        return 2;
    }
    if (cl.status == CommandLine::ExitOk) {
        std::fprintf(stdout, "%s\n", qPrintable(cl.message));
        return 0;
    }

    doctor::Doctor doctor(options.config);
    if (!options.json) {
        // Progress goes to stderr so that stdout holds the report alone.
        QObject::connect(&doctor, &doctor::Doctor::probeStarted, &doctor, [](const QString &what) {
            std::fprintf(stderr, "probing: %s\n", qPrintable(what));
        });
    }
    QObject::connect(&doctor, &doctor::Doctor::finished, qApp, &QCoreApplication::quit,
                     Qt::QueuedConnection);
    doctor.start();
    if (!doctor.isFinished())
        QCoreApplication::exec();

    const doctor::Diagnosis diagnosis = doctor::diagnose(doctor.evidence());
    if (options.json) {
        const QByteArray text =
            QJsonDocument(doctor::reportJson(doctor.evidence(), diagnosis)).toJson();
        std::fwrite(text.constData(), 1, std::size_t(text.size()), stdout);
    } else {
        const QByteArray text = doctor::renderReport(doctor.evidence(), diagnosis).toUtf8();
        std::fwrite(text.constData(), 1, std::size_t(text.size()), stdout);
    }
    return diagnosis.exitCode();
}

} // namespace blueshift::server
