#include "azureconnectdialog.h"

#include "azurebrowser.h"

#include "controlplane/azureclitoken.h"
#include "model/names.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QRegularExpression>
#include <QVBoxLayout>

#include <algorithm>

namespace blueshift::gui {

namespace {
using TokenSource = PlatformTarget::TokenSource;
constexpr auto kErrorStyle = "color: #c62828;";
constexpr auto kHintStyle = "color: #8a6d00;";
constexpr auto kOkStyle = "color: #2e7d32;";
constexpr auto kPendingStyle = "color: #555555;";
constexpr int kNameRole = Qt::UserRole + 1;
constexpr int kStateRole = Qt::UserRole + 2;

QString subscriptionLabel(const QString &name, const QString &id)
{
    return name.isEmpty() ? id : QStringLiteral("%1 (%2)").arg(name, id);
}

QComboBox *editableBox(const QString &placeholder, QWidget *parent)
{
    auto *box = new QComboBox(parent);
    box->setEditable(true);
    // What the user types is a value, not a new list entry.
    box->setInsertPolicy(QComboBox::NoInsert);
    box->lineEdit()->setPlaceholderText(placeholder);
    box->setMinimumContentsLength(36);
    box->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    return box;
}

// Refills an editable box, keeping what it shows when that is still listed (or was typed).
void refill(QComboBox *box, const QList<std::pair<QString, QVariant>> &items,
            const QStringList &tips, const QString &preferred)
{
    const QString shown = box->currentText();
    const QSignalBlocker block(box);
    box->clear();
    for (qsizetype i = 0; i < items.size(); ++i) {
        box->addItem(items.at(i).first, items.at(i).second);
        box->setItemData(int(i), tips.value(i), Qt::ToolTipRole);
    }
    QString choice = shown;
    if (choice.isEmpty())
        choice = preferred;
    if (choice.isEmpty() && items.size() == 1)
        choice = items.constFirst().first;
    const int index = box->findText(choice);
    if (index >= 0)
        box->setCurrentIndex(index);
    else
        box->setEditText(choice);
}
} // namespace

AzureConnectDialog::AzureConnectDialog(const PlatformTarget &initial, const QString &app,
                                       QWidget *parent, const QProcessEnvironment &env)
    : QDialog(parent)
    , m_env(env)
    , m_initial(initial.kind == PlatformKind::Azure ? initial : PlatformTarget::azure())
    , m_initialApp(app)
    , m_browser(new AzureBrowser(this))
    , m_url(new QLineEdit(this))
    , m_apiVersion(new QLineEdit(this))
    , m_source(new QComboBox(this))
    , m_tokenFile(new QLineEdit(this))
    , m_browse(new QPushButton(tr("Browse…"), this))
    , m_tenant(new QLineEdit(this))
    , m_list(new QPushButton(tr("List subscriptions"), this))
    , m_subscription(editableBox(tr("a subscription ID (GUID), or pick one"), this))
    , m_group(editableBox(tr("a resource group, or pick one"), this))
    , m_app(editableBox(tr("empty: the first app of the group"), this))
    , m_busy(new QProgressBar(this))
    , m_activity(new QLabel(this))
    , m_cancel(new QPushButton(tr("Cancel listing"), this))
    , m_listingMessage(new QLabel(this))
    , m_message(new QLabel(this))
    , m_buttons(new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this))
{
    setWindowTitle(tr("Connect to Azure Container Apps"));
    setObjectName(QStringLiteral("azureConnectDialog"));
    const controlplane::AzureTarget defaults;

    m_url->setText(m_initial.adminUrl.toString());
    m_url->setPlaceholderText(defaults.managementUrl.toString());
    m_url->setToolTip(tr("The Azure Resource Manager endpoint: %1, or a sovereign cloud's "
                         "(https://management.usgovcloudapi.net, "
                         "https://management.chinacloudapi.cn)")
                          .arg(defaults.managementUrl.toString()));
    m_apiVersion->setText(m_initial.apiVersion.isEmpty() ? defaults.apiVersion
                                                         : m_initial.apiVersion);
    m_apiVersion->setPlaceholderText(defaults.apiVersion);
    m_apiVersion->setToolTip(
        tr("The Microsoft.App api-version (%1 or later)").arg(defaults.apiVersion));
    const QString variable = QLatin1String(controlplane::kArmTokenVariable);
    m_source->addItem(tr("Azure CLI (az account get-access-token)"), int(TokenSource::AzureCli));
    m_source->addItem(tr("Environment variable $%1").arg(variable), int(TokenSource::Environment));
    m_source->addItem(tr("Token file"), int(TokenSource::File));
    m_source->setToolTip(tr("Where the bearer token comes from. The console never stores it: az "
                            "is asked again before the token expires, the file is read before "
                            "every request."));
    TokenSource source = m_initial.tokenSource;
    if (source == TokenSource::Auto)
        source = env.contains(variable) ? TokenSource::Environment : TokenSource::AzureCli;
    m_source->setCurrentIndex(qMax(0, m_source->findData(int(source))));
    m_tokenFile->setText(m_initial.tokenFile);
    m_tokenFile->setPlaceholderText(tr("a file holding only the bearer token"));
    m_tenant->setText(m_initial.tenant);
    m_tenant->setPlaceholderText(tr("az's default tenant"));
    m_tenant->setToolTip(tr("az --tenant: for an account in several directories"));
    m_list->setToolTip(tr("Ask Azure again what this token can see"));
    if (!m_initial.subscription.isEmpty()) {
        m_subscription->addItem(
            subscriptionLabel(m_initial.subscriptionName, m_initial.subscription),
            m_initial.subscription);
        m_subscription->setItemData(0, m_initial.subscriptionName, kNameRole);
    }
    if (!m_initial.resourceGroup.isEmpty())
        m_group->addItem(m_initial.resourceGroup, m_initial.resourceGroup);
    if (!app.isEmpty() && model::appNameError(app).isEmpty())
        m_app->addItem(app, app);

    auto *fileRow = new QHBoxLayout;
    fileRow->addWidget(m_tokenFile, 1);
    fileRow->addWidget(m_browse);
    auto *access = new QGroupBox(tr("Access"), this);
    auto *accessForm = new QFormLayout(access);
    accessForm->addRow(tr("Management URL:"), m_url);
    accessForm->addRow(tr("API version:"), m_apiVersion);
    accessForm->addRow(tr("Token from:"), m_source);
    accessForm->addRow(tr("Token file:"), fileRow);
    accessForm->addRow(tr("Tenant:"), m_tenant);
    auto *listRow = new QHBoxLayout;
    listRow->addStretch();
    listRow->addWidget(m_list);
    accessForm->addRow(listRow);

    auto *scope = new QGroupBox(tr("Container app"), this);
    auto *scopeForm = new QFormLayout(scope);
    scopeForm->addRow(tr("Subscription:"), m_subscription);
    scopeForm->addRow(tr("Resource group:"), m_group);
    scopeForm->addRow(tr("App:"), m_app);

    m_busy->setRange(0, 0); // ARM gives no percentage
    m_busy->setMaximumWidth(90);
    m_busy->setMaximumHeight(14);
    m_busy->setTextVisible(false);
    m_busy->hide();
    m_cancel->hide();
    m_cancel->setToolTip(tr("Stop waiting for Azure (or for az)"));
    m_activity->setStyleSheet(QStringLiteral("color: palette(mid);"));
    auto *progress = new QHBoxLayout;
    progress->addWidget(m_busy);
    progress->addWidget(m_activity, 1);
    progress->addWidget(m_cancel);
    m_listingMessage->setWordWrap(true);
    m_listingMessage->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_listingMessage->setStyleSheet(QLatin1String(kErrorStyle));
    m_listingMessage->setObjectName(QStringLiteral("azureListingError"));
    m_listingMessage->hide();
    m_message->setWordWrap(true);
    m_buttons->button(QDialogButtonBox::Ok)->setText(tr("Connect"));
    // One label column for both boxes, so that the fields line up.
    int labelWidth = 0;
    const QList<QFormLayout *> forms{accessForm, scopeForm};
    for (QFormLayout *form : forms) {
        for (int row = 0; row < form->rowCount(); ++row) {
            if (QLayoutItem *item = form->itemAt(row, QFormLayout::LabelRole))
                labelWidth = std::max(labelWidth, item->widget()->sizeHint().width());
        }
    }
    for (QFormLayout *form : forms) {
        for (int row = 0; row < form->rowCount(); ++row) {
            if (QLayoutItem *item = form->itemAt(row, QFormLayout::LabelRole))
                item->widget()->setMinimumWidth(labelWidth);
        }
    }

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(access);
    layout->addWidget(scope);
    layout->addLayout(progress);
    layout->addWidget(m_listingMessage);
    layout->addWidget(m_message);
    layout->addStretch();
    layout->addWidget(m_buttons);
    resize(660, sizeHint().height());

    m_accessDelay.setSingleShot(true);
    m_accessDelay.setInterval(800);
    m_scopeDelay.setSingleShot(true);
    m_scopeDelay.setInterval(500);
    for (QLineEdit *edit : {m_url, m_apiVersion, m_tokenFile, m_tenant})
        connect(edit, &QLineEdit::textChanged, this, &AzureConnectDialog::accessChanged);
    connect(m_source, &QComboBox::currentIndexChanged, this, &AzureConnectDialog::accessChanged);
    connect(&m_accessDelay, &QTimer::timeout, this, [this] {
        if (accessError().isEmpty() && m_listedAccess != accessKey())
            listSubscriptions();
    });
    connect(m_list, &QPushButton::clicked, this, &AzureConnectDialog::listSubscriptions);
    connect(m_subscription, &QComboBox::currentTextChanged, this,
            &AzureConnectDialog::subscriptionChanged);
    connect(m_subscription, &QComboBox::activated, this, &AzureConnectDialog::listGroupsIfNew);
    connect(m_group, &QComboBox::currentTextChanged, this,
            &AzureConnectDialog::resourceGroupChanged);
    connect(m_group, &QComboBox::activated, this, &AzureConnectDialog::listAppsIfNew);
    connect(m_app, &QComboBox::currentTextChanged, this, &AzureConnectDialog::validate);
    connect(&m_scopeDelay, &QTimer::timeout, this, [this] {
        listGroupsIfNew();
        listAppsIfNew();
    });
    connect(m_cancel, &QPushButton::clicked, m_browser, &AzureBrowser::cancel);
    connect(m_browse, &QPushButton::clicked, this, [this] {
        auto *files = new QFileDialog(this, tr("ARM token file"), m_tokenFile->text());
        files->setAttribute(Qt::WA_DeleteOnClose);
        files->setFileMode(QFileDialog::ExistingFile);
        connect(files, &QFileDialog::fileSelected, m_tokenFile, &QLineEdit::setText);
        files->open();
    });
    connect(m_browser, &AzureBrowser::busyChanged, this, &AzureConnectDialog::onBusy);
    connect(m_browser, &AzureBrowser::subscriptionsListed, this,
            &AzureConnectDialog::onSubscriptions);
    connect(m_browser, &AzureBrowser::resourceGroupsListed, this,
            &AzureConnectDialog::onResourceGroups);
    connect(m_browser, &AzureBrowser::appsListed, this, &AzureConnectDialog::onApps);
    connect(m_browser, &AzureBrowser::failed, this,
            [this](AzureBrowser::Level level, const QString &error) { onFailed(level, error); });
    connect(m_browser, &AzureBrowser::cancelled, this, [this] {
        // Nothing was listed: the next pause or pick asks again.
        m_listedAccess.clear();
        m_groupsFor.clear();
        m_appsFor.clear();
        m_activity->setText(tr("Listing cancelled; press List subscriptions to ask again"));
    });
    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    // Closing the dialog stops whatever it still waits for (az included).
    connect(this, &QDialog::finished, m_browser, &AzureBrowser::cancel);

    accessChanged();
    m_accessDelay.stop();
    // What the saved choice can see, at once: the pickers fill while the user looks.
    if (accessError().isEmpty())
        listSubscriptions();
}

bool AzureConnectDialog::isAcceptable() const
{
    return m_buttons->button(QDialogButtonBox::Ok)->isEnabled();
}

PlatformTarget AzureConnectDialog::accessTarget() const
{
    PlatformTarget t = PlatformTarget::azure();
    t.adminUrl = QUrl(m_url->text().trimmed());
    t.apiVersion = m_apiVersion->text().trimmed();
    t.tokenSource = TokenSource(m_source->currentData().toInt());
    if (t.tokenSource == TokenSource::File)
        t.tokenFile = m_tokenFile->text().trimmed();
    if (t.tokenSource == TokenSource::AzureCli)
        t.tenant = m_tenant->text().trimmed();
    return t;
}

PlatformTarget AzureConnectDialog::target() const
{
    PlatformTarget t = accessTarget();
    t.subscription = subscriptionId();
    t.subscriptionName = subscriptionName();
    t.resourceGroup = m_group->currentText().trimmed();
    return t;
}

QString AzureConnectDialog::appName() const
{
    return m_app->currentText().trimmed();
}

QString AzureConnectDialog::accessKey() const
{
    const PlatformTarget t = accessTarget();
    return QStringList{t.adminUrl.toString(), t.apiVersion, t.tokenSourceText(), t.tenant}.join(
        QLatin1Char('\n'));
}

QString AzureConnectDialog::subscriptionId() const
{
    const QString text = m_subscription->currentText().trimmed();
    const int index = m_subscription->findText(text);
    if (index >= 0)
        return m_subscription->itemData(index).toString();
    // "Name (GUID)" pasted or edited by hand.
    static const QRegularExpression inParentheses(QStringLiteral("\\(([0-9A-Fa-f-]{36})\\)$"));
    const QRegularExpressionMatch m = inParentheses.match(text);
    return m.hasMatch() ? m.captured(1) : text;
}

QString AzureConnectDialog::subscriptionName() const
{
    const int index = m_subscription->findText(m_subscription->currentText().trimmed());
    return index >= 0 ? m_subscription->itemData(index, kNameRole).toString() : QString();
}

QString AzureConnectDialog::accessError() const
{
    const PlatformTarget t = accessTarget();
    if (m_url->text().trimmed().isEmpty())
        return tr("give the management URL, e.g. %1")
            .arg(controlplane::AzureTarget().managementUrl.toString());
    if (QString e = controlplane::managementUrlError(t.adminUrl); !e.isEmpty())
        return e;
    if (QString e = controlplane::apiVersionError(t.apiVersion); !e.isEmpty())
        return e;
    const QString variable = QLatin1String(controlplane::kArmTokenVariable);
    switch (t.tokenSource) {
    case TokenSource::Environment:
        if (!m_env.contains(variable))
            return tr("$%1 is not set in the console's environment: set it before starting "
                      "blueshift, or take the token from az")
                .arg(variable);
        if (m_env.value(variable).trimmed().isEmpty())
            return tr("$%1 is empty").arg(variable);
        break;
    case TokenSource::File: {
        if (t.tokenFile.isEmpty())
            return tr("give the file that holds the ARM token");
        const QFileInfo file(t.tokenFile);
        if (!file.isFile() || !file.isReadable())
            return tr("cannot read the token file %1").arg(t.tokenFile);
        break;
    }
    case TokenSource::Auto:
    case TokenSource::AzureCli:
        if (t.tenant.contains(QLatin1Char(' ')))
            return tr("the tenant is an ID or a domain, without spaces");
        break;
    }
    return {};
}

void AzureConnectDialog::accessChanged()
{
    const auto source = TokenSource(m_source->currentData().toInt());
    m_tokenFile->setEnabled(source == TokenSource::File);
    m_browse->setEnabled(source == TokenSource::File);
    m_tenant->setEnabled(source == TokenSource::AzureCli);
    m_list->setEnabled(accessError().isEmpty());
    validate();
    m_accessDelay.start();
}

void AzureConnectDialog::subscriptionChanged()
{
    validate();
    m_scopeDelay.start();
}

void AzureConnectDialog::resourceGroupChanged()
{
    validate();
    m_scopeDelay.start();
}

void AzureConnectDialog::listSubscriptions()
{
    m_accessDelay.stop();
    if (!accessError().isEmpty()) {
        validate();
        return;
    }
    QString error;
    if (!m_browser->setTarget(accessTarget(), m_env, &error)) {
        showListingError(error);
        return;
    }
    m_listedAccess = accessKey();
    m_groupsFor.clear();
    m_appsFor.clear();
    showListingError(QString());
    m_browser->listSubscriptions();
    // A subscription and group already chosen need not wait for the lists above them.
    listGroupsIfNew();
    listAppsIfNew();
}

void AzureConnectDialog::listGroupsIfNew()
{
    const QString id = subscriptionId();
    if (!m_browser->hasClient() || !controlplane::subscriptionIdError(id).isEmpty() ||
        id == m_groupsFor)
        return;
    m_groupsFor = id;
    m_browser->listResourceGroups(id);
}

void AzureConnectDialog::listAppsIfNew()
{
    const QString id = subscriptionId();
    const QString group = m_group->currentText().trimmed();
    const QString key = id + QLatin1Char('/') + group;
    if (!m_browser->hasClient() || !controlplane::subscriptionIdError(id).isEmpty() ||
        !controlplane::resourceGroupError(group).isEmpty() || key == m_appsFor)
        return;
    m_appsFor = key;
    m_browser->listApps(id, group);
}

void AzureConnectDialog::onSubscriptions(const QList<controlplane::AzureSubscription> &list)
{
    QList<std::pair<QString, QVariant>> items;
    QStringList tips;
    // The subscription shown (typed, or saved with a name that may have changed since) is
    // selected by its ID in the new list.
    const QString shownId = subscriptionId();
    QString preferred;
    for (const controlplane::AzureSubscription &s : list) {
        items.append({subscriptionLabel(s.displayName, s.id), s.id});
        tips.append(tr("%1, tenant %2").arg(s.state, s.tenantId));
        if (s.id == shownId)
            preferred = items.constLast().first;
    }
    if (!preferred.isEmpty()) {
        const QSignalBlocker block(m_subscription);
        m_subscription->setEditText(QString());
    }
    refill(m_subscription, items, tips, preferred);
    for (int i = 0; i < int(list.size()); ++i) {
        m_subscription->setItemData(i, list.at(i).displayName, kNameRole);
        m_subscription->setItemData(i, list.at(i).state, kStateRole);
    }
    listed(AzureBrowser::Subscriptions);
    m_activity->setText(list.size() == 1 ? tr("1 subscription")
                                         : tr("%1 subscriptions").arg(list.size()));
    validate();
    listGroupsIfNew();
}

void AzureConnectDialog::onResourceGroups(const QString &subscription,
                                          const QList<controlplane::AzureResourceGroup> &list)
{
    if (subscription != subscriptionId())
        return; // the user has moved on
    QList<std::pair<QString, QVariant>> items;
    QStringList tips;
    for (const controlplane::AzureResourceGroup &g : list) {
        items.append({g.name, g.name});
        tips.append(g.location);
    }
    refill(m_group, items, tips, m_initial.resourceGroup);
    listed(AzureBrowser::ResourceGroups);
    m_activity->setText(list.size() == 1 ? tr("1 resource group")
                                         : tr("%1 resource groups").arg(list.size()));
    validate();
    listAppsIfNew();
}

void AzureConnectDialog::onApps(const QString &subscription, const QString &resourceGroup,
                                const QList<controlplane::AzureAppRef> &list)
{
    if (subscription != subscriptionId() || resourceGroup != m_group->currentText().trimmed())
        return;
    QList<std::pair<QString, QVariant>> items;
    QStringList tips;
    for (const controlplane::AzureAppRef &a : list) {
        items.append({a.name, a.name});
        tips.append(tr("%1, %2%3")
                        .arg(a.location, a.provisioningState,
                             a.fqdn.isEmpty() ? QString() : QStringLiteral(", ") + a.fqdn));
    }
    refill(m_app, items, tips, list.isEmpty() ? QString() : list.constFirst().name);
    listed(AzureBrowser::Apps);
    // The app saved from another platform or group is not here: offer this group's first.
    if (!list.isEmpty() && m_app->findText(m_app->currentText()) < 0 &&
        m_app->currentText() == m_initialApp)
        m_app->setCurrentIndex(0);
    m_activity->setText(list.size() == 1
                            ? tr("1 container app in %1").arg(resourceGroup)
                            : tr("%1 container apps in %2").arg(list.size()).arg(resourceGroup));
    validate();
}

void AzureConnectDialog::onFailed(int level, const QString &error)
{
    showListingError(error, level);
}

void AzureConnectDialog::listed(int level)
{
    // The same listing worked this time (another group, a subscription typed right): its
    // earlier error is stale. An error of another level still stands.
    if (!m_listingError.isEmpty() && m_listingErrorLevel == level)
        showListingError(QString());
}

void AzureConnectDialog::onBusy(bool busy, const QString &activity)
{
    m_busy->setVisible(busy);
    m_cancel->setVisible(busy);
    if (busy)
        m_activity->setText(activity);
    else if (m_activity->text() == m_lastActivity)
        m_activity->clear(); // it failed: the error says why
    m_lastActivity = activity;
}

void AzureConnectDialog::showListingError(const QString &error, int level)
{
    m_listingError = error;
    m_listingErrorLevel = level;
    m_listingMessage->setText(error);
    m_listingMessage->setVisible(!error.isEmpty());
    // ARM's messages run long: grow rather than squeeze the fields.
    if (!error.isEmpty() && height() < sizeHint().height())
        resize(width(), sizeHint().height());
    validate();
}

void AzureConnectDialog::validate()
{
    QString error = accessError();
    const QString id = subscriptionId();
    const QString group = m_group->currentText().trimmed();
    const QString app = appName();
    // Not chosen yet is no mistake: said without the error colour.
    bool incomplete = false;
    if (error.isEmpty()) {
        incomplete = id.isEmpty();
        error = incomplete ? tr("choose a subscription, or type its ID")
                           : controlplane::subscriptionIdError(id);
    }
    if (error.isEmpty()) {
        incomplete = group.isEmpty();
        error = incomplete ? tr("choose a resource group, or type its name")
                           : controlplane::resourceGroupError(group);
    }
    if (error.isEmpty() && !app.isEmpty())
        error = model::appNameError(app);
    m_error = error;
    QString hint;
    if (error.isEmpty()) {
        const int index = m_subscription->findText(m_subscription->currentText().trimmed());
        const QString state =
            index >= 0 ? m_subscription->itemData(index, kStateRole).toString() : QString();
        if (!state.isEmpty() && state != QLatin1String("Enabled"))
            hint = tr("The subscription is %1: Azure may refuse changes to its apps.").arg(state);
        else if (m_app->count() == 0 && m_appsFor == id + QLatin1Char('/') + group &&
                 !m_browser->isBusy() && m_listingError.isEmpty())
            hint = tr("Resource group %1 has no container apps.").arg(group);
    }
    if (!error.isEmpty()) {
        m_message->setText(error);
        m_message->setStyleSheet(QLatin1String(incomplete ? kPendingStyle : kErrorStyle));
    } else if (!hint.isEmpty()) {
        m_message->setText(hint);
        m_message->setStyleSheet(QLatin1String(kHintStyle));
    } else {
        m_message->setText(app.isEmpty()
                               ? tr("Connect to resource group %1").arg(group)
                               : tr("Connect to %1 in resource group %2").arg(app, group));
        m_message->setStyleSheet(QLatin1String(kOkStyle));
    }
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(error.isEmpty());
}

} // namespace blueshift::gui
