"""Bulk seeding for ``tracker bench``: N realistic items over ten years of NPC and CPPCC
sessions, written with bulk inserts (not through the services, which would take hours).

The data follows the same rules the services enforce, so every page and report reads it as
if it had been entered by hand: deadlines come from the real clocks (``assignments.deadlines``
with the default rule profile and the working calendar), ``current_due`` and the item status
are what the services would store, every reply/contact/feedback has its audit entry, and the
reminders and slips of open assignments are the ones the real sweep would have created up to
yesterday (``reminders.sweep.load_subjects`` + ``reminders.rules.due_reminders``), so today's
sweep finds only what is new today.

Shape (at N = 200,000): ten years × (one NPC + one CPPCC session) = 20 sessions of about
10,000 items (the national scale of the issue: ~15–20k items a year). Sessions of older years
are closed and archived; last year's have some items still following up commitments; this
year's have items in every state — pending receipt, return requested / returned and
reassigned, handling, extension, reply drafts at every review step, replied, evaluated,
re-handling, follow-up, closed, withdrawn, merged — and about 5% of the open assignments are
overdue. A few items per 2,000 have a long timeline (hundreds of audit entries, dozens of
contacts and progress notes). The latest NPC session has exactly ``export_rows(N)`` items
(10,000 at N = 200,000) and the first CPPCC session ``small_rows(N)`` (2,000): the ledger
export and its memory check use them.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from tracker.accounts.models import Person, User
from tracker.assignments import deadlines
from tracker.assignments.models import Assignment, ExtensionRequest, ReturnRequest
from tracker.audit.models import AuditEntry
from tracker.bench.bulk import BulkWriter, dumps, reset_sequences
from tracker.core import clock, security
from tracker.core.db import db, is_sqlite, refresh_statistics
from tracker.core.enums import (
    AssignmentStatus as AS,
)
from tracker.core.enums import (
    Body,
    HandlingRole,
    ItemKind,
    Role,
    Tier,
    label,
)
from tracker.core.enums import (
    ItemStatus as IS,
)
from tracker.core.enums import (
    ReplyStatus as RS,
)
from tracker.handling.models import Contact, CoOpinion, ProgressNote
from tracker.items.models import Instruction, Item, Session, Submitter
from tracker.models import MODELS
from tracker.reminders.models import Notification, Reminder, Slip
from tracker.replies.models import Commitment, Feedback, Reply, ReplyCosign
from tracker.units.models import Unit

BENCH_PASSWORD = "Bench#2026"  # noqa: S105 - every bench account (a throwaway benchmark database)
YEARS = 10
LOCAL_OFFSET = dt.timedelta(hours=8)  # Asia/Shanghai, no daylight saving
OVERDUE_SHARE = 0.05

NPC_TERMS = ("十六", "十七", "十八")
CPPCC_TERMS = ("十三", "十四", "十五")
ORDINALS = ("一", "二", "三", "四", "五")
DOC_PREFIX = "办"
NEIGHBOURHOOD_A = ("青山", "绿水", "和平", "幸福", "光明", "金桥", "银湖", "东风", "红星", "朝阳", "新华", "建设",
                   "团结", "胜利", "长安", "丰收", "文昌", "阳光", "翠竹", "枫林", "桃园", "柳岸", "云龙", "凤鸣")
NEIGHBOURHOOD_B = ("社区", "片区", "街道", "新村", "花园小区", "老城片区", "工业园", "镇", "村", "安置小区")
ROAD_B = ("路", "大道", "大街", "北路", "南路", "东路", "西路", "巷")

# The item's story, by the age of its session (0 = this year). Weights, not shares.
STORIES: dict[str, list[tuple[str, float]]] = {
    "old": [("archived", 75), ("closed", 23), ("withdrawn", 1), ("merged", 1)],
    "last": [("closed", 84), ("follow_up", 12), ("evaluated", 2), ("withdrawn", 1), ("merged", 1)],
    "current": [
        ("registered", 2), ("pending_receipt", 4), ("return_requested", 2), ("returned_reassigned", 2),
        ("handling", 20), ("extension", 3), ("draft", 4), ("awaiting_sign_off", 2),
        ("awaiting_cosign", 2), ("awaiting_review", 2), ("sent", 13), ("evaluated", 12),
        ("rehandling", 3), ("follow_up", 8), ("closed", 19), ("withdrawn", 1), ("merged", 1),
    ],
}
# What the answering units' assignments are doing in each story.
PHASE = {
    "pending_receipt": "pending", "return_requested": "return_pending", "returned_reassigned": "handling",
    "handling": "handling", "extension": "handling", "draft": "draft",
    "awaiting_sign_off": "sign_off", "awaiting_cosign": "cosign", "awaiting_review": "review",
    "sent": "replied", "evaluated": "replied", "follow_up": "replied", "rehandling": "rehandling",
    "closed": "done", "archived": "done", "withdrawn": "handling",
}
OWING_STORIES = {"pending_receipt", "return_requested", "returned_reassigned", "handling", "extension",
                 "draft", "awaiting_sign_off", "awaiting_cosign", "awaiting_review", "rehandling"}
ITEM_STATUS = {
    "registered": IS.REGISTERED, "pending_receipt": IS.ASSIGNED, "return_requested": IS.IN_PROGRESS,
    "returned_reassigned": IS.IN_PROGRESS, "handling": IS.IN_PROGRESS, "extension": IS.IN_PROGRESS,
    "draft": IS.IN_PROGRESS, "awaiting_sign_off": IS.IN_PROGRESS, "awaiting_cosign": IS.IN_PROGRESS,
    "awaiting_review": IS.IN_PROGRESS, "sent": IS.REPLIED, "evaluated": IS.EVALUATED,
    "follow_up": IS.FOLLOW_UP, "rehandling": IS.REHANDLING, "closed": IS.CLOSED, "archived": IS.ARCHIVED,
    "withdrawn": IS.WITHDRAWN, "merged": IS.MERGED,
}
REPLY_OF_PHASE = {"draft": RS.DRAFT, "sign_off": RS.AWAITING_SIGN_OFF, "cosign": RS.AWAITING_COSIGN,
                  "review": RS.AWAITING_OFFICE_REVIEW}

COLUMNS: dict[type, list[str]] = {
    Unit: ["id", "name", "short_name", "category", "active", "sort_order"],
    Person: ["id", "name", "body", "delegation", "phone", "email"],
    User: ["id", "username", "password_hash", "name", "role", "unit", "person", "phone", "email", "title",
           "active", "locale", "session_nonce", "failed_logins", "created_at"],
    Session: ["id", "body", "name", "year", "opened_on", "closed_on", "created_at"],
    Item: ["id", "kind", "session", "number", "title", "content", "category", "tier", "is_key", "from_motion",
           "handling_mode", "status", "version", "leader", "merged_into", "received_on", "registered_at",
           "registered_by", "updated_at", "closed_at", "close_note", "archived_at", "note"],
    Submitter: ["id", "item", "name", "role", "person", "position"],
    Instruction: ["id", "item", "author", "text", "created_at"],
    Assignment: ["id", "item", "unit", "role", "status", "version", "round", "task", "responsible_leader",
                 "handler", "handler_phone", "scorecard", "assigned_on", "receipt_due", "return_due",
                 "first_contact_due", "co_opinion_due", "reply_due", "reply_due_set_by_office",
                 "reply_due_max", "extended_due", "rehandle_due", "current_due", "assigned_by", "received_at",
                 "received_by", "first_contact_on", "opinion_submitted_on", "replied_on", "reassigned_from",
                 "created_at", "updated_at"],
    ReturnRequest: ["id", "assignment", "reason", "status", "late_override", "requested_at", "requested_by",
                    "decision_due", "decided_at", "decided_by", "decision_note"],
    ExtensionRequest: ["id", "assignment", "old_due", "requested_due", "reason", "status", "requested_at",
                       "requested_by", "decided_at", "decided_by", "decision_note"],
    ProgressNote: ["id", "assignment", "text", "author", "created_at"],
    Contact: ["id", "assignment", "stage", "method", "contact_on", "participants", "summary", "author",
              "created_at"],
    CoOpinion: ["id", "assignment", "text", "author", "submitted_on", "created_at"],
    Reply: ["id", "assignment", "round", "status", "version", "cycle", "result_class", "text", "contact_name",
            "contact_phone", "publish", "doc_number", "created_by", "created_at", "updated_at",
            "signed_off_by", "signed_off_at", "reviewed_by", "reviewed_at", "return_reason", "sent_at",
            "sent_on", "published_on"],
    ReplyCosign: ["id", "reply", "assignment", "cycle", "decision", "reason", "by", "at"],
    Commitment: ["id", "reply", "assignment", "text", "due_on", "status", "version", "fulfilled_on",
                 "fulfilled_by", "evidence", "carry_reason"],
    Feedback: ["id", "item", "submitter", "round", "work", "result", "adoption", "contacted", "contact_method",
               "comment", "source", "entered_by", "created_at", "resolution"],
    AuditEntry: ["id", "at", "actor_id", "actor_name", "action", "object_type", "object_id", "item_id",
                 "unit_id", "before", "after", "detail"],
    Reminder: ["id", "key", "rule_key", "item", "assignment", "commitment", "due_on", "created_at", "told_in_batch"],
    Notification: ["id", "user", "kind", "title", "body", "item", "reminder", "created_at", "read_at",
                   "email_status", "email_attempts", "email_error", "sms_status"],
    Slip: ["id", "assignment", "color", "issued_on", "issued_at", "issued_by", "reason", "key"],
}


def export_rows(n_items: int) -> int:
    """Items of the latest NPC session: the ledger export's size (10,000 at 200,000)."""
    return max(1, min(10_000, n_items // 20))


def small_rows(n_items: int) -> int:
    """Items of the first CPPCC session: the small export of the memory check (2,000)."""
    return max(1, min(2_000, n_items // 100))


@dataclass
class SessionInfo:
    id: int
    body: str
    name: str
    year: int
    items: int
    age: int


@dataclass
class SeedResult:
    items: int
    seconds: float
    rows: dict[str, int]
    sessions: list[SessionInfo]
    long_items: list[int]
    latest_npc: int
    first_cppcc: int
    leader_username: str
    office_username: str
    open_assignments: int = 0
    overdue_assignments: int = 0
    reminders: int = 0
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "items": self.items, "seconds": round(self.seconds, 1), "rows": dict(sorted(self.rows.items())),
            "total_rows": sum(self.rows.values()),
            "sessions": [{"id": s.id, "body": s.body, "name": s.name, "year": s.year, "items": s.items}
                         for s in self.sessions],
            "open_assignments": self.open_assignments, "overdue_assignments": self.overdue_assignments,
            "overdue_share": round(self.overdue_assignments / self.open_assignments, 4)
            if self.open_assignments else None,
            "reminders_until_yesterday": self.reminders, **self.details,
        }


# --- small helpers ---------------------------------------------------------------------------


def utc(day: dt.date, minute: int) -> dt.datetime:
    """Naive UTC (as stored) of ``minute`` minutes after local midnight of ``day``."""
    return dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=minute) - LOCAL_OFFSET


def session_sizes(n_items: int) -> list[tuple[str, int, int]]:
    """(body, year index 0..9, items) for the 20 sessions, summing to ``n_items``."""
    fixed = {("npc", YEARS - 1): export_rows(n_items), ("cppcc", 0): small_rows(n_items)}
    rest = max(0, n_items - sum(fixed.values()))
    weights = {}
    for k in range(YEARS):
        for body, w in (("npc", 1.2), ("cppcc", 1.0)):
            if (body, k) not in fixed:
                weights[(body, k)] = w * (1 + 0.05 * k)
    total = sum(weights.values())
    sizes = {key: int(rest * w / total) for key, w in weights.items()}
    last = max(weights)  # the remainder goes to one session
    sizes[last] += rest - sum(sizes.values())
    sizes.update(fixed)
    return [(body, k, sizes[(body, k)]) for k in range(YEARS) for body in ("cppcc", "npc")]


class Seeder:
    def __init__(self, n_items: int, *, rng_seed: int = 2026, today: dt.date | None = None,
                 progress: Callable[[str], None] | None = None):
        from tracker.demo import COMMITMENTS as COMMITMENT_TEXTS
        from tracker.demo import (
            CONTACT_SUMMARIES,
            DELEGATIONS,
            GIVEN,
            PLACES,
            PROBLEMS,
            PROGRESS,
            REPLY_ACTIONS,
            REPLY_PLANS,
            ROADS,
            SECTORS,
            SUGGESTIONS,
            SURNAMES,
            TOPICS,
            UNITS,
            WATERS,
        )

        self.text = {
            "contact": CONTACT_SUMMARIES, "delegations": DELEGATIONS, "given": GIVEN, "places": PLACES,
            "problems": PROBLEMS, "progress": PROGRESS, "actions": REPLY_ACTIONS, "plans": REPLY_PLANS,
            "roads": ROADS, "sectors": SECTORS, "suggestions": SUGGESTIONS, "surnames": SURNAMES,
            "topics": TOPICS, "units": UNITS, "waters": WATERS, "commitments": COMMITMENT_TEXTS,
        }
        self.n = n_items
        self.rng = random.Random(rng_seed)
        self.today = today or clock.today()
        self.now = utc(self.today, 8 * 60)  # the seed "happens" at 08:00 today
        self.started = clock.now().astimezone(dt.UTC).replace(tzinfo=None)
        self.progress = progress or (lambda _msg: None)
        self.w = BulkWriter(MODELS)
        for model, cols in COLUMNS.items():
            self.w.register(model, cols)
        from tracker.rules import services as rule_services

        self.rules = rule_services.rule_set(None)
        self.cal = rule_services.work_calendar()
        self.long_items: list[int] = []
        self.sessions: list[SessionInfo] = []
        self.open_assignments = 0
        self.overdue_assignments = 0
        self._dates = lru_cache(maxsize=None)(self._dates_uncached)
        self._workday = lru_cache(maxsize=None)(self._workday_uncached)

    # ---- clocks (the real ones, cached per day) ------------------------------------------------

    def _dates_uncached(self, assigned_on: dt.date, co: bool) -> dict[str, dt.date | None]:
        computed = deadlines.assignment_deadlines(assigned_on, "co" if co else "sole", self.rules, self.cal)
        return {key: d.due for key, d in computed.items()}

    def _workday_uncached(self, day: dt.date, n: int) -> dt.date:
        return deadlines.add_working_days(day, n, self.cal)

    def after(self, day: dt.date, lo: int, hi: int, cap: dt.date | None = None) -> dt.date:
        value = day + dt.timedelta(days=self.rng.randint(lo, hi))
        cap = cap or self.today
        return min(value, cap)

    def minute(self) -> int:
        return self.rng.randint(8 * 60 + 30, 17 * 60 + 30)

    def stamp(self, day: dt.date) -> dt.datetime:
        """A working-hours instant on ``day`` (naive UTC), never later than the seed's start."""
        at = utc(day, self.minute())
        return at if at <= self.started else self.started - dt.timedelta(minutes=self.rng.randint(1, 600))

    # ---- reference data ------------------------------------------------------------------------

    def name(self) -> str:
        t = self.text
        return self.rng.choice(t["surnames"]) + self.rng.choice(t["given"])

    def phone(self) -> str:
        return "1" + self.rng.choice("3589") + "".join(self.rng.choice("0123456789") for _ in range(9))

    def reference_data(self) -> None:
        w = self.w
        created = self.now
        units = {u.name: u for u in Unit.select()}
        self.units: dict[str, int] = {}
        self.unit_names: dict[int, str] = {}
        for position, (name, short, code, category) in enumerate(self.text["units"]):
            if name in units:
                uid = units[name].id
            else:
                uid = w.new_id(Unit)
                w.add(Unit, (uid, name, short, category, True, position))
            self.units[code] = uid
            self.unit_names[uid] = name
        self.district_units = [self.units[c] for _n, _s, c, cat in self.text["units"] if cat == "district"]
        self.password_hash = security.hash_password(BENCH_PASSWORD)
        existing = {u.username: u for u in User.select().where(User.username.startswith("bench_"))}
        self.user_names: dict[int, str] = {}

        def user(username: str, role: Role, *, unit: int | None = None, title: str = "",
                 person: int | None = None, name: str | None = None) -> int:
            if username in existing:
                found = existing[username]
                self.user_names[found.id] = found.name
                return found.id
            uid = w.new_id(User)
            display = name or self.name()
            w.add(User, (uid, username, self.password_hash, display, role.value, unit, person, self.phone(),
                         f"{username}@example.com", title, True, "zh", security.new_nonce(), 0, created))
            self.user_names[uid] = display
            return uid

        self.admin = user("bench_admin", Role.ADMIN, title="信息中心工程师")
        self.office = [user(f"bench_office{k}", Role.OFFICE, title="督查室干部") for k in range(1, 5)]
        self.leaders = [user(f"bench_leader{k}", Role.LEADER, title="副市长") for k in range(1, 9)]
        self.handlers: dict[int, list[int]] = {}
        self.unit_leader: dict[int, int] = {}
        self.phones: dict[int, str] = {}
        for _name, _short, code, _cat in self.text["units"]:
            uid = self.units[code]
            self.unit_leader[uid] = user(f"bench_{code}_leader", Role.UNIT_LEADER, unit=uid, title="副局长")
            self.handlers[uid] = [user(f"bench_{code}_handler{k}", Role.UNIT_HANDLER, unit=uid,
                                       title="办公室副主任") for k in (1, 2)]
            for h in self.handlers[uid]:
                self.phones[h] = self.phone()
        # deputies and members: a pool per body, larger with N (about one per 20 items)
        self.persons: dict[str, list[tuple[int, str]]] = {"npc": [], "cppcc": []}
        pool = max(60, self.n // 40)
        for body, groups in (("npc", self.text["delegations"]), ("cppcc", self.text["sectors"])):
            for k in range(pool):
                pid = w.new_id(Person)
                name = self.name()
                w.add(Person, (pid, name, body, groups[k % len(groups)], self.phone(), ""))
                self.persons[body].append((pid, name))
        # a few of them log in to see their own items
        for body in ("npc", "cppcc"):
            for k, (pid, name) in enumerate(self.persons[body][:20]):
                user(f"bench_{body}{k + 1}", Role.SUBMITTER, person=pid, name=name,
                     title="市人大代表" if body == "npc" else "市政协委员")
        from tracker.assessment.services import default_scorecard

        lead_card, co_card = default_scorecard("lead"), default_scorecard("co")
        self.scorecard = {False: lead_card.id if lead_card else None, True: co_card.id if co_card else None}
        w.flush()

    # ---- sessions ------------------------------------------------------------------------------

    def session_rows(self) -> list[tuple[int, str, str, int, int, int, dt.date]]:
        taken = {(s.body, s.name) for s in Session.select(Session.body, Session.name)}
        out = []
        first_year = self.today.year - YEARS + 1
        for body, k, size in session_sizes(self.n):
            year = first_year + k
            term, ordinal = divmod(k, 5)
            if body == "npc":
                name = f"市{NPC_TERMS[term]}届人大{ORDINALS[ordinal]}次会议"
                opened = dt.date(year, 1, 12)
            else:
                name = f"市政协{CPPCC_TERMS[term]}届{ORDINALS[ordinal]}次会议"
                opened = dt.date(year, 1, 10)
            base, suffix = name, 2
            while (body, name) in taken:  # --force on a database that has them already
                name = f"{base}（基准{suffix}）"
                suffix += 1
            taken.add((body, name))
            sid = self.w.new_id(Session)
            closed = opened + dt.timedelta(days=5)
            self.w.add(Session, (sid, body, name, year, opened, closed, utc(opened - dt.timedelta(days=20), 600)))
            out.append((sid, body, name, year, size, self.today.year - year, closed))
        return out

    # ---- one item ------------------------------------------------------------------------------

    def story(self, age: int) -> str:
        table = STORIES["current" if age == 0 else "last" if age == 1 else "old"]
        names = [n for n, _ in table]
        weights = [w for _, w in table]
        return self.rng.choices(names, weights)[0]

    def audit(self, at: dt.datetime, actor: int | None, action: str, obj: str, obj_id: int | None,
              item_id: int, unit_id: int | None, detail: str, after: dict | None = None) -> None:
        w = self.w
        w.add(AuditEntry, (w.new_id(AuditEntry), at, actor, self.user_names.get(actor, "系统") if actor else "系统",
                           action, obj, obj_id, item_id, unit_id, None, dumps(after), detail))

    def generate_session(self, sid: int, body: str, name: str, year: int, size: int, age: int,
                         closed_on: dt.date) -> None:
        long_quota = max(1, size // 2000) if age == 0 and body == "npc" else 0
        first_item_id = None
        for number in range(1, size + 1):
            story = self.story(age)
            long = False
            if long_quota and number % 97 == 0:
                story, long = "handling", True
                long_quota -= 1
            item_id = self.item(sid, body, year, age, closed_on, number, story, long=long,
                                first_item_id=first_item_id)
            if first_item_id is None:
                first_item_id = item_id
            if long:
                self.long_items.append(item_id)
            if self.w.pending() > 400_000:
                self.w.flush()
        self.w.flush()

    def item(self, sid: int, body: str, year: int, age: int, closed_on: dt.date, number: int, story: str,
             *, long: bool, first_item_id: int | None) -> int:
        rng, w, t = self.rng, self.w, self.text
        npc = body == Body.NPC.value
        kind = ItemKind.SUGGESTION.value if npc else ItemKind.PROPOSAL.value
        category, template, lead_code, co_codes = rng.choice(t["topics"])
        # names of neighbourhoods and roads vary, as real titles do (a few templates alone would
        # make every title a near-duplicate of thousands of others)
        place = rng.choice(t["places"]) + rng.choice(NEIGHBOURHOOD_A) + rng.choice(NEIGHBOURHOOD_B)
        road = rng.choice(NEIGHBOURHOOD_A) + rng.choice(ROAD_B)
        if "{" not in template and template.startswith("关于") and rng.random() < 0.7:
            template = "关于{place}" + template[2:]  # 关于 + 东城区青山社区 + 加强…
        title = template.format(place=place, road=road, water=rng.choice(t["waters"]))
        title += "建议" if npc else "提案"
        problems = rng.sample(t["problems"][category], 2)
        steps = rng.sample(t["suggestions"][category], 3)
        content = (f"近年来，我市{category}领域各项工作取得积极进展，但在{place}等地仍存在{problems[0]}、"
                   f"{problems[1]}等问题，群众反映较为集中。为此建议：一是{steps[0]}；二是{steps[1]}；"
                   f"三是{steps[2]}。希望有关部门高度重视，切实推动问题解决。")
        roll = rng.random()
        tier = (Tier.LEADER_LED.value if roll < 0.03 else Tier.OFFICE_SUPERVISED.value if roll < 0.15
                else Tier.DEPARTMENT.value)
        if story == "awaiting_review" and tier == Tier.DEPARTMENT.value:
            tier = Tier.OFFICE_SUPERVISED.value
        leader = rng.choice(self.leaders) if tier == Tier.LEADER_LED.value else None
        is_key = tier != Tier.DEPARTMENT.value or rng.random() < 0.08
        office = rng.choice(self.office)
        item_id = w.new_id(Item)

        # submitters: a lead and co-signers (NPC suggestions often have several)
        people = self.persons[body]
        count = (1 + min(12, int(rng.expovariate(1 / 2.2)))) if npc else (1 + (rng.random() < 0.3) * rng.randint(1, 3))
        chosen = rng.sample(people, min(count, len(people)))
        submitters = []
        for position, (pid, pname) in enumerate(chosen):
            sub_id = w.new_id(Submitter)
            w.add(Submitter, (sub_id, item_id, pname, "lead" if position == 0 else "co", pid, position))
            submitters.append((sub_id, pname))

        registered_on = self.after(closed_on, 1, 12)
        registered_at = self.stamp(registered_on)
        self.audit(registered_at, office, "registered", "item", item_id, item_id, None,
                   f"登记第 {number} 号{label(ItemKind(kind))}")
        status = ITEM_STATUS[story]
        merged_into = None
        mode = ""
        closed_at = archived_at = None
        close_note = ""
        updated_at = registered_at
        if story == "merged" and first_item_id is not None:
            merged_into = first_item_id
            self.audit(registered_at + dt.timedelta(days=2), office, "merged", "item", item_id, item_id, None,
                       "与主件所提问题相同，并案办理")
        elif story == "merged":
            story, status = "registered", IS.REGISTERED
        if story not in ("registered", "merged"):
            mode, last_at = self.handle(item_id, number, title, tier, leader, lead_code, co_codes, place,
                                        story, age, year, closed_on, registered_on, submitters, office,
                                        long=long)
            updated_at = max(updated_at, last_at)
            if story in ("closed", "archived"):
                closed_day = max(last_at.date(), min(dt.date(year, 12, rng.randint(1, 20)), self.today))
                closed_at = self.stamp(closed_day)
                close_note = "各项办理工作已完成，经对账同意销号"
                self.audit(closed_at, office, "closed", "item", item_id, item_id, None, "对账销号")
                updated_at = closed_at
                if story == "archived":
                    archived_at = self.stamp(min(dt.date(year + 1, 3, rng.randint(1, 28)), self.today))
                    self.audit(archived_at, office, "archived", "item", item_id, item_id, None, "归档")
                    updated_at = archived_at
            elif story == "withdrawn":
                at = updated_at + dt.timedelta(days=3)
                self.audit(at, office, "withdrawn", "item", item_id, item_id, None, "领衔人书面申请撤回")
                updated_at = at
        if leader is not None:
            for k in range(rng.randint(1, 2)):
                at = registered_at + dt.timedelta(days=5 + 7 * k)
                iid = w.new_id(Instruction)
                w.add(Instruction, (iid, item_id, leader, "请相关部门高度重视，认真研究，切实办好并按时答复。", at))
                self.audit(at, leader, "instruction", "instruction", iid, item_id, None, "领导批示")
        w.add(Item, (item_id, kind, sid, str(number), title, content, category, tier, is_key,
                     npc and rng.random() < 0.02, mode, status.value, 1 + rng.randint(0, 3), leader, merged_into,
                     registered_on, registered_at, office, updated_at, closed_at, close_note, archived_at, ""))
        return item_id

    # ---- assignments and what follows ------------------------------------------------------------

    def assigned_on_for(self, story: str, age: int, overdue: bool, registered_on: dt.date) -> dt.date:
        """The assignment date: normal for finished stories, recent or overdue for open ones."""
        rng, today = self.rng, self.today
        normal = min(registered_on + dt.timedelta(days=rng.randint(3, 25)), today)
        if age > 0 or story not in OWING_STORIES | {"sent"}:
            return normal
        if story == "pending_receipt":
            if overdue:
                return today - dt.timedelta(days=rng.randint(5, 60))
            day = today - dt.timedelta(days=rng.randint(0, 2))
            while self._dates(day, False)["receipt_due"] < today:
                day += dt.timedelta(days=1)
            return day
        if story == "return_requested":
            return today - dt.timedelta(days=rng.randint(2, 8))
        if story == "sent":
            return today - dt.timedelta(days=rng.randint(45, 110))
        if story == "rehandling":
            return normal
        if story == "extension":
            return today - dt.timedelta(days=rng.randint(100, 150))
        if overdue:
            return today - dt.timedelta(days=rng.randint(95, 200))
        if story in ("draft", "awaiting_sign_off", "awaiting_cosign", "awaiting_review"):
            return today - dt.timedelta(days=rng.randint(35, 88))
        return today - dt.timedelta(days=rng.randint(5, 88))

    def handle(self, item_id: int, number: int, title: str, tier: str, leader: int | None, lead_code: str,
               co_codes: list[str], place: str, story: str, age: int, year: int, closed_on: dt.date,
               registered_on: dt.date, submitters: list[tuple[int, str]], office: int, *,
               long: bool) -> tuple[str, dt.datetime]:
        rng = self.rng
        lead = self.units[lead_code]
        cos = [self.units[c] for c in co_codes if self.units[c] != lead]
        if rng.random() < 0.4:
            district = rng.choice(self.district_units)
            if district != lead and district not in cos:
                cos.insert(0, district)
        roll = rng.random()
        if long and cos:
            plan = [(lead, "lead")] + [(c, "co") for c in cos[:3]]
        elif roll < 0.30 and cos:
            plan = [(lead, "lead")] + [(c, "co") for c in cos[:rng.randint(1, min(3, len(cos)))]]
        elif roll < 0.40 and cos:
            plan = [(lead, "separate"), (cos[0], "separate")]
        else:
            plan = [(lead, "sole")]
        if story == "awaiting_cosign" and not any(r == "co" for _, r in plan):
            other = next(u for u in self.unit_names if u != lead)
            plan = [(lead, "lead"), (other, "co")]
        mode = ("lead_co" if plan[0][1] == "lead" else "separate" if plan[0][1] == "separate" else "sole")
        overdue = age == 0 and story in OWING_STORIES and rng.random() < OVERDUE_SHARE
        assigned_on = self.assigned_on_for(story, age, overdue, registered_on)
        ctx = _ItemCtx(item_id=item_id, number=number, title=title, tier=tier, leader=leader, story=story,
                       age=age, year=year, submitters=submitters, office=office, overdue=overdue,
                       mode=mode, long=long, last=self.stamp(assigned_on))
        if story == "returned_reassigned":
            # the first unit asked to return it, the office agreed and assigned another unit
            first_on = self.today - dt.timedelta(days=rng.randint(25, 60)) if age == 0 else assigned_on
            first = self.assignment(ctx, plan[0][0], plan[0][1], first_on, "returned")
            others = [u for u in self.unit_names if u not in {p[0] for p in plan}]
            new_unit = rng.choice(others)
            reassigned_on = min(first_on + dt.timedelta(days=rng.randint(8, 14)), self.today)
            self.assignment(ctx, new_unit, plan[0][1], reassigned_on, "handling", reassigned_from=first)
            for unit, role in plan[1:]:
                self.assignment(ctx, unit, role, first_on, "handling")
        else:
            for unit, role in plan:
                self.assignment(ctx, unit, role, assigned_on, PHASE[story])
        if story in ("sent", "evaluated", "follow_up", "closed", "archived", "rehandling"):
            self.feedback(ctx)
        return mode, ctx.last

    def assignment(self, ctx: _ItemCtx, unit: int, role: str, assigned_on: dt.date, phase: str,
                   reassigned_from: int | None = None) -> int:
        rng, w, today = self.rng, self.w, self.today
        co = role == "co"
        dates = dict(self._dates(assigned_on, co))
        aid = w.new_id(Assignment)
        handler = rng.choice(self.handlers[unit])
        unit_leader = self.unit_leader[unit]
        office = ctx.office
        created = self.stamp(assigned_on)
        status = AS.HANDLING
        received_at = None
        first_contact_on = opinion_on = replied_on = None
        extended_due = rehandle_due = None
        rnd = 1
        name = self.unit_names[unit]
        self.audit(created, office, "assigned", "assignment", aid, ctx.item_id, unit,
                   f"交办{name}（{label(HandlingRole(role))}），答复期限 {dates['reply_due'].isoformat()}",
                   after={"unit": name, "role": role, "reply_due": dates["reply_due"].isoformat()})
        ctx.bump(created)

        def receive() -> None:
            nonlocal received_at
            day = min(self._workday(assigned_on, rng.choice((0, 1, 1, 2))), today)
            received_at = self.stamp(day)
            if received_at < created:
                received_at = created + dt.timedelta(hours=1)
            self.audit(received_at, handler, "received", "assignment", aid, ctx.item_id, unit, f"{name}签收")
            ctx.bump(received_at)

        if phase == "pending":
            status = AS.PENDING_RECEIPT
        elif phase == "return_pending" and role != "co":
            status = AS.RETURN_REQUESTED
            receive()
            at = min(received_at + dt.timedelta(hours=rng.randint(2, 48)), self.started)
            rid = w.new_id(ReturnRequest)
            w.add(ReturnRequest, (rid, aid, "该件所提事项不属于本单位职责范围，建议改由相关单位办理。", "pending",
                                  False, at, handler, at.date() + dt.timedelta(days=7), None, None, ""))
            self.audit(at, handler, "return_requested", "assignment", aid, ctx.item_id, unit, f"{name}申请退回")
        elif phase == "returned":
            status = AS.RETURNED
            receive()
            at = received_at + dt.timedelta(days=rng.randint(1, 4))
            decided = at + dt.timedelta(days=rng.randint(1, 4))
            rid = w.new_id(ReturnRequest)
            w.add(ReturnRequest, (rid, aid, "该件所提事项不属于本单位职责范围。", "approved", False, at, handler,
                                  at.date() + dt.timedelta(days=7), decided, office, "同意退回，另行交办"))
            self.audit(at, handler, "return_requested", "assignment", aid, ctx.item_id, unit, f"{name}申请退回")
            self.audit(decided, office, "return_decided", "assignment", aid, ctx.item_id, unit, "同意退回")
        else:
            receive()

        # what the unit did while handling
        answering = not co and status not in (AS.PENDING_RECEIPT, AS.RETURNED)
        reply_phase = phase if phase in REPLY_OF_PHASE or phase in ("replied", "done", "rehandling") else None
        sent_on = None
        if answering and reply_phase in ("replied", "done", "rehandling"):
            late = rng.random() < (0.08 if ctx.age > 0 else 0.05)
            lo, hi = (40, 88) if not late else (95, 140)
            sent_on = min(assigned_on + dt.timedelta(days=rng.randint(lo, hi)), today - dt.timedelta(days=1))
            if ctx.story == "sent" and ctx.age == 0:
                sent_on = today - dt.timedelta(days=rng.randint(1, 20))
            if ctx.story == "rehandling":
                sent_on = min(sent_on, today - dt.timedelta(days=70))
            sent_on = max(sent_on, assigned_on + dt.timedelta(days=3))
        if answering:
            end = sent_on or today
            # contacts with the submitters: before, during, after
            if rng.random() < 0.9:
                first_contact_on = min(self.after(assigned_on, 3, 25), end)
                self.contact(ctx, aid, unit, handler, "before", first_contact_on)
            if rng.random() < 0.5 and (end - assigned_on).days > 20:
                self.contact(ctx, aid, unit, handler, "during", self.after(assigned_on, 20, max(20, (end - assigned_on).days)))
            notes = rng.randint(1, 2)
            for _ in range(notes):
                self.progress_note(ctx, aid, unit, handler, self.after(assigned_on, 7, max(7, (end - assigned_on).days)))
            if ctx.long:
                for _ in range(rng.randint(40, 80)):
                    self.progress_note(ctx, aid, unit, handler, self.after(assigned_on, 1, max(1, (end - assigned_on).days)))
                for _ in range(rng.randint(20, 40)):
                    stage = rng.choice(("before", "during"))
                    self.contact(ctx, aid, unit, handler, stage, self.after(assigned_on, 1, max(1, (end - assigned_on).days)))
                self.long_timeline(ctx, aid, unit, handler, assigned_on)
        if co and phase not in ("pending", "returned"):
            # a co unit sends its opinion within its month, unless it is this item's late one
            due = dates["co_opinion_due"]
            owes = (phase in ("handling", "return_pending") and ctx.age == 0
                    and (due >= today or ctx.overdue) and rng.random() < (0.9 if ctx.overdue else 0.5))
            if owes:
                status = AS.HANDLING
            else:
                late = rng.random() < 0.07
                opinion_on = min(self.after(assigned_on, 8, 30) if not late else due + dt.timedelta(days=rng.randint(1, 20)), today)
                opinion_on = max(opinion_on, assigned_on)
                cid = w.new_id(CoOpinion)
                at = self.stamp(opinion_on)
                w.add(CoOpinion, (cid, aid, f"{name}会办意见：同意主办单位的办理思路，将积极配合做好相关工作。",
                                  handler, opinion_on, at))
                self.audit(at, handler, "co_opinion", "coopinion", cid, ctx.item_id, unit, f"{name}提交会办意见")
                ctx.bump(at)
                status = AS.DONE if phase == "done" else AS.OPINION_SUBMITTED

        # extension
        if answering and ctx.story == "extension" and role != "co":
            ext_max = dates["reply_due_max"]
            if ctx.overdue:
                extended_due = max(dates["reply_due"] + dt.timedelta(days=7), today - dt.timedelta(days=rng.randint(3, 30)))
            else:
                extended_due = today + dt.timedelta(days=rng.randint(5, 50))
            extended_due = min(extended_due, ext_max)
            if extended_due <= dates["reply_due"]:
                extended_due = None
            else:
                at = self.stamp(dates["reply_due"] - dt.timedelta(days=10))
                eid = w.new_id(ExtensionRequest)
                w.add(ExtensionRequest, (eid, aid, dates["reply_due"], extended_due, "该件涉及多个部门，需进一步协调论证。",
                                         "approved", at, handler, at + dt.timedelta(days=2), office, "同意延期"))
                self.audit(at, handler, "extension_requested", "extensionrequest", eid, ctx.item_id, unit, "申请延期")
                self.audit(at + dt.timedelta(days=2), office, "extension_decided", "extensionrequest", eid,
                           ctx.item_id, unit, f"同意延期至 {extended_due.isoformat()}")

        # replies
        if answering and reply_phase:
            if reply_phase in REPLY_OF_PHASE:
                self.reply(ctx, aid, unit, handler, unit_leader, 1, REPLY_OF_PHASE[reply_phase], None, assigned_on)
            else:
                rid = self.reply(ctx, aid, unit, handler, unit_leader, 1, RS.SENT, sent_on, assigned_on)
                replied_on = sent_on
                status = AS.DONE if phase == "done" else AS.REPLIED
                if rng.random() < 0.6:
                    self.contact(ctx, aid, unit, handler, "after", self.after(sent_on, 2, 20))
                self.commitments(ctx, rid, aid, unit, handler, sent_on)
                if phase == "rehandling":
                    status = AS.REHANDLING
                    rnd = 2
                    ordered = today - dt.timedelta(days=rng.randint(35, 55) if ctx.overdue else rng.randint(3, 25))
                    rehandle_due = deadlines.add_months(ordered, 1)
                    at = self.stamp(ordered)
                    self.audit(at, ctx.office, "rehandle_ordered", "assignment", aid, ctx.item_id, unit,
                               "代表委员对答复不满意，交办单位要求重新办理")
                    ctx.bump(at)
                    if rng.random() < 0.5:
                        self.reply(ctx, aid, unit, handler, unit_leader, 2, RS.DRAFT, None, ordered)

        if ctx.story == "withdrawn" and status in (AS.HANDLING, AS.REPLIED, AS.OPINION_SUBMITTED):
            # withdrawing an item ends the units' parts, as the app does (supervision.services._finish_assignments)
            status = AS.DONE
        a_row = [aid, ctx.item_id, unit, role, status.value, 1 + rng.randint(1, 5), rnd,
                 "按建议（提案）内容研究办理并答复" if not co else "提出会办意见，配合主办单位办理",
                 self.user_names[unit_leader], handler, self.phones[handler], self.scorecard[co], assigned_on,
                 dates["receipt_due"], dates["return_due"], dates["first_contact_due"], dates.get("co_opinion_due"),
                 dates["reply_due"], False, dates["reply_due_max"], extended_due, rehandle_due, None,
                 office, received_at, handler if received_at else None, first_contact_on, opinion_on, replied_on,
                 reassigned_from, created, ctx.last]
        current = self.current_due(role, dates, rnd, extended_due, rehandle_due)
        a_row[22] = current
        w.add(Assignment, tuple(a_row))
        owing = status in (AS.PENDING_RECEIPT, AS.HANDLING, AS.RETURN_REQUESTED, AS.REHANDLING)
        if owing and ctx.story != "withdrawn":
            self.open_assignments += 1
            due = dates["co_opinion_due"] if co else current
            if due < today or (status == AS.PENDING_RECEIPT and dates["receipt_due"] < today):
                self.overdue_assignments += 1
        if answering and replied_on and replied_on > current and rng.random() < 0.7:
            # a late reply got its blue slip
            day = self._workday(current, 1)
            w.add(Slip, (w.new_id(Slip), aid, "blue", day, utc(day, 8 * 60), None, "督办通知（蓝单）（自动）",
                         f"a{aid}:overdue_1:{current.isoformat()}"))
            self.audit(utc(day, 8 * 60), None, "slip_issued", "", None, ctx.item_id, unit,
                       f"蓝单：{name}答复期限 {current.isoformat()}")
        return aid

    @staticmethod
    def current_due(role: str, dates: dict, rnd: int, extended: dt.date | None, rehandle: dt.date | None) -> dt.date:
        """What ``assignments.services.current_due_of`` stores."""
        if role == "co" and dates.get("co_opinion_due"):
            return dates["co_opinion_due"]
        base = rehandle if rnd > 1 and rehandle else dates["reply_due"]
        if extended and extended > base:
            return extended
        return base

    def contact(self, ctx: _ItemCtx, aid: int, unit: int, author: int, stage: str, day: dt.date) -> None:
        rng, w = self.rng, self.w
        day = min(day, self.today)
        method = rng.choices(("meeting", "phone", "forum", "visit"), (35, 45, 10, 10))[0]
        cid = w.new_id(Contact)
        at = self.stamp(day)
        lead_name = ctx.submitters[0][1]
        w.add(Contact, (cid, aid, stage, method, day, f"{lead_name}等", self.text["contact"][stage], author, at))
        self.audit(at, author, "contact", "contact", cid, ctx.item_id, unit,
                   f"{label(_stage(stage))}沟通（{label(_method(method))}）")
        ctx.bump(at)

    def progress_note(self, ctx: _ItemCtx, aid: int, unit: int, author: int, day: dt.date) -> None:
        w = self.w
        pid = w.new_id(ProgressNote)
        at = self.stamp(min(day, self.today))
        text = self.rng.choice(self.text["progress"])
        w.add(ProgressNote, (pid, aid, text, author, at))
        self.audit(at, author, "progress", "progressnote", pid, ctx.item_id, unit, text[:60])
        ctx.bump(at)

    def long_timeline(self, ctx: _ItemCtx, aid: int, unit: int, handler: int, since: dt.date) -> None:
        """Hundreds of further entries: edits, reminders, recomputed deadlines, instructions."""
        rng = self.rng
        span = max(1, (self.today - since).days)
        for _ in range(rng.randint(200, 450)):
            day = since + dt.timedelta(days=rng.randint(0, span))
            at = self.stamp(day)
            action, actor, detail = rng.choice((
                ("reminder_sent", None, "答复预警（15天）：已提醒经办人"),
                ("edited", ctx.office, "修改：内容分类、备注"),
                ("deadline_recomputed", None, "工作日历调整，期限重新计算"),
                ("reply_edited", handler, "修改答复草稿"),
                ("reply_returned", ctx.office, "退回修改：请逐条答复代表所提建议"),
            ))
            self.audit(at, actor, action, "assignment", aid, ctx.item_id, unit, detail)

    def reply(self, ctx: _ItemCtx, aid: int, unit: int, handler: int, unit_leader: int, rnd: int,
              status: RS, sent_on: dt.date | None, assigned_on: dt.date) -> int:
        rng, w = self.rng, self.w
        rid = w.new_id(Reply)
        created_day = sent_on - dt.timedelta(days=rng.randint(5, 15)) if sent_on else self.after(assigned_on, 20, 60)
        created_day = max(created_day, assigned_on)
        created = self.stamp(created_day)
        result_class = rng.choices("ABCD", (45, 35, 15, 5))[0]
        publish = rng.choices(("full", "summary", "none"), (70, 15, 15))[0]
        lead_name = ctx.submitters[0][1]
        text = (f"{lead_name}：\n    您提出的《{ctx.title}》收悉。经认真研究，现答复如下：\n"
                f"    一、基本情况。近年来，我单位高度重视相关工作，采取了一系列措施，取得一定成效。\n"
                f"    二、办理情况。针对您提出的问题，我们会同有关部门进行了深入调研，{rng.choice(self.text['actions'])}。\n"
                f"    三、下一步工作。我们将认真吸纳您的意见建议，{rng.choice(self.text['plans'])}。\n"
                f"    感谢您对我市工作的关心和支持。")
        signed = reviewed = sent_at = None
        signed_by = reviewed_by = None
        published_on = None
        needs_review = ctx.tier != Tier.DEPARTMENT.value
        if status in (RS.AWAITING_COSIGN, RS.AWAITING_OFFICE_REVIEW, RS.SENT):
            signed = created + dt.timedelta(days=rng.randint(1, 3))
            signed_by = unit_leader
        if status == RS.SENT:
            sent_at = self.stamp(sent_on)
            signed = min(signed, sent_at - dt.timedelta(hours=2))
            if needs_review:
                reviewed, reviewed_by = sent_at - dt.timedelta(hours=1), ctx.office
            if publish != "none" and rng.random() < 0.85:
                day = sent_on + dt.timedelta(days=rng.randint(3, 25))
                published_on = day if day <= self.today else None
        doc = f"{self.unit_names[unit][:4]}{DOC_PREFIX}〔{(sent_on or created_day).year}〕{rng.randint(1, 400)}号"
        w.add(Reply, (rid, aid, rnd, status.value, 1 + rng.randint(0, 3), 1 if status != RS.DRAFT else 0,
                      result_class, text, self.user_names[handler], self.phones[handler], publish,
                      doc if status == RS.SENT else "", handler, created, sent_at or created, signed_by, signed,
                      reviewed_by, reviewed, "", sent_at, sent_on, published_on))
        self.audit(created, handler, "reply_drafted", "reply", rid, ctx.item_id, unit, "起草答复")
        if status == RS.SENT:
            self.audit(sent_at, unit_leader, "reply_sent", "reply", rid, ctx.item_id, unit,
                       f"答复已发送（{result_class}类），文号 {doc}")
            ctx.bump(sent_at)
            if ctx.last_sent is None or sent_on > ctx.last_sent:
                ctx.last_sent = sent_on
        return rid

    def commitments(self, ctx: _ItemCtx, rid: int, aid: int, unit: int, handler: int, sent_on: dt.date) -> None:
        rng, w, today = self.rng, self.w, self.today
        story = ctx.story
        wanted = story == "follow_up" or rng.random() < 0.25
        if not wanted:
            return
        for k in range(rng.randint(1, 2)):
            cid = w.new_id(Commitment)
            text = rng.choice(self.text["commitments"])
            if story == "follow_up" and k == 0:
                status = "open"
                due = (today - dt.timedelta(days=rng.randint(1, 60)) if rng.random() < OVERDUE_SHARE
                       else today + dt.timedelta(days=rng.randint(10, 300)))
            elif story in ("sent",):
                status, due = "open", today + dt.timedelta(days=rng.randint(30, 300))
            else:
                due = sent_on + dt.timedelta(days=rng.randint(60, 240))
                status = "kept" if story != "follow_up" or due < today else "open"
                if status == "kept" and due > today:
                    due = today - dt.timedelta(days=rng.randint(1, 30))
            fulfilled_on = fulfilled_by = None
            carry = ""
            if status == "kept":
                late = rng.random() < 0.1
                fulfilled_on = min(due + dt.timedelta(days=rng.randint(1, 30)) if late
                                   else due - dt.timedelta(days=rng.randint(0, 40)), today)
                fulfilled_on = max(fulfilled_on, sent_on)
                fulfilled_by = handler
                at = self.stamp(fulfilled_on)
                self.audit(at, handler, "commitment_fulfilled", "commitment", cid, ctx.item_id, unit, "承诺事项已兑现")
            if status == "open" and k == 1 and ctx.age == 1 and rng.random() < 0.3:
                status, carry = "carried_over", "跨年度项目，结转下年继续推进"
            w.add(Commitment, (cid, rid, aid, text, due, status, 1, fulfilled_on, fulfilled_by,
                               "已完成，见相关文件" if status == "kept" else "", carry))
            if status == "open":
                ctx.open_commitments = True

    def feedback(self, ctx: _ItemCtx) -> None:
        """Each submitter rates the replied item (all of them once it is evaluated)."""
        rng, w, today = self.rng, self.w, self.today
        story = ctx.story
        if ctx.last_sent is None:
            return
        sent_on = ctx.last_sent
        for position, (sub_id, _name) in enumerate(ctx.submitters):
            if story == "sent" and (position == 0 or rng.random() < 0.5):
                continue  # not yet: the window is still open
            day = min(sent_on + dt.timedelta(days=rng.randint(3, 14)), today)
            source = rng.choices(("online", "paper", "window_expired"), (60, 35, 5))[0]
            if story == "rehandling" and position == 0:
                work, result, source = "basically_satisfied", "dissatisfied", "paper"
            elif source == "window_expired":
                work = result = "no_opinion"
                day = min(sent_on + dt.timedelta(days=21), today)
            else:
                work = rng.choices(("satisfied", "basically_satisfied", "dissatisfied"), (72, 25, 3))[0]
                result = rng.choices(("satisfied", "basically_satisfied", "dissatisfied"), (62, 33, 5))[0]
            adoption = rng.choice(("adopted", "partly_adopted", "not_now", "not_adopted")) if source != "window_expired" else ""
            at = self.stamp(day)
            entered_by = rng.choice(self.office) if source != "online" else None
            fid = w.new_id(Feedback)
            w.add(Feedback, (fid, ctx.item_id, sub_id, 1, work, result, adoption,
                             True if source != "window_expired" else None,
                             rng.choice(("meeting", "phone")) if source != "window_expired" else "",
                             "", source, entered_by, at, ""))
            self.audit(at, entered_by, "feedback", "feedback", fid, ctx.item_id, None,
                       f"征询意见：工作{label(_rating(work))}，结果{label(_rating(result))}")
            ctx.bump(at)

    # ---- cosigns, reminders of open assignments ------------------------------------------------

    def reminders_until_yesterday(self) -> int:
        """What the daily sweep created up to yesterday: reminders, notifications, slips, audit."""
        from tracker.reminders import rules
        from tracker.reminders import services as reminder_services
        from tracker.reminders.sweep import Directory, load_subjects, message

        yesterday = self.today - dt.timedelta(days=1)
        specs = {s.key: s for s in reminder_services.rule_specs()}
        active = [s for s in specs.values() if s.active]
        directory = Directory()
        w = self.w
        made = 0
        for s in load_subjects(yesterday):
            for d in rules.due_reminders(s.facts, yesterday, active, self.cal):
                spec = specs[d.rule_key]
                fires = d.fires_on or d.due_on
                created = utc(fires if fires <= yesterday else yesterday, 7 * 60 + 5)
                key = d.key(s.assignment_id)
                rid = w.new_id(Reminder)
                w.add(Reminder, (rid, key, d.rule_key, s.item_id, s.assignment_id, d.commitment_id, d.due_on, created, 0))
                made += 1
                title, body = message(spec, s, d, fires)
                read = created + dt.timedelta(hours=3) if self.rng.random() < 0.7 else None
                for user in directory.resolve(d.recipients, s):
                    w.add(Notification, (w.new_id(Notification), user.id, "slip" if spec.slip else "reminder",
                                         title, body, s.item_id, rid, created, read, "skipped", 0, "", ""))
                if spec.slip:
                    w.add(Slip, (w.new_id(Slip), s.assignment_id, spec.slip, created.date(), created, None,
                                 f"{spec.label}（自动）", key))
                    self.audit(created, None, "slip_issued", "", None, s.item_id, s.unit_id,
                               f"{spec.label}：{s.unit_name}")
                else:
                    self.audit(created, None, "reminder_sent", "", None, s.item_id, s.unit_id,
                               f"{spec.label}（{s.unit_name}）")
            if w.pending() > 200_000:
                w.flush()
        w.flush()
        return made

    def cosigns(self) -> None:
        """Co units agreed to each sent lead reply (会签, by the co unit's leader), one row per co unit."""
        rows = (Reply.select(Reply.id, Reply.assignment, Reply.signed_off_at, Assignment.item)
                .join(Assignment, on=(Reply.assignment == Assignment.id))
                .where((Assignment.role == "lead") & Reply.status.in_([RS.SENT.value, RS.AWAITING_OFFICE_REVIEW.value]))
                .tuples())
        co_of: dict[int, list[tuple[int, int]]] = {}
        for aid, item_id, unit in (Assignment.select(Assignment.id, Assignment.item, Assignment.unit)
                                   .where((Assignment.role == "co") & (Assignment.status != AS.RETURNED.value))
                                   .tuples()):
            co_of.setdefault(item_id, []).append((aid, unit))
        w = self.w
        for rid, _lead, signed_at, item_id in rows:
            for aid, unit in co_of.get(item_id, []):
                at = (signed_at or self.now) + dt.timedelta(hours=4)
                if isinstance(at, dt.datetime) and at.tzinfo is not None:
                    at = at.astimezone(dt.UTC).replace(tzinfo=None)
                w.add(ReplyCosign, (w.new_id(ReplyCosign), rid, aid, 1, "approve", "", self.unit_leader[unit], at))
            if w.pending() > 200_000:
                w.flush()
        w.flush()

    # ---- the whole run -------------------------------------------------------------------------

    def run(self) -> SeedResult:
        started = time.perf_counter()
        self.reference_data()
        self.progress(f"基础数据：{len(self.units)} 个承办单位，{len(self.user_names)} 个账号")
        sessions = self.session_rows()
        self.w.flush()
        for sid, body, name, year, size, age, closed in sessions:
            t0 = time.perf_counter()
            self.generate_session(sid, body, name, year, size, age, closed)
            self.sessions.append(SessionInfo(sid, body, name, year, size, age))
            self.progress(f"{name}：{size} 件（{time.perf_counter() - t0:.1f} 秒）")
        self.cosigns()
        reset_sequences(MODELS)
        made = self.reminders_until_yesterday()
        self.progress(f"截至昨日的提醒与督办单：{made} 条")
        reset_sequences(MODELS)
        latest_npc = next(s.id for s in reversed(self.sessions) if s.body == "npc")
        first_cppcc = next(s.id for s in self.sessions if s.body == "cppcc")
        return SeedResult(
            items=sum(s.items for s in self.sessions), seconds=time.perf_counter() - started,
            rows=dict(self.w.counts), sessions=self.sessions, long_items=self.long_items,
            latest_npc=latest_npc, first_cppcc=first_cppcc,
            leader_username="bench_leader1", office_username="bench_office1",
            open_assignments=self.open_assignments, overdue_assignments=self.overdue_assignments,
            reminders=made,
        )


@dataclass
class _ItemCtx:
    item_id: int
    number: int
    title: str
    tier: str
    leader: int | None
    story: str
    age: int
    year: int
    submitters: list[tuple[int, str]]
    office: int
    overdue: bool
    mode: str
    long: bool
    last: dt.datetime
    last_sent: dt.date | None = None
    open_commitments: bool = False

    def bump(self, at: dt.datetime) -> None:
        if at > self.last:
            self.last = at


def _stage(value: str):
    from tracker.core.enums import ContactStage

    return ContactStage(value)


def _method(value: str):
    from tracker.core.enums import ContactMethod

    return ContactMethod(value)


def _rating(value: str):
    from tracker.core.enums import Rating

    return Rating(value)


# --- entry point -------------------------------------------------------------------------------


def from_database() -> SeedResult:
    """The facts of a database seeded by an earlier bench run (for ``tracker bench --no-seed``)."""
    import peewee as pw

    ordered = list(Session.select().order_by(Session.year, Session.id))
    if not ordered or not User.select().where(User.username == "bench_leader1").exists():
        raise LookupError("no bench data")
    counts = dict(Item.select(Item.session, pw.fn.COUNT(Item.id)).group_by(Item.session).tuples())
    year = max(s.year for s in ordered)
    sessions = [SessionInfo(s.id, s.body, s.name, s.year, counts.get(s.id, 0), year - s.year)
                for s in ordered if counts.get(s.id)]
    latest_npc = max((s for s in sessions if s.body == "npc"), key=lambda s: (s.year, s.id)).id
    first_cppcc = min((s for s in sessions if s.body == "cppcc"), key=lambda s: (s.year, s.id)).id
    long_items = [item_id for item_id, n in (
        AuditEntry.select(AuditEntry.item_id, pw.fn.COUNT(AuditEntry.id))
        .where(AuditEntry.item_id.in_(Item.select(Item.id).where(Item.session == latest_npc)))
        .group_by(AuditEntry.item_id).order_by(pw.fn.COUNT(AuditEntry.id).desc()).limit(5).tuples()) if n >= 100]
    return SeedResult(items=sum(s.items for s in sessions), seconds=0.0, rows={}, sessions=sessions,
                      long_items=long_items, latest_npc=latest_npc, first_cppcc=first_cppcc,
                      leader_username="bench_leader1", office_username="bench_office1")




def item_count() -> int:
    return Item.select().count()


def prepare_database() -> None:
    """Migrate to head and create the baseline rows (profile, calendar, rules, scorecards)."""
    from tracker.core import migrations
    from tracker.rules.services import ensure_defaults

    migrations.upgrade()
    ensure_defaults()


def seed(n_items: int, *, rng_seed: int = 2026, today: dt.date | None = None,
         progress: Callable[[str], None] | None = None) -> SeedResult:
    """Seed ``n_items`` items into the connected database (migrated first). On SQLite the
    writes run with ``PRAGMA synchronous=OFF`` (restored afterwards). At the end the planner
    statistics are refreshed, as a running installation's daily job keeps them."""
    prepare_database()
    if is_sqlite():
        db.execute_sql("PRAGMA synchronous=OFF")
    try:
        result = Seeder(n_items, rng_seed=rng_seed, today=today, progress=progress).run()
    finally:
        if is_sqlite():
            db.execute_sql("PRAGMA synchronous=NORMAL")
    if is_sqlite():
        db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    # the statistics the scheduler's daily job (and `tracker db upgrade`) keep current on a
    # running installation
    refresh_statistics()
    if not is_sqlite():
        # what autovacuum does a while after such a load: VACUUM sets the visibility map, without
        # which PostgreSQL reads every table row an index-only scan would skip (the overdue
        # list's covering indexes); measured right after seeding, the tables would be "cold"
        vacuum_analyze()
    return result


def vacuum_analyze() -> None:
    """VACUUM ANALYZE on PostgreSQL (outside a transaction block, as VACUUM requires)."""
    conn = db.connection()
    autocommit = conn.autocommit
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    finally:
        conn.autocommit = autocommit
