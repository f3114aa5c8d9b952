#include "selfsignedcert.h"

#include "random.h"

#include <QDir>
#include <QFile>

#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

#include <sys/stat.h>

namespace blueshift::net {

namespace {
template<typename T, void (*F)(T *)>
struct Deleter
{
    void operator()(T *p) const { F(p); }
};
using PKeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;

QString sslError()
{
    char buf[256] = "unknown error";
    if (const unsigned long e = ERR_get_error())
        ERR_error_string_n(e, buf, sizeof buf);
    return QString::fromLatin1(buf);
}

bool addExtension(X509 *cert, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    if (!ext)
        return false;
    const bool ok = X509_add_ext(cert, ext, -1) == 1;
    X509_EXTENSION_free(ext);
    return ok;
}

QByteArray toPem(bool key, EVP_PKEY *pkey, X509 *cert)
{
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (key)
        PEM_write_bio_PrivateKey(bio.get(), pkey, nullptr, nullptr, 0, nullptr, nullptr);
    else
        PEM_write_bio_X509(bio.get(), cert);
    char *data = nullptr;
    const long n = BIO_get_mem_data(bio.get(), &data);
    return QByteArray(data, n);
}
} // namespace

bool writeSelfSignedCertificate(const QString &directory, QString *certPath, QString *keyPath,
                                QString *error)
{
    if (!QDir().mkpath(directory)) {
        *error = QStringLiteral("cannot create %1").arg(directory);
        return false;
    }
    PKeyPtr pkey(EVP_EC_gen("P-256"));
    X509Ptr cert(X509_new());
    if (!pkey || !cert) {
        *error = sslError();
        return false;
    }
    X509_set_version(cert.get(), 2);
    std::uint8_t serial[16];
    fillRandom(serial, sizeof serial);
    serial[0] &= 0x7F; // positive
    BIGNUM *bn = BN_bin2bn(serial, sizeof serial, nullptr);
    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
    BN_free(bn);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 365L * 24 * 3600);
    X509_set_pubkey(cert.get(), pkey.get());
    X509_NAME *name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char *>("Blueshift local platform"),
                               -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char *>("localhost"), -1, -1, 0);
    X509_set_issuer_name(cert.get(), name);
    if (!addExtension(cert.get(), NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1") ||
        !addExtension(cert.get(), NID_basic_constraints, "critical,CA:TRUE,pathlen:0") ||
        !addExtension(cert.get(), NID_key_usage, "critical,digitalSignature,keyCertSign") ||
        !addExtension(cert.get(), NID_ext_key_usage, "serverAuth") ||
        X509_sign(cert.get(), pkey.get(), EVP_sha256()) == 0) {
        *error = sslError();
        return false;
    }
    *certPath = QDir(directory).filePath(QStringLiteral("cert.pem"));
    *keyPath = QDir(directory).filePath(QStringLiteral("key.pem"));
    QFile k(*keyPath);
    if (!k.open(QIODevice::WriteOnly | QIODevice::Truncate) ||
        !k.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner) ||
        k.write(toPem(true, pkey.get(), nullptr)) < 0) {
        *error = QStringLiteral("cannot write %1: %2").arg(*keyPath, k.errorString());
        return false;
    }
    QFile c(*certPath);
    if (!c.open(QIODevice::WriteOnly | QIODevice::Truncate) ||
        c.write(toPem(false, nullptr, cert.get())) < 0) {
        *error = QStringLiteral("cannot write %1: %2").arg(*certPath, c.errorString());
        return false;
    }
    return true;
}

} // namespace blueshift::net
