"""Where a post is built: ``load_post`` normalises what its page and its share data say into a PostItem.

The parts come raw from newscrawl.site (a post page's SitePost, share data's
UpstreamPost); the field processors (newscrawl.loading.processors) clean them.
"""

from itemloaders.processors import Compose, Identity, Join, MapCompose, TakeFirst
from scrapy.loader import ItemLoader

from newscrawl.items import PostItem
from newscrawl.loading.processors import (
    clean_text,
    clean_title,
    format_time,
    reconcile_times,
    source_from_digest,
    source_from_label,
    source_from_tag,
)
from newscrawl.site.body import Body, html_to_markdown
from newscrawl.site.fetched import SitePost, UpstreamPost
from newscrawl.site.times import site_time, upstream_time


class PostLoader(ItemLoader):
    default_item_class = PostItem
    default_input_processor = MapCompose(clean_text)
    default_output_processor = TakeFirst()

    date_in = Identity()  # PostTime values, see newscrawl.site.times.parse_time
    date_out = Compose(reconcile_times, format_time)
    tags_out = Join(" ")
    body_in = Identity()
    body_out = TakeFirst()


def _richer_body(site: SitePost, upstream: UpstreamPost | None) -> Body:
    """The site's body, unless upstream's has more (a digest always has less)."""
    if upstream is None:
        return site.body
    upstream_body = html_to_markdown(upstream.body_html)
    if not upstream_body.text_length:
        return site.body
    if site.is_digest or upstream_body.text_length > site.body.text_length:
        return upstream_body
    return site.body


def load_post(site: SitePost, upstream: UpstreamPost | None = None) -> PostItem:
    """Build the item: upstream time and publisher win, the richer body is kept.

    A post the site no longer lists comes with the page it would have had
    (newscrawl.site.unlisted), so it is built the same way.
    """
    body = _richer_body(site, upstream)
    loader = PostLoader()
    loader.add_value("info_code", site.info_code)
    loader.add_value("url", site.url)
    loader.add_value("share_url", site.share_url)
    loader.add_value("category", site.category)
    loader.add_value("tags", site.tags)
    loader.add_value("title", site.title)
    loader.add_value("date", site_time(site.time_text))
    if upstream:
        # The site prints the share data's title as HTML; its own <h1> is text already.
        loader.add_value("title", upstream.title, clean_title)
        loader.add_value("date", upstream_time(upstream.time_text))
        loader.add_value("source", upstream.publisher)
    loader.add_value("body", body.markdown or None)
    # The publisher, most trusted first; the loader keeps the first found.
    loader.add_value("source", body.source)
    loader.add_value("source", site.body.source)
    if upstream:
        loader.add_value("source", source_from_label(upstream.source_label))
    if site.is_digest:
        loader.add_value("source", source_from_digest(site.body.markdown))
    loader.add_value("source", source_from_tag(" ".join(site.tags)))
    return loader.load_item()
