"""A small world for the security tests, built through the services.

Three units: A (the "own" unit), B (the "partner": it works on the same items with A) and C
(the "other" unit: nothing to do with them). Every object the permission matrix points at
belongs to unit A, so the relation of a subject to the object is the same for every route:

=====================  ===========================================================
subject                 who
=====================  ===========================================================
``admin``               system administrator
``office``              交办单位（督查室）
``leader``              city leader (市领导)
``unit_handler:own``    handler of unit A          (``unit_leader:own``: A's leader)
``unit_handler:partner`` handler of unit B (co unit on A's items, lead where A is co)
``unit_handler:other``  handler of unit C
``submitter:own``       the deputy who filed every item of the world
``submitter:other``     a deputy who filed none of them
``anon``                not logged in
=====================  ===========================================================

Objects (``World.ids``):

- ``item`` X: lead A + co B, both signed for; A's reply is a *draft* with an attachment; A
  has a pending extension request, a progress note, a contact and an office 催办 slip.
- ``item_cosign`` Y: lead A + co B; A's reply *awaiting co-signature* by B's leader.
- ``item_signoff`` (sole A): reply *awaiting sign-off* by A's leader.
- ``item_review`` (office-supervised, sole A): reply *awaiting office review*.
- ``item_sent`` Z (sole A): reply *sent* with an open commitment; the submitter rated it
  不满意; a city leader's instruction.
- ``item_return`` (sole A, not signed for): a pending return request (申退).
- ``item_co`` W: lead B + co A: ``assignment_co`` is A's co assignment (会办).
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field

from tests import factories as f
from tracker.accounts import services as accounts
from tracker.accounts.models import User
from tracker.assignments import services as assignments
from tracker.core import clock
from tracker.core.enums import ReplyStatus, Role, Tier
from tracker.handling import services as handling
from tracker.replies import attachments as reply_files
from tracker.replies import services as replies
from tracker.replies.models import Reply

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PASSWORD = f.PASSWORD

SUBJECTS_WITH_OBJECT = (
    "admin", "office", "leader",
    "unit_handler:own", "unit_handler:partner", "unit_handler:other",
    "unit_leader:own", "unit_leader:partner", "unit_leader:other",
    "submitter:own", "submitter:other", "anon",
)
# Routes without an object: the relation does not matter; the unit A / own-deputy accounts act.
SUBJECTS_WITHOUT_OBJECT = ("admin", "office", "leader", "unit_handler", "unit_leader", "submitter", "anon")
ALIASES = {"unit_handler": "unit_handler:own", "unit_leader": "unit_leader:own", "submitter": "submitter:own"}


@dataclass
class World:
    users: dict[str, User] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)
    units: dict[str, int] = field(default_factory=dict)

    def user(self, subject: str) -> User | None:
        return self.users.get(ALIASES.get(subject, subject))


def run_pipeline(reply: Reply, world_users: dict[str, User], until: ReplyStatus) -> Reply:
    """Move a submitted reply through its steps until it reaches ``until``."""
    steps = 0
    while reply.status != until.value:
        steps += 1
        assert steps < 10, reply.status
        status = ReplyStatus(reply.status)
        if status == ReplyStatus.DRAFT:
            replies.submit_reply(reply, actor=world_users["unit_handler:own"])
        elif status == ReplyStatus.AWAITING_SIGN_OFF:
            replies.sign_off(reply, actor=world_users["unit_leader:own"])
        elif status == ReplyStatus.AWAITING_COSIGN:
            replies.cosign(reply, actor=world_users["unit_leader:partner"])  # 会签: B's leader
        elif status == ReplyStatus.AWAITING_OFFICE_REVIEW:
            replies.review(reply, actor=world_users["office"])
        reply = Reply.get_by_id(reply.id)
    return reply


def _xlsx() -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["建议号", "标题", "领衔代表", "主办单位"])
    sheet.append(["901", "关于增设公交站点的建议", "王代表", "市安全测试A局"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def build() -> World:
    """Create the world (needs an open connection, e.g. the ``f`` / ``ctx`` fixture)."""
    w = World()
    today = clock.today()
    unit_a, unit_b, unit_c = f.unit("市安全测试A局"), f.unit("市安全测试B局"), f.unit("市安全测试C局")
    w.units = {"own": unit_a.id, "partner": unit_b.id, "other": unit_c.id}
    own_person, other_person = f.person("安全测试代表"), f.person("无关代表")
    w.users = {
        "admin": f.user(Role.ADMIN, username="sec_admin"),
        "office": f.user(Role.OFFICE, username="sec_office"),
        "leader": f.user(Role.LEADER, username="sec_leader"),
        "unit_handler:own": f.user(Role.UNIT_HANDLER, unit_a, username="sec_uh_a"),
        "unit_leader:own": f.user(Role.UNIT_LEADER, unit_a, username="sec_ul_a"),
        "unit_handler:partner": f.user(Role.UNIT_HANDLER, unit_b, username="sec_uh_b"),
        "unit_leader:partner": f.user(Role.UNIT_LEADER, unit_b, username="sec_ul_b"),
        "unit_handler:other": f.user(Role.UNIT_HANDLER, unit_c, username="sec_uh_c"),
        "unit_leader:other": f.user(Role.UNIT_LEADER, unit_c, username="sec_ul_c"),
        "submitter:own": f.user(Role.SUBMITTER, person=own_person, username="sec_sub_own"),
        "submitter:other": f.user(Role.SUBMITTER, person=other_person, username="sec_sub_other"),
    }
    u = w.users
    office, uh_a, uh_b = u["office"], u["unit_handler:own"], u["unit_handler:partner"]
    session = f.session(name="市安全测试人大会议")
    w.ids["session"] = session.id
    subs = [{"name": own_person.name, "role": "lead", "person_id": own_person.id}]

    def new_item(title: str, tier: str = Tier.DEPARTMENT.value):
        return f.item(session=session, title=title, submitters=subs, tier=tier, actor=office)

    def reply_for(a, text: str, commitments=None) -> Reply:
        return replies.draft_reply(a, actor=uh_a, result_class="A", text=text, commitments=commitments or [])

    # X: lead A + co B; a draft reply with an attachment; extension request, notes, a slip.
    x = new_item("关于完善社区养老服务设施的建议")
    lead_x = f.assign(x, unit_a, role="lead", handler=uh_a)
    co_x = f.assign(x, unit_b, role="co", handler=uh_b)
    assignments.receive(lead_x, actor=uh_a)
    assignments.receive(co_x, actor=uh_b)
    handling.record_progress(lead_x, actor=uh_a, text="已召开专题会研究")
    handling.record_contact(lead_x, actor=uh_a, stage="before", method="phone", contact_on=today,
                            summary="电话沟通办理思路")
    draft = reply_for(lead_x, "草稿：正在研究。")
    att = reply_files.add_attachment(draft, actor=uh_a, filename="答复附件.pdf", data=PDF)
    lead_x = assignments.Assignment.get_by_id(lead_x.id)
    ext = handling.request_extension(lead_x, actor=uh_a, requested_due=lead_x.current_due + dt.timedelta(days=20),
                                     reason="需协调多部门")
    from tracker.reminders import services as reminders

    slip = reminders.urge(assignments.Assignment.get_by_id(lead_x.id), actor=office, reason="请加快办理")
    w.ids.update(item=x.id, assignment=lead_x.id, assignment_partner=co_x.id, reply=draft.id,
                 attachment=att.id, extension_request=ext.id, slip=slip.id)

    # Y: lead A + co B; reply awaiting co-signature.
    y = new_item("关于加强背街小巷环境整治的建议")
    lead_y = f.assign(y, unit_a, role="lead", handler=uh_a)
    co_y = f.assign(y, unit_b, role="co", handler=uh_b)
    assignments.receive(lead_y, actor=uh_a)
    assignments.receive(co_y, actor=uh_b)
    r = run_pipeline(reply_for(lead_y, "会签稿"), u, ReplyStatus.AWAITING_COSIGN)
    w.ids.update(item_cosign=y.id, reply_cosign=r.id)

    # Sole A, reply awaiting sign-off by A's leader.
    s1 = new_item("关于规范共享单车停放的建议")
    a1 = f.assign(s1, unit_a, role="sole", handler=uh_a)
    assignments.receive(a1, actor=uh_a)
    r = run_pipeline(reply_for(a1, "待签发稿"), u, ReplyStatus.AWAITING_SIGN_OFF)
    w.ids.update(item_signoff=s1.id, reply_signoff=r.id)

    # Office-supervised, sole A, reply awaiting the office's review.
    s2 = new_item("关于推进垃圾分类的建议", tier=Tier.OFFICE_SUPERVISED.value)
    a2 = f.assign(s2, unit_a, role="sole", handler=uh_a)
    assignments.receive(a2, actor=uh_a)
    r = run_pipeline(reply_for(a2, "待审核稿"), u, ReplyStatus.AWAITING_OFFICE_REVIEW)
    w.ids.update(item_review=s2.id, reply_review=r.id)

    # Z: sole A, reply sent with a commitment; feedback 不满意; an instruction.
    z = new_item("关于增加学校周边停车位的建议")
    az = f.assign(z, unit_a, role="sole", handler=uh_a)
    assignments.receive(az, actor=uh_a)
    due = (today + dt.timedelta(days=90)).isoformat()
    r = run_pipeline(reply_for(az, "已答复：列入年度计划。", [{"text": "年内新增车位 200 个", "due_date": due}]),
                     u, ReplyStatus.SENT)
    from tracker.items import instructions
    from tracker.replies import closeout
    from tracker.replies.models import Commitment

    fb = closeout.give_feedback(z, actor=u["submitter:own"], work="dissatisfied", result="dissatisfied",
                                adoption="not_adopted", comment="车位仍然不足")
    instructions.add_instruction(z, actor=u["leader"], text="请抓紧落实")
    commitment = Commitment.get(Commitment.reply == r.id)
    w.ids.update(item_sent=z.id, assignment_sent=az.id, reply_sent=r.id, commitment=commitment.id,
                 feedback=fb.id)

    # Sole A, not signed for; a pending return request.
    rt = new_item("关于调整公交线路的建议")
    art = f.assign(rt, unit_a, role="sole", handler=uh_a)
    req = assignments.request_return(art, actor=uh_a, reason="不属于本单位职责")
    w.ids.update(item_return=rt.id, return_request=req.id)

    # Sole A, not yet signed for.
    new = new_item("关于增设口袋公园的建议")
    anew = f.assign(new, unit_a, role="sole", handler=uh_a)
    w.ids.update(item_new=new.id, assignment_new=anew.id)

    # W: lead B + co A: A's co assignment.
    wi = new_item("关于加快老旧管网改造的建议")
    lead_w = f.assign(wi, unit_b, role="lead", handler=uh_b)
    co_w = f.assign(wi, unit_a, role="co", handler=uh_a)
    assignments.receive(lead_w, actor=uh_b)
    assignments.receive(co_w, actor=uh_a)
    handling.submit_co_opinion(co_w, actor=uh_a, text="建议结合管网普查统筹安排改造计划。")
    w.ids.update(item_co=wi.id, assignment_co=co_w.id)

    # Reference objects.
    from tracker.reminders.models import Notification, ReminderRule
    from tracker.reminders.services import notify
    from tracker.rules.models import ChecklistEntry

    notify([uh_a], "安全测试通知", "测试")
    note = Notification.select().where(Notification.user == uh_a.id).order_by(Notification.id.desc()).first()
    w.ids["notification"] = note.id
    w.ids["unit"] = unit_a.id
    w.ids["unit_other"] = unit_c.id
    w.ids["user_other"] = u["unit_handler:other"].id
    w.ids["today"] = today.isoformat()
    w.ids["extension_due"] = (lead_x.current_due + dt.timedelta(days=10)).isoformat()
    w.ids["user"] = uh_a.id
    w.ids["person"] = own_person.id
    w.ids["checklist_entry"] = ChecklistEntry.select().order_by(ChecklistEntry.id).first().id
    w.ids["reminder_rule"] = ReminderRule.select().order_by(ReminderRule.id).first().id
    from tracker.assessment import services as assessment
    from tracker.assessment.models import Scorecard

    w.ids["scorecard"] = Scorecard.select().order_by(Scorecard.id).first().id
    adj = assessment.add_adjustment(unit_id=unit_a.id, session_id=session.id, kind="deduction", points=1,
                                    reason="通报批评", actor=office)
    w.ids["adjustment"] = adj.id
    from tracker.ledger import dispatch

    w.ids["dispatch_report"] = dispatch.generate_report(today, actor=office).id
    return w


def upload_import(app, world: World) -> str:
    """An Excel list uploaded by the office (its preview token)."""
    client = app.test_client()
    login(client, world.users["office"])
    response = client.post("/imports/", data={"session_id": str(world.ids["session"]), "kind": "",
                                               "file": (io.BytesIO(_xlsx()), "list.xlsx")},
                           content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return response.location.rstrip("/").rsplit("/", 1)[-1]


def login(client, user: User, password: str = PASSWORD):
    response = client.post("/login", data={"username": user.username, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


def token_for(user: User) -> str:
    value, _ = accounts.issue_token(user)
    return value
