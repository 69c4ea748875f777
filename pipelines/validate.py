"""Reject a post that cannot be written as a valid file: spidermon's item validation.

spidermon's ItemValidationPipeline checks each post against its JSON Schema
(newscrawl.items.POST_SCHEMA) and counts the errors in the stats, where
spidermon's Item Validation Monitor finds them (the run is bad). An invalid
post is dropped, and recorded as a reject whose reason says what is wrong.
Its errors are counted the first time only: a later run retries it (the
site may fix it) without being bad again; rejects.jsonl keeps showing it.

A post is first checked against the schema compiled by fastjsonschema, a
tenth of jsonschema's cost (a backfill's pipelines validate hundreds of
posts a second); only a post that fails it goes through spidermon's
validator, which finds all its errors and words them.
"""

import fastjsonschema
from spidermon.contrib.scrapy.pipelines import ItemValidationPipeline
from spidermon.contrib.validation import JSONSchemaValidator
from spidermon.contrib.validation.messages import FIELD_TOO_LONG, REGEX_NOT_MATCHED

from newscrawl.extensions.rejects import RejectLog
from newscrawl.items import FIELDS, POST_SCHEMA, REQUIRED_FIELDS

#: What the schema says of a value that is there but wrong (the other errors mean absent or empty).
_BAD_VALUE = frozenset({REGEX_NOT_MATCHED, FIELD_TOO_LONG})


class CompiledSchemaValidator(JSONSchemaValidator):
    """spidermon's JSON Schema validator, after a compiled check that passes a valid post at once."""

    def __init__(self, schema: dict):
        super().__init__(schema)
        self._check = fastjsonschema.compile(schema)

    def _validate(self, data, strict=False):
        try:
            self._check(data)
        except fastjsonschema.JsonSchemaException:
            super()._validate(data, strict)


class ValidatePostPipeline(ItemValidationPipeline):
    def __init__(self, rejects: RejectLog, stats):
        # "Item": every item, PostItem or dict.
        super().__init__({"Item": [CompiledSchemaValidator(POST_SCHEMA)]}, stats, drop_items_with_errors=True)
        self.rejects = rejects
        self._known = False  # whether the post being validated was rejected by an earlier run

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.get_extension(RejectLog), crawler.stats)

    def process_item(self, item, spider=None):
        """spidermon's process_item, with ``dict(item)`` for its ``ItemAdapter(item).asdict()``: a post's
        fields are flat text, and asdict looks into each for a nested item (a third of the validation)."""
        self._known = self.rejects.known(item.get("info_code") or item.get("url"))
        post = dict(item)
        self.stats.add_item()
        self.stats.add_fields(len(post))
        for validator in self.find_validators(item):
            ok, errors = validator.validate(post)
            if not ok:
                self._add_error_stats(errors)
                self._drop_item(item, errors)
        return item

    def _add_error_stats(self, errors):
        if not self._known:
            super()._add_error_stats(errors)

    def _drop_item(self, item, errors):
        detail = "; ".join(f"{field}: {', '.join(messages)}" for field, messages in sorted(errors.items()))
        self.rejects.record(reject_reason(errors), item.get("url"), item.get("info_code"), detail)
        super()._drop_item(item, errors)


def reject_reason(errors: dict[str, list[str]]) -> str:
    """``missing_title_date`` for absent or empty required fields; else ``bad_`` and the
    first field whose value is wrong (``bad_category``; the reject's detail names them all)."""
    missing = [name for name in REQUIRED_FIELDS if name in errors and not _BAD_VALUE.issuperset(errors[name])]
    if missing:
        return "missing_" + "_".join(missing)
    return "bad_" + next((name for name in FIELDS if name in errors), "post")
