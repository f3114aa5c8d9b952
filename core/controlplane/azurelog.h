#pragma once

#include <QLoggingCategory>

// Azure control-plane pieces: token refreshes and discovery. Never a token, only when and why.
Q_DECLARE_LOGGING_CATEGORY(lcAzure)
