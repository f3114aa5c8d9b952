#pragma once

#include "platformtarget.h"

#include <QComboBox>

class QStandardItemModel;

namespace blueshift::gui {

// The toolbar's Platform selector: this machine, a local platform at a URL, and Azure Container
// Apps. Picking an entry asks for the switch (the last two through a dialog the window opens);
// the selector shows the connected target again if the switch is abandoned.
class PlatformSelector : public QComboBox
{
    Q_OBJECT
public:
    explicit PlatformSelector(QWidget *parent = nullptr);

    void setCurrentTarget(const PlatformTarget &target);
    PlatformTarget currentTarget() const { return m_current; }
    // Index of each kind's entry.
    static int indexOf(PlatformKind kind);

Q_SIGNALS:
    void localMachineRequested();
    void remoteRequested(); // the caller asks for the URL and token file
    void azureRequested();  // the caller opens the Azure dialog (AzureConnectDialog)

private:
    void onActivated(int index);

    QStandardItemModel *m_items;
    PlatformTarget m_current;
};

} // namespace blueshift::gui
