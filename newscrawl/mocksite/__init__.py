"""A local copy of the finews site, built by real Jekyll, for the tests, the benchmark and the demo.

- posts.py: source posts in the site generator's format, with the archive's quirks;
- jekyll.py: the site's own Jekyll source (shipped in ``jekyll-site/``) plus the
  posts, built with ``jekyll build``;
- upstream.py: the share JSON and eastmoney article behind each post;
- server.py: the built site and the upstream hosts served on 127.0.0.1, with
  faults and a request log.

    site = MockSite(generate_posts(300, seed=1, categories=SITE_CATEGORIES))
    with site.serve():
        ...  # run the crawler with site.env() in its environment
"""

from .jekyll import HOMES, JekyllError, build_site, reachable_post_paths, run_jekyll, write_site_source
from .source_posts import (
    DEFAULT_CATEGORIES,
    EASTMONEY_HOST,
    SHARE_HOSTS,
    SITE_CATEGORIES,
    SITE_HOST,
    SITE_URL,
    SPACED,
    Post,
    generate_posts,
    seed_post,
    source_text,
)
from .server import Fault, MockSite, RequestRecord, path_kind

__all__ = [
    "DEFAULT_CATEGORIES", "EASTMONEY_HOST", "HOMES", "SHARE_HOSTS", "SITE_CATEGORIES", "SITE_HOST", "SITE_URL",
    "SPACED", "Fault", "JekyllError", "MockSite", "Post", "RequestRecord", "build_site", "generate_posts",
    "path_kind", "reachable_post_paths", "run_jekyll", "seed_post", "source_text", "write_site_source",
]
