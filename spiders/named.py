"""One spider per named crawl (newscrawl.categories.NAMED_CRAWLS)."""

from newscrawl.categories import NAMED_CRAWLS
from newscrawl.spiders.finews import FinewsSpider


def _named_spider(name: str, slugs: tuple[str, ...]) -> type[FinewsSpider]:
    return type(
        f"{name.capitalize()}Spider",
        (FinewsSpider,),
        {
            "name": name,
            "default_categories": slugs,
            "metadata": {"title": name, "description": f"finews, with -a categories={','.join(slugs)} by default (and finews's arguments)"},
            "__module__": __name__,
            "__doc__": f"``scrapy crawl {name}``: the finews crawl of {', '.join(slugs)}.",
        },
    )


for _name, _slugs in NAMED_CRAWLS.items():
    globals()[f"{_name.capitalize()}Spider"] = _named_spider(_name, _slugs)
