"""Likely duplicates (并案 suggestions) by title and content similarity (DOMAIN.md §5).

Titles are normalised (full-width folded, "关于…的建议" and punctuation dropped) and cut into
Chinese character bigrams, so rapidfuzz's token scorers work on text without spaces. A query
runs in two stages: ``process.extract`` with ``token_set_ratio`` over the titles that share a
distinctive bigram with the query (an inverted index; C speed, with a score cut-off) picks up
to 200 candidates, then a finer score (the mean of the set and
sort ratios, blended with the content's similarity) orders them.

The titles live in an in-process index loaded once and kept fresh by a cheap check of
``count``, ``max(id)`` and ``max(updated_at)``: new and changed rows are loaded
incrementally, so a query on 50,000 items stays well under 200 ms (see
:func:`similarity_benchmark`).
"""

from __future__ import annotations

import random
import re
import statistics
import threading
import time
import unicodedata
from collections import Counter, OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import islice
from typing import Any

import peewee as pw
from rapidfuzz import fuzz, process

STOP_PHRASES = ("关于", "的建议", "的提案", "的意见", "建议", "提案", "进一步", "我市", "本市")
_NON_WORD = re.compile(r"[\W_]+")
CONTENT_CHARS = 400  # the content's first characters compared
STAGE_ONE_LIMIT = 200
DEFAULT_CUTOFF = 60
# A bigram found in more than this share of titles says little (工作, 加强 …): it does not pick
# candidates, though it still counts in the score.
COMMON_SHARE = 0.05
# At national scale (200,000 titles) 5% is 10,000 titles a bigram, and the union of such lists
# made every look-up score ~20,000 titles with rapidfuzz (~50 ms on each item page). Above this
# many candidates, keep those that share the most of the query's bigrams (what the token-set
# score rewards), then score only them.
PREFILTER_MAX = 2000
# ... and count only the query's rarest bigrams: a long title has a dozen distinctive ones, the
# last of which add thousands of titles to count for no change in the result (measured: the
# same top ten for 60 random titles of a 200,000-title index, a quarter less time).
PREFILTER_GRAMS = 10
FULL_SCAN_BELOW = 2000  # small indexes are simply scanned
# A query of one bigram (a two-character title being typed: "停车") took the full scan: ~130 ms
# at 200,000 titles. Its candidates can be named exactly instead. With no bigram in common, the
# token-set score is the Indel ratio of the query and the title's joined bigrams, at most
# 2 * 2 / (2 + 5) = 57 for a title of two or more bigrams and 2 * 1 / (2 + 1) = 67 for a
# one-character title: above this cut-off only the titles holding the bigram and the
# one-character titles can score, so scoring just those finds the same titles in the same order.
# Every title holding the bigram scores 100 (the query is a subset of it), and equal scores keep
# the index's order, so only the first ``limit`` of them can be picked: a bigram in 20,000 titles
# (建设) costs what a rare one does.
ONE_GRAM_EXACT_ABOVE = 57.2
# A look-up's candidates depend on the query and the titles alone, so the index remembers the
# last ones until a title is added or changed (an item page opened again skips ~6 ms of scoring
# at 200,000 titles). What a suggestion shows (status, merge target) is read afresh each time.
REMEMBERED = 256


def normalise(text: str) -> str:
    """Title text reduced to what carries meaning: "关于加快老旧小区加装电梯的建议" -> "加快老旧小区加装电梯"."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    for phrase in STOP_PHRASES:
        text = text.replace(phrase, "")
    return _NON_WORD.sub("", text)


def key(text: str) -> str:
    """Space-separated character bigrams of the normalised text (the unit rapidfuzz compares)."""
    norm = normalise(text)
    if len(norm) < 2:
        return norm
    return " ".join(norm[i:i + 2] for i in range(len(norm) - 1))


def title_score(a: str, b: str) -> float:
    """0–100 for two keys: the mean of token set and token sort ratios (a subset alone is not a duplicate)."""
    if not a or not b:
        return 0.0
    return (fuzz.token_set_ratio(a, b) + fuzz.token_sort_ratio(a, b)) / 2


def content_key(text: str) -> str:
    return _content_key((text or "")[:CONTENT_CHARS])


# The start of a content is normalised and cut into bigrams in ~0.15 ms (NFKC folding most of
# it): ~5 ms for the 30 candidates an item page compares, most of them the same from one view
# to the next. A pure function of the text, so remembered by it (~4 KB an entry).
@lru_cache(maxsize=1024)
def _content_key(start: str) -> str:
    return key(start)


def combined_score(title: float, content: float | None) -> float:
    """Title first; the content adjusts the order when both sides have some."""
    if content is None:
        return title
    return 0.7 * title + 0.3 * content


@dataclass(frozen=True)
class Entry:
    item_id: int
    session_id: int
    year: int
    kind: str


class TitleIndex:
    """Keys of every item's title, in memory, with the facts a query filters on."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.keys: list[str] = []
        self.entries: list[Entry] = []
        self._pos: dict[int, int] = {}
        self._postings: dict[str, list[int]] = {}  # bigram -> positions (may hold stale ones)
        self._one_char: list[int] = []  # positions of one-character keys (may hold stale ones)
        self._stamp: tuple[Any, ...] | None = None
        self._max_id = 0
        self._max_updated: Any = None
        self._remembered: OrderedDict[tuple[str, float, int], tuple[tuple[int, float], ...]] = OrderedDict()
        self._memo_lock = threading.Lock()
        self._generation = 0  # counts forgettings: a look-up worked out across one is not kept

    def __len__(self) -> int:
        return len(self.keys)

    # --- building ---------------------------------------------------------------------------

    def clear(self) -> None:
        with self._lock:
            self.keys, self.entries, self._pos, self._postings = [], [], {}, {}
            self._one_char = []
            self._stamp, self._max_id, self._max_updated = None, 0, None
            self._forget()

    def put(self, rows: Iterable[tuple[int, str, int, int, str]]) -> None:
        """Add or replace ``(item_id, title, session_id, year, kind)`` rows."""
        changed = False
        for item_id, title, session_id, year, kind in rows:
            entry = Entry(item_id, session_id, year, kind)
            k = key(title)
            pos = self._pos.get(item_id)
            if pos is None:
                pos = self._pos[item_id] = len(self.keys)
                self.keys.append(k)
                self.entries.append(entry)
            else:
                if self.keys[pos] == k:
                    self.entries[pos] = entry
                    continue
                self.keys[pos] = k
                self.entries[pos] = entry
            changed = True
            for gram in set(k.split()):
                self._postings.setdefault(gram, []).append(pos)
            if len(k) == 1:
                self._one_char.append(pos)
        if changed:  # a new or changed title can change any look-up's candidates
            self._forget()

    def _forget(self) -> None:
        with self._memo_lock:
            self._remembered.clear()
            self._generation += 1

    def refresh(self) -> None:
        """Load what changed since the last look (all of it the first time)."""

        from tracker.items.models import Item

        # Two lone MAX() queries, each answered from its index (items.id, items.updated_at): the
        # combined COUNT/MAX/MAX read the whole table on each item page (~90 ms at 200,000
        # items, ~7 ms for COUNT alone). Deleted items are noticed where they matter instead:
        # ``similar`` rebuilds the index when a candidate no longer exists.
        stamp = (Item.select(pw.fn.MAX(Item.id)).scalar(), Item.select(pw.fn.MAX(Item.updated_at)).scalar())
        if stamp == self._stamp:
            return
        with self._lock:
            if stamp == self._stamp:
                return
            if self._stamp is None:
                self.keys, self.entries, self._pos, self._postings = [], [], {}, {}
                self._one_char = []
                self._forget()
                self._max_id, self._max_updated = 0, None
                condition = None
            else:
                condition = Item.id > self._max_id
                if self._max_updated is not None:
                    condition |= Item.updated_at > self._max_updated
            self.put(self._load(condition))
            self._stamp = stamp
            self._max_id = stamp[0] or 0
            self._max_updated = stamp[1]

    @staticmethod
    def _load(condition: Any) -> Iterable[tuple[int, str, int, int, str]]:
        from tracker.items.models import Item, Session

        query = (Item.select(Item.id, Item.title, Item.session, Session.year, Item.kind)
                 .join(Session).tuples())
        if condition is not None:
            query = query.where(condition)
        return list(query)

    # --- querying ---------------------------------------------------------------------------

    def candidates(self, query_key: str, *, cutoff: float = DEFAULT_CUTOFF,
                   limit: int = STAGE_ONE_LIMIT) -> tuple[tuple[int, float], ...]:
        """(position, title score) of the best titles, best first; remembered until a title changes
        (an entry's session, year and kind are not part of it: callers filter on them)."""
        memo = (query_key, cutoff, limit)
        with self._memo_lock:
            found = self._remembered.get(memo)
            if found is not None:
                self._remembered.move_to_end(memo)
                return found
            generation = self._generation
        found = tuple(self.score(query_key, cutoff=cutoff, limit=limit))
        with self._memo_lock:
            if generation == self._generation:
                self._remembered[memo] = found
                while len(self._remembered) > REMEMBERED:
                    self._remembered.popitem(last=False)
        return found

    def score(self, query_key: str, *, cutoff: float = DEFAULT_CUTOFF,
              limit: int = STAGE_ONE_LIMIT) -> list[tuple[int, float]]:
        """:meth:`candidates` worked out afresh."""
        if not query_key or not self.keys:
            return []
        positions = self._prefilter(query_key, cutoff, limit)
        if positions is None:
            found = process.extract(query_key, self.keys, scorer=fuzz.token_set_ratio,
                                    score_cutoff=cutoff, limit=limit)
            hits = [pos for _choice, _score, pos in found]
        else:
            found = process.extract(query_key, [self.keys[p] for p in positions], scorer=fuzz.token_set_ratio,
                                    score_cutoff=cutoff, limit=limit)
            hits = [positions[i] for _choice, _score, i in found]
        scored = [(pos, title_score(query_key, self.keys[pos])) for pos in hits]
        scored = [(pos, s) for pos, s in scored if s >= cutoff]
        scored.sort(key=lambda pair: (-pair[1], pair[0]))
        return scored

    def _prefilter(self, query_key: str, cutoff: float = DEFAULT_CUTOFF,
                   limit: int = STAGE_ONE_LIMIT) -> list[int] | None:
        """Positions of titles sharing a distinctive bigram with the query; None: scan them all."""
        total = len(self.keys)
        grams = set(query_key.split())
        if total < FULL_SCAN_BELOW:
            return None
        if len(query_key) == 2 and cutoff > ONE_GRAM_EXACT_ABOVE:  # one bigram: exact candidates
            holding = (pos for pos in sorted(set(self._postings.get(query_key, ())))
                       if query_key in self.keys[pos].split())  # postings may be stale
            return sorted(set(islice(holding, limit)) | set(self._one_char))
        if len(grams) < 2:
            return None
        sized = sorted((len(self._postings.get(g, ())), g) for g in grams)
        limit = max(50, int(total * COMMON_SHARE))
        chosen = ([g for n, g in sized if n <= limit] or [g for _n, g in sized[:3]])[:PREFILTER_GRAMS]
        shared: Counter[int] = Counter()  # position -> how many chosen bigrams it shares
        for gram in chosen:
            shared.update(self._postings.get(gram, ()))
        if len(shared) > total // 2:
            return None
        if len(shared) > PREFILTER_MAX:
            return sorted(_most_shared(shared, PREFILTER_MAX))
        return sorted(shared)


def _most_shared(shared: Counter[int], n: int) -> list[int]:
    """The ``n`` positions with the highest counts (ties: the first inserted), unordered: the ones
    ``shared.most_common(n)`` picks, without a heap over every position (a histogram of the
    counts gives the cut-off, one pass takes the positions above it)."""
    histogram = Counter(shared.values())
    taken = 0
    cutoff = 0
    for count in sorted(histogram, reverse=True):
        if taken + histogram[count] >= n:
            cutoff = count
            break
        taken += histogram[count]
    above = [pos for pos, count in shared.items() if count > cutoff]
    room = n - len(above)
    at_cutoff = [pos for pos, count in shared.items() if count == cutoff][:room]
    return above + at_cutoff


_INDEX = TitleIndex()


def index() -> TitleIndex:
    """The process's index, fresh."""
    _INDEX.refresh()
    return _INDEX


def invalidate() -> None:
    """Forget the index (tests; after bulk title changes)."""
    _INDEX.clear()


# --- the use case ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    item_id: int
    number: str
    title: str
    kind: str
    status: str
    session_id: int
    session_name: str
    same_session: bool
    merged_into_id: int | None
    score: int

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.item_id, "number": self.number, "title": self.title, "kind": self.kind,
                "status": self.status, "session_id": self.session_id, "session_name": self.session_name,
                "same_session": self.same_session, "merged_into_id": self.merged_into_id,
                "score": self.score}


def similar(*, title: str, content: str = "", year: int | None = None, session_id: int | None = None,
            exclude_ids: Sequence[int] = (), limit: int = 8, cutoff: float = DEFAULT_CUTOFF) -> list[Suggestion]:
    """Items whose title (and content) resemble the given text, from sessions of ``year`` or
    earlier (all years when None), best first."""
    args = {"title": title, "content": content, "year": year, "session_id": session_id,
            "exclude_ids": exclude_ids, "limit": limit, "cutoff": cutoff}
    found, stale = _similar_once(**args)
    if stale:  # items were deleted since the index was built: rebuild it and look again
        invalidate()
        found, _stale = _similar_once(**args)
    return found


def _similar_once(*, title: str, content: str, year: int | None, session_id: int | None,
                  exclude_ids: Sequence[int], limit: int, cutoff: float) -> tuple[list[Suggestion], bool]:
    from tracker.items.models import Item, Session

    idx = index()
    query_key = key(title)
    excluded = set(exclude_ids)
    picked: list[tuple[int, float]] = []
    for pos, score in idx.candidates(query_key, cutoff=cutoff):
        entry = idx.entries[pos]
        if entry.item_id in excluded or (year is not None and entry.year > year):
            continue
        picked.append((entry.item_id, score))
        if len(picked) >= max(limit * 3, 30):
            break
    if not picked:
        return [], False
    ids = [item_id for item_id, _ in picked]
    # what a suggestion shows, and the start of the content it is compared on (not whole texts)
    rows = {
        i.id: i for i in Item.select(
            Item.id, Item.number, Item.title, Item.kind, Item.status, Item.session, Item.merged_into,
            pw.fn.SUBSTR(Item.content, 1, CONTENT_CHARS).alias("content"), Session.id, Session.name, Session.year,
        ).join(Session).where(Item.id.in_(ids))
    }
    query_content = content_key(content)
    ranked: list[tuple[float, Item]] = []
    for item_id, t_score in picked:
        item = rows.get(item_id)
        if item is None:
            continue
        c_score = None
        other = content_key(item.content)
        if len(query_content) >= 10 and len(other) >= 10:
            c_score = fuzz.token_set_ratio(query_content, other)
        ranked.append((combined_score(t_score, c_score), item))
    ranked.sort(key=lambda pair: (-pair[0], -pair[1].session.year, pair[1].id))
    return [
        Suggestion(item_id=i.id, number=i.number, title=i.title, kind=i.kind, status=i.status,
                   session_id=i.session_id, session_name=i.session.name,
                   same_session=session_id is not None and i.session_id == session_id,
                   merged_into_id=i.merged_into_id, score=round(s))
        for s, i in ranked[:limit] if s >= cutoff
    ], len(rows) < len(set(ids))


def similar_to(item: Any, *, limit: int = 8, cutoff: float = DEFAULT_CUTOFF) -> list[Suggestion]:
    """Likely duplicates of an item from the same and earlier sessions (itself excluded)."""
    session = item.session
    return similar(title=item.title, content=item.content, year=session.year, session_id=session.id,
                   exclude_ids=[item.id], limit=limit, cutoff=cutoff)


# --- measuring ------------------------------------------------------------------------------

_TOPICS = ["老旧小区", "加装电梯", "停车难", "中小学", "基层医疗", "养老服务", "农村公路", "交通拥堵",
           "垃圾分类", "公共厕所", "农贸市场", "城市公园", "河道治理", "污水处理", "高校毕业生就业",
           "创业担保", "营商环境", "中小企业融资", "保障性住房", "物业管理", "社区治理", "公共文化",
           "全民健身", "乡村旅游", "乡村振兴", "食品安全", "学前教育", "课后服务", "智慧城市",
           "数字政府", "消防安全", "安全生产", "公交线路", "地铁建设", "充电桩", "新能源汽车",
           "非遗保护", "历史街区", "海绵城市", "背街小巷", "夜间经济", "预制菜产业", "家庭医生",
           "心理健康", "托育服务", "残疾人就业", "退役军人", "冷链物流", "耕地保护", "数字乡村"]
_VERBS = ["加强", "推进", "完善", "优化", "解决", "提升", "规范", "加快", "支持", "建立", "健全", "促进"]
_TAILS = ["工作", "建设", "管理", "问题", "机制", "体系", "服务", "水平", "试点", "政策"]


def synthetic_title(rng: random.Random) -> str:
    topic = rng.choice(_TOPICS)
    if rng.random() < 0.4:
        topic += "和" + rng.choice(_TOPICS)
    return f"关于{rng.choice(_VERBS)}{topic}{rng.choice(_TAILS)}的{rng.choice(['建议', '提案'])}"


def similarity_benchmark(n: int = 50_000, queries: int = 30, seed: int = 7) -> dict[str, float]:
    """Build an in-memory index of ``n`` synthetic titles and time ``queries`` look-ups.

    Returns seconds to build and milliseconds per query (mean, p95, max). No database.
    """
    rng = random.Random(seed)
    idx = TitleIndex()
    titles = [synthetic_title(rng) for _ in range(n)]
    started = time.perf_counter()
    idx.put((i + 1, t, 1, 2020 + i % 7, "suggestion") for i, t in enumerate(titles))
    build_s = time.perf_counter() - started
    timings = []
    for _ in range(queries):
        q = key(synthetic_title(rng))
        t0 = time.perf_counter()
        idx.score(q)
        timings.append((time.perf_counter() - t0) * 1000)
    timings.sort()
    return {"items": float(n), "build_s": round(build_s, 3), "mean_ms": round(statistics.mean(timings), 2),
            "p95_ms": round(timings[int(len(timings) * 0.95) - 1], 2), "max_ms": round(timings[-1], 2)}
