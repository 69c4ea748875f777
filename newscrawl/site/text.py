"""Text as the site's pages hold it: one-line fields with whitespace collapsed
(the body converter, the item loader's processors), and text made safe to
put in Markdown that kramdown reads (a body's text, a back link's label)."""

import re

_SPACE_RUN = re.compile(r"[ \t\r\n\f\v\u00a0]+")


def clean_text(text: str | None) -> str | None:
    """Collapse whitespace in a one-line field; None if nothing is left."""
    if text is None:
        return None
    value = _SPACE_RUN.sub(" ", text).strip(" \u3000")
    return value or None


#: What kramdown reads as markup in text: raw HTML and autolinks, link and image brackets,
#: table cells, attribute lists and extensions, entities.
_MARKUP = re.compile(r"[<\[\]|]|\{:|&(?=#[0-9]+;|#[xX][0-9a-fA-F]+;|[A-Za-z][A-Za-z0-9]*;)")
#: Each as an entity: kramdown shows the character, and html-to-markdown writes entities as they are.
_AS_ENTITY = {"<": "&lt;", "[": "&#91;", "]": "&#93;", "|": "&#124;", "{:": "&#123;:", "&": "&amp;"}


def escape_markup(text: str) -> str:
    """Text that kramdown shows as it is (never as HTML, a link or an attribute list)."""
    return _MARKUP.sub(lambda match: _AS_ENTITY[match[0]], text)
