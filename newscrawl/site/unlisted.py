"""A post the site no longer lists, known only by its share data: the post page it would have had."""

from newscrawl.site.fetched import SitePost, UpstreamPost
from newscrawl.site.text import clean_text
from newscrawl.site.times import upstream_time
from newscrawl.site.urls import category_slug, post_url


def unlisted_post(info_code: str, upstream: UpstreamPost, site_url: str, share_url: str) -> SitePost:
    """What the site would have shown: its category, tags and URL are the publisher's
    slug, ``<publisher>新闻``, and the permalink of the share data's date. The rest
    (title, time, body) comes from the share data when the post is loaded. A field
    that cannot be derived is left out, for the validation pipeline to reject."""
    publisher = clean_text(upstream.publisher)
    published = upstream_time(upstream.time_text)
    category = category_slug(publisher) if publisher else None
    return SitePost(
        url=post_url(site_url, category, published.moment.date(), info_code) if category and published else None,
        info_code=info_code,
        category=category,
        title=None,
        time_text=None,
        tags=[f"{publisher}新闻"] if publisher else [],
        share_url=share_url,
    )
