"""Benchmark: building the search index from scratch, and queries on it.

    python -m bench.search_speed [--posts 20000 100000] [--compare 2000] [--json FILE]

For each size, writes that many post files (synthetic: sentences of the mock
site's real sample post, shuffled, with numbers), indexes them from scratch as
``scrapy search`` does on a missing index (newscrawl.search.index.SearchIndex.sync),
then times each query of QUERIES (after one warm-up run: jieba's dictionary
loaded, SQLite's pages cached). Targets: 20,000 posts indexed in 60 s or less,
each query in 0.3 s or less.

``--compare N``: on N posts, the alternatives docs/search.md weighs: jieba's
words (search mode) as the index's tokens, and FTS5's trigram tokenizer
(two-character words by a LIKE scan), with their indexing time, query time and
recall of two-character words against a plain scan.
"""

import argparse
import json
import random
import re
import resource
import shutil
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from newscrawl.archive.postfile import post_filename, render_post
from newscrawl.items import PostItem
from newscrawl.mocksite.source_posts import TITLE_SUBJECTS, seed_post
from newscrawl.search.index import SearchIndex
from newscrawl.search.query import parse

SITE_URL = "https://finews.withounder.com"
CATEGORIES = ["Wind", "emnews", "qingdaocaijingribao", "shanghaizhengquanbao", "zhongguozhengquanbao"]
#: (what it is, the query): common and rare words, a phrase, operators, a title piece jieba splits.
QUERIES = [
    ("common two-character word", "企业"),
    ("rarer two-character word", "港股"),
    ("single character", "园"),
    ("quoted phrase", '"高新技术企业"'),
    ("OR", "基金 OR 利率"),
    ("AND NOT", "青岛 NOT 园区"),
    ("title piece (jieba)", "青岛高新区综合排名"),
]
#: Two-character words; 新生 occurs here only across two of jieba's words (创新|生...), where grep finds it.
WORDS = ["企业", "港股", "园区", "科技", "增长", "排名", "新生"]
TARGET_INDEX_S = 60.0
TARGET_QUERY_S = 0.3


def sentences() -> list[str]:
    text = re.sub(r"<[^>]+>", "", seed_post().body_html)
    return [s.strip() + "。" for s in re.split(r"[。\n]", text) if len(s.strip()) > 5]


def write_posts(directory: Path, count: int, seed: int = 22) -> None:
    rng = random.Random(seed)
    pool = sentences()
    directory.mkdir(parents=True)
    for n in range(count):
        day = f"2022-{1 + n % 12:02d}-{1 + n % 28:02d}"
        category = rng.choice(CATEGORIES)
        code = f"NW{day.replace('-', '')}{n:010d}"
        body = "\n\n".join("".join(rng.sample(pool, rng.randint(1, 3))) + f"同比增长{rng.randint(1, 99)}%"
                           for _ in range(rng.randint(2, 6)))
        item = PostItem(info_code=code, title=f"{rng.choice(TITLE_SUBJECTS)}{rng.choice(['', '：机构解读', '快讯'])}",
                        date=f"{day} {n % 24:02d}:00:00 +0800", category=category, tags="", source="", body=body,
                        url=f"{SITE_URL}/{category}/{day.replace('-', '/')}/{code}.html", share_url="")
        (directory / post_filename(item)).write_text(render_post(item, SITE_URL), encoding="utf-8")


def measure(work: Path, count: int) -> dict:
    posts = work / f"posts-{count}" / "_posts"
    started = time.perf_counter()
    write_posts(posts, count)
    written = time.perf_counter() - started
    path = work / f"search-{count}.sqlite3"
    started = time.perf_counter()
    index = SearchIndex.open(path)
    index.sync(posts)
    indexed = time.perf_counter() - started
    queries = {}
    for name, text in QUERIES:
        query = parse(text)
        hits = len(list(index.search(query, limit=20)))  # warm-up
        times = []
        for _ in range(5):
            started = time.perf_counter()
            list(index.search(query, limit=20))
            times.append(time.perf_counter() - started)
        total = len(list(index.search(query, limit=0)))
        queries[name] = {"query": text, "median_s": round(statistics.median(times), 4), "max_s": round(max(times), 4),
                         "top_hits": hits, "all_hits": total}
    started = time.perf_counter()
    unchanged = index.sync(posts)
    resync = time.perf_counter() - started
    index.close()
    return {"posts": count, "write_files_s": round(written, 1), "index_s": round(indexed, 1),
            "posts_per_s": round(count / indexed), "index_mb": round(path.stat().st_size / 2**20, 1),
            "files_mb": round(sum(p.stat().st_size for p in posts.iterdir()) / 2**20, 1),
            "sync_unchanged_s": round(resync, 3), "stale_after_sync": unchanged.stale, "queries": queries,
            "slowest_query_s": max(q["max_s"] for q in queries.values())}


def compare(work: Path, count: int) -> dict:
    """jieba's words and FTS5 trigrams as the index's tokens, against the pairs index, on ``count`` posts."""
    import jieba

    from newscrawl.archive.archived_posts import ArchivedPosts

    posts = work / f"posts-{count}" / "_posts"
    if not posts.exists():
        write_posts(posts, count)
    items = list(ArchivedPosts(posts))
    texts = [item["title"] + "\n" + item["body"] for item in items]
    truth = {word: {i for i, text in enumerate(texts) if word in text} for word in WORDS}
    results = {}

    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE t USING fts5(text)")
    started = time.perf_counter()
    db.executemany("INSERT INTO t (rowid, text) VALUES (?, ?)",
                   ((i, " ".join(jieba.cut_for_search(text))) for i, text in enumerate(texts)))
    took = time.perf_counter() - started
    recall = {w: len({r for (r,) in db.execute("SELECT rowid FROM t WHERE t MATCH ?", (f'"{w}"',))}) / max(1, len(truth[w]))
              for w in WORDS}
    results["jieba_words"] = {"index_s": round(took, 1),
                              "posts_per_s": round(count / took), "recall": {w: round(r, 3) for w, r in recall.items()}}

    db.execute("CREATE VIRTUAL TABLE g USING fts5(text, tokenize='trigram')")
    started = time.perf_counter()
    db.executemany("INSERT INTO g (rowid, text) VALUES (?, ?)", enumerate(texts))
    took = time.perf_counter() - started
    started = time.perf_counter()
    # SQLite 3.40's trigram table answers a LIKE of fewer than three characters with no row.
    found = {w: {r for (r,) in db.execute("SELECT rowid FROM g WHERE text LIKE ?", (f"%{w}%",))} for w in WORDS}
    like = (time.perf_counter() - started) / len(WORDS)
    results["fts5_trigram"] = {"index_s": round(took, 1), "posts_per_s": round(count / took),
                               "two_character_word_by_like_s": round(like, 4),
                               "recall": {w: round(len(found[w] & truth[w]) / max(1, len(truth[w])), 3) for w in WORDS}}

    index = SearchIndex.open(work / f"compare-{count}.sqlite3")
    started = time.perf_counter()
    index.sync(posts)
    took = time.perf_counter() - started
    names = [p.name for p in sorted(posts.iterdir())]
    recall = {}
    for word in WORDS:
        hits = {names.index(hit.name) for hit in index.search(parse(word), limit=0)}
        recall[word] = round(len(hits & truth[word]) / max(1, len(truth[word])), 3) if hits <= truth[word] else "imprecise"
    results["character_pairs"] = {"index_s": round(took, 1), "posts_per_s": round(count / took), "recall": recall}
    index.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, nargs="+", default=[20_000, 100_000])
    parser.add_argument("--compare", type=int, default=0, metavar="N", help="also weigh the alternatives on N posts")
    parser.add_argument("--json", type=Path, help="write the figures here too")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="newscrawl-search-bench-"))
    figures = {"sizes": {}}
    try:
        for count in args.posts:
            run = measure(work, count)
            figures["sizes"][str(count)] = run
            print(f"{count} posts ({run['files_mb']} MB of files): indexed from scratch in {run['index_s']} s "
                  f"({run['posts_per_s']} posts/s), index {run['index_mb']} MB; an unchanged sync {run['sync_unchanged_s']} s")
            for name, q in run["queries"].items():
                print(f"  {name:28} {q['query']:22} median {q['median_s']:.4f} s, max {q['max_s']:.4f} s, {q['all_hits']} hits")
        if args.compare:
            figures["compare"] = compare(work, args.compare)
            print(f"alternatives on {args.compare} posts:", json.dumps(figures["compare"], ensure_ascii=False, indent=1))
        first = figures["sizes"].get("20000")
        if first:
            figures["targets"] = {
                "index_20000_s": {"value": first["index_s"], "target": TARGET_INDEX_S, "met": first["index_s"] <= TARGET_INDEX_S},
                "query_s": {"value": first["slowest_query_s"], "target": TARGET_QUERY_S,
                            "met": first["slowest_query_s"] <= TARGET_QUERY_S},
            }
            print("targets:", json.dumps(figures["targets"]))
        figures["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        if args.json:
            args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=1), encoding="utf-8")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
