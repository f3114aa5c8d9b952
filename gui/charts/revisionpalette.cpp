#include "revisionpalette.h"

#include <algorithm>
#include <array>

namespace blueshift::gui {

namespace {
struct NamedColor
{
    const char *word;
    QRgb rgb;
};

// Colour words a revision name may end in, with shades that stay readable as filled areas.
constexpr std::array<NamedColor, 8> kNamed{{
    {"blue", 0x3b78c3},
    {"green", 0x3fa34d},
    {"red", 0xd0453b},
    {"orange", 0xe8892b},
    {"purple", 0x8a5cc2},
    {"yellow", 0xd9b526},
    {"teal", 0x2a9d8f},
    {"grey", 0x8c8c8c},
}};

// Tableau 10, for every other name: distinct, and kind to colour-blind readers.
constexpr std::array<QRgb, 10> kCycle{0x4e79a7, 0xf28e2b, 0x59a14f, 0xe15759, 0x76b7b2,
                                      0xedc948, 0xb07aa1, 0xff9da7, 0x9c755f, 0xbab0ac};
} // namespace

QColor RevisionPalette::color(const QString &revision)
{
    const auto it = m_colors.constFind(revision);
    if (it != m_colors.cend())
        return it.value();
    QColor chosen;
    const QString lower = revision.toLower();
    for (const NamedColor &n : kNamed) {
        const QColor c = QColor::fromRgb(n.rgb);
        if (lower.endsWith(QLatin1String(n.word)) &&
            std::none_of(m_colors.cbegin(), m_colors.cend(),
                         [&](const QColor &used) { return used == c; })) {
            chosen = c;
            break;
        }
    }
    // The cycle skips colours a named revision already took.
    for (std::size_t tries = 0; !chosen.isValid() && tries < kCycle.size() * 2; ++tries) {
        const QColor c = QColor::fromRgb(kCycle[std::size_t(m_next++) % kCycle.size()]);
        if (tries >= kCycle.size() || std::none_of(m_colors.cbegin(), m_colors.cend(),
                                                   [&](const QColor &used) { return used == c; }))
            chosen = c;
    }
    m_colors.insert(revision, chosen);
    return chosen;
}

} // namespace blueshift::gui
