"""Errors that end a run before it starts."""


class ConfigError(Exception):
    """A setting or argument that makes the run impossible (a bad host map,
    a missing browser in browser mode, ...).

    Raise it from a component's ``from_crawler`` or a spider's ``__init__``:
    ``scrapy crawl`` prints the message, without a traceback, and exits with
    status 2 (see newscrawl/commands/crawl.py).
    """
