#include "wizardlog.h"

Q_LOGGING_CATEGORY(lcWizard, "blueshift.gui.rollout")
