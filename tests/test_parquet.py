"""``-O posts.parquet``: the archive (or search hits) as typed Parquet, through pyarrow."""

from datetime import datetime, timedelta, timezone

import pyarrow as pa
import pyarrow.parquet as pq

from newscrawl.parquet import ParquetItemExporter
from tests.conftest import post_item, scrapy, write_archive

SHANGHAI = timezone(timedelta(hours=8))


def test_export_writes_parquet_that_pyarrow_reads_back_with_its_types_and_time_zone(output, tmp_path):
    start = datetime(2022, 2, 20, 9, 0, 0)
    items = [post_item(info_code=f"NW{n:04d}", date=f"{start + timedelta(hours=n):%Y-%m-%d %H:%M:%S} +0800",
                       body=f"正文{n}") for n in range(25)]
    write_archive(output, items)
    target = tmp_path / "posts.parquet"
    result = scrapy(output, "export", "-O", str(target))
    assert result.returncode == 0, result.stderr
    table = pq.read_table(target)
    assert table.num_rows == 25
    assert table.schema.field("date").type == pa.timestamp("ms", tz="Asia/Shanghai")
    assert table.schema.field("title").type == pa.string()
    rows = table.to_pylist()
    assert [row["info_code"] for row in rows] == [item["info_code"] for item in items]
    assert rows[3]["date"] == datetime(2022, 2, 20, 12, 0, 0, tzinfo=SHANGHAI)
    assert str(rows[3]["date"].tzinfo) == "Asia/Shanghai"
    assert rows[3]["body"] == "正文3"

    hits = tmp_path / "hits.parquet"
    result = scrapy(output, "search", "正文", "-n", "0", "-O", str(hits))
    assert result.returncode == 0, result.stderr
    table = pq.read_table(hits)
    assert table.num_rows == 25
    assert table.column_names == ["info_code", "title", "date", "category", "url", "path", "snippet", "score"]
    assert table.schema.field("score").type == pa.float64()


def test_rows_are_written_a_row_group_at_a_time(tmp_path):
    target = tmp_path / "posts.parquet"
    with target.open("wb") as file:
        exporter = ParquetItemExporter(file, row_group_size=10)
        exporter.start_exporting()
        for n in range(35):
            exporter.export_item(post_item(info_code=f"NW{n:04d}"))
            assert len(exporter._rows) < 10  # never more than a row group held
        exporter.finish_exporting()
    metadata = pq.ParquetFile(target).metadata
    assert (metadata.num_rows, metadata.num_row_groups) == (35, 4)


def test_an_empty_export_is_a_parquet_file_with_the_post_columns(output, tmp_path):
    write_archive(output, [post_item()])  # of 2022-02-23
    target = tmp_path / "none.parquet"
    result = scrapy(output, "export", "-O", str(target), "--since", "2023-01-01")
    assert result.returncode == 0, result.stderr
    table = pq.read_table(target)
    assert table.num_rows == 0 and "date" in table.column_names
