#include "ingresstestsupport.h"

#include <QElapsedTimer>
#include <QEventLoop>
#include <QTest>
#include <QTimer>

#include <cmath>
#include <functional>

namespace blueshift::itest {

namespace {
QByteArray headerIn(const HeaderPairs &headers, const QByteArray &name)
{
    for (const auto &h : headers) {
        if (h.first.compare(name, Qt::CaseInsensitive) == 0)
            return h.second;
    }
    return {};
}

// Parses "HTTP/1.1 101 ...\r\nName: value\r\n...\r\n\r\n" off the front of `in`.
bool takeHead(QByteArray *in, int *status, HeaderPairs *headers)
{
    const qsizetype end = in->indexOf("\r\n\r\n");
    if (end < 0)
        return false;
    const QList<QByteArray> lines = in->left(end).split('\n');
    in->remove(0, end + 4);
    *status = lines.value(0).trimmed().split(' ').value(1).toInt();
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArray line = lines.at(i).trimmed();
        const qsizetype colon = line.indexOf(':');
        if (colon > 0)
            headers->append({line.left(colon).trimmed(), line.mid(colon + 1).trimmed()});
    }
    return true;
}

bool connectFrom(QTcpSocket &socket, quint16 port, const QHostAddress &from, int timeoutMs)
{
    if (!from.isNull() && !socket.bind(from, 0))
        return false;
    socket.connectToHost(QHostAddress::LocalHost, port);
    return socket.waitForConnected(timeoutMs);
}
} // namespace

ingress::ReplicaRoute replicaAt(const QString &name, quint16 port)
{
    ingress::ReplicaRoute r;
    r.name = name;
    r.address = *net::SocketAddress::fromNumeric("127.0.0.1", port);
    return r;
}

ingress::RevisionRoute revisionOf(const QString &name, int weight,
                                  const QList<ingress::ReplicaRoute> &replicas)
{
    ingress::RevisionRoute rev;
    rev.name = name;
    rev.weight = weight;
    rev.replicas = replicas;
    return rev;
}

std::shared_ptr<ingress::AppRoutes> appRoutes(const QList<ingress::RevisionRoute> &revisions,
                                              bool sticky)
{
    static std::atomic<std::uint64_t> generation{0};
    auto routes = std::make_shared<ingress::AppRoutes>();
    routes->app = QStringLiteral("demo");
    routes->sticky = sticky;
    routes->revisions = revisions;
    routes->generation = ++generation;
    for (const ingress::RevisionRoute &rev : revisions) {
        for (const QString &label : {QStringLiteral("blue"), QStringLiteral("green")}) {
            if (rev.name == QStringLiteral("demo--") + label)
                routes->labels.insert(label, rev.name);
        }
    }
    return routes;
}

std::unique_ptr<ingress::Ingress> startIngress(std::shared_ptr<const ingress::AppRoutes> routes,
                                               ingress::IngressOptions options)
{
    if (options.threads == 0)
        options.threads = 2;
    if (options.cookieKey.isEmpty())
        options.cookieKey = QByteArray(32, 'i');
    auto ing = std::make_unique<ingress::Ingress>(options);
    QString error;
    if (!ing->listen(net::HostPort{"127.0.0.1", 0}, &error)) {
        qWarning("ingress: %s", qPrintable(error));
        return nullptr;
    }
    ing->setRoutes(std::move(routes));
    ing->start();
    return ing;
}

bool startEchoRelay(ServerProcess &process, quint16 upstreamPort, const QString &revision,
                    const QString &replica, const QStringList &extraArgs)
{
    return process.startRelay(QStringLiteral("ws://127.0.0.1:%1/").arg(upstreamPort),
                              QStringList{QStringLiteral("--revision"), revision,
                                          QStringLiteral("--replica"), replica,
                                          QStringLiteral("--threads"), QStringLiteral("1")} +
                                  extraArgs);
}

QByteArray upgradeRequest(const QByteArray &target, const QByteArray &host,
                          const HeaderPairs &extra)
{
    QByteArray r = "GET " + target + " HTTP/1.1\r\nHost: " + host +
                   "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";
    for (const auto &h : extra)
        r += h.first + ": " + h.second + "\r\n";
    return r + "\r\n";
}

QByteArray getRequest(const QByteArray &target, const QByteArray &host, const HeaderPairs &extra)
{
    QByteArray r = "GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\n";
    for (const auto &h : extra)
        r += h.first + ": " + h.second + "\r\n";
    return r + "\r\n";
}

// ---------------------------------------------------------------------------------------------

WsClient::WsClient(QObject *parent)
    : QObject(parent)
{
    connect(&m_socket, &QTcpSocket::readyRead, this, &WsClient::readData);
    connect(&m_socket, &QTcpSocket::disconnected, this, [this] {
        readData();
        m_disconnected = true;
        Q_EMIT disconnected();
    });
}

bool WsClient::connectAndSend(quint16 port, const QByteArray &bytes, const QHostAddress &from,
                              int timeoutMs)
{
    if (!connectFrom(m_socket, port, from, timeoutMs))
        return false;
    m_socket.write(bytes);
    return true;
}

bool WsClient::waitForHead(int timeoutMs)
{
    return QTest::qWaitFor([this] { return m_headDone || m_disconnected; }, timeoutMs) &&
           m_headDone;
}

bool WsClient::open(quint16 port, const QByteArray &request, const QHostAddress &from,
                    int timeoutMs)
{
    return connectAndSend(port, request, from, timeoutMs) && waitForHead(timeoutMs);
}

QByteArray WsClient::header(const QByteArray &name) const
{
    return headerIn(m_headers, name);
}

QList<QByteArray> WsClient::headers(const QByteArray &name) const
{
    QList<QByteArray> out;
    for (const auto &h : m_headers) {
        if (h.first.compare(name, Qt::CaseInsensitive) == 0)
            out.append(h.second);
    }
    return out;
}

void WsClient::sendText(const QByteArray &payload)
{
    m_socket.write(RawWebSocket::frame(0x1, payload));
}

bool WsClient::echo(const QByteArray &payload, int timeoutMs)
{
    const qsizetype before = m_messages.size();
    sendText(payload);
    return QTest::qWaitFor(
               [&] { return m_messages.size() > before || m_disconnected || m_closeCode; },
               timeoutMs) &&
           m_messages.size() > before && m_messages.at(before) == payload;
}

bool WsClient::closeCleanly(int timeoutMs)
{
    m_socket.write(RawWebSocket::frame(0x8, RawWebSocket::closePayload(1000)));
    return QTest::qWaitFor([this] { return m_disconnected; }, timeoutMs) && m_closeCode == 1000;
}

void WsClient::readData()
{
    if (m_socket.isOpen())
        m_in += m_socket.readAll();
    if (!m_headDone) {
        if (!takeHead(&m_in, &m_status, &m_headers))
            return;
        m_headDone = true;
    }
    if (m_status != 101)
        return; // a body stays in m_in
    RawFrame f;
    bool tooLarge = false;
    while (RawWebSocket::takeFrame(&m_in, &f, &tooLarge)) {
        if (f.opcode == 0x8) {
            m_closeCode = RawWebSocket::closeCodeOf(f.payload);
            if (m_socket.state() == QAbstractSocket::ConnectedState)
                m_socket.write(RawWebSocket::frame(0x8, f.payload.left(2)));
        } else if (!(f.opcode & 0x8)) {
            m_messages.append(f.payload);
        }
    }
}

bool openAll(QList<WsClient *> *out, int count, quint16 port, const QByteArray &request,
             QObject *parent, int timeoutMs)
{
    QList<WsClient *> opened;
    for (int i = 0; i < count; ++i) {
        auto *c = new WsClient(parent);
        opened.append(c);
        if (!c->connectAndSend(port, request))
            return false;
    }
    out->append(opened);
    return QTest::qWaitFor(
        [&] {
            return std::all_of(opened.cbegin(), opened.cend(),
                               [](const WsClient *c) { return c->status() != 0; });
        },
        timeoutMs);
}

bool echoAll(const QList<WsClient *> &clients, const QByteArray &payload, int timeoutMs)
{
    QList<qsizetype> before;
    for (WsClient *c : clients) {
        before.append(c->messages().size());
        c->sendText(payload);
    }
    const bool arrived = QTest::qWaitFor(
        [&] {
            for (qsizetype i = 0; i < clients.size(); ++i) {
                if (clients.at(i)->messages().size() <= before.at(i))
                    return false;
            }
            return true;
        },
        timeoutMs);
    if (!arrived)
        return false;
    for (qsizetype i = 0; i < clients.size(); ++i) {
        if (clients.at(i)->messages().at(before.at(i)) != payload)
            return false;
    }
    return true;
}

// ---------------------------------------------------------------------------------------------

QByteArray Exchange::header(const QByteArray &name) const
{
    return headerIn(headers, name);
}

Exchange exchange(quint16 port, const QByteArray &request, int timeoutMs, const QHostAddress &from)
{
    Exchange result;
    QTcpSocket socket;
    QByteArray in;
    QObject::connect(&socket, &QTcpSocket::readyRead, &socket, [&] { in += socket.readAll(); });
    if (!connectFrom(socket, port, from, timeoutMs))
        return result;
    socket.write(request);
    result.closed = QTest::qWaitFor(
        [&] { return socket.state() == QAbstractSocket::UnconnectedState; }, timeoutMs);
    in += socket.readAll();
    if (takeHead(&in, &result.status, &result.headers))
        result.body = in;
    return result;
}

// ---------------------------------------------------------------------------------------------

namespace {
class Storm : public QObject
{
public:
    Storm(quint16 port, QByteArray request, int count, int expectStatus, StormResult &result,
          std::function<void()> onFinished)
        : m_port(port)
        , m_request(std::move(request))
        , m_remaining(count)
        , m_expect(expectStatus)
        , m_result(result)
        , m_onFinished(std::move(onFinished))
    {}

    void launch()
    {
        if (m_remaining == 0)
            return;
        --m_remaining;
        ++m_running;
        auto *socket = new QTcpSocket(this);
        auto *in = new QByteArray;
        connect(socket, &QTcpSocket::connected, socket,
                [this, socket] { socket->write(m_request); });
        connect(socket, &QTcpSocket::readyRead, socket, [this, socket, in] {
            *in += socket->readAll();
            int status = 0;
            HeaderPairs headers;
            if (!takeHead(in, &status, &headers))
                return;
            if (status == m_expect) {
                ++m_result.revisions[headerIn(headers, "X-Blueshift-Revision")];
                ++m_result.replicas[headerIn(headers, "X-Blueshift-Replica")];
            } else {
                ++m_result.failures;
            }
            done(socket, in);
        });
        connect(socket, &QTcpSocket::errorOccurred, socket, [this, socket, in] {
            ++m_result.failures;
            done(socket, in);
        });
        socket->connectToHost(QHostAddress::LocalHost, m_port);
    }

    bool finished() const { return m_remaining == 0 && m_running == 0; }

private:
    void done(QTcpSocket *socket, QByteArray *in)
    {
        socket->disconnect(this);
        socket->disconnect();
        socket->abort();
        socket->deleteLater();
        delete in;
        --m_running;
        launch();
        if (finished())
            m_onFinished();
    }

    quint16 m_port;
    QByteArray m_request;
    int m_remaining;
    int m_running = 0;
    int m_expect;
    StormResult &m_result;
    std::function<void()> m_onFinished;
};
} // namespace

StormResult storm(quint16 port, const QByteArray &request, int count, int concurrency,
                  int expectStatus, int timeoutMs)
{
    StormResult result;
    QElapsedTimer timer;
    timer.start();
    {
        // A real event loop: QTest::qWaitFor sleeps 10 ms between rounds, which would make
        // this measure the test's polling instead of the ingress.
        QEventLoop loop;
        Storm s(port, request, count, expectStatus, result, [&] { loop.quit(); });
        for (int i = 0; i < concurrency; ++i)
            s.launch();
        QTimer::singleShot(timeoutMs, &loop, &QEventLoop::quit);
        if (!s.finished())
            loop.exec();
        if (!s.finished())
            result.failures = count; // timed out: nothing is trustworthy
    }
    result.elapsedMs = timer.elapsed();
    return result;
}

bool withinShare(int observed, int total, int weightPercent, double tolerance)
{
    const double expected = double(total) * weightPercent / 100.0;
    return std::abs(observed - expected) <= tolerance * total;
}

} // namespace blueshift::itest
