#include "guilog.h"

Q_LOGGING_CATEGORY(lcGui, "blueshift.gui")
