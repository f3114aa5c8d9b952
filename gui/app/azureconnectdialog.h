#pragma once

#include "platformtarget.h"

#include "controlplane/azurediscovery.h"

#include <QDialog>
#include <QProcessEnvironment>
#include <QTimer>

class QComboBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;

namespace blueshift::gui {

class AzureBrowser;

// "Azure Container Apps…": the management URL (sovereign clouds), the api-version and where the
// bearer token comes from (the Azure CLI, $BLUESHIFT_ARM_TOKEN or a token file), then the
// subscription, resource group and app, each picker filled asynchronously with what the token
// can see (a busy bar, Cancel, ARM's errors in its words) and every field checked as it is typed
// with core's validators. Opened with open(); Connect stays disabled until the choice is valid.
// The token itself is never shown, typed or kept here.
class AzureConnectDialog : public QDialog
{
    Q_OBJECT
public:
    // `initial` and `app` from Settings; `env` is where $BLUESHIFT_ARM_TOKEN is looked for.
    AzureConnectDialog(const PlatformTarget &initial, const QString &app, QWidget *parent = nullptr,
                       const QProcessEnvironment &env = QProcessEnvironment::systemEnvironment());

    PlatformTarget target() const;
    // The app to show once connected; empty: the first the resource group has.
    QString appName() const;
    // Why Connect is disabled, in words; empty when the choice is valid.
    QString validationError() const { return m_error; }
    // The last listing failure, in ARM's words; empty after a listing succeeds.
    QString listingError() const { return m_listingError; }
    bool isAcceptable() const;

    QLineEdit *managementUrlEdit() const { return m_url; }
    QLineEdit *apiVersionEdit() const { return m_apiVersion; }
    QComboBox *tokenSourceBox() const { return m_source; }
    QLineEdit *tokenFileEdit() const { return m_tokenFile; }
    QComboBox *subscriptionBox() const { return m_subscription; }
    QComboBox *resourceGroupBox() const { return m_group; }
    QComboBox *appBox() const { return m_app; }
    QPushButton *listButton() const { return m_list; }
    QPushButton *cancelListingButton() const { return m_cancel; }
    AzureBrowser *browser() const { return m_browser; }

    // Lists the subscriptions again with the access fields as they are.
    void listSubscriptions();

private:
    void accessChanged();
    void subscriptionChanged();
    void resourceGroupChanged();
    void onSubscriptions(const QList<controlplane::AzureSubscription> &list);
    void onResourceGroups(const QString &subscription,
                          const QList<controlplane::AzureResourceGroup> &list);
    void onApps(const QString &subscription, const QString &resourceGroup,
                const QList<controlplane::AzureAppRef> &list);
    void onFailed(int level, const QString &error);
    void onBusy(bool busy, const QString &activity);
    void listGroupsIfNew();
    void listAppsIfNew();
    // The error of a listing at `level` (AzureBrowser::Level), or none.
    void showListingError(const QString &error, int level = 0);
    void listed(int level);
    void validate();
    // The access part of the target (URL, api-version, token source), without the scope.
    PlatformTarget accessTarget() const;
    QString accessError() const;
    // The access fields as one string: a change means the subscriptions are listed again.
    QString accessKey() const;
    QString subscriptionId() const;
    QString subscriptionName() const;

    QProcessEnvironment m_env;
    PlatformTarget m_initial;
    QString m_initialApp;
    AzureBrowser *m_browser;
    QLineEdit *m_url;
    QLineEdit *m_apiVersion;
    QComboBox *m_source;
    QLineEdit *m_tokenFile;
    QPushButton *m_browse;
    QLineEdit *m_tenant;
    QPushButton *m_list;
    QComboBox *m_subscription;
    QComboBox *m_group;
    QComboBox *m_app;
    QProgressBar *m_busy;
    QLabel *m_activity;
    QPushButton *m_cancel;
    QLabel *m_listingMessage;
    QLabel *m_message;
    QDialogButtonBox *m_buttons;
    // Typing waits for a pause before asking Azure (a GUID is 36 keystrokes).
    QTimer m_accessDelay;
    QTimer m_scopeDelay;
    // What the pickers were last filled for, so that a pause does not list the same again.
    QString m_listedAccess;
    QString m_groupsFor;
    QString m_appsFor;
    QString m_lastActivity;
    QString m_error;
    QString m_listingError;
    int m_listingErrorLevel = 0;
};

} // namespace blueshift::gui
