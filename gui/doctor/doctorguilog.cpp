#include "doctorguilog.h"

Q_LOGGING_CATEGORY(lcDoctorDialog, "blueshift.gui.doctor")
