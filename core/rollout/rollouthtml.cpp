#include "rollouthtml.h"

#include "rolloutcharts.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace blueshift::rollout {

namespace {
// Platform events shown in the page; the full list is in rollout.json.
constexpr int kMaxEventRows = 2000;

QString esc(const QString &text)
{
    return text.toHtmlEscaped();
}

QString secondsText(double s)
{
    return s < 0 ? QStringLiteral("–") : QString::number(s, 'f', 1) + QStringLiteral(" s");
}

class Page
{
public:
    void raw(const QString &html) { m_out += html; }
    void text(const QString &t) { m_out += esc(t); }
    void element(const char *tag, const QString &t, const QString &cls = QString())
    {
        m_out += QLatin1Char('<') + QLatin1String(tag);
        if (!cls.isEmpty())
            m_out += QStringLiteral(" class=\"") + esc(cls) + QLatin1Char('"');
        m_out += QLatin1Char('>') + esc(t) + QStringLiteral("</") + QLatin1String(tag) +
                 QLatin1Char('>');
    }
    void row(const QStringList &cells, const QString &cls = QString(), bool header = false)
    {
        m_out += cls.isEmpty() ? QStringLiteral("<tr>")
                               : QStringLiteral("<tr class=\"") + esc(cls) + QStringLiteral("\">");
        for (const QString &c : cells)
            element(header ? "th" : "td", c);
        m_out += QStringLiteral("</tr>\n");
    }
    void svg(const QByteArray &svg)
    {
        // Written by SvgChart's XML writer: already well-formed, every text in it escaped.
        m_out +=
            QStringLiteral("<figure>") + QString::fromUtf8(svg) + QStringLiteral("</figure>\n");
    }
    QByteArray bytes() const { return m_out.toUtf8(); }

private:
    QString m_out;
};

const char *const kStyle = R"(
body { font-family: sans-serif; font-size: 14px; margin: 24px; color: #222; max-width: 1100px; }
h1 { font-size: 22px; } h2 { font-size: 17px; margin-top: 28px; }
.verdict-passed { color: #1a7f37; } .verdict-failed { color: #c62828; }
table { border-collapse: collapse; margin: 8px 0; }
th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
tr.pass td.result, td.pass { color: #1a7f37; font-weight: bold; }
tr.fail { background: #fdecea; } tr.fail td.result { color: #c62828; font-weight: bold; }
tr.skipped { color: #888; }
figure { margin: 12px 0; }
.summary td:first-child { font-weight: bold; }
code, .mono { font-family: monospace; }
)";

QList<StepWindow> stepsOf(const RolloutReport &r)
{
    QList<StepWindow> out;
    for (const RolloutReport::Step &s : r.steps)
        out.append(s.window);
    return out;
}

QString fieldsText(const QJsonObject &fields)
{
    QJsonObject f = fields;
    f.remove(QStringLiteral("app"));
    f.remove(QStringLiteral("source"));
    return QString::fromUtf8(QJsonDocument(f).toJson(QJsonDocument::Compact));
}
} // namespace

QByteArray rolloutHtml(const RolloutReport &r)
{
    Page p;
    const QString title = r.planName.isEmpty() ? QStringLiteral("rollout") : r.planName;
    p.raw(QStringLiteral("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                         "<title>"));
    p.text(QStringLiteral("Rollout report: ") + title);
    p.raw(QStringLiteral("</title>\n<style>") + QLatin1String(kStyle) +
          QStringLiteral("</style>\n</head>\n<body>\n"));
    p.raw(QStringLiteral("<h1>Rollout "));
    p.text(title);
    p.raw(QStringLiteral(": <span class=\"") +
          (r.passed ? QStringLiteral("verdict-passed") : QStringLiteral("verdict-failed")) +
          QStringLiteral("\">"));
    p.text(r.outcome.toUpper());
    p.raw(QStringLiteral("</span></h1>\n<table class=\"summary\">\n"));
    p.row({QStringLiteral("app"), r.app});
    p.row({QStringLiteral("started"), r.startedAt.toString(Qt::ISODateWithMs)});
    p.row({QStringLiteral("duration"), secondsText(r.duration)});
    p.row({QStringLiteral("connections"), QString::number(r.evidence.connections().size())});
    p.row({QStringLiteral("platform events"),
           r.platformEvents ? QStringLiteral("on the timeline") : QStringLiteral("not available")});
    if (!r.error.isEmpty())
        p.row({QStringLiteral("error"), r.error}, QStringLiteral("fail"));
    const QString description = r.plan.value(QStringLiteral("description")).toString();
    if (!description.isEmpty())
        p.row({QStringLiteral("plan"), description});
    p.raw(QStringLiteral("</table>\n"));

    p.element("h2", QStringLiteral("Assertions"));
    p.raw(QStringLiteral("<table class=\"assertions\">\n"));
    p.row({QStringLiteral("step"), QStringLiteral("name"), QStringLiteral("assertion"),
           QStringLiteral("expected"), QStringLiteral("observed"), QStringLiteral("result")},
          QString(), true);
    for (const AssertionResult &a : r.results) {
        p.raw(QStringLiteral("<tr class=\"") +
              (a.passed ? QStringLiteral("pass") : QStringLiteral("fail")) +
              QStringLiteral("\" data-assertion=\"") + esc(assertionKindName(a.kind)) +
              QStringLiteral("\">"));
        p.element("td", QString::number(a.step + 1));
        p.element("td", a.stepName);
        p.element("td", assertionKindName(a.kind) +
                            (a.byDefault ? QStringLiteral(" (default)") : QString()));
        p.element("td", a.expected);
        p.raw(QStringLiteral("<td title=\"") + esc(a.message) + QStringLiteral("\">"));
        p.text(a.observed);
        p.raw(QStringLiteral("</td>"));
        p.element("td", a.passed ? QStringLiteral("holds") : QStringLiteral("FAILED"),
                  QStringLiteral("result"));
        p.raw(QStringLiteral("</tr>\n"));
    }
    if (r.results.isEmpty())
        p.row({QStringLiteral("–"), QStringLiteral("no assertion was judged"), QString(), QString(),
               QString(), QString()},
              QStringLiteral("skipped"));
    p.raw(QStringLiteral("</table>\n"));
    for (const AssertionResult &a : r.results) {
        if (!a.passed)
            p.element("p", QStringLiteral("assertion failed: ") + a.message,
                      QStringLiteral("verdict-failed"));
    }

    p.element("h2", QStringLiteral("Steps"));
    p.raw(QStringLiteral("<table class=\"steps\">\n"));
    p.row({QStringLiteral("step"), QStringLiteral("kind"), QStringLiteral("what"),
           QStringLiteral("start"), QStringLiteral("took"), QStringLiteral("result")},
          QString(), true);
    for (const RolloutReport::Step &s : r.steps) {
        const StepWindow &w = s.window;
        const bool ran = w.start >= 0;
        const QString result = !ran        ? QStringLiteral("not run")
                               : w.ok      ? QStringLiteral("done")
                               : w.end < 0 ? QStringLiteral("interrupted")
                                           : QStringLiteral("failed: ") + w.error;
        p.row({QString::number(w.index + 1), s.kind, s.description, secondsText(w.start),
               ran && w.end >= 0 ? secondsText(w.end - w.start) : QStringLiteral("–"), result},
              !ran   ? QStringLiteral("skipped")
              : w.ok ? QString()
                     : QStringLiteral("fail"));
    }
    p.raw(QStringLiteral("</table>\n"));

    p.element("h2", QStringLiteral("Sessions surviving over run time"));
    const QByteArray survival = RolloutCharts::survivalOverRunTime(r.evidence, stepsOf(r));
    if (survival.isEmpty())
        p.element("p", QStringLiteral("No session was open when a step began."));
    else
        p.svg(survival);
    p.element("h2", QStringLiteral("Live sessions per revision"));
    p.svg(RolloutCharts::liveSessions(r.evidence, stepsOf(r)));
    p.element("h2", QStringLiteral("Survival by session age"));
    p.svg(RolloutCharts::survivalByAge(r.evidence));

    p.element("h2", QStringLiteral("Closes by step"));
    p.raw(QStringLiteral("<table class=\"closes\">\n"));
    p.row({QStringLiteral("step"), QStringLiteral("revision"), QStringLiteral("code"),
           QStringLiteral("closed by"), QStringLiteral("sessions")},
          QString(), true);
    for (const QJsonValue &v : r.closesByStep()) {
        const QJsonObject o = v.toObject();
        const int step = o.value(QStringLiteral("step")).toInt();
        p.row({step <= 0 ? QStringLiteral("before rollout")
                         : QStringLiteral("%1 %2").arg(step).arg(
                               o.value(QStringLiteral("step_name")).toString()),
               o.value(QStringLiteral("revision")).toString(),
               QString::number(o.value(QStringLiteral("code")).toInt()),
               o.value(QStringLiteral("closed_by")).toString(),
               QString::number(o.value(QStringLiteral("count")).toInt())});
    }
    p.raw(QStringLiteral("</table>\n"));

    p.element("h2", QStringLiteral("Session groups"));
    p.raw(QStringLiteral("<table class=\"groups\">\n"));
    p.row({QStringLiteral("group"), QStringLiteral("sessions"), QStringLiteral("url"),
           QStringLiteral("started at"), QStringLiteral("files")},
          QString(), true);
    for (const RolloutReport::Group &g : r.groups)
        p.row({g.name, QString::number(g.sessions), g.url, secondsText(g.offset),
               g.reportDir + QStringLiteral("/report.json, sessions.csv, events.jsonl")});
    p.raw(QStringLiteral("</table>\n"));

    p.element("h2", QStringLiteral("Timeline: steps and platform events"));
    p.raw(QStringLiteral("<table class=\"timeline\">\n"));
    p.row({QStringLiteral("time"), QStringLiteral("event"), QStringLiteral("revision"),
           QStringLiteral("details")},
          QString(), true);
    int rows = 0;
    for (const harness::TimelineEntry &e : r.timeline) {
        if (++rows > kMaxEventRows) {
            p.row({QString(),
                   QStringLiteral("%1 more in rollout.json").arg(r.timeline.size() - kMaxEventRows),
                   QString(), QString()},
                  QStringLiteral("skipped"));
            break;
        }
        const bool step = e.kind == QLatin1String("step");
        p.row({secondsText(e.time),
               step ? QStringLiteral("step %1: %2")
                          .arg(e.step + 1)
                          .arg(e.fields.value(QStringLiteral("name")).toString())
                    : e.kind,
               e.fields.value(QStringLiteral("revision")).toString(),
               step ? QString() : fieldsText(e.fields)});
    }
    p.raw(QStringLiteral("</table>\n"));

    if (!r.notes.isEmpty()) {
        p.element("h2", QStringLiteral("Notes"));
        p.raw(QStringLiteral("<ul>\n"));
        for (const QString &n : r.notes)
            p.element("li", n);
        p.raw(QStringLiteral("</ul>\n"));
    }
    p.raw(QStringLiteral("</body>\n</html>\n"));
    return p.bytes();
}

} // namespace blueshift::rollout
