#include "tlscontext.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace blueshift::net {

namespace {
QString lastError()
{
    const unsigned long e = ERR_get_error();
    ERR_clear_error();
    if (!e)
        return QStringLiteral("unknown OpenSSL error");
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    return QString::fromLatin1(buf);
}

// Waives exactly one failure: a leaf certificate that signed itself.
int acceptSelfSignedLeaf(int preverifyOk, X509_STORE_CTX *store)
{
    if (preverifyOk)
        return 1;
    return X509_STORE_CTX_get_error(store) == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT ? 1 : 0;
}
} // namespace

std::shared_ptr<TlsContext> TlsContext::forClient(const QString &caFile, QString *error,
                                                  bool acceptSelfSigned)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx) {
        *error = lastError();
        return nullptr;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, acceptSelfSigned ? acceptSelfSignedLeaf : nullptr);
    const int ok =
        caFile.isEmpty()
            ? SSL_CTX_set_default_verify_paths(ctx)
            : SSL_CTX_load_verify_locations(ctx, caFile.toLocal8Bit().constData(), nullptr);
    if (ok != 1) {
        *error =
            QStringLiteral("cannot load CA certificates%1: %2")
                .arg(caFile.isEmpty() ? QString() : QStringLiteral(" from ") + caFile, lastError());
        SSL_CTX_free(ctx);
        return nullptr;
    }
    return std::shared_ptr<TlsContext>(new TlsContext(ctx));
}

std::shared_ptr<TlsContext> TlsContext::forServer(const QString &certFile, const QString &keyFile,
                                                  QString *error)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx) {
        *error = lastError();
        return nullptr;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    if (SSL_CTX_use_certificate_chain_file(ctx, certFile.toLocal8Bit().constData()) != 1) {
        *error = QStringLiteral("cannot load certificate %1: %2").arg(certFile, lastError());
        SSL_CTX_free(ctx);
        return nullptr;
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, keyFile.toLocal8Bit().constData(), SSL_FILETYPE_PEM) !=
            1 ||
        SSL_CTX_check_private_key(ctx) != 1) {
        *error = QStringLiteral("cannot load private key %1: %2").arg(keyFile, lastError());
        SSL_CTX_free(ctx);
        return nullptr;
    }
    return std::shared_ptr<TlsContext>(new TlsContext(ctx));
}

TlsContext::~TlsContext()
{
    SSL_CTX_free(m_ctx);
}

} // namespace blueshift::net
