"""The posts-per-day chart: an SVG drawn here, inline in the report page.

A row per category (most posts first), a column per day, a cell's shade
its number of posts; the days a normally active category has no post are
red. Above the rows, a bar per day of all categories together. Plain SVG
rects with a <title> tooltip each: no script, no library, nothing fetched.
"""

from datetime import date
from html import escape

from newscrawl.overview.counts import PostCounts

EMPTY, QUIET, BAR = "#ebedf0", "#f28b82", "#5b7fa6"
SHADES = ("#9be9a8", "#40c463", "#30a14e", "#216e39")  # fewer to more posts
ROW, BARS_HEIGHT, AXIS, RIGHT = 16, 48, 22, 64
CHAR = 7  # label width per character, px


def shade_limits(counts: PostCounts) -> list[int]:
    """The highest count of each shade but the last: quartiles of the non-empty cells."""
    values = sorted(counts.per_day.values())
    if not values:
        return []
    return [values[min(len(values) - 1, len(values) * q // 4)] for q in (1, 2, 3)]


def shade(posts: int, limits: list[int]) -> str:
    return SHADES[sum(posts > limit for limit in limits)]


def posts_chart(counts: PostCounts, quiet: dict[str, list[date]]) -> str:
    days, categories = counts.days(), counts.categories()
    if not days:
        return '<p class="empty">No posts in the archive yet.</p>'
    cell = max(2, min(18, 900 // len(days)))
    left = min(60, max(text_width(counts.label(c)) for c in categories)) * CHAR + 12
    top = BARS_HEIGHT + AXIS
    width, height = left + cell * len(days) + RIGHT, top + ROW * len(categories) + 4
    column = {day: left + cell * n for n, day in enumerate(days)}
    limits = shade_limits(counts)
    inset = 1 if cell >= 4 else 0
    parts = [
        f'<svg id="posts-chart" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="Posts per day per category">',
        '<style>text{font:11px sans-serif;fill:#333}</style>',
    ]
    day_totals = counts.day_totals()
    most = max(day_totals.values())
    for day, posts in sorted(day_totals.items()):
        bar = max(1, round((BARS_HEIGHT - 4) * posts / most))
        parts.append(f'<rect class="bar" x="{column[day]}" y="{BARS_HEIGHT - bar}" width="{cell - inset or 1}" '
                     f'height="{bar}" fill="{BAR}"><title>{day}: {posts} posts</title></rect>')
    parts.append(f'<text x="{left - 6}" y="{BARS_HEIGHT - 4}" text-anchor="end">all: {most} max</text>')
    step = -(-60 // cell)  # a label every ~60 px; the first, with its year, takes two
    for n in [0, *range(2 * step, len(days), step)]:
        label = days[n].isoformat() if n == 0 else days[n].strftime("%m-%d")
        parts.append(f'<text x="{column[days[n]]}" y="{BARS_HEIGHT + 15}">{label}</text>')
    row_y = {category: top + ROW * row for row, category in enumerate(categories)}
    totals = counts.category_totals()
    for category, y in row_y.items():
        parts.append(f'<text x="{left - 6}" y="{y + ROW - 4}" text-anchor="end">{escape(counts.label(category))}</text>')
        parts.append(f'<rect x="{left}" y="{y}" width="{cell * len(days)}" height="{ROW - 2}" fill="{EMPTY}"/>')
        for day in quiet.get(category, ()):
            parts.append(_cell(column[day], y, cell - inset, QUIET, "quiet", day, category, 0))
        parts.append(f'<text x="{left + cell * len(days) + 6}" y="{y + ROW - 4}">{totals[category]}</text>')
    for (day, category), posts in sorted(counts.per_day.items()):
        parts.append(_cell(column[day], row_y[category], cell - inset, shade(posts, limits), "cell", day, category, posts))
    parts.append("</svg>")
    return "\n".join(parts)


def text_width(text: str) -> int:
    """A label's width in CHARs: a CJK character takes two."""
    return sum(2 if ord(char) >= 0x2E80 else 1 for char in text)


def _cell(x: int, y: int, width: int, fill: str, kind: str, day: date, category: str, posts: int) -> str:
    what = f"{posts} posts" if posts else "no posts"
    return (f'<rect class="{kind}" x="{x}" y="{y}" width="{width or 1}" height="{ROW - 2}" fill="{fill}" '
            f'data-day="{day}" data-category="{escape(category)}" data-posts="{posts}">'
            f'<title>{day} {escape(category)}: {what}</title></rect>')


def legend(counts: PostCounts) -> str:
    """Each shade in use with the range of counts it stands for, and the quiet-day colour, as HTML."""
    limits = shade_limits(counts)
    ranges: dict[str, list[int]] = {}
    for posts in counts.per_day.values():
        low_high = ranges.setdefault(shade(posts, limits), [posts, posts])
        low_high[0], low_high[1] = min(low_high[0], posts), max(low_high[1], posts)
    keys = [f'<span class="key" style="background:{colour}"></span>{low}' + (f"–{high}" if high > low else "")
            for colour in SHADES if colour in ranges for low, high in [ranges[colour]]]
    keys.append(f'<span class="key" style="background:{QUIET}"></span>no posts, where the category normally has some')
    return '<p class="legend">Posts a day: ' + " ".join(keys) + "</p>"
