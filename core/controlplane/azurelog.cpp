#include "azurelog.h"

Q_LOGGING_CATEGORY(lcAzure, "blueshift.core.controlplane.azure")
