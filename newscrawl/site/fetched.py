"""What the page readers read: a post page, and its upstream share data, raw."""

from dataclasses import dataclass, field

from newscrawl.site.body import Body
from newscrawl.site.times import site_time


@dataclass
class SitePost:
    """What a post page says, raw."""

    url: str
    info_code: str
    category: str | None  # where it was found; may be settled from linked_category
    title: str | None
    time_text: str | None
    tags: list[str] = field(default_factory=list)
    body: Body = field(default_factory=lambda: Body("", None))
    share_url: str | None = None
    linked_category: str | None = None  # the slug its back link names
    is_digest: bool = False  # an emnews digest, normally pointing at an eastmoney article

    @property
    def untitled(self) -> bool:
        """No title, or no date the site's time can be read from."""
        return not self.title or site_time(self.time_text) is None

    @property
    def needs_share_data(self) -> bool:
        """Whether the page alone cannot make the post: no body, an emnews digest, no title or date."""
        return not self.body.text_length or self.is_digest or self.untitled


@dataclass
class UpstreamPost:
    """What the share data (JSON or eastmoney article) says, raw."""

    title: str | None
    time_text: str | None
    body_html: str
    publisher: str | None = None  # share JSON medianame: the publisher, trusted
    source_label: str | None = None  # eastmoney's 来源 line, after the em_media line
