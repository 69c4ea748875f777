"""Scrapy settings for newscrawl.

Every project setting is named ``NEWSCRAWL_*``, can be overridden with
``scrapy crawl ... -s NAME=VALUE`` and, where a cron user needs it, is read
from an environment variable of the same name. The README has the table.
"""

import os

from scrapy.settings import default_settings

BOT_NAME = "newscrawl"
SPIDER_MODULES = ["newscrawl.spiders"]
NEWSPIDER_MODULE = "newscrawl.spiders"
COMMANDS_MODULE = "newscrawl.commands"

# --- Where the site is, and where the output goes ------------------------

#: Base URL of the site. Posts keep canonical URLs on this host.
NEWSCRAWL_SITE_URL = os.environ.get("NEWSCRAWL_SITE_URL", "https://finews.withounder.com")

#: JSON object mapping a host to the base URL it is fetched from instead,
#: e.g. {"finews.withounder.com": "http://127.0.0.1:8000"}. For mirrors and tests.
NEWSCRAWL_HOST_MAP = os.environ.get("NEWSCRAWL_HOST_MAP", "{}")

#: Output directory; posts are written to <dir>/_posts/.
NEWSCRAWL_OUTPUT_DIR = os.environ.get("NEWSCRAWL_OUTPUT_DIR", "output")

#: SQLite archive state (infoCodes already written). Empty: <output dir>/state.sqlite3.
NEWSCRAWL_STATE = os.environ.get("NEWSCRAWL_STATE", "")

#: Posts written to disk (fsync) and archived together; a crash loses at most
#: this many files, which the next run fetches again. 1: each post at once.
NEWSCRAWL_SYNC_BATCH = 20

# --- Share data (see newscrawl/sharemode.py and newscrawl/browser.py) ------

#: How share data is fetched: auto (JSON, then the share page in Chromium),
#: api (JSON only), browser (share page in Chromium only) or off.
NEWSCRAWL_SHARE = os.environ.get("NEWSCRAWL_SHARE", "auto")

#: The Chromium executable that renders share pages (Debian's package).
NEWSCRAWL_CHROMIUM = os.environ.get("NEWSCRAWL_CHROMIUM", "/usr/bin/chromium")

#: Seconds a share page may take to load and show its article (or its error).
NEWSCRAWL_SHARE_PAGE_TIMEOUT = float(os.environ.get("NEWSCRAWL_SHARE_PAGE_TIMEOUT", "20"))

#: Share host that `scrapy crawl share` fetches infoCodes from.
NEWSCRAWL_SHARE_URL = os.environ.get("NEWSCRAWL_SHARE_URL", "http://finews.zning.xyz")

# --- Scale-out: several workers share one crawl through Redis ----------------

#: Redis URL (redis://host:6379/0). Set, the crawl is one worker of a shared
#: run (newscrawl.scaleout); empty, it runs alone on the SQLite state.
NEWSCRAWL_REDIS_URL = os.environ.get("NEWSCRAWL_REDIS_URL", "")

#: The run the worker joins: workers with the same run name share a queue.
#: Empty: the spider's name.
NEWSCRAWL_REDIS_RUN = os.environ.get("NEWSCRAWL_REDIS_RUN", "")

#: A worker ends once the shared run has been quiet this many seconds.
NEWSCRAWL_REDIS_IDLE_TIMEOUT = float(os.environ.get("NEWSCRAWL_REDIS_IDLE_TIMEOUT", "30"))

#: Seconds a worker may hold a category page or a post (from taking it to
#: writing it) before the others presume it dead and take it over.
NEWSCRAWL_CLAIM_TIMEOUT = int(os.environ.get("NEWSCRAWL_CLAIM_TIMEOUT", "600"))

# --- Exit status (see newscrawl/commands/crawl.py) ----------------------

#: A run exits 1 when more than this share of its requests failed (even if
#: nothing was logged at ERROR).
NEWSCRAWL_MAX_FAILED_SHARE = float(os.environ.get("NEWSCRAWL_MAX_FAILED_SHARE", "0.1"))

#: Seconds between progress lines (posts done/discovered, rate, ETA); 0: none.
NEWSCRAWL_PROGRESS_INTERVAL = float(os.environ.get("NEWSCRAWL_PROGRESS_INTERVAL", "60"))

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

#: Longest wait, in seconds, that a 429/503's Retry-After header can impose before a retry.
NEWSCRAWL_RETRY_AFTER_MAX = float(os.environ.get("NEWSCRAWL_RETRY_AFTER_MAX", "120"))

ADDONS = {
    # scrapy-playwright, for the share modes that render share pages.
    "newscrawl.addons.browser.BrowserAddon": 0,
    # Scale-out on Redis, when NEWSCRAWL_REDIS_URL is set.
    "newscrawl.scaleout.addon.RedisScaleOut": 0,
}

DOWNLOADER_MIDDLEWARES = {
    "newscrawl.middlewares.httponly.HttpOnlyMiddleware": 40,
    # Before robots.txt (100), so robots, retries and redirects all see the
    # URL that is really fetched.
    "newscrawl.middlewares.hostmap.HostMapMiddleware": 50,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "newscrawl.middlewares.retryafter.RetryAfterMiddleware": 550,
}

EXTENSIONS = {
    "newscrawl.archive.store.SqliteArchiveStore": 0,
    "newscrawl.extensions.rejects.RejectLog": 0,
    "newscrawl.extensions.quietlog.QuietNetworkErrors": 0,
    "newscrawl.extensions.report.RunReport": 0,
    "newscrawl.extensions.progress.Progress": 0,
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

ITEM_PIPELINES = {
    "newscrawl.pipelines.validate.ValidatePostPipeline": 100,
    "newscrawl.pipelines.dedupe.DedupePipeline": 200,
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
LOG_LEVEL = os.environ.get("NEWSCRAWL_LOG_LEVEL", "INFO")
