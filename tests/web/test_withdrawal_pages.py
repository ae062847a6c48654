"""Pages: 撤回 — the office records a submitter's written request to withdraw an item before it is
answered (the form on the item page, the withdrawn section, refusals and the English labels)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from html import unescape
from pathlib import Path

import pytest

from tests.closeout_support import replied_item, send_reply, submitter_account
from tracker.accounts.models import User
from tracker.assignments import services as assignments
from tracker.assignments.models import Assignment
from tracker.audit.models import AuditEntry
from tracker.core import clock
from tracker.core.enums import Role
from tracker.items.models import Item
from tracker.reminders.models import Notification

REASON = "本人已另行向市政府反映，申请撤回该建议"
MO = Path(__file__).resolve().parents[2] / "tracker" / "translations" / "en" / "LC_MESSAGES" / "messages.mo"


def html(response) -> str:
    return response.get_data(as_text=True)


def visible(page: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def section(page: str, anchor: str) -> str:
    """The <section id="anchor"> of a page ("" when the page has none)."""
    m = re.search(rf'<section[^>]*\bid="{anchor}".*?</section>', page, re.S)
    return m.group(0) if m else ""


def wd(requested_on="", reason="", consent=False, version=None) -> dict:
    data = {"wd-requested_on": requested_on, "wd-reason": reason}
    if consent:
        data["wd-consent"] = "y"
    if version is not None:
        data["wd-version"] = str(version)
    return data


def snapshot(item_id: int) -> tuple:
    """What a refused withdrawal must leave as it was."""
    item = Item.get_by_id(item_id)
    parts = [(a.id, a.status) for a in Assignment.select().where(Assignment.item == item_id).order_by(Assignment.id)]
    audits = AuditEntry.select().where((AuditEntry.item_id == item_id) & (AuditEntry.action == "withdrawn")).count()
    notes = Notification.select().where(Notification.item == item_id).count()
    return item.status, item.version, parts, audits, notes


@dataclass
class Assigned:
    item: Item
    office: User
    handler: User
    deputy: User
    outsider: User


def assigned_item(f) -> Assigned:
    """A single-submitter item (by a deputy with an account), assigned to one unit, not yet received."""
    office = f.user(Role.OFFICE, name="王登记")
    person, deputy = submitter_account("孙代表")
    unit = f.unit("市住房和城乡建设局")
    handler = f.user(Role.UNIT_HANDLER, unit, name="住建办件人")
    item = f.item(title="关于规范小区停车收费的建议", actor=office,
                  submitters=[{"name": "孙代表", "role": "lead", "person_id": person.id}])
    f.assign(item, unit, handler=handler, actor=office)
    outsider = f.user(Role.UNIT_HANDLER, f.unit("市农业农村局"))
    return Assigned(Item.get_by_id(item.id), office, handler, deputy, outsider)


def days_ago(n: int) -> str:
    return (clock.today() - dt.timedelta(days=n)).isoformat()


# --- who sees the form ------------------------------------------------------------------------


def test_office_sees_the_withdraw_form_on_an_assigned_item(client, login_as, f):
    w = assigned_item(f)
    assert w.item.status == "assigned"
    login_as(w.office)
    page = html(client.get(f"/items/{w.item.id}"))
    form = section(page, "withdraw")
    assert form, "the office should see the withdraw section"
    assert f'action="/items/{w.item.id}/withdraw"' in form
    assert "登记提出人的书面撤回申请" in form and "撤回本件" in form
    assert "书面申请日期" in form and "撤回理由" in form
    assert 'name="wd-requested_on"' in form and 'name="wd-reason"' in form
    assert re.search(rf'name="wd-version"[^>]*value="{w.item.version}"|value="{w.item.version}"[^>]*name="wd-version"',
                     form)
    assert section(page, "withdrawn") == ""
    # the close-out page carries the same form
    assert f'action="/items/{w.item.id}/withdraw"' in section(html(client.get(f"/items/{w.item.id}/closeout")),
                                                              "withdraw")


@pytest.mark.parametrize("who", ["handler", "deputy"])
def test_the_unit_handler_and_the_deputy_do_not_see_the_withdraw_form(client, login_as, f, who):
    w = assigned_item(f)
    login_as(getattr(w, who))
    r = client.get(f"/items/{w.item.id}")
    page = html(r)
    assert r.status_code == 200 and "关于规范小区停车收费的建议" in page  # they do see the item
    assert section(page, "withdraw") == ""
    assert f"/items/{w.item.id}/withdraw" not in page and 'name="wd-reason"' not in page
    assert "登记提出人的书面撤回申请" not in page


def test_the_consent_checkbox_is_shown_for_a_joint_item_only(client, login_as, f):
    joint = replied_item(names=("张代表", "李代表"), send=False)
    single = replied_item(names=("赵代表",), send=False, unit_name="市教育局")
    login_as(joint.office)
    form = section(html(client.get(f"/items/{joint.item.id}")), "withdraw")
    assert 'name="wd-consent"' in form and 'type="checkbox"' in form
    assert "全体联名人均已书面同意撤回" in form
    form = section(html(client.get(f"/items/{single.item.id}")), "withdraw")
    assert form and 'name="wd-reason"' in form
    assert 'name="wd-consent"' not in form and "全体联名人均已书面同意撤回" not in form


# --- withdrawing ------------------------------------------------------------------------------


def test_office_withdraws_an_item_and_the_page_shows_the_record(client, login_as, f):
    office = f.user(Role.OFFICE, name="王登记")
    person, deputy = submitter_account("孙代表")
    housing, transport = f.unit("市住房和城乡建设局"), f.unit("市交通运输局")
    h1, h2 = f.user(Role.UNIT_HANDLER, housing), f.user(Role.UNIT_HANDLER, transport)
    item = f.item(title="关于规范小区停车收费的建议", actor=office,
                  submitters=[{"name": "孙代表", "role": "lead", "person_id": person.id}])
    lead = f.assign(item, housing, role="lead", handler=h1, actor=office)
    co = f.assign(item, transport, role="co", handler=h2, actor=office)
    assignments.receive(lead, actor=h1)
    item = Item.get_by_id(item.id)
    assert item.status == "in_progress"
    assert {a.status for a in Assignment.select().where(Assignment.item == item.id)} != {"done"}
    day = days_ago(3)
    login_as(h1)
    assert "关于规范小区停车收费的建议" in html(client.get("/inbox?status=handling"))
    login_as(h2)
    assert "关于规范小区停车收费的建议" in html(client.get("/inbox?status=pending_receipt"))

    login_as(office)
    r = client.post(f"/items/{item.id}/withdraw", data=wd(day, REASON, version=item.version))
    assert r.status_code == 302
    assert r.headers["Location"].endswith(f"/items/{item.id}")
    assert Item.get_by_id(item.id).status == "withdrawn"
    assert [a.status for a in Assignment.select().where(Assignment.item == item.id).order_by(Assignment.id)] \
        == ["done", "done"]
    assert {Assignment.get_by_id(lead.id).status, Assignment.get_by_id(co.id).status} == {"done"}

    page = html(client.get(r.headers["Location"]))
    assert "已撤回，各承办单位的办理已结束" in page  # the flash
    done = section(page, "withdrawn")
    assert done, "the withdrawn section should be shown"
    assert REASON in done and day in done and "王登记" in done and "书面申请日期" in done
    assert "全体联名人均已书面同意撤回" not in done  # not a joint item
    assert section(page, "withdraw") == "" and 'name="wd-reason"' not in page
    assert client.get(f"/items/{item.id}").status_code == 200

    # the units' open parts are gone from their inbox tabs; the units and the deputy are told,
    # and the unit handler sees the record on the item page too
    login_as(h2)
    assert "关于规范小区停车收费的建议" not in html(client.get("/inbox?status=pending_receipt"))
    assert "关于规范小区停车收费的建议" in html(client.get("/inbox?status=done"))
    titles = {n.user_id: n.title for n in Notification.select().where(Notification.item == item.id)}
    assert "已撤回，无需继续办理" in titles[h1.id] and "已撤回，无需继续办理" in titles[h2.id]
    assert "您的撤回申请已登记" in titles[deputy.id]
    login_as(h1)
    page = html(client.get(f"/items/{item.id}"))
    assert REASON in section(page, "withdrawn") and section(page, "withdraw") == ""
    # a second withdrawal is refused: the item is read-only now
    login_as(office)
    r = client.post(f"/items/{item.id}/withdraw", data=wd(day, "再次撤回"))
    assert r.status_code == 409 and "不能撤回" in html(r)
    assert AuditEntry.select().where((AuditEntry.item_id == item.id) & (AuditEntry.action == "withdrawn")).count() == 1


def test_a_joint_item_is_withdrawn_with_every_cosigners_consent(client, login_as, f):
    s = replied_item(names=("张代表", "李代表"), send=False)
    login_as(s.office)
    r = client.post(f"/items/{s.item.id}/withdraw", data=wd(days_ago(1), REASON, consent=True))
    assert r.status_code == 302
    assert s.fresh().status == "withdrawn" and s.a().status == "done"
    done = section(html(client.get(f"/items/{s.item.id}")), "withdrawn")
    assert REASON in done and "全体联名人均已书面同意撤回" in done


# --- refusals ---------------------------------------------------------------------------------


@pytest.mark.parametrize("case", ["empty_reason", "no_consent", "future_date", "missing_date"])
def test_a_rejected_form_keeps_the_input_and_changes_nothing(client, login_as, f, case):
    s = replied_item(names=("张代表", "李代表"), send=False)
    future = (clock.today() + dt.timedelta(days=1)).isoformat()
    day, reason, consent, message = {
        "empty_reason": (days_ago(2), "   ", True, "请填写撤回理由（书面申请的内容）"),
        "no_consent": (days_ago(2), REASON, False, "联名件须经全体联名人书面同意方可撤回，请确认后勾选"),
        "future_date": (future, REASON, True, "申请日期不能晚于今天"),
        "missing_date": ("", REASON, True, "请填写书面申请撤回的日期"),
    }[case]
    before = snapshot(s.item.id)
    login_as(s.office)
    r = client.post(f"/items/{s.item.id}/withdraw", data=wd(day, reason, consent=consent))
    assert r.status_code == 422
    page = html(r)
    form = section(page, "withdraw")
    assert form, "the form is shown again"
    assert message in form  # next to the field
    assert "撤回未登记" in page  # the flash
    assert "<details open>" in form  # the form is open, not folded away
    if day:
        assert f'value="{day}"' in form
    if reason.strip():
        assert REASON in form
    if consent:
        assert re.search(r'<input[^>]*checked[^>]*name="wd-consent"|<input[^>]*name="wd-consent"[^>]*checked', form)
    assert snapshot(s.item.id) == before
    assert s.fresh().status == "in_progress" and s.a().status == "handling"


def test_a_badly_formed_date_is_refused_and_kept(client, login_as, f):
    s = replied_item(send=False)
    before = snapshot(s.item.id)
    login_as(s.office)
    r = client.post(f"/items/{s.item.id}/withdraw", data=wd("2026/01/05", REASON))
    assert r.status_code == 422
    form = section(html(r), "withdraw")
    assert 'value="2026/01/05"' in form and REASON in form
    assert "不是有效的日期值" in form  # WTForms' own message, in Chinese
    assert "请检查标红的内容后重新提交" in html(r)
    assert snapshot(s.item.id) == before


def test_a_stale_version_is_refused(client, login_as, f):
    s = replied_item(send=False)
    before = snapshot(s.item.id)
    login_as(s.office)
    r = client.post(f"/items/{s.item.id}/withdraw", data=wd(days_ago(1), REASON, version=s.item.version - 1))
    assert r.status_code == 409 and "该记录已被他人修改，请刷新后重试" in html(r)
    assert snapshot(s.item.id) == before


def test_unit_handlers_cannot_withdraw(client, login_as, f):
    w = assigned_item(f)
    before = snapshot(w.item.id)
    login_as(w.handler)
    r = client.post(f"/items/{w.item.id}/withdraw", data=wd(days_ago(1), REASON))
    assert r.status_code == 403
    assert snapshot(w.item.id) == before
    login_as(w.outsider)
    assert client.get(f"/items/{w.item.id}").status_code == 404
    r = client.post(f"/items/{w.item.id}/withdraw", data=wd(days_ago(1), REASON))
    assert r.status_code == 404
    login_as(w.deputy)
    r = client.post(f"/items/{w.item.id}/withdraw", data=wd(days_ago(1), REASON))
    assert r.status_code == 403
    assert snapshot(w.item.id) == before
    assert Item.get_by_id(w.item.id).status == "assigned"


def test_an_answered_item_cannot_be_withdrawn(client, login_as, f):
    s = replied_item(send=False)
    send_reply(s.a())
    assert s.fresh().status == "replied"
    before = snapshot(s.item.id)
    login_as(s.office)
    page = html(client.get(f"/items/{s.item.id}"))
    assert "征询意见（满意度测评）" in page  # the close-out panel is there ...
    assert section(page, "withdraw") == "" and 'name="wd-reason"' not in page  # ... without the form
    r = client.post(f"/items/{s.item.id}/withdraw", data=wd(days_ago(1), REASON))
    assert r.status_code == 409
    assert "已答复的件不能撤回" in html(r)
    assert snapshot(s.item.id) == before
    assert s.fresh().status == "replied" and s.a().status == "replied"


# --- English ----------------------------------------------------------------------------------


def test_the_withdraw_form_and_record_in_english(client, login_as, f):
    from babel.messages.mofile import read_mo

    form_labels = ["书面申请日期", "撤回理由", "全体联名人均已书面同意撤回", "登记提出人的书面撤回申请", "撤回本件"]
    record_labels = ["已撤回", "书面申请日期", "撤回理由", "全体联名人均已书面同意撤回"]
    flash = "已撤回，各承办单位的办理已结束"
    with MO.open("rb") as fh:  # the catalog the app reads
        catalog = read_mo(fh)

    def en(zh: str) -> str | None:
        entry = catalog.get(zh)
        return entry.string if entry is not None and entry.string else None

    missing = [zh for zh in [*form_labels, *record_labels, flash] if not en(zh)]
    assert not missing, f"the English catalog lacks {missing}: run make babel-update, translate, make babel"
    s = replied_item(names=("张代表", "李代表"), send=False)
    login_as(s.office)
    try:
        page = html(client.get(f"/items/{s.item.id}?lang=en"))
        form = visible(section(page, "withdraw"))
        for zh in form_labels:
            assert en(zh) in form and zh not in form
        r = client.post(f"/items/{s.item.id}/withdraw", data=wd(days_ago(1), REASON, consent=True))
        assert r.status_code == 302
        page = unescape(visible(html(client.get(r.headers["Location"]))))
        assert en(flash) in page and flash not in page
        done = visible(section(html(client.get(f"/items/{s.item.id}")), "withdrawn"))
        for zh in record_labels:
            assert en(zh) in done and zh not in done
        assert REASON in done  # what was recorded stays as written
    finally:
        client.get("/login?lang=zh")
