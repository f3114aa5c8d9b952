#pragma once

#include "rolloutplan.h"

#include <QJsonObject>
#include <QJsonValue>
#include <QString>
#include <QStringList>

#include <initializer_list>
#include <optional>

namespace blueshift::rollout {

// Reads the fields of one object of a plan, strictly, naming where it is in every error
// ("step 3 (traffic): weights.blue must be a whole number from 0 to 100"). Each reader
// returns true when the field is absent (the caller's default stays) or valid, and false with
// the error set otherwise.
class PlanReader
{
public:
    // `where`: "step 3 (traffic)", or empty at the top level; `prefix`: the path of the object
    // ("sessions." or "assertions.rttP99Ms."), put before field names.
    PlanReader(QString where, QString prefix, QString *error);

    PlanReader nested(const QString &field) const;
    // Sets the error and returns false; an empty field names the object itself.
    bool fail(const QString &field, const QString &problem) const;
    // Every key of `o` must be in `allowed`; `what` names the object ("a traffic step").
    bool keys(const QJsonObject &o, const QStringList &allowed, const QString &what) const;

    bool number(const QJsonObject &o, const QString &key, double *out, double min, double max,
                bool minExclusive = false) const;
    bool integer(const QJsonObject &o, const QString &key, int *out, int min, int max) const;
    bool string(const QJsonObject &o, const QString &key, QString *out,
                bool required = false) const;
    bool boolean(const QJsonObject &o, const QString &key, bool *out) const;
    bool stringList(const QJsonObject &o, const QString &key,
                    std::optional<QStringList> *out) const;
    bool object(const QJsonObject &o, const QString &key, QJsonObject *out) const;

    // The session fields (the plan's sessions, or a startSessions step's overrides) over what
    // `g` holds; `topLevel` allows autoStart.
    bool sessionGroup(const QJsonObject &o, bool topLevel, SessionGroupSpec *g) const;
    bool traffic(const QJsonValue &v, harness::FleetConfig *c) const;
    bool reconnect(const QJsonValue &v, harness::ReconnectPolicy *p) const;

    static QStringList keyList(std::initializer_list<const char *> names);

private:
    QString m_where;
    QString m_prefix;
    QString *m_error;
};

} // namespace blueshift::rollout
