"""A one-bigram query (a two-character title being typed) names its candidates exactly instead
of scanning every title: the same titles, scores and order as the full scan."""

from __future__ import annotations

import random

from tracker.items import similarity


def build(n: int = 6000) -> similarity.TitleIndex:
    rng = random.Random(9)
    idx = similarity.TitleIndex()
    idx.put((i, similarity.synthetic_title(rng), 1, 2020 + i % 5, "suggestion") for i in range(1, n + 1))
    # one-character titles (they score 67 against any bigram holding their character), a
    # two-character one, and titles whose bigram list changed (stale postings)
    idx.put([(90001, "关于鲸的建议", 1, 2026, "suggestion"), (90002, "车", 1, 2026, "suggestion"),
             (90003, "关于停车的建议", 1, 2026, "suggestion"), (90004, "停车场", 1, 2026, "suggestion")])
    idx.put([(5, "停车", 1, 2020, "suggestion"), (90004, "关于充电桩的建议", 1, 2026, "suggestion"),
             (7, "关于加强停车管理工作的建议", 1, 2020, "suggestion")])
    return idx


def test_one_bigram_candidates_match_the_full_scan(monkeypatch):
    idx = build()
    rng = random.Random(4)
    grams = ["鲸鱼", "停车", "电梯", "车停", "建设", "工作", "停止", "zz"] + [
        rng.choice(idx.keys[rng.randrange(len(idx.keys))].split()) for _ in range(40)]
    fast = {g: idx.score(g) for g in grams}
    assert any(len(idx._postings.get(g, ())) > similarity.STAGE_ONE_LIMIT for g in grams)  # common bigrams
    assert [idx.entries[pos].item_id for pos, _s in fast["鲸鱼"]] == [90001]  # one character
    monkeypatch.setattr(similarity, "FULL_SCAN_BELOW", 10**9)
    assert {g: idx.score(g) for g in grams} == fast  # worked out afresh, not remembered


def test_one_bigram_prefilter_names_few_titles():
    idx = build()
    common = max(idx._postings, key=lambda g: len(idx._postings[g]))
    assert len(idx._postings[common]) > 1000
    positions = idx._prefilter(common)
    assert positions is not None and len(positions) <= similarity.STAGE_ONE_LIMIT + len(idx._one_char)
    assert idx._prefilter(common, cutoff=50) is None  # a lower cut-off: titles without it may score
