"""The component layer's crawler: the project's settings and extensions, no engine, no process.

``scrapy.utils.test.get_crawler`` builds a Crawler and its extensions (the archive
store, the reject log...) as ``scrapy crawl`` does before the engine starts; a
component is then made with ``build_from_crawler``, as Scrapy makes it, and
driven by hand.
"""

from pathlib import Path

from scrapy import Spider, signals
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler

from newscrawl import settings as project_settings


def component_crawler(output: Path, spidercls: type[Spider] | None = None, **settings):
    """A crawler with the project's settings, archiving into ``output``; its spider made, its extensions open."""
    project = Settings()
    project.setmodule(project_settings, priority="project")
    crawler = get_crawler(spidercls, {**project.copy_to_dict(), "NEWSCRAWL_OUTPUT_DIR": str(output), **settings})
    crawler.spider = crawler._create_spider()
    return crawler


def open_extensions(crawler, *extension_classes) -> None:
    """What the named extensions do at spider_opened (the others, a progress timer, a monitor, are left shut)."""
    for cls in extension_classes:
        crawler.get_extension(cls).spider_opened(crawler.spider)


def stop_engine(crawler) -> None:
    """engine_stopped, as the engine sends it: the store closes."""
    crawler.signals.send_catch_log(signals.engine_stopped)
