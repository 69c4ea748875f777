"""Spider arguments (``-a NAME=VALUE``), declared as typed and documented pydantic models.

A spider names its model with scrapy-spider-metadata's ``Args`` (the
ecosystem's convention: ``class FinewsSpider(Args[FinewsArguments], Spider)``),
which parses the arguments into ``spider.args`` and gives their JSON Schema
to tools that read spider metadata. Here: ``spider_class`` finds a spider by
the name the user typed, ``check_arguments`` turns a validation error into
one ConfigError line, and ``describe_spiders`` lists the spiders and their
arguments for ``scrapy crawl -h`` and docs/settings.md.
"""

import difflib
import typing
from datetime import date

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic.json_schema import SkipJsonSchema
from scrapy_spider_metadata import Args, get_spider_metadata

from newscrawl.errors import ConfigError


class SpiderArguments(BaseModel):
    """A spider's arguments: none but those declared (a typo is refused, not ignored)."""

    model_config = ConfigDict(extra="forbid")

    #: Scrapyd gives every spider it runs its job id.
    job: SkipJsonSchema[str | None] = Field(None, alias="_job")


def argument(description: str, metavar: str, default=...):
    """A field of a SpiderArguments model: what it means, and how its value is written in ``-h``;
    without a default, the argument must be given."""
    return Field(default, description=description, json_schema_extra={"metavar": metavar})


def day(name: str, value) -> date | None:
    """``-a since=YYYY-MM-DD``'s day (``-a until=...``); ValueError with the message the user sees."""
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"-a {name}={value} is not a date (YYYY-MM-DD)") from None


class CrawlArguments(SpiderArguments):
    """The arguments of a spider that archives posts by their day: the window, and ``refresh``."""

    since: date | None = argument("only posts of this day or later (the day in the post's URL)", "YYYY-MM-DD", None)
    until: date | None = argument("only posts of this day or earlier", "YYYY-MM-DD", None)
    refresh: bool = argument("`1`: archived posts too, rewritten", "1", False)

    @field_validator("since", "until", mode="before")
    @classmethod
    def _day(cls, value, info):
        return day(info.field_name, value)

    @model_validator(mode="after")
    def _window(self):
        if self.since and self.until and self.since > self.until:
            raise ValueError(f"-a since={self.since} is after -a until={self.until}")
        return self

    def given(self, kwargs: dict) -> dict:
        """The arguments given (as the user wrote them, empty ones left out), for runs.jsonl."""
        return {name: value for name, value in kwargs.items() if name in type(self).model_fields and value}


def arguments_model(spidercls) -> type[SpiderArguments] | None:
    """The model a spider class declares with ``Args[Model]``, or None."""
    for cls in spidercls.__mro__:
        for base in getattr(cls, "__orig_bases__", ()):
            if typing.get_origin(base) is Args:
                return typing.get_args(base)[0]
    return None


def argument_names(model: type[SpiderArguments]) -> list[str]:
    """The arguments a model declares: its own first (finews's categories before the day window)."""
    own = [name for name in vars(model).get("__annotations__", {}) if name in model.model_fields]
    return [name for name in dict.fromkeys([*own, *model.model_fields]) if name != "job"]


def spider_class(spider_loader, name: str) -> type:
    """The spider of that name; a ConfigError naming the spiders (and the closest) for a name that is none."""
    try:
        return spider_loader.load(name)
    except KeyError:
        names = sorted(spider_loader.list())
        close = difflib.get_close_matches(name, names, n=1)
        hint = f"did you mean {close[0]}? " if close else ""
        raise ConfigError(f"no spider {name!r}: {hint}the spiders are {', '.join(names)}") from None


def check_crawl_arguments(spidercls, given: dict) -> None:
    """The arguments ``scrapy crawl`` was given for the spider, checked before the crawl is set up:
    their types, and what the spider's ``check_crawl_arguments`` asks of a crawl (not of ``scrapy parse``)."""
    if arguments_model(spidercls) is not None:
        check_arguments(spidercls, given)
    if check := getattr(spidercls, "check_crawl_arguments", None):
        check(**given)


def check_arguments(spidercls, given: dict) -> SpiderArguments:
    """The spider's arguments, parsed; a ConfigError, one line, for an unknown or bad one."""
    model = arguments_model(spidercls)
    try:
        return model(**given)
    except ValidationError as exc:
        raise ConfigError(_one_line(spidercls.name, model, exc.errors())) from None


def _one_line(spider: str, model: type[SpiderArguments], errors: list[dict]) -> str:
    known = argument_names(model)
    unknown = [str(error["loc"][0]) for error in errors if error["type"] == "extra_forbidden"]
    if unknown:
        hint = difflib.get_close_matches(unknown[0], known, n=1)
        return (f"{spider} takes no argument {', '.join(f'-a {name}' for name in unknown)}; "
                f"it takes: {', '.join(f'-a {name}' for name in known)}"
                + (f" (did you mean -a {hint[0]}?)" if hint else ""))
    error = errors[0]
    name = str(error["loc"][0]) if error["loc"] else ""
    if error["type"] == "missing":
        return f"{spider} needs -a {name}=<{_metavar(model, name)}>: {model.model_fields[name].description}"
    if error["type"] == "value_error":
        return str(error["ctx"]["error"])  # our validators' messages name the argument
    return f"-a {name}={error['input']}: {error['msg']}"


def _metavar(model: type[SpiderArguments], name: str) -> str:
    extra = model.model_fields[name].json_schema_extra or {}
    return extra.get("metavar", "VALUE")


def describe_arguments(model: type[SpiderArguments]) -> list[tuple[str, str]]:
    """``(-a name=METAVAR, meaning)`` for each argument of the model."""
    described = []
    for name in argument_names(model):
        field = model.model_fields[name]
        described.append((f"-a {name}={_metavar(model, name)}",
                          field.description + (" (required)" if field.is_required() else "")))
    return described


def describe_spiders(spider_loader) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """``(name, what it crawls, its arguments)`` for each spider of the project, those
    taking the same arguments together: the one that declares them lists them, the
    others (finews's named crawls) none."""
    spiders = [spider_loader.load(name) for name in spider_loader.list()]
    spiders.sort(key=lambda cls: (arguments_model(cls).__name__, "__orig_bases__" not in vars(cls), cls.name))
    described = []
    for cls in spiders:
        declares = "__orig_bases__" in vars(cls)
        described.append((cls.name, get_spider_metadata(cls).get("description", ""),
                          describe_arguments(arguments_model(cls)) if declares else []))
    return described
