"""``-O posts.parquet``: items as a Parquet file, through pyarrow (a feed exporter:
FEED_EXPORTERS' ``parquet``).

Columns are typed: ``date`` a timestamp (milliseconds, as Parquet keeps them) in Asia/Shanghai, ``score``
a float, every other field a string (null where the item has none). Items
are buffered ``row_group_size`` at a time and written as one row group, so
memory stays flat however many are exported (``-O posts.parquet:parquet``
with feed option ``item_export_kwargs: {row_group_size: N}`` to change it).
The columns are the feed's fields (FEED_EXPORT_FIELDS), else the first
item's, else those of a post.
"""

from datetime import datetime

import pyarrow as pa
import pyarrow.parquet as pq
from itemadapter import ItemAdapter
from scrapy.exporters import BaseItemExporter

from newscrawl.items import FIELDS as POST_FIELDS

TIME_ZONE = "Asia/Shanghai"
#: A field -> its column type, where it is not a string.
COLUMN_TYPES = {"date": pa.timestamp("ms", tz=TIME_ZONE), "score": pa.float64()}
ROW_GROUP_SIZE = 10_000


def _timestamp(value):
    """A post's ``YYYY-MM-DD HH:MM:SS +0800`` as an aware datetime (None stays None)."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.strptime(str(value), "%Y-%m-%d %H:%M:%S %z")


class ParquetItemExporter(BaseItemExporter):
    def __init__(self, file, *, row_group_size: int = ROW_GROUP_SIZE, **kwargs):
        super().__init__(dont_fail=True, **kwargs)
        self.file = file
        self.row_group_size = max(1, int(row_group_size))
        self._rows: list[dict] = []
        self._writer: pq.ParquetWriter | None = None
        self._schema: pa.Schema | None = None

    def export_item(self, item) -> None:
        adapter = ItemAdapter(item)
        if self._schema is None:
            self._schema = self._schema_of(list(self.fields_to_export or adapter.field_names()))
        self._rows.append({name: adapter.get(name) for name in self._schema.names})
        if len(self._rows) >= self.row_group_size:
            self._write_rows()

    def finish_exporting(self) -> None:
        if self._schema is None:
            self._schema = self._schema_of(list(self.fields_to_export or POST_FIELDS))
        self._write_rows()
        self._open_writer().close()

    def _schema_of(self, fields: list[str]) -> pa.Schema:
        if isinstance(self.fields_to_export, dict):  # FEED_EXPORT_FIELDS as {field: column name}
            raise ValueError("the parquet exporter takes FEED_EXPORT_FIELDS as a list of fields")
        return pa.schema([(name, COLUMN_TYPES.get(name, pa.string())) for name in fields])

    def _open_writer(self) -> pq.ParquetWriter:
        if self._writer is None:
            # A pyarrow stream over the feed's file, which the feed storage closes (or, stdout, keeps).
            self._writer = pq.ParquetWriter(pa.PythonFile(self.file, mode="w"), self._schema)
        return self._writer

    def _write_rows(self) -> None:
        if not self._rows:
            return
        columns = {}
        for name, column_type in zip(self._schema.names, self._schema.types):
            values = [row[name] for row in self._rows]
            if pa.types.is_timestamp(column_type):
                values = [_timestamp(v) for v in values]
            elif pa.types.is_string(column_type):
                values = [None if v is None else str(v) for v in values]
            columns[name] = pa.array(values, type=column_type)
        self._open_writer().write_table(pa.table(columns, schema=self._schema), row_group_size=len(self._rows))
        self._rows = []
