#include "harnesslog.h"

Q_LOGGING_CATEGORY(lcHarness, "blueshift.core.harness")
