#include "readinessprobe.h"

#include <QHostAddress>
#include <QNetworkProxy>

namespace blueshift::supervisor {

namespace {
// Enough for any status line; a peer that sends more without one is not HTTP.
constexpr qsizetype maxStatusLine = 1024;
} // namespace

ReadinessProbe::ReadinessProbe(QObject *parent)
    : QObject(parent)
{
    m_socket.setProxy(QNetworkProxy::NoProxy);
    m_timeout.setSingleShot(true);
    connect(&m_socket, &QTcpSocket::connected, this, &ReadinessProbe::onConnected);
    connect(&m_socket, &QTcpSocket::readyRead, this, &ReadinessProbe::onReadyRead);
    connect(&m_socket, &QTcpSocket::errorOccurred, this, &ReadinessProbe::onError);
    connect(&m_timeout, &QTimer::timeout, this, &ReadinessProbe::onTimeout);
}

void ReadinessProbe::probe(quint16 port, std::chrono::milliseconds timeout)
{
    cancel();
    m_port = port;
    m_running = true;
    m_timeout.start(timeout);
    m_socket.connectToHost(QHostAddress(QHostAddress::LocalHost), port);
}

void ReadinessProbe::cancel()
{
    ++m_generation;
    m_running = false;
    m_connected = false;
    m_in.clear();
    m_timeout.stop();
    m_socket.abort();
}

void ReadinessProbe::onConnected()
{
    m_connected = true;
    m_socket.write("GET /readyz HTTP/1.1\r\nHost: 127.0.0.1:" + QByteArray::number(m_port) +
                   "\r\nUser-Agent: blueshift-supervisor\r\nConnection: close\r\n\r\n");
}

void ReadinessProbe::onReadyRead()
{
    m_in += m_socket.readAll();
    conclude();
}

void ReadinessProbe::onError(QAbstractSocket::SocketError error)
{
    if (!m_running)
        return;
    if (!m_connected) {
        finish(Result::Refused, QStringLiteral("port %1: %2")
                                    .arg(m_port)
                                    .arg(error == QAbstractSocket::ConnectionRefusedError
                                             ? QStringLiteral("connection refused")
                                             : m_socket.errorString()));
        return;
    }
    // Closed after accepting: whatever came before decides.
    m_in += m_socket.readAll();
    if (!m_in.isEmpty())
        conclude();
    if (m_running)
        finish(Result::Ready, QStringLiteral("port %1 accepts connections (no HTTP answer on "
                                             "/readyz)")
                                  .arg(m_port));
}

void ReadinessProbe::onTimeout()
{
    if (!m_running)
        return;
    if (!m_connected)
        finish(Result::Refused, QStringLiteral("port %1: no connection within %2 ms")
                                    .arg(m_port)
                                    .arg(m_timeout.interval()));
    else
        finish(Result::Ready, QStringLiteral("port %1 accepts connections (no HTTP answer on "
                                             "/readyz)")
                                  .arg(m_port));
}

// Decides once the status line is in, or once it is clear the peer is not speaking HTTP.
void ReadinessProbe::conclude()
{
    if (!m_running)
        return;
    const QByteArray expected("HTTP/1.");
    const qsizetype prefix = std::min(m_in.size(), expected.size());
    if (m_in.left(prefix) != expected.left(prefix)) {
        finish(Result::Ready, QStringLiteral("port %1 accepts connections (not HTTP)").arg(m_port));
        return;
    }
    const qsizetype eol = m_in.indexOf("\r\n");
    if (eol < 0) {
        if (m_in.size() > maxStatusLine)
            finish(Result::Ready,
                   QStringLiteral("port %1 accepts connections (not HTTP)").arg(m_port));
        return;
    }
    bool ok = false;
    const int status = m_in.left(eol).split(' ').value(1).toInt(&ok);
    if (!ok) {
        finish(Result::Ready, QStringLiteral("port %1 accepts connections (not HTTP)").arg(m_port));
    } else if (status >= 200 && status < 400) {
        finish(Result::Ready, QStringLiteral("GET /readyz answered %1").arg(status));
    } else if (status == 404) {
        finish(Result::Ready,
               QStringLiteral("port %1 accepts connections (no /readyz: 404)").arg(m_port));
    } else {
        finish(Result::NotReady, QStringLiteral("GET /readyz answered %1").arg(status));
    }
}

void ReadinessProbe::finish(Result result, const QString &details)
{
    cancel();
    // Queued: the socket may report a refusal from inside connectToHost(), and a receiver may
    // start the next probe from its slot.
    const quint64 generation = m_generation;
    QMetaObject::invokeMethod(
        this,
        [this, generation, result, details] {
            if (generation == m_generation)
                Q_EMIT finished(result, details);
        },
        Qt::QueuedConnection);
}

} // namespace blueshift::supervisor
