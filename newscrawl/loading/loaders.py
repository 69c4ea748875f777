"""Item loader: normalises what the post page and the share data say into a PostItem."""

from itemloaders.processors import Compose, Identity, Join, MapCompose, TakeFirst
from scrapy.loader import ItemLoader

from newscrawl.items import PostItem
from newscrawl.loading.processors import (
    clean_text,
    clean_title,
    format_time,
    reconcile_times,
    site_time,
    source_from_digest,
    source_from_label,
    source_from_tag,
    upstream_time,
)
from newscrawl.site.body import Body, html_to_markdown
from newscrawl.site.fetched import SitePost, UpstreamPost
from newscrawl.site.urls import category_slug, post_url


class PostLoader(ItemLoader):
    default_item_class = PostItem
    default_input_processor = MapCompose(clean_text)
    default_output_processor = TakeFirst()

    date_in = Identity()  # PostTime values, see processors.parse_time
    date_out = Compose(reconcile_times, format_time)
    tags_out = Join(" ")
    body_in = Identity()
    body_out = TakeFirst()


def _richer(site: SitePost, upstream: Body | None) -> Body:
    """The site's body, unless upstream has more (a digest always has less)."""
    if upstream is None or not upstream.text_length:
        return site.body
    if site.is_digest or upstream.text_length > site.body.text_length:
        return upstream
    return site.body


def load_post(site: SitePost, upstream: UpstreamPost | None = None) -> PostItem:
    """Build the item: upstream time and publisher win, the richer body is kept."""
    site_body = site.body
    upstream_body = html_to_markdown(upstream.body_html) if upstream else None
    body = _richer(site, upstream_body)

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
    loader.add_value("source", site_body.source)
    if upstream:
        loader.add_value("source", source_from_label(upstream.source_label))
    if site.is_digest:
        loader.add_value("source", source_from_digest(site_body.markdown))
    loader.add_value("source", source_from_tag(" ".join(site.tags)))
    return loader.load_item()


def load_share_post(info_code: str, upstream: UpstreamPost, site_url: str, share_url: str) -> PostItem:
    """A post known only by its share data (the site no longer lists it).

    Its category, tags and URL are what the site would have given it: the
    publisher's slug, ``<publisher>新闻``, and the permalink of the share
    data's date. A field that cannot be derived is left out, for the
    validation pipeline to reject.
    """
    publisher = clean_text(upstream.publisher)
    published = upstream_time(upstream.time_text)
    category = category_slug(publisher) if publisher else None
    site = SitePost(
        url=post_url(site_url, category, published.moment.date(), info_code) if category and published else None,
        info_code=info_code,
        category=category,
        title=None,
        time_text=None,
        tags=[f"{publisher}新闻"] if publisher else [],
        share_url=share_url,
    )
    return load_post(site, upstream)
