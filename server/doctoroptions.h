#pragma once

#include "relayoptions.h"

#include "doctor/doctor.h"

#include <QStringList>

namespace blueshift::server {

struct DoctorOptions
{
    doctor::DoctorConfig config;
    bool json = false;
};

// `blueshift-server doctor URL [options]`; `args` starts with the subcommand name. Secret
// headers come from --header-file only, and no error message ever quotes their values.
CommandLine parseDoctorOptions(const QStringList &args, DoctorOptions *out);

} // namespace blueshift::server
