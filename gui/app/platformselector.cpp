#include "platformselector.h"

#include <QStandardItemModel>

namespace blueshift::gui {

PlatformSelector::PlatformSelector(QWidget *parent)
    : QComboBox(parent)
    , m_items(new QStandardItemModel(this))
{
    auto *local = new QStandardItem(PlatformTarget::localMachine().displayName());
    local->setToolTip(tr("blueshift-server local on this machine; started with the demo app "
                         "when none is running"));
    auto *remote = new QStandardItem(tr("Local platform at URL…"));
    remote->setToolTip(tr("A local platform on another address, with its admin token file"));
    auto *cloud = new QStandardItem(tr("Azure Container Apps…"));
    cloud->setToolTip(tr("Container Apps in an Azure subscription, with a token from the Azure "
                         "CLI, $BLUESHIFT_ARM_TOKEN or a token file"));
    m_items->appendRow(local);
    m_items->appendRow(remote);
    m_items->appendRow(cloud);
    setModel(m_items);
    setToolTip(tr("The platform this console drives"));
    setSizeAdjustPolicy(QComboBox::AdjustToContents);
    connect(this, &QComboBox::activated, this, &PlatformSelector::onActivated);
}

int PlatformSelector::indexOf(PlatformKind kind)
{
    switch (kind) {
    case PlatformKind::LocalMachine:
        return 0;
    case PlatformKind::LocalRemote:
        return 1;
    case PlatformKind::Azure:
        return 2;
    }
    return 0;
}

void PlatformSelector::setCurrentTarget(const PlatformTarget &target)
{
    m_current = target;
    m_items->item(1)->setText(target.kind == PlatformKind::LocalRemote
                                  ? target.displayName()
                                  : tr("Local platform at URL…"));
    m_items->item(2)->setText(target.kind == PlatformKind::Azure && !target.resourceGroup.isEmpty()
                                  ? tr("Azure: %1").arg(target.location())
                                  : tr("Azure Container Apps…"));
    const QSignalBlocker block(this);
    setCurrentIndex(indexOf(target.kind));
}

void PlatformSelector::onActivated(int index)
{
    // Show the connected target until the switch happens (setCurrentTarget).
    {
        const QSignalBlocker block(this);
        setCurrentIndex(indexOf(m_current.kind));
    }
    if (index == indexOf(PlatformKind::LocalMachine)) {
        Q_EMIT localMachineRequested();
    } else if (index == indexOf(PlatformKind::LocalRemote)) {
        Q_EMIT remoteRequested();
    } else {
        Q_EMIT azureRequested();
    }
}

} // namespace blueshift::gui
