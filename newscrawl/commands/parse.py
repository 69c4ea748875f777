"""``scrapy parse URL``: Scrapy's, as a look at pages (newscrawl.commands.look), exiting 1 when
the page fails or its callback raises (Scrapy's logs it and exits 0)."""

from scrapy import signals
from scrapy.commands.parse import Command as ScrapyParse

from newscrawl.commands.look import LookCommand
from newscrawl.exitcodes import EXIT_BAD_RUN


class Command(LookCommand, ScrapyParse):
    callback_failed = False

    def _create_crawler(self, spidercls):
        crawler = super()._create_crawler(spidercls)
        crawler.signals.connect(self._callback_raised, signal=signals.spider_error)
        return crawler

    def _callback_raised(self, failure, response, spider) -> None:
        self.callback_failed = True

    def start_parsing(self, url, opts) -> None:
        super().start_parsing(url, opts)
        if not self.first_response or self.callback_failed:  # Scrapy has logged why
            self.exitcode = EXIT_BAD_RUN

    def run(self, args, opts) -> None:
        super().run(args, opts)
        if self.spidercls is None:  # no spider for the URL: Scrapy has logged it
            self.exitcode = EXIT_BAD_RUN
