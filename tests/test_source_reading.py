"""A parse worker's call reads several source posts: one unreadable page fails alone."""

import newscrawl.source.generator_file as generator_file
from newscrawl.site.fetched import SitePost
from newscrawl.site.pages import PageError
from newscrawl.source.generator_file import read_source_items, read_source_post

SITE = "http://127.0.0.1:8000/"
FILE = """---
layout: post
title: "{title}"
date: 2022-02-23 10:30:09 +0800
categories: {category}
tags: 21世纪经济报道新闻
---
{body}
"""


def source_post(info_code: str, title: str = "标题", body: str = "<p>正文内容</p>\n\n<https://x.example/s>",
                category: str = "21shijijingjibaodao"):
    text = FILE.format(title=title, category=category, body=body)
    return read_source_post(f"2022-02-23-{info_code}.md", text.encode(), SITE)


def test_each_post_of_a_call_comes_back_loaded_or_as_the_page_needing_share_data():
    digest = source_post("202202232285760343", category="emnews", body="> 摘要")
    plain = source_post("NW202202232285760344")
    loaded, needing_share_data = read_source_items([plain, digest])
    assert loaded["info_code"] == "NW202202232285760344" and loaded["title"] == "标题"
    assert isinstance(needing_share_data, SitePost) and needing_share_data.needs_share_data


def test_a_page_that_cannot_be_read_is_its_error_and_the_others_still_come_back(monkeypatch):
    read_page = generator_file.read_source_page

    def read_or_fail(post):
        if post.info_code.endswith("1"):
            raise PageError("no title")
        return read_page(post)

    monkeypatch.setattr(generator_file, "read_source_page", read_or_fail)
    posts = [source_post(f"NW20220223228576034{n}") for n in range(3)]
    first, failed, third = read_source_items(posts)
    assert isinstance(failed, PageError) and str(failed) == "no title"
    assert first["info_code"].endswith("0") and third["info_code"].endswith("2")
