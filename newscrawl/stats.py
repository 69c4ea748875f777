"""The crawl's own stats keys (Scrapy's stats collector), each named once.

What the run report (runs.jsonl), the monitors, the progress line and the
exit status read; the tests read them from the dumped stats. A key's value
is a count unless it says otherwise.
"""

# --- Discovery: what the listings led to
#: Post links the category pages listed.
LISTED = "newscrawl/listed"
#: Post pages requested.
POST_REQUESTS = "newscrawl/post_requests"
#: Post links not followed: outside the since/until window, archived, given up.
SKIPPED_WINDOW = "newscrawl/skipped_window"
SKIPPED_ARCHIVED = "newscrawl/skipped_archived"
SKIPPED_GIVEN_UP = "newscrawl/skipped_given_up"
#: Pages (category, post, share data...) that failed for good.
REQUEST_FAILED = "newscrawl/request_failed"

# --- A source import (spiders/source.py)
#: Commits of the source's history read (history=all).
COMMITS_READ = "newscrawl/commits_read"
#: Post files not imported: an older version of a post the history has a newer one of.
SKIPPED_OLDER_VERSION = "newscrawl/skipped_older_version"
#: Followed by a reason: files met that are not posts.
NOT_POST_PREFIX = "newscrawl/not_post/"

# --- Share data
#: Posts completed from their share data.
SHAREDATA_USED = "newscrawl/sharedata_used"
#: Share data read from the share JSON, or from the rendered share page.
SHAREDATA_JSON_USED = "newscrawl/sharedata_json_used"
SHAREDATA_PAGE_USED = "newscrawl/sharedata_page_used"
#: Share JSON that failed (the share page was rendered instead, in NEWSCRAWL_SHARE=auto).
SHAREDATA_JSON_FAILED = "newscrawl/sharedata_json_failed"
#: Posts whose share data could not be had.
SHAREDATA_UNAVAILABLE = "newscrawl/sharedata_unavailable"

# --- Posts: how each ended
WRITTEN = "newscrawl/written"
#: Posts dropped because their claim was refused (archived, or claimed already).
DUPLICATE = "newscrawl/duplicate"
REJECTED = "newscrawl/rejected"
#: Followed by a reject reason: rejects of that reason, and those new in this run.
REJECTED_PREFIX = "newscrawl/rejected/"
REJECTED_NEW_PREFIX = "newscrawl/rejected_new/"
#: Rejects given up for good in this run.
REJECTS_GIVEN_UP = "newscrawl/rejects_given_up"

# --- The search index (newscrawl.search.indexer)
#: Posts a crawl added to the search index; 1 when the index could not be updated.
SEARCH_INDEXED = "newscrawl/search_indexed"
SEARCH_INDEX_FAILED = "newscrawl/search_index_failed"

# --- Guards
#: Requests refused for a URL that is not http(s).
REFUSED_URL = "newscrawl/refused_url"
#: Requests Chromium made that the browser proxy refused (off the allow-list, a private address).
BROWSER_REFUSED = "newscrawl/browser_refused"
#: Scrapy's own key for offsite requests dropped (its OffsiteMiddleware counts there too).
OFFSITE_FILTERED = "offsite/filtered"
#: Parse worker processes that died.
READER_CRASHED = "newscrawl/reader_crashed"
#: Sweeps this worker of a shared run made.
SWEEPS = "newscrawl/sweeps"

# --- The verdict
#: What failed, by host and cause, one line each (newscrawl.middlewares.causes).
CAUSES = "newscrawl/causes"
#: A list of problems (set by newscrawl.monitors), empty for a good run.
PROBLEMS = "newscrawl/problems"
#: Files (posts, the state, rejects.jsonl, runs.jsonl) the run could not write, and the first of them (text).
WRITE_ERRORS = "newscrawl/write_errors"
FIRST_WRITE_ERROR = "newscrawl/first_write_error"
