"""What a project command's ``-h`` adds to Scrapy's: the spiders and their
arguments (``scrapy crawl -h``), and the exit statuses (every command).

The spiders are listed only when ``-h`` is given: loading them imports every
spider module, which the other commands do not need.
"""

import argparse
import textwrap

from scrapy.commands import ScrapyHelpFormatter
from scrapy.spiderloader import get_spider_loader

from newscrawl.spider_arguments import describe_spiders

WIDTH = 100


class _HelpFormatter(argparse.RawDescriptionHelpFormatter, ScrapyHelpFormatter):
    """Scrapy's headings; the sections' text laid out here, kept as it is."""


def add_help_sections(parser: argparse.ArgumentParser, statuses: dict[int, str], settings=None) -> None:
    """``-h`` ends with the spiders and their arguments (if ``settings`` are given), then the exit statuses."""
    parser.formatter_class = _HelpFormatter
    parser.add_argument("-h", "--help", action=_HelpAction, statuses=statuses, settings=settings,
                        help="show this help message and exit")


class _HelpAction(argparse._HelpAction):
    def __init__(self, *args, statuses, settings, **kwargs):
        super().__init__(*args, **kwargs)
        self.statuses, self.settings = statuses, settings

    def __call__(self, parser, namespace, values, option_string=None):
        if self.settings is not None:
            parser.add_argument_group("Spiders", spiders_text(get_spider_loader(self.settings)))
        parser.add_argument_group("Exit status", exit_status_text(self.statuses))
        super().__call__(parser, namespace, values, option_string)


def spiders_text(spider_loader) -> str:
    lines = []
    for name, description, arguments in describe_spiders(spider_loader):
        lines += _wrapped(f"{name:<14}  {description}", indent="", then=" " * 16)
        for written, meaning in arguments:
            lines.append(f"{'':16}{written}")
            lines += _wrapped(meaning, indent=" " * 20, then=" " * 20)
    return "\n".join(lines)


def exit_status_text(statuses: dict[int, str]) -> str:
    return "\n".join(line for status, meaning in statuses.items()
                     for line in _wrapped(f"{status:>2}  {meaning}", indent="", then="    "))


def _wrapped(text: str, indent: str, then: str) -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=indent, subsequent_indent=then, break_on_hyphens=False)
