"""The permission matrix: the expected answer of every route for every subject.

Read with tests/security/world.py (who the subjects are, which objects the URLs point at) and
tests/security/test_permission_matrix.py (which walks ``app.url_map`` and checks this table).

Every endpoint of the app MUST have an entry in ``ENDPOINTS`` — a new route without one fails
the test. An entry is an :class:`Expect` (same for every method), a ``{method: Expect}`` dict,
or ``DEFAULT`` (the blueprint's default in ``BLUEPRINT_DEFAULTS``).

Answers
-------
``ok``        2xx, or a redirect to a page other than /login
``pass``      got through the permission check: ``ok``, or the request itself was refused
              (409/422/400, or a page that redirects back with an error message) — the
              default for an allowed subject's POST/PATCH/DELETE with a minimal body
``login``     302 to /login (pages), 401 (API)
``forbidden`` 403: the subject sees the object but may not do this
``hidden``    404: the subject may not even know the object exists
``flash``     the page redirected back with a red error message instead of a 403
``refused``   409/422: allowed, but the state or the body is refused

Every request by a subject whose expected answer is a refusal must leave the whole
database unchanged (checked row by row).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

OK, PASS, LOGIN, FORBIDDEN, HIDDEN, FLASH, REFUSED = "ok", "pass", "login", "forbidden", "hidden", "flash", "refused"
AUTO = "auto"  # ok for GET, pass for the other methods
PASSING = {OK, REFUSED, FLASH, "bad_request"}  # what "pass" accepts

# --- subjects (see tests/security/world.py) ----------------------------------------------------
ADMIN, OFFICE, LEADER = "admin", "office", "leader"
UH_OWN, UL_OWN = "unit_handler:own", "unit_leader:own"
UH_PARTNER, UL_PARTNER = "unit_handler:partner", "unit_leader:partner"
UH_OTHER, UL_OTHER = "unit_handler:other", "unit_leader:other"
SUB_OWN, SUB_OTHER = "submitter:own", "submitter:other"

READ_ALL = (ADMIN, OFFICE, LEADER)  # see every item
UNIT_OWN = (UH_OWN, UL_OWN)
UNIT_PARTNER = (UH_PARTNER, UL_PARTNER)
UNITS = (UH_OWN, UL_OWN, UH_PARTNER, UL_PARTNER, UH_OTHER, UL_OTHER)
SUBMITTERS = (SUB_OWN, SUB_OTHER)
EVERYONE = READ_ALL + UNITS + SUBMITTERS
OFFICE_LEADER = (OFFICE, LEADER)

# Who sees which object of the world.
SEES_SHARED_ITEM = READ_ALL + UNIT_OWN + UNIT_PARTNER + (SUB_OWN,)  # X, Y, W: A and B work on them
SEES_SOLE_ITEM = READ_ALL + UNIT_OWN + (SUB_OWN,)  # items only unit A works on
SEES_ASSIGNMENT = READ_ALL + UNIT_OWN  # A's assignments (and what hangs on them)
SEES_DRAFT = READ_ALL + UNIT_OWN  # an unsent reply of A
SEES_SENT_REPLY = READ_ALL + UNIT_OWN + (SUB_OWN,)


@dataclass(frozen=True)
class Expect:
    """Expected answers: ``answers`` per subject, ``others`` for every other logged-in subject."""

    answers: dict[str, str] = field(default_factory=dict)
    others: str = FORBIDDEN
    anon: str = LOGIN
    writes: bool = False  # the route changes the database even when it answers "login" (logout)

    def answer(self, subject: str, method: str) -> str:
        value = self.anon if subject == "anon" else self.answers.get(_full(subject), self.others)
        if value == AUTO:
            return OK if method == "GET" else PASS
        return value

    def but(self, changes: dict[str, str]) -> Expect:
        return Expect({**self.answers, **{_full(k): v for k, v in changes.items()}}, self.others, self.anon,
                      self.writes)


def _full(subject: str) -> str:
    from tests.security.world import ALIASES

    return ALIASES.get(subject, subject)


def only(*who: str | tuple[str, ...], answer: str = AUTO, others: str = FORBIDDEN) -> Expect:
    """The subjects in ``who`` pass; everybody else gets ``others`` (403 by default)."""
    return Expect({s: answer for s in _flat(who)}, others)


def on(visible: tuple[str, ...], allowed: tuple[str, ...], answer: str = AUTO) -> Expect:
    """An object route: ``allowed`` pass, the others who can see the object get 403, the rest 404."""
    answers = {s: FORBIDDEN for s in visible}
    answers.update({s: answer for s in allowed})
    return Expect(answers, HIDDEN)


def public() -> Expect:
    return Expect({}, OK, anon=OK)


def _flat(who) -> list[str]:
    out: list[str] = []
    for w in who:
        out.extend(w if isinstance(w, tuple) else (w,))
    return out


DEFAULT = "default"
BLUEPRINT_DEFAULTS: dict[str, Expect] = {
    "admin": only(ADMIN),  # users, units, calendars, rule profile, checklist, persons, audit log
}

# --- the table ---------------------------------------------------------------------------------

ENDPOINTS: dict[str, Any] = {
    # public
    "static": public(),
    "bootstrap.static": public(),
    "health.healthz": public(),
    "stats.chart_css": public(),
    "api.openapi": public(),
    "api.token": public(),
    "accounts.login": public(),
    # accounts
    "accounts.home": only(EVERYONE),
    "accounts.profile": only(EVERYONE),
    "accounts.logout": Expect({}, LOGIN, writes=True),  # back to the login page, the session is gone
    # administration (admin only)
    "admin.audit": DEFAULT,
    "admin.calendar": DEFAULT,
    "admin.calendar_confirm": DEFAULT,
    "admin.calendar_day": DEFAULT,
    "admin.calendar_day_remove": DEFAULT,
    "admin.checklist": DEFAULT,
    "admin.checklist_add": DEFAULT,
    "admin.checklist_active": DEFAULT,
    "admin.checklist_edit": DEFAULT,
    "admin.checklist_move": DEFAULT,
    "admin.persons": DEFAULT,
    "admin.person_edit": DEFAULT,
    "admin.person_new": DEFAULT,
    "admin.profile": DEFAULT,
    "admin.settings": DEFAULT,
    "admin.units": DEFAULT,
    "admin.unit_active": DEFAULT,
    "admin.unit_edit": DEFAULT,
    "admin.unit_new": DEFAULT,
    "admin.users": DEFAULT,
    "admin.user_active": DEFAULT,
    "admin.user_edit": DEFAULT,
    "admin.user_password": DEFAULT,
    "admin.user_new": DEFAULT,
    "reminders.rules_index": only(ADMIN),
    "reminders.edit_rule": only(ADMIN),
    "assessment.scorecards": only(ADMIN),
    "assessment.edit_scorecard": only(ADMIN),
    "assessment.new_scorecard": only(ADMIN),
    "assessment.red_slip": only(ADMIN),
    # items
    "items.index": only(READ_ALL, UNITS),  # submitters use "my items"
    "items.mine": only(SUBMITTERS),
    "items.new": only(OFFICE),
    "items.sessions": only(OFFICE, ADMIN),
    "items.show": on(SEES_SHARED_ITEM, SEES_SHARED_ITEM),
    "items.edit": on(SEES_SHARED_ITEM, (OFFICE,)),
    "items.assign": on(SEES_SHARED_ITEM, (OFFICE,)),
    "imports.upload": only(OFFICE),
    "imports.confirm": only(OFFICE),
    "imports.preview": only(OFFICE),  # the office's own upload; others 403 before the token is read
    "imports.result": only(OFFICE),
    # assignments (unit A's lead assignment of item X unless OBJECTS says otherwise)
    "assignments.desk": only(OFFICE),
    "assignments.desk_returns_list": only(OFFICE),
    "assignments.desk_extensions": only(OFFICE),
    "assignments.desk_replies": only(OFFICE),
    "assignments.desk_closeout": only(OFFICE),
    "assignments.inbox": only(UNITS),
    "assignments.unit_users": only(OFFICE),
    "assignments.receive": on(SEES_ASSIGNMENT, UNIT_OWN),
    "assignments.return_request": on(SEES_ASSIGNMENT, UNIT_OWN),
    "assignments.late_return": on(SEES_ASSIGNMENT, (OFFICE,)),
    "assignments.adjust": on(SEES_ASSIGNMENT, (OFFICE,)),
    "assignments.transfer": only(OFFICE),  # ?from=<user>: the handler whose open assignments move
    "assignments.decide_return": only(OFFICE),
    "handling.progress": on(SEES_ASSIGNMENT, UNIT_OWN),
    "handling.contact": on(SEES_ASSIGNMENT, UNIT_OWN),
    "handling.extension_request": on(SEES_ASSIGNMENT, UNIT_OWN),
    "handling.co_opinion": on(SEES_ASSIGNMENT, UNIT_OWN),  # A's co assignment on W
    "handling.decide_extension": only(OFFICE),
    "handling.instruction": on(SEES_SHARED_ITEM, (LEADER,)),
    "reminders.urge": on(SEES_ASSIGNMENT, (OFFICE,)),
    # replies
    "replies.new": on(SEES_ASSIGNMENT, UNIT_OWN),
    "replies.show": on(SEES_DRAFT, SEES_DRAFT),
    "replies.edit": on(SEES_DRAFT, UNIT_OWN),
    "replies.submit": on(SEES_DRAFT, UNIT_OWN),
    # The office, leaders and admins see the draft; a refused upload/removal comes back as a
    # red message on the reply page (nothing changes).
    "replies.upload": on(SEES_DRAFT, UNIT_OWN).but({ADMIN: FLASH, OFFICE: FLASH, LEADER: FLASH}),
    "replies.delete_attachment": on(SEES_DRAFT, UNIT_OWN).but({ADMIN: FLASH, OFFICE: FLASH, LEADER: FLASH}),
    "replies.download": on(SEES_DRAFT, SEES_DRAFT),
    "replies.sign_off": on(SEES_DRAFT, (UL_OWN,)),
    # B's leader co-signs (or sends back) A's lead reply, as A's leader signs it off; B's handler: 403
    "replies.cosign": on(SEES_DRAFT + UNIT_PARTNER, (UL_PARTNER,)),
    "replies.review": on(SEES_DRAFT, (OFFICE,)),
    "replies.record_publication": on(SEES_SENT_REPLY, (OFFICE, *UNIT_OWN)),
    # close-out (item Z: sent reply, feedback, commitment)
    "closeout.item": on(SEES_SHARED_ITEM, SEES_SHARED_ITEM),
    "closeout.feedback": on(SEES_SOLE_ITEM, (OFFICE, SUB_OWN)),
    "closeout.expire_feedback": on(SEES_SOLE_ITEM, (OFFICE,)),
    "closeout.rehandle": on(SEES_SOLE_ITEM, (OFFICE,)),
    "closeout.close": on(SEES_SOLE_ITEM, (OFFICE,)),
    "closeout.archive": on(SEES_SOLE_ITEM, (OFFICE,)),
    "closeout.resolve": on(SEES_SOLE_ITEM, (OFFICE,)),
    "closeout.merge": on(SEES_SHARED_ITEM, (OFFICE,)),
    "closeout.unmerge": on(SEES_SHARED_ITEM, (OFFICE,)),
    "closeout.withdraw": on(SEES_SHARED_ITEM, (OFFICE,)),
    "closeout.similar": only(READ_ALL),
    "closeout.similar_to": on(SEES_SHARED_ITEM, READ_ALL),
    "closeout.commitments": only(READ_ALL, UNITS),
    "closeout.fulfil": on(SEES_ASSIGNMENT, UNIT_OWN),
    "closeout.carry_over": on(SEES_ASSIGNMENT, (OFFICE,)),
    "closeout.carry_over_year": only(OFFICE),
    "closeout.reconcile_index": only(OFFICE),
    "closeout.reconcile": only(OFFICE),
    "closeout.reconcile_export": only(OFFICE),
    # reminders and notifications
    "reminders.notifications": only(EVERYONE),
    "reminders.mark_all_read": only(EVERYONE),
    "reminders.mark_read": Expect({UH_OWN: AUTO}, HIDDEN),  # a notification of A's handler: only theirs
    "reminders.overdue": only(OFFICE_LEADER),
    "reminders.overdue_export": only(OFFICE_LEADER),
    "reminders.slips": only(OFFICE_LEADER),
    # ledger, statistics, dispatch reports
    "ledger.index": only(OFFICE, LEADER),
    "ledger.download": only(OFFICE, LEADER),
    "stats.dashboard": only(OFFICE_LEADER),
    "stats.index": only(OFFICE_LEADER),
    "stats.items": only(OFFICE_LEADER),
    "stats.dispatch_index": only(OFFICE_LEADER),
    "stats.dispatch_generate": only(OFFICE),
    "stats.dispatch_view": only(OFFICE_LEADER, others=HIDDEN),
    "stats.dispatch_docx": only(OFFICE_LEADER, others=HIDDEN),
    "stats.dispatch_xlsx": only(OFFICE_LEADER, others=HIDDEN),
    # assessment
    "assessment.index": only(OFFICE_LEADER, UNITS),  # a unit sees its own scores
    "assessment.export": only(OFFICE_LEADER),
    "assessment.unit": only(OFFICE_LEADER, UNIT_OWN),  # unit A's scores
    "assessment.add_adjustment": only(OFFICE),
    "assessment.delete_adjustment": only(OFFICE),
    "assessment.assignment": {
        "GET": on(SEES_ASSIGNMENT, (OFFICE, LEADER, *UNIT_OWN)),
        "POST": on(SEES_ASSIGNMENT, (OFFICE,)),
    },
    # 三书一函 (the world's items are suggestions: an allowed subject passes the permission check and
    # is then told the item is not a supervision document — a flash, a 409, nothing changes)
    "supervision.index": only(READ_ALL, UNITS),
    "supervision.new": only(OFFICE),
    "supervision.edit": on(SEES_SHARED_ITEM, (OFFICE,), answer=PASS),
    "supervision.objection": on(SEES_ASSIGNMENT, UNIT_OWN, answer=PASS),
    "supervision.decide_objection": on(SEES_ASSIGNMENT, (OFFICE,), answer=PASS),
    "supervision.rectification": on(SEES_ASSIGNMENT, UNIT_OWN, answer=PASS),
    "supervision.ledger": only(OFFICE),
    "supervision.ledger_download": only(OFFICE),
    "supervision.import_upload": only(OFFICE),
    "supervision.import_confirm": only(OFFICE),
    # Word documents: whoever may read the record may download it; the others get 404
    "documents.index": only(OFFICE),
    "documents.batch_notice": only(OFFICE),
    "documents.assignment_notice": on(SEES_ASSIGNMENT, SEES_ASSIGNMENT),
    "documents.urge_notice": on(SEES_ASSIGNMENT, SEES_ASSIGNMENT),
    "documents.extension_request": on(SEES_ASSIGNMENT, SEES_ASSIGNMENT),
    "documents.return_request": on(SEES_ASSIGNMENT, SEES_ASSIGNMENT),
    "documents.supervision_notice": on(SEES_ASSIGNMENT, SEES_ASSIGNMENT),
    "documents.co_opinion_letter": on(SEES_ASSIGNMENT + UNIT_PARTNER, SEES_ASSIGNMENT + UNIT_PARTNER),
    "documents.feedback_form": on(SEES_SOLE_ITEM, SEES_SOLE_ITEM),  # on Z, whose reply is out (OBJECTS)
    "documents.reply_letter": on(SEES_SENT_REPLY, SEES_SENT_REPLY),
    # --- the JSON API (401 without a token) ---
    "api.revoke": only(EVERYONE),
    "api.me": only(EVERYONE),
    "api.units": only(EVERYONE),
    "api.users": only(OFFICE, ADMIN),
    "api.list_sessions": only(EVERYONE),
    "api.create_session": only(OFFICE, ADMIN),
    "api.reconcile": only(OFFICE),
    "api.list_items": only(EVERYONE),  # role-scoped list
    "api.create_item": only(OFFICE),
    "api.get_item": on(SEES_SHARED_ITEM, SEES_SHARED_ITEM),
    "api.patch_item": on(SEES_SHARED_ITEM, (OFFICE,)),
    "api.create_assignment": on(SEES_SHARED_ITEM, (OFFICE,)),
    "api.merge_item": on(SEES_SHARED_ITEM, (OFFICE,)),
    "api.unmerge_item": on(SEES_SHARED_ITEM, (OFFICE,)),
    "api.withdraw_item": on(SEES_SHARED_ITEM, (OFFICE,)),
    "api.similar_items": on(SEES_SHARED_ITEM, READ_ALL),
    "api.add_instruction": on(SEES_SHARED_ITEM, (LEADER,)),
    "api.get_closeout": on(SEES_SHARED_ITEM, READ_ALL + UNIT_OWN + UNIT_PARTNER),
    "api.give_feedback": on(SEES_SOLE_ITEM, (OFFICE, SUB_OWN)),
    "api.rehandle": on(SEES_SOLE_ITEM, (OFFICE,)),
    "api.close_item": on(SEES_SOLE_ITEM, (OFFICE,)),
    "api.archive_item": on(SEES_SOLE_ITEM, (OFFICE,)),
    "api.resolve_feedback": on(SEES_SOLE_ITEM, (OFFICE,)),
    "api.get_assignment": on(SEES_ASSIGNMENT, SEES_ASSIGNMENT),
    "api.patch_assignment": on(SEES_ASSIGNMENT, (OFFICE,)),
    "api.receive": on(SEES_ASSIGNMENT, UNIT_OWN),
    "api.request_return": on(SEES_ASSIGNMENT, UNIT_OWN),
    "api.record_progress": on(SEES_ASSIGNMENT, UNIT_OWN),
    "api.record_contact": on(SEES_ASSIGNMENT, UNIT_OWN),
    "api.co_opinion": on(SEES_ASSIGNMENT, UNIT_OWN),
    "api.request_extension": on(SEES_ASSIGNMENT, UNIT_OWN),
    "api.create_reply": on(SEES_ASSIGNMENT, UNIT_OWN),
    "api.urge_assignment": on(SEES_ASSIGNMENT, (OFFICE,)),
    "api.list_return_requests": only(READ_ALL, UNITS),
    "api.decide_return": on(SEES_ASSIGNMENT, (OFFICE,)),
    "api.decide_extension": on(SEES_ASSIGNMENT, (OFFICE,)),
    "api.get_reply": on(SEES_DRAFT, SEES_DRAFT),
    "api.edit_reply": on(SEES_DRAFT, UNIT_OWN),
    "api.submit_reply": on(SEES_DRAFT, UNIT_OWN),
    "api.upload_attachments": on(SEES_DRAFT, UNIT_OWN),
    "api.sign_off": on(SEES_DRAFT, (UL_OWN,)),
    "api.cosign": on(SEES_DRAFT + UNIT_PARTNER, (UL_PARTNER,)),  # as replies.cosign
    "api.review": on(SEES_DRAFT, (OFFICE,)),
    "api.record_publication": on(SEES_SENT_REPLY, (OFFICE, *UNIT_OWN)),
    "api.download_attachment": on(SEES_DRAFT, SEES_DRAFT),
    "api.list_commitments": only(READ_ALL, UNITS),
    "api.fulfil_commitment": on(SEES_ASSIGNMENT, UNIT_OWN),
    "api.carry_over_commitment": on(SEES_ASSIGNMENT, (OFFICE,)),
    "api.notifications_list": only(EVERYONE),
    "api.notifications_read_all": only(EVERYONE),
    "api.notification_read": Expect({UH_OWN: AUTO}, HIDDEN),
    "api.overdue_list": only(OFFICE_LEADER),
    "api.slips_list": only(OFFICE_LEADER),
    "api.stats_summary": only(OFFICE_LEADER),
    "api.patch_document": on(SEES_SHARED_ITEM, (OFFICE,)),
    "api.raise_objection": on(SEES_ASSIGNMENT, UNIT_OWN),
    "api.decide_objection": on(SEES_ASSIGNMENT, (OFFICE,)),
    "api.record_rectification": on(SEES_ASSIGNMENT, UNIT_OWN),
    "api.supervision_ledger_rows": only(OFFICE),
}


# --- which object each URL points at -----------------------------------------------------------

ARGUMENT_OBJECTS = {
    "item_id": "item", "assignment_id": "assignment", "reply_id": "reply", "commitment_id": "commitment",
    "feedback_id": "feedback", "attachment_id": "attachment", "notification_id": "notification",
    "session_id": "session", "unit_id": "unit", "user_id": "user", "person_id": "person",
    "entry_id": "checklist_entry", "rule_id": "reminder_rule", "card_id": "scorecard",
    "adjustment_id": "adjustment", "report_id": "dispatch_report", "slip_id": "slip",
    "token": "import_token", "filename": "static_file",
}
SENT = "item_sent"
OBJECTS: dict[str, str] = {
    "bootstrap.static": "bootstrap_file",
    # an assignment not yet signed for
    "assignments.receive": "assignment_new", "api.receive": "assignment_new",
    # A's co assignment (on W, led by B)
    "handling.co_opinion": "assignment_co", "api.co_opinion": "assignment_co",
    "documents.co_opinion_letter": "assignment_co",
    # the item whose reply was sent
    "closeout.feedback": SENT, "closeout.expire_feedback": SENT, "closeout.rehandle": SENT,
    "closeout.close": SENT, "closeout.archive": SENT, "api.give_feedback": SENT, "api.rehandle": SENT,
    "api.close_item": SENT, "api.archive_item": SENT,
    "documents.feedback_form": SENT,  # there is a 征询意见表 once the reply is out
    # replies in each step of the pipeline
    "replies.sign_off": "reply_signoff", "api.sign_off": "reply_signoff",
    "replies.cosign": "reply_cosign", "api.cosign": "reply_cosign",
    "replies.review": "reply_review", "api.review": "reply_review",
    "documents.reply_letter": "reply_sent",
    "replies.record_publication": "reply_sent", "api.record_publication": "reply_sent",
    "documents.return_request": "return_request",
}
LITERAL_ARGUMENTS = {"static_file": "css/app.css", "bootstrap_file": "css/bootstrap.min.css"}
# Query strings some routes need.
QUERIES: dict[str, str] = {
    "assessment.add_adjustment": "session={session}",
    "stats.items": "metric=assigned",
    "documents.batch_notice": "session_id={session}&date={today}",
    "assignments.transfer": "from={user}",
}


def object_for(endpoint: str, arg: str) -> str:
    if endpoint in OBJECTS:
        return OBJECTS[endpoint]
    if arg == "request_id":
        return "extension_request" if "extension" in endpoint else "return_request"
    return ARGUMENT_OBJECTS[arg]


# --- request bodies: minimal valid ones, so the permission check is what decides ---------------


@dataclass(frozen=True)
class Multipart:
    fields: dict[str, Any]


PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"

API_BODIES: dict[str, Any] = {
    "api.token": {"username": "sec_office", "password": "Passw0rd!"},
    "api.create_session": {"body": "npc", "name": "矩阵测试会次", "year": 2026},
    "api.reconcile": {"text": "1"},
    "api.create_item": {"kind": "suggestion", "session_id": "{session}", "number": "M-1", "title": "矩阵测试",
                        "submitters": [{"name": "王代表", "role": "lead"}]},
    "api.patch_item": {"title": "矩阵测试修改标题"},
    "api.create_assignment": {"unit_id": "{unit_other}", "role": "co", "task": "研究办理",
                              "responsible_leader": "王局长", "handler_user_id": "{user_other}"},
    "api.merge_item": {"parent_id": "{item_cosign}"},
    "api.unmerge_item": {"reason": "撤销"},
    "api.withdraw_item": {"requested_on": "{today}", "reason": "提出人书面申请撤回", "consent": True},
    "api.add_instruction": {"text": "请抓紧办理"},
    "api.give_feedback": {"work": "satisfied", "result": "satisfied", "adoption": "adopted"},
    "api.rehandle": {"reason": "代表不满意，重新办理"},
    "api.resolve_feedback": {"reason": "已当面说明情况"},
    "api.request_return": {"reason": "不属于本单位职责"},
    "api.decide_return": {"decision": "reject", "note": "属于本单位职责"},
    "api.record_progress": {"text": "已召开协调会"},
    "api.record_contact": {"stage": "during", "method": "phone", "date": "{today}", "summary": "电话沟通"},
    "api.co_opinion": {"text": "会办意见"},
    "api.request_extension": {"new_due": "{extension_due}", "reason": "需协调"},
    "api.decide_extension": {"decision": "reject", "reason": "理由不充分"},
    "api.create_reply": {"result_class": "A", "text": "答复正文"},
    "api.edit_reply": {"text": "修改后的答复正文"},
    "api.sign_off": {"decision": "approve"},
    "api.cosign": {"decision": "approve"},
    "api.review": {"decision": "approve"},
    "api.record_publication": {"published_on": "{today}"},
    "api.patch_assignment": {"responsible_leader": "张副局长", "note": "分管领导调整"},
    "api.upload_attachments": Multipart({"file": (PDF, "附件.pdf")}),
    "api.fulfil_commitment": {"evidence": "已完成"},
    "api.carry_over_commitment": {"reason": "跨年度实施"},
    "api.urge_assignment": {"reason": "请加快"},
    "api.patch_document": {"sectors": "安全生产"},
    "api.raise_objection": {"reason": "不属于本单位职责"},
    "api.decide_objection": {"decision": "dismissed", "issuer_decision": "维持原建议"},
    "api.record_rectification": {"measures": "已整改"},
}
FORM_BODIES: dict[str, Any] = {
    "replies.upload": Multipart({"files": (PDF, "附件.pdf")}),
}


def fill(value: Any, ids: dict[str, Any]) -> Any:
    """Replace ``"{name}"`` placeholders by the world's ids (keeping ints as ints)."""
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return ids[value[1:-1]]
    if isinstance(value, str):
        return value.format(**ids) if "{" in value else value
    if isinstance(value, dict):
        return {k: fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, ids) for v in value]
    return value


def expectation(endpoint: str, method: str) -> Expect | None:
    """The entry for an endpoint and method, or None when the table has none."""
    entry = ENDPOINTS.get(endpoint)
    if entry is None:
        return None
    if entry == DEFAULT:
        blueprint = endpoint.split(".", 1)[0]
        return BLUEPRINT_DEFAULTS.get(blueprint)
    if isinstance(entry, dict):
        return entry.get(method)
    return entry
