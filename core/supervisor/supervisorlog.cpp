#include "supervisorlog.h"

namespace blueshift::supervisor {
Q_LOGGING_CATEGORY(lcSupervisor, "blueshift.core.supervisor")
} // namespace blueshift::supervisor
