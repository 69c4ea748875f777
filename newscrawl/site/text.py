"""One-line text as the site's pages hold it, whitespace collapsed: shared by
the body converter and the item loader's processors."""

import re

_SPACE_RUN = re.compile(r"[ \t\r\n\f\v\u00a0]+")


def clean_text(text: str | None) -> str | None:
    """Collapse whitespace in a one-line field; None if nothing is left."""
    if text is None:
        return None
    value = _SPACE_RUN.sub(" ", text).strip(" \u3000")
    return value or None
