#include "doctorlog.h"

Q_LOGGING_CATEGORY(lcDoctor, "blueshift.core.doctor")
