"""Unit tests of the body converter (HTML -> Markdown)."""

from newscrawl.site.body import html_to_markdown, source_from_em_media


def test_paragraphs_are_separated_by_blank_lines_and_indents_dropped():
    body = html_to_markdown("<p>　　第一段</p>\n <p>第二段 </p><p>\u3000 第三段</p>")
    assert body.markdown == "第一段\n\n第二段\n\n第三段"


def test_stock_quote_spans_are_reduced_to_their_text():
    html = (
        '<p>聚焦科技前<span id="stock_1.600160"><a href="http://quote.eastmoney.com/unify/r/1.600160" '
        'class="keytip" data-code="1,600160">沿产学研</a></span><span id="quote_1.600160"></span>用深度融合'
        '，<span class="em_stock_key_common" data-code="0,000001">平安银行</span>。</p>'
    )
    assert html_to_markdown(html).markdown == "聚焦科技前沿产学研用深度融合，平安银行。"


def test_widgets_hidden_and_empty_paragraphs_are_removed():
    html = (
        "<p>正文</p><!-- EM_StockImg_Start --><center><img src='k.png'/>K图 600160</center>"
        "<!-- EM_StockImg_End --><p style=\"display: none\">隐藏</p><p></p><p> </p>"
        '<div class="ad_context3"><script>ads()</script><p>广告</p></div>'
        '<p class="res-edit">（责任编辑：DF010）</p><p>（责任编辑：王某）</p><p>结尾</p>'
    )
    assert html_to_markdown(html).markdown == "正文\n\n结尾"


def test_em_media_line_becomes_the_source_and_leaves_the_body():
    body = html_to_markdown('<p>正文</p><p class="em_media">（文章来源：上海<span>证券</span>报）</p>')
    assert body.markdown == "正文"
    assert body.source == "上海证券报"


def test_widgets_inside_widgets_are_gone_before_the_lines_around_them_are_read():
    html = (
        '<p>正文<span id="stock_1.600160"><a class="keytip">巨化<!-- c --></a><span id="quote_1.600160">+1%</span>'
        '</span>股份</p><p>（责任编辑：<span class="em_stock_key_common">王<span hidden>x</span></span>某）</p>'
        '<p class="em_media">（文章来源：上海<span class="em_stock_key_common">证券<span id="quote_0.1">-2%</span>'
        '</span>报）</p><p class="em_media">（文章来源：第二行）</p>'
    )
    body = html_to_markdown(html)
    assert body.markdown == "正文巨化股份"
    assert body.source == "上海证券报"


def test_bold_images_tables_and_links_are_kept():
    markdown = html_to_markdown(
        '<p><strong>小标题</strong></p><center><img src="https://dfscdn.dfcfw.com/download/D1.jpg" alt="Image"'
        ' width="552" /></center><p>图为示意</p><table><tr><th>指标</th><th>值</th></tr><tr><td>增长</td><td>53%</td>'
        '</tr></table><p>详见<a href="http://example.com/a">公告</a></p>').markdown
    assert markdown.split("\n\n") == [
        "**小标题**", "![Image](https://dfscdn.dfcfw.com/download/D1.jpg)", "图为示意",
        "| 指标 | 值 |\n| --- | --- |\n| 增长 | 53% |", "详见[公告](http://example.com/a)"]


def test_junk_never_raises():
    for junk in ["", None, "<p", "</div></p>", "<<<>>>", "\x00\x01", "<table><td>x"]:
        assert isinstance(html_to_markdown(junk).markdown, str)


def test_the_em_media_line_names_the_source():
    assert source_from_em_media("（文章来源：青岛财经日报）") == "青岛财经日报"
    assert source_from_em_media("（文章来源：上海 \n 证券报 ）") == "上海 证券报"
    assert source_from_em_media("正文") is None


def test_text_that_kramdown_would_read_as_markup_is_written_as_entities():
    html = ("<p>&lt;script&gt;x&lt;/script&gt; [a](javascript:b) {: onclick=c} &amp;lt; A&amp;B</p>"
            "<pre>&lt;b&gt; [c]</pre>")
    assert html_to_markdown(html).markdown == (
        "&lt;script>x&lt;/script> &#91;a&#93;(javascript:b) &#123;: onclick=c} &amp;lt; A&B\n\n```\n<b> [c]\n```")


def test_only_harmless_markup_reaches_the_converter():
    html = ('<p><img src="p.png" onerror="alert(1)"><a href="javascript:alert(2)">x</a>'
            '<a href="http://a.example/">y</a><img src="data:image/svg+xml,z"><svg onload="alert(3)"></svg></p>'
            '<iframe src="http://evil.example/"></iframe><details ontoggle="alert(4)" open>d</details>')
    assert html_to_markdown(html).markdown == "![](p.png)x[y](http://a.example/)\n\nd"
