"""Assessment (考核): ranking, a unit's scores explained, manual scoring, adjustments, scorecards.

The fixture session (tests/stats_builders.py) scored on 2026-06-15 with the default cards
(lead: timeliness 20, contact 15, reply quality 35 manual, satisfaction 20, commitments 10;
co: opinion on time 50, opinion quality 50 manual):

U1 item 1: 20 + contact 2 stages 10 + satisfaction 0.7 × 20 = 14 + commitments 10 = 54 of 65 -> 83.08
U1 item 2: 20 (extended) + 1 stage 5 + commitments 0 of 1 due = 25 of 45 -> 55.56
U1 item 3: overdue, no reply, no contact: 0 of 35 -> 0; red slip -2
U2 item 4: nothing judged yet (not due) -> not scored
U2 item 5: 4 days late 10 + 1 stage 5 + no commitment 10 = 25 of 45 -> 55.56 (form expired: pending)
U2 item 8: 20 + 0 + 0.8 × 20 = 16 + 10 = 46 of 65 -> 70.77
U3 co 2: on time 50 of 50 -> 100; co 4: missing 0 of 50 -> 0
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine

from tests.stats_builders import build_fixture_session, slip
from tracker.assessment import services as assessment
from tracker.assessment.models import Criterion, Scorecard
from tracker.assessment.records import Adjustment, ManualScore
from tracker.assignments.models import Assignment
from tracker.audit.models import AuditEntry
from tracker.core.enums import AssignmentStatus, Role
from tracker.core.errors import ValidationFailed

NOON_0615 = dt.datetime(2026, 6, 15, 4, 0, tzinfo=dt.UTC)
U1_MEAN = round((83.08 + 55.56 + 0) / 3, 2)
U2_MEAN = round((55.56 + 70.77) / 2, 2)


@pytest.fixture()
def world(f):
    with time_machine.travel(NOON_0615, tick=False):
        ns = build_fixture_session()
        ns.office = f.office()
        ns.leader = f.user(Role.LEADER)
        ns.handler = f.user(Role.UNIT_HANDLER, ns.u1)
        ns.other_handler = f.user(Role.UNIT_HANDLER, ns.u2)
        ns.admin = f.user(Role.ADMIN)
        ns.submitter = f.user(Role.SUBMITTER)
    return ns


@pytest.fixture(autouse=True)
def at_0615():
    with time_machine.travel(NOON_0615, tick=False):
        yield


def _quality(card_applies_to: str = "lead") -> Criterion:
    card = assessment.default_scorecard(card_applies_to)
    return Criterion.get((Criterion.scorecard == card.id) & (Criterion.method == "manual"))


def test_the_assignment_service_fixes_the_default_scorecard(f):
    unit = f.unit()
    a = f.assign(f.item(), unit)
    assert a.scorecard_id == assessment.default_scorecard("lead").id


def test_session_scores_and_ranking_match_the_hand_computed_figures(world):
    result = assessment.assess_session(world.session.id)
    rows = [(u.rank, u.unit_name, u.item_mean, u.red_slips, u.total) for u in result.units]
    assert rows == [
        (1, "市交通运输局", U2_MEAN, 0, U2_MEAN),
        (2, "市教育局", 50.0, 0, 50.0),
        (3, "市住房和城乡建设局", U1_MEAN, 1, round(U1_MEAN - 2, 2)),
    ]
    u1 = result.unit(world.u1.id)
    scores = {i.facts.item_number: i.score for i in u1.items}
    assert scores == {"1": 83.08, "2": 55.56, "3": 0.0}
    u2 = result.unit(world.u2.id)
    assert {i.facts.item_number: i.score for i in u2.items} == {"4": None, "5": 55.56, "8": 70.77}
    assert len(u2.scored_items) == 2


def test_each_score_explains_itself(world):
    item1 = next(i for i in assessment.assess_session(world.session.id).unit(world.u1.id).items
                 if i.facts.item_number == "1")
    texts = {c.key: c.explanation for c in item1.criteria}
    assert texts["timeliness"] == "答复于 2026-05-20，期限 2026-06-01，按期：20/20"
    assert texts["contact"] == ("办前沟通 2026-04-01（见面）；办中沟通 无记录；办后沟通 2026-05-25（电话）。"
                                "2/3 × 15 = 10/15")
    assert texts["satisfaction"] == ("张代表：工作 满意、结果 满意（1）；李代表：工作 基本满意、结果 不满意（0.4）。"
                                     "平均 0.7 × 20 = 14/20")
    assert texts["commitments"] == "“年内完成改造”期限 2026-06-10，2026-06-05 兑现（按期）。1/1 × 10 = 10/10"
    assert texts["reply_quality"] == "待督查室评分"
    assert item1.explanation == "已评指标满分 65 分，得 54 分，折合百分制 83.08 分（待评：答复质量（格式、逐条答复、分类准确））"


def test_ranking_page(world, login_as):
    page = login_as(world.office).get(f"/assessment?session={world.session.id}").get_data(as_text=True)
    assert page.index("市交通运输局") < page.index("市教育局") < page.index("市住房和城乡建设局")
    assert f"{U1_MEAN:g}" in page and "红单 1 张 × 2 分" in page
    assert f"/assessment/unit/{world.u1.id}?session={world.session.id}" in page
    assert "导出 Excel" in page
    assert login_as(world.leader).get(f"/assessment?session={world.session.id}").status_code == 200


def test_ranking_defaults_to_the_latest_session(world, login_as):
    page = login_as(world.office).get("/assessment").get_data(as_text=True)
    assert "市十七届人大四次会议" in page and "市交通运输局" in page
    assert login_as(world.office).get("/assessment?session=999").status_code == 404


@pytest.mark.parametrize(("who", "status"), [("admin", 403), ("submitter", 403)])
def test_ranking_is_not_for_everyone(world, login_as, who, status):
    assert login_as(getattr(world, who)).get("/assessment").status_code == status


def test_a_unit_sees_its_own_scores_read_only(world, login_as):
    client = login_as(world.handler)
    response = client.get(f"/assessment?session={world.session.id}")
    assert response.status_code == 302
    assert f"/assessment/unit/{world.u1.id}" in response.headers["Location"]
    page = client.get(f"/assessment/unit/{world.u1.id}?session={world.session.id}").get_data(as_text=True)
    assert "答复于 2026-05-20，期限 2026-06-01，按期：20/20" in page
    assert "登记加减分" not in page and "人工评分" not in page
    assert "排名" not in page  # a unit's rank is among all units: not shown to the unit (it read 第 1 名 of 1)
    assert client.get(f"/assessment/unit/{world.u2.id}?session={world.session.id}").status_code == 403
    own = client.get(f"/assessment/assignment/{world.a1.id}")
    assert own.status_code == 200 and "保存评分" not in own.get_data(as_text=True)
    assert client.get(f"/assessment/assignment/{world.a4.id}").status_code == 404
    assert client.post(f"/assessment/assignment/{world.a1.id}",
                       data={f"points_{_quality().id}": "35"}).status_code == 403
    assert ManualScore.select().count() == 0


def test_unit_page_for_the_office(world, login_as):
    page = login_as(world.office).get(f"/assessment/unit/{world.u1.id}?session={world.session.id}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "第 3 名" in text and "登记加减分" in text
    assert "期限 2026-06-20（经批准延期，原期限 2026-06-01）" in text
    assert "期限 2026-06-01 已过，截至 2026-06-15 仍未答复（逾期 14 天）：0/20" in text
    assert "红单 1 张 × 2 分（系统按督办记录自动计算）" in text


def test_office_scores_a_manual_criterion(world, login_as):
    quality = _quality()
    client = login_as(world.office)
    form = client.get(f"/assessment/assignment/{world.a1.id}").get_data(as_text=True)
    assert "答复质量（格式、逐条答复、分类准确）（满分 35 分）" in form
    response = client.post(f"/assessment/assignment/{world.a1.id}",
                           data={f"points_{quality.id}": "30", f"note_{quality.id}": "格式规范，个别问题未逐条答复"})
    assert response.status_code == 302
    row = ManualScore.get()
    assert (row.assignment_id, row.criterion_id, row.points, row.by_id) == (world.a1.id, quality.id, 30, world.office.id)
    entry = AuditEntry.get(AuditEntry.action == "assessment_scored")
    assert entry.after == {"points": 30.0, "note": "格式规范，个别问题未逐条答复"} and entry.item_id == world.i1.id
    assert "“答复质量（格式、逐条答复、分类准确）”评分 30/35" in entry.detail
    page = client.get(f"/assessment/assignment/{world.a1.id}").get_data(as_text=True)
    assert "督查室评分 30/35" in page and "格式规范，个别问题未逐条答复" in page
    assert 'value="30"' in page
    item1 = assessment.item_score(world.a1)
    assert item1.score == 84.0  # 84 of 100
    unit = assessment.assess_session(world.session.id).unit(world.u1.id)
    assert unit.item_mean == round((84 + 55.56 + 0) / 3, 2)
    # scoring again with the same values changes nothing; a blank removes the score
    client.post(f"/assessment/assignment/{world.a1.id}",
                data={f"points_{quality.id}": "30", f"note_{quality.id}": "格式规范，个别问题未逐条答复"})
    assert AuditEntry.select().where(AuditEntry.action == "assessment_scored").count() == 1
    client.post(f"/assessment/assignment/{world.a1.id}", data={f"points_{quality.id}": ""})
    assert ManualScore.select().count() == 0
    assert AuditEntry.select().where(AuditEntry.action == "assessment_scored").count() == 2


@pytest.mark.parametrize(("points", "note", "message"), [
    ("40", "", "分值应在 0 到 35 之间"),
    ("-1", "", "分值应在 0 到 35 之间"),
    ("三十", "", "分值应为数字"),
    ("20", "", "未给满分时请填写评分说明"),
])
def test_bad_manual_scores_keep_the_input_and_change_nothing(world, login_as, points, note, message):
    quality = _quality()
    response = login_as(world.office).post(f"/assessment/assignment/{world.a1.id}",
                                           data={f"points_{quality.id}": points, f"note_{quality.id}": note})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page and f'value="{points}"' in page
    assert ManualScore.select().count() == 0


def test_co_assignments_use_the_co_card(world, login_as):
    quality = _quality("co")
    client = login_as(world.office)
    response = client.post(f"/assessment/assignment/{world.c2.id}",
                           data={f"points_{quality.id}": "45", f"note_{quality.id}": "意见具体"})
    assert response.status_code == 302
    assert assessment.item_score(world.c2).score == 95.0
    lead_quality = _quality()
    with pytest.raises(Exception, match="不是本件考核办法中的人工评分指标"):
        assessment.score_assignment(world.c2, {lead_quality.id: ("10", "x")}, actor=world.office)


def test_leaders_may_not_score(world, login_as):
    quality = _quality()
    client = login_as(world.leader)
    assert client.get(f"/assessment/assignment/{world.a1.id}").status_code == 200
    assert client.post(f"/assessment/assignment/{world.a1.id}",
                       data={f"points_{quality.id}": "35"}).status_code == 403
    assert ManualScore.select().count() == 0


def test_adjustments_and_red_slips_change_the_total(world, login_as):
    client = login_as(world.office)
    url = f"/assessment/unit/{world.u1.id}/adjustments?session={world.session.id}"
    assert client.post(url, data={"kind": "organisational", "points": "5", "reason": "台账规范"}).status_code == 302
    assert client.post(url, data={"kind": "deduction", "points": "1.5", "reason": "通报批评（政办通〔2026〕3号）"}
                       ).status_code == 302
    slip(world.a2, "red", dt.date(2026, 6, 14))
    unit = assessment.assess_session(world.session.id).unit(world.u1.id)
    assert (unit.organisational, unit.deductions, unit.red_slips) == (5, 1.5, 2)
    assert unit.total == round(U1_MEAN + 5 - 1.5 - 4, 2)
    page = client.get(f"/assessment/unit/{world.u1.id}?session={world.session.id}").get_data(as_text=True)
    assert "台账规范" in page and "通报批评（政办通〔2026〕3号）" in page
    adj = Adjustment.get(Adjustment.kind == "deduction")
    response = client.post(f"/assessment/adjustments/{adj.id}/delete")
    assert response.status_code == 302 and Adjustment.select().count() == 1
    assert AuditEntry.select().where(AuditEntry.action == "assessment_adjusted").count() == 3


@pytest.mark.parametrize(("data", "message"), [
    ({"kind": "organisational", "points": "", "reason": "x"}, "分值应为数字"),
    ({"kind": "organisational", "points": "0", "reason": "x"}, "分值应大于 0 且不超过 100"),
    ({"kind": "deduction", "points": "2", "reason": "  "}, "请填写加减分事由"),
])
def test_bad_adjustments_change_nothing(world, login_as, data, message):
    response = login_as(world.office).post(
        f"/assessment/unit/{world.u1.id}/adjustments?session={world.session.id}", data=data)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert Adjustment.select().count() == 0


def test_a_unit_without_items_in_the_session_gets_no_adjustment(world, f, login_as):
    """A deduction for a unit with no items would count nowhere: the page said 已记录加减分 and then
    暂无, the points in no total and no way to revoke them. Now it is refused, and the form not offered."""
    science = f.unit("市科学技术局")
    client = login_as(world.office)
    page = client.get(f"/assessment/unit/{science.id}?session={world.session.id}").get_data(as_text=True)
    assert "本单位在市十七届人大四次会议没有承办任务。" in page and "登记加减分" not in page
    response = client.post(f"/assessment/unit/{science.id}/adjustments?session={world.session.id}",
                           data={"kind": "deduction", "points": "5", "reason": "未报送办理总结"})
    assert response.status_code == 422
    assert "市科学技术局在市十七届人大四次会议没有承办任务，不参加考核，不能登记加减分" in response.get_data(as_text=True)
    assert Adjustment.select().count() == 0
    assert AuditEntry.select().where(AuditEntry.action == "assessment_adjusted").count() == 0
    # the unit's only assignment returned (void): the same
    with pytest.raises(ValidationFailed, match="没有承办任务"):
        assessment.add_adjustment(unit_id=world.u1.id, session_id=f.session(name="闭会期间第一批").id,
                                  kind="organisational", points=2, reason="台账规范", actor=world.office)


def test_an_adjustment_stays_listed_after_the_units_items_are_returned(world, login_as):
    client = login_as(world.office)
    assessment.add_adjustment(unit_id=world.u3.id, session_id=world.session.id, kind="deduction", points=3,
                              reason="通报批评", actor=world.office)
    Assignment.update(status=AssignmentStatus.RETURNED.value).where(Assignment.unit == world.u3.id).execute()
    unit = assessment.assess_session(world.session.id).unit(world.u3.id)
    assert unit is not None and unit.items == [] and unit.deductions == 3 and unit.total is None
    page = client.get(f"/assessment/unit/{world.u3.id}?session={world.session.id}").get_data(as_text=True)
    adj = Adjustment.get()
    assert "通报批评" in page and f"/assessment/adjustments/{adj.id}/delete" in page and "登记加减分" not in page


def test_only_the_office_adjusts(world, login_as):
    response = login_as(world.leader).post(
        f"/assessment/unit/{world.u1.id}/adjustments?session={world.session.id}",
        data={"kind": "organisational", "points": "5", "reason": "x"})
    assert response.status_code == 403 and Adjustment.select().count() == 0


def test_export_xlsx(world, login_as):
    import openpyxl

    response = login_as(world.office).get(f"/assessment/export.xlsx?session={world.session.id}")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["单位排名", "逐件得分", "加减分"]
    ranking = [row for row in book["单位排名"].iter_rows(min_row=4, values_only=True)]
    assert [(r[0], r[1]) for r in ranking] == [(1, "市交通运输局"), (2, "市教育局"), (3, "市住房和城乡建设局")]
    assert ranking[2][8] == pytest.approx(round(U1_MEAN - 2, 2))
    details = list(book["逐件得分"].iter_rows(min_row=2, values_only=True))
    assert ("市住房和城乡建设局", "1", "办理时效", 20, "答复于 2026-05-20，期限 2026-06-01，按期：20/20") in [
        (r[0], r[1], r[5], r[7], r[8]) for r in details]
    assert any(r[7] == "待评" for r in details)
    extra = list(book["加减分"].iter_rows(min_row=2, values_only=True))
    assert extra[0][:3] == ("市住房和城乡建设局", "红单扣分", "−2")
    assert login_as(world.handler).get(f"/assessment/export.xlsx?session={world.session.id}").status_code == 403


# --- scorecards (administrators) -----------------------------------------------------------------


def _card_form(card: Scorecard, rows: list[tuple[str, str, str, str]], **extra) -> dict:
    data = {"name": card.name, "applies_to": card.applies_to, "description": "", "active": "y"}
    if card.is_default:
        data["is_default"] = "y"
    for i, (key, label, weight, method) in enumerate(rows):
        data.update({f"criteria-{i}-key": key, f"criteria-{i}-label": label, f"criteria-{i}-weight": weight,
                     f"criteria-{i}-method": method})
    data.update(extra)
    return data


def test_admin_edits_a_scorecard(world, login_as):
    card = assessment.default_scorecard("lead")
    client = login_as(world.admin)
    listing = client.get("/assessment/scorecards").get_data(as_text=True)
    assert card.name in listing and "答复质量" in listing
    form = client.get(f"/assessment/scorecards/{card.id}").get_data(as_text=True)
    assert 'value="timeliness"' in form and "当前权重合计 100" in form
    rows = [("timeliness", "办理时效", "25", "auto"), ("face_to_face", "见面沟通", "10", "auto"),
            ("reply_quality", "答复质量", "35", "manual"), ("satisfaction", "满意度", "20", "auto"),
            ("commitments", "承诺兑现", "10", "auto"), ("", "", "", "manual")]
    response = client.post(f"/assessment/scorecards/{card.id}", data=_card_form(card, rows))
    assert response.status_code == 302
    assert [(c.key, c.weight) for c in assessment.criteria_of(card)] == [
        ("timeliness", 25), ("face_to_face", 10), ("reply_quality", 35), ("satisfaction", 20), ("commitments", 10)]
    assert AuditEntry.get(AuditEntry.action == "scorecard_changed").before["criteria"][1][0] == "contact"
    item1 = assessment.item_score(world.a1)
    assert [c.key for c in item1.criteria][:2] == ["timeliness", "face_to_face"]
    assert item1.criteria[1].explanation == "见面沟通 2026-04-01（见面）：10/10"


def test_weights_must_sum_to_100_and_a_failed_edit_changes_nothing(world, login_as):
    card = assessment.default_scorecard("lead")
    before = [(c.key, c.weight) for c in assessment.criteria_of(card)]
    rows = [("timeliness", "办理时效", "20", "auto"), ("reply_quality", "答复质量", "70", "manual")]
    response = login_as(world.admin).post(f"/assessment/scorecards/{card.id}", data=_card_form(card, rows))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "各项指标权重之和须为 100（现为 90）" in page and 'value="70"' in page
    assert [(c.key, c.weight) for c in assessment.criteria_of(card)] == before


def test_row_errors_land_on_their_fields(world, login_as):
    card = assessment.default_scorecard("co")
    rows = [("speed", "速度", "50", "auto"), ("opinion_quality", "质量", "50", "manual")]
    response = login_as(world.admin).post(f"/assessment/scorecards/{card.id}", data=_card_form(card, rows))
    assert response.status_code == 422
    assert "自动评分指标须从系统提供的指标中选择" in response.get_data(as_text=True)


def test_a_scored_criterion_cannot_be_deleted(world, login_as):
    quality = _quality()
    assessment.score_assignment(world.a1, {quality.id: ("35", "")}, actor=world.office)
    card = assessment.default_scorecard("lead")
    rows = [("timeliness", "办理时效", "55", "auto"), ("contact", "沟通", "15", "auto"),
            ("satisfaction", "满意度", "20", "auto"), ("commitments", "承诺", "10", "auto")]
    response = login_as(world.admin).post(f"/assessment/scorecards/{card.id}", data=_card_form(card, rows))
    assert response.status_code == 422
    assert "已有评分记录，不能删除" in response.get_data(as_text=True)
    assert Criterion.get_or_none(Criterion.id == quality.id) is not None


def test_admin_creates_a_new_default_card(world, login_as):
    client = login_as(world.admin)
    data = {"name": "重点件考核（主办）", "applies_to": "lead", "active": "y", "is_default": "y",
            "criteria-0-key": "timeliness", "criteria-0-label": "时效", "criteria-0-weight": "50",
            "criteria-0-method": "auto", "criteria-1-key": "quality", "criteria-1-label": "质量",
            "criteria-1-weight": "50", "criteria-1-method": "manual"}
    assert client.post("/assessment/scorecards/new", data=data).status_code == 302
    new = Scorecard.get(Scorecard.name == "重点件考核（主办）")
    assert new.is_default and assessment.default_scorecard("lead").id == new.id
    assert Scorecard.select().where((Scorecard.applies_to == "lead") & (Scorecard.is_default == True)).count() == 1  # noqa: E712
    duplicate = client.post("/assessment/scorecards/new", data=data)
    assert duplicate.status_code == 422 and "已存在" in duplicate.get_data(as_text=True)


def test_red_slip_points_setting(world, login_as):
    client = login_as(world.admin)
    assert client.post("/assessment/scorecards/red-slip", data={"red_slip_points": "3"}).status_code == 302
    assert assessment.red_slip_points() == 3
    assert assessment.assess_session(world.session.id).unit(world.u1.id).total == round(U1_MEAN - 3, 2)
    bad = client.post("/assessment/scorecards/red-slip", data={"red_slip_points": "很多"})
    assert bad.status_code == 422 and "每张红单扣分应为数字" in bad.get_data(as_text=True)
    assert assessment.red_slip_points() == 3


@pytest.mark.parametrize("who", ["office", "leader", "handler"])
def test_only_administrators_edit_scorecards(world, login_as, who):
    card = assessment.default_scorecard("lead")
    client = login_as(getattr(world, who))
    assert client.get("/assessment/scorecards").status_code == 403
    assert client.post(f"/assessment/scorecards/{card.id}", data=_card_form(card, [])).status_code == 403


def test_ranking_per_year_covers_every_session_of_the_year(world, f, login_as):
    from tests.stats_builders import assignment, item, reply

    cppcc = f.session(body="cppcc", name="市政协十四届四次会议", year=2026)
    proposal = item(cppcc, "1", kind="proposal")
    a = assignment(proposal, world.u1, assigned_on=dt.date(2026, 3, 1), reply_due=dt.date(2026, 6, 1))
    reply(a, dt.date(2026, 5, 1))  # on time 20, no contact 0, no commitment 10: 30 of 45 -> 66.67
    assessment.add_adjustment(unit_id=world.u1.id, session_id=cppcc.id, kind="organisational", points=3,
                              reason="提案办理总结按时报送", actor=world.office)
    year = assessment.assess_year(2026)
    u1 = year.unit(world.u1.id)
    assert len(u1.items) == 4 and u1.organisational == 3
    assert u1.item_mean == round((83.08 + 55.56 + 0 + 66.67) / 4, 2)
    assert year.label == "2026 年度全部会次" and year.scope_args == {"year": 2026}
    assert assessment.assess_session(world.session.id).unit(world.u1.id).organisational == 0
    client = login_as(world.office)
    page = client.get("/assessment?year=2026").get_data(as_text=True)
    assert "2026 年度全部会次" in page and f"/assessment/unit/{world.u1.id}?year=2026" in page
    unit_page = client.get(f"/assessment/unit/{world.u1.id}?year=2026").get_data(as_text=True)
    assert "提案办理总结按时报送" in unit_page and "登记加减分" not in unit_page
    export = client.get("/assessment/export.xlsx?year=2026")
    assert export.status_code == 200 and "assessment_year2026.xlsx" in export.headers["Content-Disposition"]
    assert client.get("/assessment?year=1999").status_code == 404
    assert client.get("/assessment?year=abc").status_code == 404
