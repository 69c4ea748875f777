"""A user's query as an FTS5 MATCH expression, and the texts a snippet highlights.

``北向资金 流入`` (words: all of them), ``"资金流入"`` (a phrase, as
written), ``A OR B``, ``A AND B``, ``A NOT B`` and parentheses, as FTS5
takes them (NOT binds tighter than AND, AND than OR). An unquoted run of
more than two Chinese characters is split into words by jieba
(``北向资金流入`` is 北向 AND 资金 AND 流入); jieba's dictionary takes about
a second to load, so it is loaded only for such a query. Every word or
phrase is quoted before it reaches FTS5: nothing a user types is FTS5
syntax but the operators and parentheses.
"""

import logging
import re
import time
from dataclasses import dataclass
from functools import cache

from newscrawl.search.tokens import HAN, phrase

OPERATORS = ("AND", "OR", "NOT")
_PART = re.compile(r'"([^"]*)"?|(\()|(\))|([^\s"()]+)')
_LONG_HAN_RUN = re.compile(f"[{HAN}]{{3,}}")


class QueryError(ValueError):
    """A query that is no search: empty, or operators without words."""


@dataclass(frozen=True)
class Query:
    match: str  # the FTS5 MATCH expression
    texts: tuple[str, ...]  # the words and phrases, as typed (split), for the snippet
    segmenter_seconds: float | None  # how long jieba's dictionary took to load, if it was needed


def parse(text: str) -> Query:
    parts: list[str] = []
    texts: list[str] = []
    segmenter_seconds = None
    for m in _PART.finditer(text):
        quoted, opening, closing, word = m.groups()
        if opening or closing:
            parts.append(opening or closing)
        elif word in OPERATORS:
            parts.append(word)
        else:
            words = [quoted] if quoted is not None else [word]
            if quoted is None and _LONG_HAN_RUN.search(word):
                segmenter, segmenter_seconds = _segmenter()
                words = _segment(segmenter, word)
            phrases = [(w, p) for w in words if (p := phrase(w))]
            if phrases:
                texts.extend(w for w, _ in phrases)
                expression = " AND ".join(p for _, p in phrases)
                parts.append(expression if len(phrases) == 1 else f"({expression})")
    if not texts:
        raise QueryError(f"{text!r} holds no word to search for")
    return Query(_with_implicit_and(parts), tuple(texts), segmenter_seconds)


def _with_implicit_and(parts: list[str]) -> str:
    """Join the parts, with AND between two operands that have no operator between them."""
    joined: list[str] = []
    for part in parts:
        if joined and _ends_operand(joined[-1]) and _starts_operand(part):
            joined.append("AND")
        joined.append(part)
    return " ".join(joined)


def _ends_operand(part: str) -> bool:
    return part not in OPERATORS and part != "("


def _starts_operand(part: str) -> bool:
    return part not in OPERATORS and part != ")"


@cache
def _segmenter():
    """jieba's tokenizer, its dictionary loaded (about a second: only for a query that
    needs it), and the seconds that took."""
    started = time.perf_counter()
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba.dt, time.perf_counter() - started


def _segment(segmenter, word: str) -> list[str]:
    """jieba's words of ``word`` (precise mode), less punctuation; less the single
    characters (是, 的: the words around them say more, and a single character,
    a prefix of every pair it starts, is the slowest thing to look up) unless
    nothing else is left."""
    words = [w for w in segmenter.lcut(word, HMM=False) if re.search(r"\w", w)]
    return [w for w in words if len(w) > 1] or words
