#pragma once

#include <QLoggingCategory>

// The doctor dialog's logging category (blueshift.gui.doctor).
Q_DECLARE_LOGGING_CATEGORY(lcDoctorDialog)
