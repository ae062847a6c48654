"""Assessment rules (pure): each criterion's points and the explanation naming its records."""

from __future__ import annotations

import datetime as dt

import pytest

from tracker.assessment import scoring
from tracker.assessment.scoring import AdjustmentFact, CriterionSpec, ManualEntry
from tracker.ledger.stats import AssignmentFacts, CommitmentFact, ContactFact, FormFact, SlipFact

D = dt.date
TODAY = D(2026, 6, 15)
LEAD_CARD = [
    CriterionSpec("timeliness", "办理时效", 20, "auto", 1),
    CriterionSpec("contact", "沟通联系", 15, "auto", 2),
    CriterionSpec("reply_quality", "答复质量", 35, "manual", 3),
    CriterionSpec("satisfaction", "满意度", 20, "auto", 4),
    CriterionSpec("commitments", "承诺兑现", 10, "auto", 5),
]
CO_CARD = [CriterionSpec("opinion_on_time", "会办意见按时提交", 50, "auto", 6),
           CriterionSpec("opinion_quality", "会办意见质量", 50, "manual", 7)]


def fact(**kw) -> AssignmentFacts:
    base = dict(assignment_id=kw.pop("aid", 1), item_id=1, item_number="1", item_title="建议", session_id=1,
                kind="suggestion", tier="department", unit_id=kw.pop("unit_id", 1),
                unit_name=kw.pop("unit_name", "市住建局"), role="sole", status="handling",
                assigned_on=D(2026, 3, 1), due_on=D(2026, 3, 10), current_due=D(2026, 3, 10))
    base.update(kw)
    return AssignmentFacts(**base)


@pytest.mark.parametrize(("kw", "points", "text"), [
    ({"replied_on": D(2026, 3, 2)}, 20, "答复于 2026-03-02，期限 2026-03-10，按期：20/20"),
    ({"replied_on": D(2026, 3, 10)}, 20, "答复于 2026-03-10，期限 2026-03-10，按期：20/20"),
    ({"replied_on": D(2026, 3, 15)}, 10,
     "答复于 2026-03-15，期限 2026-03-10，逾期 5 天（10 天以内得一半）：10/20"),
    ({"replied_on": D(2026, 3, 21)}, 0,
     "答复于 2026-03-21，期限 2026-03-10，逾期 11 天（超过 10 天不得分）：0/20"),
    ({"replied_on": D(2026, 3, 25), "due_on": D(2026, 3, 31), "original_due": D(2026, 3, 10)}, 20,
     "答复于 2026-03-25，期限 2026-03-31（经批准延期，原期限 2026-03-10），按期：20/20"),
    ({}, 0, "期限 2026-03-10 已过，截至 2026-06-15 仍未答复（逾期 97 天）：0/20"),
    ({"due_on": D(2026, 7, 1)}, None, "期限 2026-07-01，尚未答复，未到期：待评"),
])
def test_timeliness(kw, points, text):
    assert scoring.timeliness(fact(**kw), 20, TODAY) == (points, text)


def test_contact_thirds_per_stage_and_pending_before_the_reply():
    contacts = (ContactFact(D(2026, 3, 3), "meeting", "before", True), ContactFact(D(2026, 3, 4), "phone", "before"),
                ContactFact(D(2026, 3, 20), "phone", "after"))
    points, text = scoring.contact(fact(replied_on=D(2026, 3, 9), contacts=contacts), 15, TODAY)
    assert points == 10
    assert text == ("办前沟通 2026-03-03（见面）、2026-03-04（电话）；办中沟通 无记录；"
                    "办后沟通 2026-03-20（电话）。2/3 × 15 = 10/15")
    points, text = scoring.contact(fact(due_on=D(2026, 7, 1), contacts=contacts[:1]), 15, TODAY)
    assert points is None and text.endswith("尚未答复：待评")
    assert scoring.contact(fact(), 15, TODAY)[0] == 0  # overdue without any contact


def test_face_to_face():
    meeting = (ContactFact(D(2026, 3, 3), "meeting", "before", True),)
    assert scoring.face_to_face(fact(replied_on=D(2026, 3, 9), contacts=meeting), 10, TODAY) == (
        10.0, "见面沟通 2026-03-03（见面）：10/10")
    visit = (ContactFact(D(2026, 3, 4), "visit", "during", True),)  # a visit, where the setting counts it
    assert scoring.face_to_face(fact(replied_on=D(2026, 3, 9), contacts=visit), 10, TODAY) == (
        10.0, "见面沟通 2026-03-04（走访）：10/10")
    assert scoring.face_to_face(fact(replied_on=D(2026, 3, 9)), 10, TODAY) == (0.0, "答复前无见面沟通记录：0/10")
    assert scoring.face_to_face(fact(due_on=D(2026, 7, 1)), 10, TODAY)[0] is None


def test_satisfaction_averages_both_dimensions_over_forms():
    forms = (FormFact("张代表", "satisfied", "satisfied"), FormFact("李代表", "basically_satisfied", "dissatisfied"),
             FormFact("王代表", "no_opinion", "no_opinion"))
    points, text = scoring.satisfaction(fact(replied_on=D(2026, 3, 9), forms=forms), 20, TODAY)
    assert points == pytest.approx(14)
    assert text == ("张代表：工作 满意、结果 满意（1）；李代表：工作 基本满意、结果 不满意（0.4）；"
                    "王代表：工作 未表态、结果 未表态（未表态，不计）。平均 0.7 × 20 = 14/20")
    assert scoring.satisfaction(fact(replied_on=D(2026, 3, 9)), 20, TODAY) == (None, "暂无有效测评意见：待评")


def test_commitments():
    replied = {"replied_on": D(2026, 3, 9)}
    assert scoring.commitments(fact(**replied), 10, TODAY) == (10.0, "答复无承诺事项：10/10")
    assert scoring.commitments(fact(), 10, TODAY) == (None, "尚未答复：待评")
    items = (CommitmentFact(1, "建成电梯", D(2026, 5, 1), "kept", D(2026, 4, 30)),
             CommitmentFact(2, "出台办法", D(2026, 5, 1), "kept", D(2026, 5, 9)),
             CommitmentFact(3, "完成改造", D(2026, 6, 1), "open"),
             CommitmentFact(4, "年底前验收", D(2026, 12, 31), "open"))
    points, text = scoring.commitments(fact(commitments=items, **replied), 10, TODAY)
    assert points == pytest.approx(5)
    assert text == ("“建成电梯”期限 2026-05-01，2026-04-30 兑现（按期）；"
                    "“出台办法”期限 2026-05-01，2026-05-09 兑现（逾期，计一半）；"
                    "“完成改造”期限 2026-06-01，未兑现；“年底前验收”期限 2026-12-31，未到期。"
                    "1.5/3 × 10 = 5/10")
    points, text = scoring.commitments(fact(commitments=items[3:], **replied), 10, TODAY)
    assert points is None and text.endswith("承诺事项均未到期：待评")


@pytest.mark.parametrize(("kw", "points", "text"), [
    ({"opinion_on": D(2026, 3, 8)}, 50, "会办意见提交于 2026-03-08，期限 2026-03-10，按期：50/50"),
    ({"opinion_on": D(2026, 3, 12)}, 25,
     "会办意见提交于 2026-03-12，期限 2026-03-10，逾期 2 天（10 天以内得一半）：25/50"),
    ({}, 0, "会办意见期限 2026-03-10 已过，截至 2026-06-15 未提交（逾期 97 天）：0/50"),
    ({"due_on": D(2026, 7, 1)}, None, "会办意见期限 2026-07-01，尚未提交，未到期：待评"),
])
def test_opinion_on_time(kw, points, text):
    assert scoring.opinion_on_time(fact(role="co", **kw), 50, TODAY) == (points, text)


def test_manual_criterion_uses_the_office_score_and_says_who():
    spec = LEAD_CARD[2]
    assert scoring.manual(spec, None) == (None, "待督查室评分")
    entry = ManualEntry(30, "格式规范，个别问题未逐条答复", "张科长", D(2026, 6, 1))
    assert scoring.manual(spec, entry) == (30.0, "督查室评分 30/35（张科长、2026-06-01）：格式规范，个别问题未逐条答复")


def test_an_item_scores_out_of_100_over_the_criteria_judged_so_far():
    f = fact(replied_on=D(2026, 3, 9), contacts=(ContactFact(D(2026, 3, 3), "meeting", "before", True),))
    item = scoring.score_item(f, "主办考核", LEAD_CARD, TODAY)
    # timeliness 20/20, contact 5/15, quality pending, satisfaction pending, commitments 10/10
    assert [c.points for c in item.criteria] == [20, 5, None, None, 10]
    assert (item.earned, item.possible, item.full) == (35, 45, 100)
    assert item.score == pytest.approx(77.78)
    assert item.explanation == "已评指标满分 45 分，得 35 分，折合百分制 77.78 分（待评：答复质量、满意度）"
    scored = scoring.score_item(f, "主办考核", LEAD_CARD, TODAY, {3: ManualEntry(35), 4: ManualEntry(1)})
    assert scored.criteria[2].points == 35 and scored.possible == 80
    nothing = scoring.score_item(fact(due_on=D(2026, 7, 1)), "主办考核", LEAD_CARD, TODAY)
    assert nothing.score is None and nothing.explanation == "各项指标均待评，暂不计分"


def test_an_unknown_automatic_criterion_is_not_scored_and_says_so():
    spec = CriterionSpec("speed", "速度", 10, "auto")
    result = scoring.score_criterion(spec, fact(), TODAY)
    assert result.pending and "未知的自动指标" in result.explanation


def test_unit_scores_mean_plus_organisational_minus_deductions_and_red_slips():
    def item(aid, unit_id, name, replied_on, slips=()):
        f = fact(aid=aid, unit_id=unit_id, unit_name=name, replied_on=replied_on, slips=slips)
        return scoring.score_item(f, "卡", LEAD_CARD[:1], TODAY)

    items = [
        item(1, 1, "甲局", D(2026, 3, 9)),  # 100
        item(2, 1, "甲局", D(2026, 3, 15), slips=(SlipFact("red", D(2026, 3, 14)), SlipFact("blue", D(2026, 3, 11)))),
        item(3, 2, "乙局", D(2026, 3, 9)),  # 100
        item(4, 3, "丙局", D(2026, 3, 9)),  # 100
    ]
    adjustments = [AdjustmentFact(1, 1, "organisational", 5, "台账规范"), AdjustmentFact(2, 3, "deduction", 2.5, "通报")]
    ranking = scoring.unit_scores(items, adjustments, red_slip_points=2, units=[(4, "丁局")])
    rows = [(u.rank, u.unit_name, u.item_mean, u.total) for u in ranking]
    # 甲局: on time 100 and 5 days late 50 -> mean 75, +5 organisational, -2 for its red slip
    assert rows == [(1, "乙局", 100.0, 100.0), (2, "丙局", 100.0, 97.5), (3, "甲局", 75.0, 78.0),
                    (None, "丁局", None, None)]
    first = next(u for u in ranking if u.unit_name == "甲局")
    assert first.red_slips == 1 and first.red_slip_deduction == 2
    assert first.explanation == "2 件平均 75 分 + 组织工作 5 分 − 红单 1 张 × 2 分 = 78 分"
    third = next(u for u in ranking if u.unit_name == "丙局")
    assert third.explanation == "1 件平均 100 分 − 扣分 2.5 分 = 97.5 分"
    assert ranking[-1].explanation == "暂无可评分的件，不参加排名"


def test_equal_totals_share_a_rank():
    items = [scoring.score_item(fact(aid=i, unit_id=i, unit_name=n, replied_on=D(2026, 3, 9)), "卡", LEAD_CARD[:1], TODAY)
             for i, n in ((1, "甲局"), (2, "乙局"), (3, "丙局"))]
    items.append(scoring.score_item(fact(aid=4, unit_id=4, unit_name="丁局", replied_on=D(2026, 3, 30)), "卡",
                                    LEAD_CARD[:1], TODAY))
    assert [(u.rank, u.unit_name) for u in scoring.unit_scores(items)] == [
        (1, "丙局"), (1, "乙局"), (1, "甲局"), (4, "丁局")]


@pytest.mark.parametrize(("rows", "applies_to", "expected"), [
    ([{"key": "timeliness", "label": "时效", "weight": "60", "method": "auto"},
      {"key": "quality", "label": "质量", "weight": "40", "method": "manual"}], "lead", {}),
    ([{"key": "timeliness", "label": "时效", "weight": "60", "method": "auto"},
      {"key": "quality", "label": "质量", "weight": "30", "method": "manual"}], "lead",
     {"criteria": "各项指标权重之和须为 100（现为 90）"}),
    ([{"key": "speed", "label": "速度", "weight": "100", "method": "auto"}], "lead",
     {"criteria-0-key": "自动评分指标须从系统提供的指标中选择"}),
    ([{"key": "opinion_on_time", "label": "按时", "weight": "100", "method": "auto"}], "lead",
     {"criteria-0-key": "“会办意见按时提交”不适用于主办考核办法"}),
    ([{"key": "质量", "label": "质量", "weight": "100", "method": "manual"}], "co",
     {"criteria-0-key": "人工指标代码只能使用英文字母、数字和下划线"}),
    ([{"key": "a", "label": "甲", "weight": "50", "method": "manual"},
      {"key": "", "label": "", "weight": "", "method": "manual"},
      {"key": "a", "label": "乙", "weight": "50", "method": "manual"}], "co",
     {"criteria-2-key": "指标代码“a”重复"}),
    ([{"key": "a", "label": "", "weight": "十", "method": "manual"}], "co", {"criteria-0-weight": "权重应为整数"}),
    ([{"key": "a", "label": "", "weight": "100", "method": "manual"}], "co", {"criteria-0-label": "请填写指标名称"}),
    ([{"key": "a", "label": "甲", "weight": "0", "method": "manual"}], "co", {"criteria-0-weight": "权重应大于 0"}),
    ([{"key": "", "label": "", "weight": "", "method": "manual"}], "co", {"criteria": "请至少设置一项考核指标"}),
])
def test_validate_criteria(rows, applies_to, expected):
    assert scoring.validate_criteria(rows, applies_to) == expected


def test_fmt():
    assert [scoring.fmt(x) for x in (12.0, 12.5, 12.345, 0.0, -0.001)] == ["12", "12.5", "12.35", "0", "0"]


def test_a_units_items_are_listed_by_session_then_number_as_the_ledger_reads_them():
    """The unit's page and the export's 逐件得分 sheet listed 1, 10, 104, 11, 2 (text order)."""
    items = [scoring.score_item(fact(aid=i, item_number=n, session_id=s), "主办", LEAD_CARD, TODAY)
             for i, (s, n) in enumerate([(1, "10"), (1, "104"), (2, "3"), (1, "2"), (1, "11"), (1, "1")], start=1)]
    (unit,) = scoring.unit_scores(items)
    assert [(i.facts.session_id, i.facts.item_number) for i in unit.items] == [
        (1, "1"), (1, "2"), (1, "10"), (1, "11"), (1, "104"), (2, "3")]
