"""What the upstream hosts answer for a post: the share JSON and the eastmoney article."""

from __future__ import annotations

import html
import json

from .source_posts import Post, digest_text

_EASTMONEY_ARTICLE = """\
<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}_东方财富网</title></head>
<body><div class="main"><div class="newsContent"><h1>{title}</h1>
<div class="Info"><div class="time">{time}</div><div class="source">来源：<span>{publisher}</span></div></div>
<div class="b-review">{digest}</div>
<div id="ContentBody" class="Body">
{body}
<div class="ad_context3"><script>ads()</script><p>广告</p></div>
</div><p class="res-edit">（责任编辑：DF010）</p></div></div></body></html>
"""


def share_json(post: Post) -> str:
    """``GetNewsText.do?id=<infoCode>``: the true time (to the second), the publisher, the body."""
    body_key = "content" if post.legacy_content_key else "text"
    return json.dumps(
        {
            "infoCode": post.info_code,
            "title": post.title,
            "showtime": f"{post.published:%Y-%m-%d %H:%M:%S}",
            "medianame": post.publisher,
            body_key: post.body_html,
        },
        ensure_ascii=False,
    )


def unknown_share_json(info_code: str) -> str:
    """What an unknown id gets: 200 with an empty text."""
    return json.dumps({"infoCode": info_code, "title": "", "showtime": "", "medianame": "", "text": ""},
                      ensure_ascii=False)


def eastmoney_article(post: Post) -> str:
    """The article page an emnews post links: the full text, the time to the minute."""
    title = html.escape(post.title, quote=False)
    return _EASTMONEY_ARTICLE.format(
        title=title,
        time=f"{post.published:%Y年%m月%d日 %H:%M}",
        publisher=post.publisher,
        digest=digest_text(post.body_html),
        body=post.body_html,
    )
