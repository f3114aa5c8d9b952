#pragma once

#include <QLoggingCategory>

namespace blueshift::supervisor {
Q_DECLARE_LOGGING_CATEGORY(lcSupervisor)
} // namespace blueshift::supervisor
