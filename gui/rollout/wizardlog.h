#pragma once

#include <QLoggingCategory>

// The rollout wizard's logging category (blueshift.gui.rollout).
Q_DECLARE_LOGGING_CATEGORY(lcWizard)
