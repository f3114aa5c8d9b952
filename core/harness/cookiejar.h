#pragma once

#include "../http/httpmessage.h"

#include <QByteArray>
#include <QList>
#include <QPair>

#include <optional>

namespace blueshift::harness {

// One Set-Cookie header, reduced to what a session to a single host needs.
struct SetCookie
{
    QByteArray name;
    QByteArray value;
    bool remove = false; // Max-Age <= 0, or an Expires in the past
};

// Parses "name=value; Path=/; Max-Age=60; HttpOnly". nullopt when there is no name.
std::optional<SetCookie> parseSetCookie(const QByteArray &header);

// The cookies of one test session, so that a reconnect sends back what the gateway set on the
// 101 (the ingress's affinity cookie). Every session talks to one host, so Domain and Path are
// not matched; a session holds one or two cookies, so a list is enough.
class CookieJar
{
public:
    void set(const SetCookie &cookie);
    // Every Set-Cookie in a response head.
    void update(const http::HeaderList &headers);
    void clear() { m_cookies.clear(); }

    bool isEmpty() const { return m_cookies.isEmpty(); }
    int size() const { return int(m_cookies.size()); }
    QByteArray value(const QByteArray &name) const;
    // The Cookie header value: "a=1; b=2", empty when there is none.
    QByteArray header() const;

private:
    QList<QPair<QByteArray, QByteArray>> m_cookies;
};

} // namespace blueshift::harness
