#pragma once

#include "platformtarget.h"

#include <QByteArray>
#include <QSettings>
#include <QString>

#include <memory>

namespace blueshift::gui {

// The console's persistent settings behind typed accessors, so that keys and types live in one
// place. Holds where the platform is and how the views were left; never a token or a key (the
// platform's token stays in its file, and only the file's path is kept; Azure's comes from az,
// the environment or a file, and only which one, or the file's path, is kept).
class Settings
{
public:
    // The user's settings (organisation "Blueshift", application "Blueshift").
    Settings();
    // An INI file of its own (tests, portable set-ups).
    explicit Settings(const QString &iniFile);

    PlatformTarget platformTarget() const;
    void setPlatformTarget(const PlatformTarget &target);
    // The last remote local platform entered, offered again in the Platform selector.
    PlatformTarget remoteTarget() const;
    // The last Azure choice (management URL, api-version, token source, subscription, resource
    // group), offered again by the Azure dialog; PlatformTarget::azure() before the first.
    PlatformTarget azureTarget() const;

    QString appName() const;
    void setAppName(const QString &name);

    int pollIntervalMs() const;
    void setPollIntervalMs(int ms);

    QByteArray windowGeometry() const;
    void setWindowGeometry(const QByteArray &geometry);
    QByteArray windowState() const;
    void setWindowState(const QByteArray &state);

    QByteArray revisionsHeaderState() const;
    void setRevisionsHeaderState(const QByteArray &state);
    QByteArray eventsHeaderState() const;
    void setEventsHeaderState(const QByteArray &state);
    QByteArray centralSplitterState() const;
    void setCentralSplitterState(const QByteArray &state);

    // Events view: the least severe level shown ("debug", "info", "warning", "error").
    QString eventsMinimumLevel() const;
    void setEventsMinimumLevel(const QString &level);
    bool eventsFollow() const;
    void setEventsFollow(bool follow);

    void sync();
    QString fileName() const;

private:
    std::unique_ptr<QSettings> m_settings;
};

} // namespace blueshift::gui
