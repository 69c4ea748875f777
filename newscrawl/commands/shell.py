"""``scrapy shell [URL]``: Scrapy's, as a look at pages (newscrawl.commands.look).

Also: Scrapy's shell hands the request to the engine before it takes the
request's callback over, and the host map (newscrawl.middlewares.hostmap)
replaces a request as soon as the engine has it: the replacement kept the
spider's callback, so the shell never saw its response and waited forever
(``-c`` too). Here the callback is taken over first.
"""

import scrapy.commands.shell
from scrapy.commands.shell import Command as ScrapyShell
from scrapy.shell import Shell, _request_deferred
from scrapy.utils.defer import maybe_deferred_to_future

from newscrawl.commands.look import LookCommand


class MirroredShell(Shell):
    async def _schedule(self, request, spider):
        if not self.spider:
            await self._open_spider(spider)
        answered = _request_deferred(request)  # before a middleware replaces the request
        self.crawler.engine.crawl(request)
        return await maybe_deferred_to_future(answered)


class Command(LookCommand, ScrapyShell):
    def run(self, args, opts) -> None:
        scrapy.commands.shell.Shell = MirroredShell  # the one its run() makes; this process runs one command
        super().run(args, opts)
