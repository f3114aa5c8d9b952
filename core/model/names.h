#pragma once

#include <QString>

namespace blueshift::model {

// Container Apps' naming rules, with messages that name the rule a value breaks (empty when
// the value is valid), so that the GUI can check as the user types and the control plane can
// answer in ARM's words.

// App names: 2 to 32 characters; lowercase letters, digits and '-'; starts with a letter;
// ends with a letter or digit; no "--".
QString appNameError(const QString &name);

// Revision suffixes: lowercase letters, digits and '-'; starts with a letter or digit; ends with
// a letter or digit; no "--"; and "{app}--{suffix}" at most 54 characters.
QString revisionSuffixError(const QString &suffix, const QString &appName);

// Traffic labels: lowercase letters, digits and '-', starting with a letter, at most 64.
QString labelError(const QString &label);

constexpr int maxRevisionNameLength = 54;

inline QString revisionName(const QString &app, const QString &suffix)
{
    return app + QStringLiteral("--") + suffix;
}

} // namespace blueshift::model
