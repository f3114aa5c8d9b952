#pragma once

#include <QString>

#include <memory>

typedef struct ssl_ctx_st SSL_CTX;

namespace blueshift::net {

// An owned OpenSSL context, made for one role and shared by every connection of that role.
class TlsContext
{
public:
    // Verifies peers against the system CAs, or only against `caFile` when it is given.
    // `acceptSelfSigned` (an explicit opt-in for test gateways) also accepts a server whose
    // certificate is self-signed; the host name is still checked and nothing else is waived.
    static std::shared_ptr<TlsContext> forClient(const QString &caFile, QString *error,
                                                 bool acceptSelfSigned = false);
    static std::shared_ptr<TlsContext> forServer(const QString &certFile, const QString &keyFile,
                                                 QString *error);
    ~TlsContext();
    SSL_CTX *get() const { return m_ctx; }

private:
    explicit TlsContext(SSL_CTX *ctx)
        : m_ctx(ctx)
    {}
    SSL_CTX *m_ctx;
};

} // namespace blueshift::net
