"""Posts per day per category, and the days a normally active category has none."""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from newscrawl.items import PostItem

#: A category is "normally active" when it has posts on at least this share
#: of the days from its first post to the archive's newest day...
ACTIVE_DAY_SHARE = 0.5
#: ...over at least this many days (too short a history says nothing).
MIN_HISTORY_DAYS = 7
#: A category is named after its posts' publisher when at least this share of them have it.
SAME_NAME_SHARE = 0.8


@dataclass
class PostCounts:
    """How many posts each (day, category) has; days are the posts' own (Asia/Shanghai) days."""

    per_day: Counter = field(default_factory=Counter)  # (date, category) -> posts
    sources: dict[str, Counter] = field(default_factory=dict)  # category -> its posts' publishers (source)
    tags: dict[str, Counter] = field(default_factory=dict)  # category -> its posts' tags

    @classmethod
    def of(cls, posts: Iterable[PostItem]) -> "PostCounts":
        counts = cls()
        for post in posts:
            category = post["category"]
            counts.per_day[date.fromisoformat(post["date"][:10]), category] += 1
            counts.sources.setdefault(category, Counter())[post.get("source") or ""] += 1
            counts.tags.setdefault(category, Counter())[post.get("tags") or ""] += 1
        return counts

    def name(self, category: str) -> str:
        """The category's name on the site, in Chinese: the publisher of (nearly) all its posts
        (qingdaocaijingribao: 青岛财经日报; "" for Wind, whose slug is its name), else its tag
        (emnews, of many publishers: 东财滚动新闻)."""
        sources, tags = self.sources.get(category), self.tags.get(category)
        if sources:
            source, posts = sources.most_common(1)[0]
            if source and posts >= SAME_NAME_SHARE * sum(sources.values()):
                return "" if source.lower() == category.lower() else source
        tag = tags.most_common(1)[0][0] if tags else ""
        return "" if tag.lower() == category.lower() else tag

    def label(self, category: str) -> str:
        """``qingdaocaijingribao 青岛财经日报``: the slug and its name."""
        return f"{category} {self.name(category)}".strip()

    @property
    def total(self) -> int:
        return sum(self.per_day.values())

    def days(self) -> list[date]:
        """Every day from the oldest post's to the newest's, those without posts included."""
        if not self.per_day:
            return []
        first, last = min(day for day, _ in self.per_day), max(day for day, _ in self.per_day)
        return [first + timedelta(days=n) for n in range((last - first).days + 1)]

    def categories(self) -> list[str]:
        """The categories, most posts first."""
        totals = self.category_totals()
        return sorted(totals, key=lambda category: (-totals[category], category))

    def category_totals(self) -> Counter:
        totals = Counter()
        for (_, category), posts in self.per_day.items():
            totals[category] += posts
        return totals

    def day_totals(self) -> Counter:
        totals = Counter()
        for (day, _), posts in self.per_day.items():
            totals[day] += posts
        return totals

    def quiet_days(self) -> dict[str, list[date]]:
        """For each normally active category, the days it has no post: possibly missed runs.

        Counted from the category's first post to the archive's newest day;
        a category is normally active when it has posts on at least
        ACTIVE_DAY_SHARE of those days, and there are MIN_HISTORY_DAYS of them.
        """
        days = self.days()
        quiet = {}
        for category in self.categories():
            active = {day for day, cat in self.per_day if cat == category}
            span = days[days.index(min(active)):]
            if len(span) >= MIN_HISTORY_DAYS and len(active) >= ACTIVE_DAY_SHARE * len(span):
                missing = [day for day in span if day not in active]
                if missing:
                    quiet[category] = missing
        return quiet
