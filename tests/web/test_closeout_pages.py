"""Pages: feedback online and on paper, re-handling, commitments, close-out, merging, reconciliation."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from tests.closeout_support import replied_item, send_reply
from tests.xlsx import sheet_bytes
from tracker.core import clock
from tracker.core.enums import Role
from tracker.items import similarity
from tracker.items.models import Item, Submitter
from tracker.replies import closeout
from tracker.replies.models import Commitment, Feedback

SAT = {"work": "satisfied", "result": "satisfied", "adoption": "adopted"}


def html(response) -> str:
    return response.get_data(as_text=True)


def fb_form(submitter_id, **values) -> dict:
    data = {"fb-submitter_id": str(submitter_id), "fb-contacted": "", "fb-contact_method": "", "fb-comment": ""}
    data.update({f"fb-{k}": v for k, v in values.items()})
    return data


def sub_id(item, name) -> int:
    return Submitter.get((Submitter.item == item.id) & (Submitter.name == name)).id


@pytest.fixture(autouse=True)
def _fresh_index():
    similarity.invalidate()


def test_submitter_rates_online_from_the_item_page(client, login_as, f):
    s = replied_item(names=("张代表", "李代表"))
    _, zhang = s.people["张代表"]
    login_as(zhang)
    page = html(client.get(f"/items/{s.item.id}"))
    assert "征询意见（满意度测评）" in page and "评价本轮答复" in page
    assert "李代表" not in page.split('id="feedback"')[1].split("</section>")[0]  # only their own row
    assert "对账销号" not in page and "“3+1”办理清单" not in page
    r = client.post(f"/items/{s.item.id}/feedback",
                    data=fb_form(sub_id(s.item, "张代表"), contacted="yes", contact_method="meeting",
                                 comment="办理认真", **SAT))
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/items/{s.item.id}#feedback")
    fb = Feedback.get()
    assert (fb.source, fb.contacted, fb.contact_method, fb.comment) == ("online", True, "meeting", "办理认真")
    page = html(client.get(f"/items/{s.item.id}/closeout"))
    assert "网上反馈" in page and "办理认真" in page and "评价本轮答复" not in page
    # trying to rate as the co-signer is refused
    r = client.post(f"/items/{s.item.id}/feedback", data=fb_form(sub_id(s.item, "李代表"), **SAT))
    assert r.status_code == 403
    assert Feedback.select().count() == 1


def test_co_signers_do_not_read_one_anothers_ratings_in_the_timeline(client, login_as, f):
    s = replied_item(names=("张代表", "李代表"))
    for name, comment in (("张代表", "张的意见"), ("李代表", "李的意见")):
        login_as(s.people[name][1])
        data = fb_form(sub_id(s.item, name), comment=comment, work="satisfied", result="dissatisfied",
                       adoption="adopted")
        assert client.post(f"/items/{s.item.id}/feedback", data=data).status_code == 302

    def timeline(page: str) -> str:
        return page.split('id="h-timeline"', 1)[1]

    login_as(s.people["张代表"][1])
    page = timeline(html(client.get(f"/items/{s.item.id}")))
    assert "张代表（网上反馈）评价第 1 轮答复" in page and "李代表（网上反馈）" not in page
    login_as(s.people["李代表"][1])
    page = timeline(html(client.get(f"/items/{s.item.id}")))
    assert "李代表（网上反馈）评价第 1 轮答复" in page and "张代表（网上反馈）" not in page
    login_as(s.handler)  # the unit reads every rating
    page = timeline(html(client.get(f"/items/{s.item.id}")))
    assert "张代表（网上反馈）" in page and "李代表（网上反馈）" in page


def test_a_submitter_cannot_reach_another_submitters_item(client, login_as, f):
    s = replied_item(names=("张代表",))
    other = replied_item(names=("赵代表",), unit_name="市教育局")
    login_as(s.people["张代表"][1])
    assert client.get(f"/items/{other.item.id}/closeout").status_code == 404
    r = client.post(f"/items/{other.item.id}/feedback", data=fb_form(sub_id(other.item, "赵代表"), **SAT))
    assert r.status_code == 404
    assert Feedback.select().count() == 0


def test_office_enters_a_paper_form_and_keeps_input_on_errors(client, login_as, f):
    s = replied_item(names=("张代表", "李代表"))
    login_as(s.office)
    page = html(client.get(f"/items/{s.item.id}/closeout"))
    assert "录入纸质征询意见表" in page
    r = client.post(f"/items/{s.item.id}/feedback",
                    data=fb_form(sub_id(s.item, "李代表"), work="dissatisfied", result="dissatisfied",
                                 adoption="", comment="道路仍未修好"))
    assert r.status_code == 422
    page = html(r)
    assert "请选择采纳情况" in page and "道路仍未修好" in page
    assert Feedback.select().count() == 0
    no_rater = client.post(f"/items/{s.item.id}/feedback", data=fb_form("", comment="道路仍未修好", **SAT))
    assert no_rater.status_code == 422
    assert '<details class="mt-2" id="feedback-form" open>' in html(no_rater)  # the refused form stays open
    assert "道路仍未修好" in html(no_rater)
    r = client.post(f"/items/{s.item.id}/feedback",
                    data=fb_form(sub_id(s.item, "李代表"), work="dissatisfied", result="dissatisfied",
                                 adoption="not_adopted", comment="道路仍未修好"))
    assert r.status_code == 302
    fb = Feedback.get()
    assert (fb.source, fb.entered_by_id, fb.submitter.name) == ("paper", s.office.id, "李代表")
    r = client.post(f"/items/{s.item.id}/feedback",
                    data=fb_form(sub_id(s.item, "李代表"), adoption="adopted", **{"work": "satisfied",
                                                                               "result": "satisfied"}))
    assert r.status_code == 409 and "李代表已对本轮答复作出评价，不能重复提交" in html(r)


def test_dissatisfied_rehandle_from_the_page(client, login_as, f):
    s = replied_item()
    closeout.give_feedback(s.item, actor=s.people["张代表"][1], work="dissatisfied", result="dissatisfied",
                           adoption="not_adopted", comment="未解决")
    login_as(s.office)
    page = html(client.get(f"/items/{s.item.id}/closeout"))
    assert "提出人对答复不满意" in page and "要求重新办理" in page and "不重新办理，作出决定" in page
    r = client.post(f"/items/{s.item.id}/rehandle", data={"rh-reason": "", "rh-reply_due": ""})
    assert r.status_code == 422 and "请填写重新办理的理由" in html(r)
    r = client.post(f"/items/{s.item.id}/rehandle", data={"rh-reason": "请再研究", "rh-reply_due": ""})
    assert r.status_code == 302
    assert s.a().status == "rehandling" and s.a().round == 2
    login_as(s.handler)
    page = html(client.get(f"/items/{s.item.id}/closeout"))
    assert "第 1 轮答复的评价" in page and "未解决" in page and "正在重新办理" in page
    # the item page shows the re-handling date with its own reason, not the first round's cap beside it
    office_page = html(login_as(s.office).get(f"/items/{s.item.id}"))
    dates = office_page.split("<dt>重办</dt>", 1)[1].split("</dl>", 1)[0]
    assert "不受首轮答复最长期限限制" in dates and "<dt>最长</dt>" not in dates


def test_close_out_page_lists_unmet_conditions_and_closes(client, login_as, f):
    s = replied_item(send=False)
    login_as(s.office)
    page = html(client.get(f"/items/{s.item.id}/closeout"))
    assert "尚不具备销号条件" in page and f"{s.unit.name}尚未发送答复" in page
    assert "销号（条件未满足）" in page
    r = client.post(f"/items/{s.item.id}/close", data={"close-note": "想销号"})
    assert r.status_code == 409
    page = html(r)
    assert f"{s.unit.name}尚未发送答复" in page and "尚未收到张代表的反馈意见" in page
    assert Item.get_by_id(s.item.id).status == "in_progress"
    send_reply(s.a())
    closeout.give_feedback(s.item, actor=s.office, submitter_name="张代表", **SAT)
    page = html(client.get(f"/items/{s.item.id}/closeout"))
    assert "销号条件均已满足" in page and "“3+1”清单未完成" in page
    r = client.post(f"/items/{s.item.id}/close", data={"close-note": "对账无误"})
    assert r.status_code == 302
    assert Item.get_by_id(s.item.id).status == "closed"
    page = html(client.get(f"/items/{s.item.id}/closeout"))
    assert "已销号的件只读" in page and "归档" in page
    r = client.post(f"/items/{s.item.id}/feedback", data=fb_form(sub_id(s.item, "张代表"), **SAT))
    assert r.status_code == 409 and "该件已销号，不能再修改" in html(r)
    assert client.post(f"/items/{s.item.id}/archive").status_code == 302
    assert Item.get_by_id(s.item.id).status == "archived"


def test_item_page_shows_the_panel_for_the_office(client, login_as, f):
    s = replied_item(tier="leader_led")
    login_as(s.office)
    page = html(client.get(f"/items/{s.item.id}"))
    assert "对账销号" in page and "“3+1”办理清单" in page and "与代表委员当面沟通" in page
    assert "尚未收到张代表的反馈意见" in page


def test_commitments_page_for_units_and_the_office(client, login_as, f):
    today = clock.today()
    s1 = replied_item(commitments=[("年内建成口袋公园", today - dt.timedelta(days=5))])
    s2 = replied_item(commitments=[("完成学校改造", today + dt.timedelta(days=30))], unit_name="市教育局")
    login_as(s1.handler)
    page = html(client.get("/commitments"))
    assert "年内建成口袋公园" in page and "完成学校改造" not in page
    assert "row-overdue" in page and "逾期 5 天" in page and "登记兑现" in page
    c = Commitment.get(Commitment.text == "年内建成口袋公园")
    r = client.post(f"/commitments/{c.id}/fulfil", data={f"cf{c.id}-evidence": "", "next": "/commitments"})
    assert r.status_code == 422 and "请填写兑现情况及佐证" in html(r)
    r = client.post(f"/commitments/{c.id}/fulfil",
                    data={f"cf{c.id}-evidence": "公园已开放", f"cf{c.id}-fulfilled_on": "", "next": "/commitments"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/commitments")
    assert Commitment.get_by_id(c.id).status == "kept"
    other = Commitment.get(Commitment.text == "完成学校改造")
    assert client.post(f"/commitments/{other.id}/fulfil", data={f"cf{other.id}-evidence": "x"}).status_code == 404
    login_as(s1.office)
    page = html(client.get("/commitments"))  # by default the commitments still followed up
    assert "完成学校改造" in page and "年内建成口袋公园" not in page and "年末结转" in page
    page = html(client.get("/commitments?status="))  # every status
    assert "年内建成口袋公园" in page and "完成学校改造" in page
    page = html(client.get(f"/commitments?unit_id={s2.unit.id}"))
    assert "完成学校改造" in page and "年内建成口袋公园" not in page
    page = html(client.get("/commitments?status=kept"))
    assert "年内建成口袋公园" in page and "完成学校改造" not in page
    login_as(s1.people["张代表"][1])
    assert client.get("/commitments").status_code == 403



def test_the_reconciliation_index_shows_how_far_each_sessions_ledger_is_crossed_off(client, login_as, f):
    busy, empty = f.session(name="市十七届人大四次会议"), f.session(name="市政协十四届四次会议", body="cppcc")
    items = [f.item(session=busy, number=str(n)) for n in range(1, 6)]
    Item.update(status="closed").where(Item.id == items[0].id).execute()
    Item.update(status="archived").where(Item.id == items[1].id).execute()
    Item.update(status="merged").where(Item.id == items[2].id).execute()  # counted in the item it joined
    login_as(f.office())
    page = html(client.get("/reconcile"))
    row = page.split("市十七届人大四次会议", 1)[1].split("</a>", 1)[0]
    assert "已销号 2 / 4 件" in row and '<progress class="tally' in row and 'value="2" max="4"' in row
    assert "尚无件" in page.split("市政协十四届四次会议", 1)[1].split("</a>", 1)[0]
    assert f'href="/sessions/{empty.id}/reconcile"' in page


def test_reconciliation_page_with_an_uploaded_list_and_pasted_numbers(client, login_as, f):
    s = replied_item(number="1")
    for n in ("2", "3"):
        f.item(session=s.item.session, number=n)
    login_as(s.office)
    page = html(client.get(f"/sessions/{s.item.session.id}/reconcile"))
    assert "本会次各状态件数" in page and "尚不能销号的件及原因" in page
    data = {"file": (io.BytesIO(sheet_bytes([["建议号", "标题"], [1, "甲"], [2, "乙"], [4, "丁"]])), "list.xlsx"),
            "numbers": ""}
    r = client.post(f"/sessions/{s.item.session.id}/reconcile", data=data, content_type="multipart/form-data")
    page = html(r)
    assert r.status_code == 200 and "不一致" in page
    assert "仅清单有、本系统没有的案号（1）" in page and "仅本系统有、清单没有的件（1）" in page
    r = client.post(f"/sessions/{s.item.session.id}/reconcile", data={"numbers": "1-3"})
    assert "一致" in html(r) and "不一致" not in html(r)
    bad = {"file": (io.BytesIO(b"not an excel file"), "list.xlsx"), "numbers": ""}
    r = client.post(f"/sessions/{s.item.session.id}/reconcile", data=bad, content_type="multipart/form-data")
    assert r.status_code == 422
    login_as(s.handler)
    assert client.get(f"/sessions/{s.item.session.id}/reconcile").status_code == 403


def test_merge_and_unmerge_from_the_pages(client, login_as, f):
    s = replied_item(send=False, title="关于加快老旧小区加装电梯的建议")
    child = f.item(session=s.item.session, title="关于推进老旧小区加装电梯工作的建议",
                   submitters=[{"name": "孙委员", "role": "lead"}])
    login_as(s.office)
    page = html(client.get(f"/items/{child.id}/closeout"))
    assert "可能重复或相似的件" in page and "本件并入该件" in page
    r = client.get(f"/items/{child.id}/similar")
    assert r.get_json()["items"][0]["id"] == s.item.id
    r = client.get("/items/similar", query_string={"title": "关于推进老旧小区加装电梯的建议",
                                                   "session_id": s.item.session.id})
    assert [x["id"] for x in r.get_json()["items"]][:2] and s.item.id in [x["id"] for x in r.get_json()["items"]]
    r = client.post(f"/items/{child.id}/merge", data={"mg-parent_number": "", "mg-note": ""})
    assert r.status_code == 422 and "请填写主件案号" in html(r)
    r = client.post(f"/items/{child.id}/merge", data={"mg-parent_id": str(s.item.id)})
    assert r.status_code == 302
    assert Item.get_by_id(child.id).status == "merged"
    page = html(client.get(f"/items/{child.id}/closeout"))
    assert "本件已并入" in page and "撤销并案" in page
    page = html(client.get(f"/items/{s.item.id}/closeout"))
    assert "并入本件办理的件" in page
    r = client.post(f"/items/{child.id}/unmerge", data={f"um{child.id}-reason": "误并"})
    assert r.status_code == 302 and Item.get_by_id(child.id).status == "registered"
    login_as(s.handler)
    assert client.get(f"/items/{s.item.id}/similar").status_code == 403


def test_similar_items_offer_no_merge_into_an_answered_item(client, login_as, f):
    s = replied_item(title="关于加快老旧小区加装电梯的建议")
    child = f.item(session=s.item.session, title="关于推进老旧小区加装电梯工作的建议",
                   submitters=[{"name": "孙委员", "role": "lead"}])
    login_as(s.office)
    page = html(client.get(f"/items/{child.id}/closeout"))
    assert "可能重复或相似的件" in page and "本件并入该件" not in page
    page = html(client.get(f"/items/{s.item.id}/closeout"))
    assert "可能重复或相似的件" in page and "该件并入本件" not in page
    r = client.post(f"/items/{child.id}/merge", data={"mg-parent_id": str(s.item.id)})
    assert r.status_code == 409 and "已由" in html(r) and "不能再并入" in html(r)
    assert Item.get_by_id(child.id).status == "registered"


def test_the_office_desk_lists_closeout_queues(client, login_as, f):
    s = replied_item(names=("张代表",))
    ready = replied_item(names=("钱代表",), unit_name="市教育局")
    closeout.give_feedback(ready.item, actor=ready.office, submitter_name="钱代表", **SAT)
    late = replied_item(names=("周代表",), unit_name="市民政局", sent_on=clock.today() - dt.timedelta(days=40))
    login_as(s.office)
    page = html(client.get("/desk"))
    assert "征询意见与销号" in page
    assert f"{late.item.number}号" in page and "记为未表态" in page
    r = client.post(f"/items/{late.item.id}/feedback/expire", data={"next": "/desk"})
    assert r.status_code == 302
    assert Feedback.get(Feedback.item == late.item.id).source == "window_expired"
    r = client.post(f"/items/{s.item.id}/feedback/expire", data={})
    assert r.status_code == 409 and "征询期尚未届满" in html(r)
    login_as(f.user(Role.UNIT_HANDLER, s.unit))
    assert client.post(f"/items/{late.item.id}/feedback/expire").status_code in (403, 404)


def test_reconciliation_groups_the_items_held_back_by_why_pages_them_and_exports_them(client, login_as, f,
                                                                                       monkeypatch):
    """A session of thousands: the office sees how many items each kind of condition holds back,
    opens one kind a page at a time, and downloads the whole list as .xlsx."""
    from openpyxl import load_workbook

    from tracker.replies import closeout_views

    s = replied_item(number="1", commitments=[("年内完成改造", clock.today() + dt.timedelta(days=90))])
    closeout.give_feedback(s.item, actor=s.office, submitter_name="张代表", **SAT)  # held by the commitment
    ready = replied_item(number="2", session=s.item.session, unit_name="可销号单位")
    closeout.give_feedback(ready.item, actor=ready.office, submitter_name="张代表", **SAT)
    waiting = replied_item(number="3", session=s.item.session, unit_name="等待单位")  # feedback not yet in
    for n in ("4", "5", "6"):
        f.item(session=s.item.session, number=n, title=f"未交办的件{n}")
    monkeypatch.setattr(closeout_views, "RECONCILE_PER_PAGE", 2)
    session_id = s.item.session.id
    login_as(s.office)

    page = html(client.get(f"/sessions/{session_id}/reconcile"))
    assert "尚不能销号的件及原因（5）" in page and "可以销号的件（1）" in page
    for label, n in (("尚未交办", 3), ("等待反馈意见", 1), ("承诺事项尚未兑现", 1)):
        assert f'{label} <span class="badge text-bg-light">{n}</span>' in page
    assert "第 1 / 3 页" in page and "未交办的件4" not in page  # numbers 1, 3 on the first page
    unassigned = html(client.get(f"/sessions/{session_id}/reconcile?why=unassigned&page=2"))
    assert "未交办的件6" in unassigned and "未交办的件4" not in unassigned
    assert f"/sessions/{session_id}/reconcile?" in unassigned and "why=unassigned" in unassigned
    only = html(client.get(f"/sessions/{session_id}/reconcile?why=commitment"))
    assert "年内完成改造" in only and "等待单位" not in only
    assert "尚不能销号的件及原因（5）" in html(client.get(f"/sessions/{session_id}/reconcile?why=nonsense"))

    r = client.get(f"/sessions/{session_id}/reconcile.xlsx")
    assert r.status_code == 200 and "filename*=UTF-8''" in r.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(r.data)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=3)]
    assert [(r[0], r[3]) for r in rows] == [("1", "否"), ("3", "否"), ("4", "否"), ("5", "否"), ("6", "否"),
                                             ("2", "是")]
    assert rows[0][4] == "承诺事项尚未兑现" and "年内完成改造" in rows[0][5]
    assert rows[1][4] == "等待反馈意见" and rows[2][4] == "尚未交办" and rows[2][5] == "尚未交办承办单位"
    assert "尚不能销号 5 件" in sheet["A1"].value
    login_as(waiting.handler)
    assert client.get(f"/sessions/{session_id}/reconcile.xlsx").status_code == 403


def test_a_re_handled_rounds_raters_are_not_asked_for_feedback_before_its_reply(client, login_as, f):
    s = replied_item(names=("张代表",))
    closeout.give_feedback(s.item, actor=s.people["张代表"][1], work="satisfied", result="dissatisfied",
                           adoption="not_adopted", comment="问题没有解决")
    closeout.order_rehandling(s.fresh(), actor=s.office, reason="请进一步落实")
    for user in (s.people["张代表"][1], s.office):
        login_as(user)
        page = html(client.get(f"/items/{s.item.id}"))
        assert "第 2 轮答复的评价" in page and "尚未答复" in page and "待反馈" not in page
    send_reply(s.a())
    page = html(client.get(f"/items/{s.item.id}"))
    assert "待反馈" in page


def _send_through_the_pipeline(s, text: str) -> None:
    """The reply as a unit sends it (draft, the leader's sign-off), which tells the submitters."""
    from tracker.replies import services as replies

    reply = replies.draft_reply(s.a(), actor=s.handler, result_class="A", submit=True, text=text)
    replies.sign_off(reply, actor=s.leader)
    assert replies.Reply.get_by_id(reply.id).status == "sent"


def test_a_merged_childs_submitter_is_told_through_their_own_item_and_can_open_every_notice(client, login_as, f):
    """The reply, 重新办理 and 不重新办理 notices of a merged child's submitter link to the child
    (whose page shows the parent's reply and takes their rating), not to the parent they cannot open."""
    from tests.closeout_support import submitter_account
    from tracker.items import merging
    from tracker.reminders.models import Notification

    s = replied_item(names=("张代表",), send=False)
    person, sun = submitter_account("孙委员")
    child = f.item(session=s.item.session, title="关于推进老旧小区加装电梯的建议",
                   submitters=[{"name": "孙委员", "role": "lead", "person_id": person.id}])
    merging.merge(child, s.item, actor=s.office, note="内容相同")
    _send_through_the_pipeline(s, "经研究，现答复如下：今年加装电梯 120 部。")
    fb = closeout.give_feedback(Item.get_by_id(child.id), actor=sun, work="satisfied", result="dissatisfied",
                                adoption="not_adopted", comment="没有解决")
    closeout.resolve_dissatisfaction(fb, actor=s.office, reason="受政策限制，已当面说明")
    notes = list(Notification.select().where(Notification.user == sun.id).order_by(Notification.id))
    titles = [n.title for n in notes]
    assert f"您的建议已收到答复：{child.number}号 {child.title}" in titles
    assert f"交办单位已对您的不满意意见作出决定：{child.number}号 {child.title}" in titles
    reply_note = next(n for n in notes if n.title.startswith("您的建议已收到答复"))
    assert f"本件已并入第{s.item.number}号办理" in reply_note.body
    assert {n.item_id for n in notes} == {child.id}
    login_as(sun)
    page = client.get(f"/items/{child.id}")
    assert page.status_code == 200 and "今年加装电梯 120 部" in page.get_data(as_text=True)
    assert client.get(f"/items/{s.item.id}").status_code == 404
    # the parent's own submitter still hears of it through the parent
    zhang = s.people["张代表"][1]
    mine = Notification.get((Notification.user == zhang.id) & Notification.title.startswith("您的建议已收到答复"))
    assert mine.item_id == s.item.id and "并入" not in mine.body


def test_a_merged_childs_submitter_hears_of_rehandling_through_their_own_item(f):
    from tests.closeout_support import submitter_account
    from tracker.items import merging
    from tracker.reminders.models import Notification

    s = replied_item(names=("张代表",), send=False)
    person, sun = submitter_account("孙委员")
    child = f.item(session=s.item.session, submitters=[{"name": "孙委员", "role": "lead", "person_id": person.id}])
    merging.merge(child, s.item, actor=s.office)
    _send_through_the_pipeline(s, "经研究，现答复如下：已列入年度计划并组织实施。")
    closeout.give_feedback(Item.get_by_id(child.id), actor=sun, work="satisfied", result="dissatisfied",
                           adoption="not_adopted", comment="没有解决")
    closeout.order_rehandling(s.fresh(), actor=s.office, reason="请进一步落实")
    note = Notification.get((Notification.user == sun.id) & Notification.title.startswith("您的建议将重新办理"))
    assert note.item_id == child.id and note.title.endswith(f"{child.number}号 {child.title}")
    assert f"本件已并入第{s.item.number}号办理" in note.body
