"""A hit's snippet: the stretch of its body where the searched words are, with them marked."""

import re

#: Markdown a snippet does without: links and images (their text kept), emphasis, headings, table bars.
_MARKUP = [
    (re.compile(r"!?\[([^\]]*)\]\([^)]*\)"), r"\1"),
    (re.compile(r"<(https?://[^>]*)>"), r"\1"),
    (re.compile(r"[*_`#>|]+"), " "),
    (re.compile(r"\s+"), " "),
]


def plain(markdown: str) -> str:
    for pattern, replacement in _MARKUP:
        markdown = pattern.sub(replacement, markdown)
    return markdown.strip()


def snippet(body: str, texts: tuple[str, ...], width: int = 80, mark: tuple[str, str] = ("**", "**")) -> str:
    """About ``width`` characters of the body around the first searched text it holds
    (its start if none: a title match), each searched text in it between ``mark``."""
    text = plain(body)
    words = sorted({w for t in texts for w in t.split() if w}, key=len, reverse=True)
    found = re.compile("|".join(map(re.escape, words)), re.IGNORECASE) if words else None
    first = found.search(text) if found else None
    start = max(0, first.start() - width // 4) if first else 0
    window = text[start : start + width]
    if found:
        window = found.sub(lambda m: f"{mark[0]}{m.group()}{mark[1]}", window).replace(mark[1] + mark[0], "")
    return ("…" if start else "") + window + ("…" if start + width < len(text) else "")
