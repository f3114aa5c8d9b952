#include "sessionslog.h"

Q_LOGGING_CATEGORY(lcSessions, "blueshift.gui.sessions")
