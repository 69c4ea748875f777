"""``scrapy check``: Scrapy's, as a look at pages, no run of the archive (newscrawl.commands.look)."""

from scrapy.commands.check import Command as ScrapyCommand

from newscrawl.commands.look import LookCommand


class Command(LookCommand, ScrapyCommand):
    pass
