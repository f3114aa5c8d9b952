#include "rolloutlog.h"

Q_LOGGING_CATEGORY(lcRollout, "blueshift.core.rollout")
