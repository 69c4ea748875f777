"""Scrapy settings for newscrawl.

Every project setting is named ``NEWSCRAWL_*`` and declared, with its type,
default and meaning, in newscrawl/setting_registry.py (docs/settings.md is
made from it). Each can be overridden with ``scrapy crawl ... -s NAME=VALUE``
or an environment variable of the same name (``-s`` wins: it outranks the
project's settings). The environment is read here as text; newscrawl.config
parses and checks every value when a command starts.
"""

from scrapy.settings import default_settings

from newscrawl.setting_registry import defaults, environment

BOT_NAME = "newscrawl"
SPIDER_MODULES = ["newscrawl.spiders"]
NEWSPIDER_MODULE = "newscrawl.spiders"
COMMANDS_MODULE = "newscrawl.commands"

# The NEWSCRAWL_* defaults; last in this file, the environment overrides them.
globals().update(defaults())

# spidermon's monitors: when a run is bad (exit 1), and who is told (newscrawl/monitors.py).
SPIDERMON_ENABLED = True
SPIDERMON_SPIDER_CLOSE_MONITORS = ["newscrawl.monitors.RunMonitors"]
SPIDERMON_MAX_ERRORS = 0
SPIDERMON_MAX_ITEM_VALIDATION_ERRORS = 0

# --- Politeness for the real site ----------------------------------------

USER_AGENT = "newscrawl/0.1 (archiver of finews; +https://github.com/newscrawl/newscrawl)"
ROBOTSTXT_OBEY = True
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_TIMEOUT = 30
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]

# --- Components ----------------------------------------------------------

ADDONS = {
    # scrapy-playwright, for the share modes that render share pages.
    "newscrawl.addons.browser.BrowserAddon": 0,
    # Scale-out on Redis, when NEWSCRAWL_REDIS_URL is set.
    "newscrawl.scaleout.addon.RedisScaleOut": 0,
    # Pending requests on disk (newscrawl/spilling_scheduler.py), when neither a JOBDIR nor the scale-out has a scheduler.
    "newscrawl.spilling_scheduler.SpillingSchedulerAddon": 0,
}

DOWNLOADER_MIDDLEWARES = {
    "newscrawl.middlewares.httponly.HttpOnlyMiddleware": 40,
    # Scrapy's offsite check on the canonical URL, before the host map.
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "newscrawl.middlewares.offsite.SiteOffsiteMiddleware": 45,
    # Before robots.txt (100), so robots, retries and redirects all see the
    # URL that is really fetched.
    "newscrawl.middlewares.hostmap.HostMapMiddleware": 50,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "newscrawl.middlewares.retryafter.RetryAfterMiddleware": 550,
    # Scrapy's, with redirect loops and long chains failing the request (a
    # reject) rather than being dropped by the duplicate filter.
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "newscrawl.middlewares.redirect.SiteMetaRefreshMiddleware": 580,
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "newscrawl.middlewares.redirect.SiteRedirectMiddleware": 600,
    # Scrapy's decompression, a page over NEWSCRAWL_MAX_PAGE_SIZE failing as page_too_large.
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "newscrawl.middlewares.pagesize.PageSizeMiddleware": 590,
    # Next to the download handler: every try's error, in plain words for the verdict.
    "newscrawl.middlewares.causes.FailureCauses": 950,
}

EXTENSIONS = {
    # The archive state NEWSCRAWL_STATE names.
    "newscrawl.archive.store.ArchiveStore": 0,
    "newscrawl.extensions.rejects.RejectLog": 0,
    "newscrawl.extensions.listings.ListingCounts": 0,
    "newscrawl.extensions.quietlog.QuietNetworkErrors": 0,
    # The last progress line, then the run's counts when the spider closes, before spidermon's monitors.
    "newscrawl.extensions.progress.Progress": 0,
    "newscrawl.extensions.runlog.RunReport": 1,
    # Adds the posts written to the search index (scrapy search).
    "newscrawl.search.indexer.SearchIndexer": 0,
    "spidermon.contrib.scrapy.extensions.Spidermon": 500,
}

#: Scrapy's own extensions, less the telnet console and the remote-control
#: server (both switched off below): Scrapy imports every extension it lists,
#: even one set to None in EXTENSIONS, and the remote-control server's aiohttp
#: alone takes about 0.2 s of every run.
EXTENSIONS_BASE = {
    name: order
    for name, order in default_settings.EXTENSIONS_BASE.items()
    if name not in ("scrapy.extensions.telnet.TelnetConsole", "scrapy.extensions.remote_control.RemoteControl")
}

# Names resolving to a private, loopback or link-local address are not
# connected to, unless NEWSCRAWL_HOST_MAP maps a host there.
TWISTED_DNS_RESOLVER = "newscrawl.middlewares.offsite.PublicAddressResolver"

ITEM_PIPELINES = {
    "newscrawl.pipelines.validate.ValidatePostPipeline": 100,
    "newscrawl.pipelines.claim.ClaimPostPipeline": 200,
    "newscrawl.pipelines.markdown.MarkdownWriterPipeline": 300,
}

LOG_FORMATTER = "newscrawl.logformatter.PostLogFormatter"

# Scrapy re-reads and parses a callback's source on every response to warn
# about `return value` in a generator (its cache misses on bound methods):
# about 1 ms per response. Our callbacks return nothing.
WARN_ON_GENERATOR_RETURN_VALUE = False

# Scrapy starts this many tasks for each response's callback output, however
# little it yields; our pipelines never wait, so more than one gains nothing
# and 100 (the default) cost about a quarter of a bare crawl's CPU.
CONCURRENT_ITEMS = 1

# No remote shells into a cron job.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
FEED_EXPORT_ENCODING = "utf-8"
#: ``-O posts.parquet`` (scrapy export, scrapy search, scrapy crawl): newscrawl/parquet.py.
FEED_EXPORTERS = {"parquet": "newscrawl.parquet.ParquetItemExporter"}
LOG_LEVEL = "INFO"  # until newscrawl.config sets it from NEWSCRAWL_LOG_LEVEL

# Last: an environment variable overrides the default above.
globals().update(environment())
