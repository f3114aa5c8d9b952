// Fuzzes the rollout plan parser (core/rollout/planparser.h) with the bytes of a plan file.
// Checks:
// - no crash, no undefined behaviour, and a refused plan always comes with an error message;
// - an accepted plan holds what the parser promises: version 1, an app, at least one step,
//   steps numbered in order, traffic weights from 0 to 100 that add up to 100;
// - PlanWriter's promise (planwriter.h): parsing what toBytes() writes gives the same plan back
//   (same steps, names and descriptions), and writing that again gives the same bytes.
// The input is the whole file.
#include "fuzzcheck.h"

#include "rollout/planparser.h"
#include "rollout/planwriter.h"

using namespace blueshift::rollout;

namespace {

void checkPlan(const Plan &plan)
{
    FUZZ_CHECK(plan.version == 1);
    FUZZ_CHECK(!plan.target.app.isEmpty());
    FUZZ_CHECK(!plan.steps.isEmpty());
    for (qsizetype i = 0; i < plan.steps.size(); ++i) {
        const PlanStep &step = plan.steps.at(i);
        FUZZ_CHECK(step.index == i);
        FUZZ_CHECK(!step.name.isEmpty());
        if (step.kind == StepKind::Traffic) {
            int sum = 0;
            for (const auto &[ref, weight] : step.weights) {
                FUZZ_CHECK(!ref.isEmpty() && weight >= 0 && weight <= 100);
                sum += weight;
            }
            FUZZ_CHECK(sum == 100);
        }
        (void)stepLabel(step);
        for (const AssertionSpec &a : step.assertions)
            (void)describeExpectation(a);
    }
}

bool sameSteps(const Plan &a, const Plan &b)
{
    if (a.steps.size() != b.steps.size())
        return false;
    for (qsizetype i = 0; i < a.steps.size(); ++i) {
        const PlanStep &x = a.steps.at(i);
        const PlanStep &y = b.steps.at(i);
        if (x.kind != y.kind || x.name != y.name || describe(x) != describe(y) ||
            x.assertions.size() != y.assertions.size())
            return false;
    }
    return true;
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    blueshift::fuzz::quietQt();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const QByteArray json(reinterpret_cast<const char *>(data), qsizetype(size));
    Plan plan;
    QString error;
    if (!PlanParser::parse(json, &plan, &error)) {
        FUZZ_CHECK(!error.isEmpty());
        return 0;
    }
    checkPlan(plan);

    const QByteArray written = PlanWriter::toBytes(plan);
    Plan again;
    QString againError;
    const bool reparsed = PlanParser::parse(written, &again, &againError);
    if (!reparsed)
        std::fprintf(stderr, "the written plan does not parse: %s\n%s\n", qPrintable(againError),
                     written.constData());
    FUZZ_CHECK(reparsed);
    FUZZ_CHECK(again.name == plan.name && again.description == plan.description);
    FUZZ_CHECK(again.target.app == plan.target.app);
    FUZZ_CHECK(sameSteps(plan, again));
    FUZZ_CHECK(PlanWriter::toBytes(again) == written);
    return 0;
}
