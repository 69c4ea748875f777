"""The site's own source: post files as its generator wrote them, in a folder or a git history (``scrapy crawl source``)."""
