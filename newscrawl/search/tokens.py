"""The words the index holds: overlapping character pairs of Chinese text, words of the rest.

FTS5's own tokenizer (unicode61) takes a run of Chinese characters for one
word. So before text reaches it, each run is rewritten as its overlapping
pairs and its last character: 北向资金 -> ``北向 向资 资金 金``. Any Chinese
text of two characters or more is then a phrase of consecutive pairs, and
every place it occurs is found, and no other (docs/search.md says why this
and not jieba's words or FTS5's trigrams). A single character is a prefix:
every occurrence of 金 starts a pair or ends a run. Latin words and numbers
stay words, as unicode61 makes them (case folded).
"""

import re

#: Han characters: the CJK Unified Ideographs, Extension A, the compatibility
#: ideographs, and the supplementary planes' extensions.
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
HAN_RUN = re.compile(f"[{HAN}]+")
_HAN_RUN_SPLIT = re.compile(f"([{HAN}]+)")


def _pairs(run: str) -> list[str]:
    return list(map(str.__add__, run, run[1:]))


def document_text(text: str) -> str:
    """The text as the index's tokenizer is given it: each Han run as its pairs and its last character."""
    parts = _HAN_RUN_SPLIT.split(text)  # the runs at the odd places (split, not sub: no call a run)
    for index in range(1, len(parts), 2):
        run = parts[index]
        parts[index] = f" {' '.join(map(str.__add__, run, run[1:]))} {run[-1]} "
    return "".join(parts)


def phrase(text: str) -> str | None:
    """An FTS5 phrase that matches wherever ``text`` occurs in a document (None if it holds no word).

    A run inside the phrase ends with its last character, as the document's
    does; the phrase's last run may go on in the document, so its pairs end
    the phrase, or, for a single character, a prefix of the pair it starts.
    """
    parts = [(m.group(), bool(HAN_RUN.fullmatch(m.group())))
             for m in re.finditer(f"[{HAN}]+|[^{HAN}]+", text)]
    tokens: list[str] = []
    prefix = False
    for index, (part, is_han) in enumerate(parts):
        last = index == len(parts) - 1
        if not is_han:
            tokens.append(part)
        elif len(part) == 1:
            tokens.append(part)
            prefix = last
        else:
            tokens.extend(_pairs(part))
            if not last:
                tokens.append(part[-1])
    words = " ".join(tokens)
    if not re.search(r"\w", words):
        return None
    quoted = '"' + words.replace('"', '""') + '"'
    return quoted + " *" if prefix else quoted
