"""Scrapy settings for newscrawl.

Every project setting is named ``NEWSCRAWL_*``, can be overridden with
``scrapy crawl ... -s NAME=VALUE`` or an environment variable of the same
name (``-s`` wins: it outranks the project's settings). The environment is
read here as text; newscrawl.config parses and checks every value when a
command starts. docs/settings.md has the table.
"""

from scrapy.settings import default_settings

from newscrawl.config import environment

BOT_NAME = "newscrawl"
SPIDER_MODULES = ["newscrawl.spiders"]
NEWSPIDER_MODULE = "newscrawl.spiders"
COMMANDS_MODULE = "newscrawl.commands"

# --- Where the site is, and where the output goes ------------------------

#: Base URL of the site. Posts keep canonical URLs on this host.
NEWSCRAWL_SITE_URL = "https://finews.withounder.com"

#: JSON object mapping a host to the base URL it is fetched from instead,
#: e.g. {"finews.withounder.com": "http://127.0.0.1:8000"}. For mirrors and tests.
NEWSCRAWL_HOST_MAP = "{}"

#: Output directory; posts are written to <dir>/_posts/.
NEWSCRAWL_OUTPUT_DIR = "output"

#: Where the archive state is (the infoCodes written, the rejects, the listing
#: counts): a path or sqlite:///path (a SQLite file), or redis://host:6379/0
#: (newscrawl.archive.store.STORE_SCHEMES). Empty: with NEWSCRAWL_REDIS_URL
#: that Redis, else <output dir>/state.sqlite3.
NEWSCRAWL_STATE = ""

#: The search index (scrapy search), a cache of the post files that crawls
#: keep up to date. Empty: <output dir>/search.sqlite3.
NEWSCRAWL_SEARCH_INDEX = ""

#: Posts written to disk (fsync) and archived together; a crash loses at most
#: this many files, which the next run fetches again. 1: each post at once.
NEWSCRAWL_SYNC_BATCH = 20

#: Worker processes that read post pages and load posts (HTML to Markdown and
#: the item loader), so that another core does that work while the event loop
#: downloads (newscrawl/site/reader.py): for a backfill on a machine with a
#: core to spare. 0: on the event loop, in-process.
NEWSCRAWL_PARSE_WORKERS = 0

# --- Share data (see newscrawl/sharedata/ and newscrawl/addons/browser.py) ------

#: How share data is fetched: auto (JSON, then the share page in Chromium),
#: api (JSON only), browser (share page in Chromium only) or off.
NEWSCRAWL_SHARE = "auto"

#: The Chromium executable that renders share pages (Debian's package).
NEWSCRAWL_CHROMIUM = "/usr/bin/chromium"

#: Seconds a share page may take to load and show its article (or its error).
NEWSCRAWL_SHARE_PAGE_TIMEOUT = 20

#: Share host that `scrapy crawl share` fetches infoCodes from.
NEWSCRAWL_SHARE_URL = "http://finews.zning.xyz"

# --- Scale-out: several workers share one crawl through Redis ----------------

#: Redis URL (redis://host:6379/0). Set, the crawl is one worker of a shared
#: run (newscrawl.scaleout); empty, it runs alone on the SQLite state.
NEWSCRAWL_REDIS_URL = ""

#: The run the worker joins: workers with the same run name share a queue.
#: Empty: the spider's name.
NEWSCRAWL_REDIS_RUN = ""

#: A worker ends once the shared run has been done (nothing queued, no
#: worker with work in hand, no sweep owed) this many seconds.
NEWSCRAWL_REDIS_IDLE_TIMEOUT = 30

#: Seconds a worker's claim on the post it writes lasts: a killed worker's
#: post is written by another (after a sweep) once its claim has expired.
NEWSCRAWL_CLAIM_TIMEOUT = 600

#: The largest page (category page, post page, share data, eastmoney
#: article) fetched, in bytes or with a unit (K, M, G: powers of 1024), as
#: sent and once decompressed: a larger one fails (a post's reject
#: page_too_large). Sets Scrapy's DOWNLOAD_MAXSIZE, and DOWNLOAD_WARNSIZE
#: (a WARNING) to half of it. The real site's largest pages are category
#: pages: about 110-200 bytes a post listed, 5-10 MB for 50,000 posts; post
#: pages are under 100 KB.
NEWSCRAWL_MAX_PAGE_SIZE = "32M"

# --- Monitors: when a run is bad (exit 1), and who is told (newscrawl/monitors.py) ---

#: A run is bad when more than this share of its pages failed (even if
#: nothing was logged at ERROR).
NEWSCRAWL_MAX_FAILED_SHARE = 0.1

#: A run is bad when more than this share of the post pages it fetched gave
#: no post (unreadable, or no body), counting posts rejected for the first time.
NEWSCRAWL_MAX_UNPARSED_SHARE = 0.5

#: A run is bad when a listing page lists fewer than this share of the posts
#: it listed last time (or none at all): the site's markup may have changed.
NEWSCRAWL_LISTING_MIN_SHARE = 0.5

#: A rejected post is retried by later runs until it has been tried this
#: many times (0: no limit), or for this many days (the site keeps about
#: three days of posts); then it is given up.
NEWSCRAWL_REJECT_MAX_ATTEMPTS = 0
NEWSCRAWL_REJECT_MAX_DAYS = 3

#: spidermon actions run when a run is bad, e.g.
#: spidermon.contrib.actions.email.smtp.SendSmtpEmail (configured by its
#: SPIDERMON_* settings; see docs/operations.md, "Alerts"). Empty: none.
NEWSCRAWL_ALERT_ACTIONS = ""

SPIDERMON_ENABLED = True
SPIDERMON_SPIDER_CLOSE_MONITORS = ["newscrawl.monitors.RunMonitors"]
SPIDERMON_MAX_ERRORS = 0
SPIDERMON_MAX_ITEM_VALIDATION_ERRORS = 0

# --- Where the crawl may go ----------------------------------------------

#: Hosts Scrapy and Chromium may fetch from, by http on 80 and https on 443,
#: each with its subdomains; NEWSCRAWL_SITE_URL, NEWSCRAWL_SHARE_URL and the
#: host map's base URLs each allow their own scheme, host and port too
#: (newscrawl/allowlist.py).
NEWSCRAWL_ALLOWED_HOSTS = "finews.withounder.com finews.zning.xyz eastmoney.com"

#: Chromium's sandbox: on, or off (--no-sandbox: only for a kernel without
#: unprivileged user namespaces). As root, Chromium runs as nobody either way
#: (newscrawl/addons/unprivileged.py).
NEWSCRAWL_CHROMIUM_SANDBOX = "on"

#: Seconds between progress lines (posts done/discovered, rate, ETA); 0: none.
NEWSCRAWL_PROGRESS_INTERVAL = 60

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
NEWSCRAWL_RETRY_AFTER_MAX = 120

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
#: ``-O posts.parquet`` (scrapy export, scrapy search, scrapy crawl): newscrawl/parquet.py.
FEED_EXPORTERS = {"parquet": "newscrawl.parquet.ParquetItemExporter"}
#: Scrapy's LOG_LEVEL, as a setting a cron user can also give as an environment
#: variable (newscrawl.config sets LOG_LEVEL from it; ``-L`` still wins).
NEWSCRAWL_LOG_LEVEL = "INFO"
LOG_LEVEL = "INFO"  # until then

# Last: an environment variable overrides the default above.
globals().update(environment())
