"""The words the search index is given: each run of Chinese as its overlapping pairs and its last character."""

import pytest

from newscrawl.search.tokens import document_text, phrase


@pytest.mark.parametrize("text, words", [
    ("北向资金", ["北向", "向资", "资金", "金"]),
    ("A股上涨3%", ["A", "股上", "上涨", "涨", "3%"]),
    ("金", ["金"]),
    ("Fed加息, 美元走强", ["Fed", "加息", "息", ",", "美元", "元走", "走强", "强"]),
    ("no Chinese here", ["no", "Chinese", "here"]),
    ("", []),
])
def test_each_run_of_chinese_becomes_its_pairs_and_its_last_character(text, words):
    assert document_text(text).split() == words


def test_a_phrase_is_found_where_its_text_occurs_in_a_document():
    """The phrase's words are consecutive words of the document's (FTS5 matches a phrase so)."""
    document = document_text("今日北向资金净流入").split()
    words = phrase("北向资金").strip('"').split()
    assert any(document[i:i + len(words)] == words for i in range(len(document)))
