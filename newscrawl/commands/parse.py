"""``scrapy parse URL``: Scrapy's, as a look at pages (newscrawl.commands.look), exiting 1 when
the page fails (Scrapy's logs it and exits 0)."""

from scrapy.commands.parse import Command as ScrapyParse

from newscrawl.commands.look import LookCommand


class Command(LookCommand, ScrapyParse):
    def start_parsing(self, url, opts) -> None:
        super().start_parsing(url, opts)
        if not self.first_response:  # not downloaded, or an error status: Scrapy has logged it
            self.exitcode = 1

    def run(self, args, opts) -> None:
        super().run(args, opts)
        if self.spidercls is None:  # no spider for the URL: Scrapy has logged it
            self.exitcode = 1
