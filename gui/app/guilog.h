#pragma once

#include <QLoggingCategory>

// The console's logging category (blueshift.gui): connection, polling and operation traces.
Q_DECLARE_LOGGING_CATEGORY(lcGui)
