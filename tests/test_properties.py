"""Property-based tests: titles round-trip, junk dates are rejected, bodies stay clean,
and nothing written can leave the output directory."""

import html
import re

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from newscrawl.site.body import html_to_markdown
from newscrawl.archive.postfile import (FRONT_MATTER, HTML_KEYS, _FrontMatterDumper, front_matter, permalink,
                                        post_filename, read_post, render_post)
from newscrawl.loading.processors import reconcile_times
from newscrawl.site.times import site_time, upstream_time
from newscrawl.archive.sqlite_store import SqliteArchiveStore
from newscrawl.pipelines.markdown import MarkdownWriterPipeline
from newscrawl.pipelines.validate import ValidatePostPipeline
from newscrawl.mocksite import SITE_URL
from tests.conftest import post_item, reject_log

@pytest.mark.slow  # hundreds to thousands of examples
@given(st.text())
@settings(max_examples=500, deadline=None)  # no timing asserts: a busy machine is not a failure
def test_any_title_round_trips_through_the_front_matter(title):
    _, front, _ = render_post(post_item(title=title), SITE_URL).split("---\n", 2)
    assert yaml.safe_load(front)["title"] == html.escape(title)


#: Text that hits YAML's indicators, quoting and implicit types: what front_matter must write as PyYAML does.
YAML_TEXT = st.one_of(
    st.text(),
    st.lists(st.one_of(st.sampled_from(list("-?:#,[]{}&*!|>'\"%@` .~0123456789eExX+_nNtTfFy中\t\n\xa0\u3000\x85\u2028"
                                             "\ufeff😀\U0010ffff")), st.just("  ")), max_size=12).map("".join),
    st.sampled_from(["null", "~", "yes", "No", "1e3", "0x1F", "1_000", "2022-02-23", "2022-02-23 10:30:09", "---x",
                     "...", "- a", "-a", "a:", "a: b", "a #b", "a#b", ":a", "? a", "'", " a", "a ", "a  b"]),
)


@pytest.mark.slow  # hundreds to thousands of examples
@given(title=YAML_TEXT, tags=YAML_TEXT, source=YAML_TEXT, info_code=YAML_TEXT)
@settings(max_examples=2000, deadline=None)
@example(title="快讯: 离岸人民币", tags="", source="it's", info_code="202202012300031676")
def test_the_front_matter_is_what_pyyaml_writes(title, tags, source, info_code):
    item = post_item(title=title, tags=tags, source=source, info_code=info_code)
    values = {"layout": "post", "render_with_liquid": False}
    for key, field in FRONT_MATTER:
        values[key] = html.escape(item.get(field) or "") if key in HTML_KEYS else item.get(field) or ""
    if path := permalink(item):
        values["permalink"] = path
    assert front_matter(item) == yaml.dump(values, Dumper=_FrontMatterDumper, allow_unicode=True, sort_keys=False,
                                           width=1_000_000)


BODIES = st.text().map(lambda text: text.strip("\n"))


@pytest.mark.slow  # hundreds to thousands of examples
@given(title=st.text(), category=st.text(), tags=st.text(), source=st.text(), body=BODIES,
       share_url=st.one_of(st.just(""), st.text(min_size=1)))
@settings(max_examples=300, deadline=None)
@example(title="", category="", tags="\n\n", source="", body="", share_url="")  # a blank line in the back link's label
def test_a_post_file_reads_back_as_the_item_it_was_rendered_from(title, category, tags, source, body, share_url):
    item = post_item(title=title, category=category, tags=tags, source=source, body=body, share_url=share_url)
    assert read_post(render_post(item, SITE_URL)) == item


@given(st.one_of(st.text(), st.binary().map(lambda b: b.decode("latin-1"))))
@settings(deadline=None)
def test_date_processors_never_raise_on_junk(text):
    for parse in (site_time, upstream_time):
        parsed = parse(text)
        assert parsed is None or parsed.moment.utcoffset().total_seconds() == 8 * 3600
    reconcile_times([t for t in (site_time(text), upstream_time(text)) if t])


@given(st.from_regex(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", fullmatch=True))
@example("𐴲000-01-01 00:00:00")  # a Unicode digit: once read as the year 2000
def test_date_processor_rejects_impossible_dates_instead_of_raising(text):
    parsed = site_time(text)
    if parsed is not None:
        assert parsed.moment.isoformat(sep=" ")[:19] == text


CHINESE = st.text(alphabet=st.sampled_from("的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处理"), max_size=30)
WIDGETS = st.sampled_from([
    '<span id="stock_1.600160"><a href="http://quote.eastmoney.com/unify/r/1.600160" class="keytip" data-code="1,600160">{t}</a></span><span id="quote_1.600160"></span>',
    '<span class="em_stock_key_common" data-code="90,BK0473">{t}</span>',
    '<!-- EM_StockImg_Start --><center><a class="EmImageRemark"><img src="k.png" alt="K图 600160_0"/></a></center><p>K图 600160_0</p><!-- EM_StockImg_End -->',
    '<p style="display:none">{t}</p>',
    '<p style="DISPLAY: none;">{t}</p>',
    "<p></p>",
    "<p> \u3000</p>",
    "<p>\u3000\u3000{t}</p>",
    "<p>{t}</p>",
    "<strong>{t}</strong>",
    '<p class="em_media">（文章来源：上海<span>{t}</span>报）</p>',
    '<div class="ad_context3"><script>ads()</script><p>广告</p></div>',
    '<p class="res-edit">（责任编辑：DF010）</p>',
    "<table><tr><td>{t}</td></tr></table>",
    "<p",
    "</div>",
])


@given(st.lists(st.tuples(WIDGETS, CHINESE), max_size=12))
@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_body_converter_never_raises_and_leaves_no_widget_residue(parts):
    html = "".join(widget.format(t=text) for widget, text in parts)
    markdown = html_to_markdown(html).markdown
    for residue in ("K图", "keytip", "display:none", "DISPLAY", "quote_", "EM_StockImg", "广告", "责任编辑", "ads()"):
        assert residue not in markdown
    assert "\n\n\n" not in markdown
    assert not re.search(r"^[ \t\u3000]+$", markdown, re.M)  # no empty paragraph left as blank space
    assert markdown == markdown.strip()


@given(st.text())
@settings(max_examples=500, deadline=None)
@example("<script>x</script> [a](javascript:b) {: onclick=c} &lt; a|b <研报>")
def test_a_paragraph_of_text_gives_markdown_that_kramdown_reads_as_text_only(text):
    markdown = html_to_markdown(f"<p>{html.escape(text)}</p>").markdown
    # No raw HTML, autolink, link, table cell or attribute list; no entity but the escapes'.
    entity = r"&(?=#[0-9]+;|#[xX][0-9a-fA-F]+;|[A-Za-z][A-Za-z0-9]*;)(?!amp;|lt;|#91;|#93;|#124;|#123;)"
    assert not re.search(rf"[<\[\]|]|\{{:|{entity}", markdown)


HOSTILE = st.one_of(
    st.sampled_from(["../x", "../../etc/passwd", "/etc/passwd", "a/b", "x\x00y", "NW" + "9" * 300, "..", ".", "", "~root"]),
    st.text(max_size=300),
)


@pytest.mark.slow  # hundreds to thousands of examples
@given(info_code=HOSTILE, category=HOSTILE, title=HOSTILE)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_nothing_written_outside_the_output_directory(tmp_path_factory, info_code, category, title):
    root = tmp_path_factory.mktemp("out")
    posts = root / "output" / "_posts"
    stats = MemoryStatsCollector(get_crawler())
    store = SqliteArchiveStore(root / "output" / "state.sqlite3")
    item = post_item(info_code=info_code, category=category, title=title)
    rejects = reject_log(root / "output", store)
    try:
        ValidatePostPipeline(rejects, rejects.stats).process_item(item)
    except DropItem:
        pass  # rejected: fine, and the writer must still be safe on its own
    writer = MarkdownWriterPipeline(posts, SITE_URL, store, stats)
    writer.open_spider()
    try:
        writer.process_item(item)
    except ValueError:
        pass
    store.close()
    outside = [p for p in root.rglob("*") if not p.resolve().is_relative_to((root / "output").resolve())]
    assert outside == []
    for path in posts.iterdir():
        assert path.parent == posts and len(path.name) < 100


@pytest.mark.parametrize("info_code", ["../x", "/abs", "a/b", "x\x00y", "N" * 65, ".."])
def test_unsafe_info_codes_make_no_file_name(info_code):
    with pytest.raises(ValueError):
        post_filename(post_item(info_code=info_code))


def test_http_only_middleware_refuses_other_schemes():
    from scrapy import Request
    from scrapy.exceptions import IgnoreRequest

    from newscrawl.middlewares.httponly import HttpOnlyMiddleware

    middleware = HttpOnlyMiddleware(MemoryStatsCollector(get_crawler()))
    assert middleware.process_request(Request("https://finews.withounder.com/")) is None
    for url in ("file:///etc/passwd", "ftp://example.com/x", "data:text/html,<p>x</p>", "s3://bucket/key"):
        with pytest.raises(IgnoreRequest):
            middleware.process_request(Request(url))


#: A field's value as a loader might leave it: any text, text the schema's patterns take, nothing, another type.
FIELD_VALUES = st.one_of(st.text(), st.sampled_from(["", " ", "NW202202232285760343", "2022-02-23 10:30:09 +0800",
                                                     "http://127.0.0.1/a/2022/02/23/NW1.html", "a\nb", "\x00"]),
                         st.none(), st.integers(), st.lists(st.text(), max_size=2))


@given(values=st.dictionaries(st.sampled_from(["info_code", "title", "date", "category", "tags", "source", "body",
                                               "url", "share_url"]), FIELD_VALUES),
       base=st.booleans())
@settings(max_examples=300, deadline=None)
def test_the_compiled_schema_check_passes_exactly_the_posts_spidermon_finds_valid(values, base):
    """The fast check (fastjsonschema) must never pass a post that spidermon's validator would reject."""
    from jsonschema.validators import validator_for

    from newscrawl.items import POST_SCHEMA
    from newscrawl.pipelines.validate import CompiledSchemaValidator

    post = {**(dict(post_item()) if base else {}), **values}
    full = validator_for(POST_SCHEMA)(POST_SCHEMA)
    valid, errors = CompiledSchemaValidator(POST_SCHEMA).validate(post)
    assert valid == full.is_valid(post)
    assert bool(errors) != valid
