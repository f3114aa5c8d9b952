#include "chartslog.h"

Q_LOGGING_CATEGORY(lcCharts, "blueshift.gui.charts")
