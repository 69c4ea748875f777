"""Units of work, for a crawl shared by several workers.

A listing page (a category page, the home page, the feed) is one unit of
work, and so is a post (its page, its share data and its file). Every
request says which unit it belongs to (``request.meta[WORK_KEY]``), and the
crawl sends a signal when a unit is handed on or given up, so that
newscrawl.scaleout can lease units to workers and give a dead worker's
units to another. A single-worker crawl has no receiver for these signals.
"""

WORK_KEY = "newscrawl_work"

#: Sent by the spider with ``work`` (a listing page's work key) and
#: ``requests`` (what the page leads to) before it yields them: the page's
#: work is done, and theirs begins. A page that failed sends no requests.
page_listed = object()

#: Sent by RejectLog with ``info_code`` when a post will not be written in this run.
post_rejected = object()


def page_work(url: str) -> str:
    return f"page:{url}"


def post_work(info_code: str) -> str:
    return f"post:{info_code}"


def info_code_of(work: str) -> str | None:
    """The infoCode of a post's work key; None for other work."""
    kind, _, name = work.partition(":")
    return name if kind == "post" else None
