"""Every status and kind of the domain, with its Chinese label in one map.

Templates show labels through the ``label`` filter; JSON uses the English values.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    OFFICE = "office"
    UNIT_HANDLER = "unit_handler"
    UNIT_LEADER = "unit_leader"
    LEADER = "leader"
    SUBMITTER = "submitter"


class Body(StrEnum):
    NPC = "npc"
    CPPCC = "cppcc"
    OTHER = "other"


class ItemKind(StrEnum):
    SUGGESTION = "suggestion"
    PROPOSAL = "proposal"
    JUDICIAL = "judicial_suggestion"
    PROCURATORIAL = "procuratorial_suggestion"
    SUPERVISORY = "supervisory_suggestion"
    POLICE = "police_notice"


# 三书一函 (DOMAIN.md §14): documents from courts, procuratorates, supervision commissions and the
# police. They run on the same machinery; feedback from submitters does not apply to them.
SUPERVISION_KINDS = (ItemKind.JUDICIAL, ItemKind.PROCURATORIAL, ItemKind.SUPERVISORY, ItemKind.POLICE)


_SUPERVISION_KIND_VALUES = frozenset(k.value for k in SUPERVISION_KINDS)


def is_supervision_kind(kind: str | None) -> bool:
    """Whether an item kind is one of the 三书一函 (no submitter feedback, own ledger)."""
    return kind in _SUPERVISION_KIND_VALUES


class ObjectionStatus(StrEnum):
    """异议 of a recipient unit against a 三书一函, decided by the issuing body."""

    PENDING = "pending"
    UPHELD = "upheld"
    DISMISSED = "dismissed"


class Tier(StrEnum):
    LEADER_LED = "leader_led"
    OFFICE_SUPERVISED = "office_supervised"
    DEPARTMENT = "department"


class HandlingRole(StrEnum):
    LEAD = "lead"
    CO = "co"
    SEPARATE = "separate"
    SOLE = "sole"


class HandlingMode(StrEnum):
    SOLE = "sole"
    SEPARATE = "separate"
    LEAD_CO = "lead_co"


class ItemStatus(StrEnum):
    REGISTERED = "registered"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    REPLIED = "replied"
    EVALUATED = "evaluated"
    REHANDLING = "rehandling"
    FOLLOW_UP = "follow_up"
    CLOSED = "closed"
    ARCHIVED = "archived"
    WITHDRAWN = "withdrawn"
    MERGED = "merged"


class AssignmentStatus(StrEnum):
    PENDING_RECEIPT = "pending_receipt"
    HANDLING = "handling"
    RETURN_REQUESTED = "return_requested"
    RETURNED = "returned"
    OPINION_SUBMITTED = "opinion_submitted"
    REPLIED = "replied"
    DONE = "done"
    REHANDLING = "rehandling"


class ReplyStatus(StrEnum):
    DRAFT = "draft"
    AWAITING_SIGN_OFF = "awaiting_sign_off"
    AWAITING_COSIGN = "awaiting_cosign"
    AWAITING_OFFICE_REVIEW = "awaiting_office_review"
    SENT = "sent"


class RequestStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    LAPSED = "lapsed"  # an extension request left undecided when the unit's answer went out


class SubmitterRole(StrEnum):
    LEAD = "lead"
    CO = "co"


class ResultClass(StrEnum):
    A = "A"
    B = "B"
    C = "C"
    D = "D"


class ContactStage(StrEnum):
    BEFORE = "before"
    DURING = "during"
    AFTER = "after"


class ContactMethod(StrEnum):
    MEETING = "meeting"
    PHONE = "phone"
    FORUM = "forum"
    VISIT = "visit"
    OTHER = "other"


# Which contact methods count as face-to-face (见面) for 见面率, the leader-led checklist and the
# scorecard, unless the administrators widen it (setting ``face_to_face_methods``): a meeting.
DEFAULT_FACE_TO_FACE_METHODS: tuple[str, ...] = (ContactMethod.MEETING.value,)


class Rating(StrEnum):
    SATISFIED = "satisfied"
    BASICALLY_SATISFIED = "basically_satisfied"
    DISSATISFIED = "dissatisfied"
    NO_OPINION = "no_opinion"


class Adoption(StrEnum):
    ADOPTED = "adopted"
    PARTLY_ADOPTED = "partly_adopted"
    NOT_NOW = "not_now"
    NOT_ADOPTED = "not_adopted"


class Publish(StrEnum):
    FULL = "full"
    SUMMARY = "summary"
    NONE = "none"


class CommitmentStatus(StrEnum):
    OPEN = "open"
    KEPT = "kept"
    CARRIED_OVER = "carried_over"


class FeedbackSource(StrEnum):
    ONLINE = "online"
    PAPER = "paper"
    WINDOW_EXPIRED = "window_expired"


class SlipColor(StrEnum):
    BLUE = "blue"
    ORANGE = "orange"
    RED = "red"
    URGE = "urge"  # a manual 催办 by the office


# Pairs, not a dict: members of different enums may share a value (HandlingRole.LEAD ==
# SubmitterRole.LEAD == "lead"), so labels are keyed by (enum class, value).
_LABEL_PAIRS: list[tuple[StrEnum, str]] = [
    (Role.ADMIN, "系统管理员"),
    (Role.OFFICE, "交办单位（督查室）"),
    (Role.UNIT_HANDLER, "承办单位经办人"),
    (Role.UNIT_LEADER, "承办单位领导"),
    (Role.LEADER, "市领导"),
    (Role.SUBMITTER, "代表委员"),
    (Body.NPC, "人大"),
    (Body.CPPCC, "政协"),
    (Body.OTHER, "其他"),
    (ItemKind.SUGGESTION, "人大代表建议"),
    (ItemKind.PROPOSAL, "政协提案"),
    (ItemKind.JUDICIAL, "司法建议书"),
    (ItemKind.PROCURATORIAL, "检察建议书"),
    (ItemKind.SUPERVISORY, "监察建议书"),
    (ItemKind.POLICE, "公安提示函"),
    (Tier.LEADER_LED, "市领导领办"),
    (Tier.OFFICE_SUPERVISED, "政府办督办"),
    (Tier.DEPARTMENT, "部门办理"),
    (HandlingRole.LEAD, "主办"),
    (HandlingRole.CO, "会办"),
    (HandlingRole.SEPARATE, "分办"),
    (HandlingRole.SOLE, "独办"),
    (HandlingMode.SOLE, "独办"),
    (HandlingMode.SEPARATE, "分办"),
    (HandlingMode.LEAD_CO, "主办+会办"),
    (ItemStatus.REGISTERED, "已登记"),
    (ItemStatus.ASSIGNED, "已交办"),
    (ItemStatus.IN_PROGRESS, "办理中"),
    (ItemStatus.REPLIED, "已答复"),
    (ItemStatus.EVALUATED, "已反馈"),
    (ItemStatus.REHANDLING, "重新办理"),
    (ItemStatus.FOLLOW_UP, "承诺跟踪"),
    (ItemStatus.CLOSED, "已销号"),
    (ItemStatus.ARCHIVED, "已归档"),
    (ItemStatus.WITHDRAWN, "已撤回"),
    (ItemStatus.MERGED, "已并案"),
    (AssignmentStatus.PENDING_RECEIPT, "待签收"),
    (AssignmentStatus.HANDLING, "办理中"),
    (AssignmentStatus.RETURN_REQUESTED, "申退中"),
    (AssignmentStatus.RETURNED, "已退回"),
    (AssignmentStatus.OPINION_SUBMITTED, "已提交会办意见"),
    (AssignmentStatus.REPLIED, "已答复"),
    (AssignmentStatus.DONE, "已办结"),
    (AssignmentStatus.REHANDLING, "重新办理"),
    (ReplyStatus.DRAFT, "草稿"),
    (ReplyStatus.AWAITING_SIGN_OFF, "待领导签发"),
    (ReplyStatus.AWAITING_COSIGN, "待会签"),
    (ReplyStatus.AWAITING_OFFICE_REVIEW, "待督查室审核"),
    (ReplyStatus.SENT, "已发送"),
    (RequestStatus.PENDING, "待审核"),
    (RequestStatus.APPROVED, "已同意"),
    (RequestStatus.REJECTED, "已驳回"),
    (RequestStatus.LAPSED, "已失效"),
    (SubmitterRole.LEAD, "领衔人"),
    (SubmitterRole.CO, "附议人"),
    (ResultClass.A, "A类（已解决或基本解决）"),
    (ResultClass.B, "B类（正在解决或列入计划）"),
    (ResultClass.C, "C类（因条件限制暂不能解决）"),
    (ResultClass.D, "D类（留作参考）"),
    (ContactStage.BEFORE, "办前"),
    (ContactStage.DURING, "办中"),
    (ContactStage.AFTER, "办后"),
    (ContactMethod.MEETING, "见面"),
    (ContactMethod.PHONE, "电话"),
    (ContactMethod.FORUM, "座谈"),
    (ContactMethod.VISIT, "走访"),
    (ContactMethod.OTHER, "其他"),
    (Rating.SATISFIED, "满意"),
    (Rating.BASICALLY_SATISFIED, "基本满意"),
    (Rating.DISSATISFIED, "不满意"),
    (Rating.NO_OPINION, "未表态"),
    (Adoption.ADOPTED, "采纳"),
    (Adoption.PARTLY_ADOPTED, "部分采纳"),
    (Adoption.NOT_NOW, "近期不能落实"),
    (Adoption.NOT_ADOPTED, "未采纳"),
    (Publish.FULL, "全文公开"),
    (Publish.SUMMARY, "摘要公开"),
    (Publish.NONE, "不公开"),
    (CommitmentStatus.OPEN, "未兑现"),
    (CommitmentStatus.KEPT, "已兑现"),
    (CommitmentStatus.CARRIED_OVER, "结转下年"),
    (FeedbackSource.ONLINE, "网上反馈"),
    (FeedbackSource.PAPER, "纸质表录入"),
    (FeedbackSource.WINDOW_EXPIRED, "逾期未表态"),
    (SlipColor.BLUE, "蓝单"),
    (SlipColor.ORANGE, "橙单"),
    (SlipColor.RED, "红单"),
    (SlipColor.URGE, "催办单"),
    (ObjectionStatus.PENDING, "待制发机关决定"),
    (ObjectionStatus.UPHELD, "异议成立"),
    (ObjectionStatus.DISMISSED, "异议不成立"),
]

_BY_VALUE: dict[tuple[type, str], str] = {(type(k), k.value): v for k, v in _LABEL_PAIRS}

# English labels for the second UI language, keyed like _BY_VALUE (a unit test checks that every
# Chinese label has one). Stored text (audit details, notifications, domain errors, exports) keeps
# the Chinese labels of ``label()``; pages show ``display_label()`` through the ``label`` filter.
_EN_LABEL_PAIRS: list[tuple[StrEnum, str]] = [
    (Role.ADMIN, "System administrator"),
    (Role.OFFICE, "Supervision Office"),
    (Role.UNIT_HANDLER, "Unit case officer"),
    (Role.UNIT_LEADER, "Unit leader"),
    (Role.LEADER, "City leader"),
    (Role.SUBMITTER, "Deputy / CPPCC member"),
    (Body.NPC, "NPC"),
    (Body.CPPCC, "CPPCC"),
    (Body.OTHER, "Other"),
    (ItemKind.SUGGESTION, "NPC deputy suggestion"),
    (ItemKind.PROPOSAL, "CPPCC proposal"),
    (ItemKind.JUDICIAL, "Judicial recommendation"),
    (ItemKind.PROCURATORIAL, "Procuratorial recommendation"),
    (ItemKind.SUPERVISORY, "Supervisory recommendation"),
    (ItemKind.POLICE, "Police advisory letter"),
    (Tier.LEADER_LED, "Led by a city leader"),
    (Tier.OFFICE_SUPERVISED, "Supervised by the government office"),
    (Tier.DEPARTMENT, "Handled by the department"),
    (HandlingRole.LEAD, "Lead"),
    (HandlingRole.CO, "Co-handling"),
    (HandlingRole.SEPARATE, "Separate"),
    (HandlingRole.SOLE, "Sole"),
    (HandlingMode.SOLE, "Sole handling"),
    (HandlingMode.SEPARATE, "Separate handling"),
    (HandlingMode.LEAD_CO, "Lead + co-handling"),
    (ItemStatus.REGISTERED, "Registered"),
    (ItemStatus.ASSIGNED, "Assigned"),
    (ItemStatus.IN_PROGRESS, "In progress"),
    (ItemStatus.REPLIED, "Replied"),
    (ItemStatus.EVALUATED, "Feedback received"),
    (ItemStatus.REHANDLING, "Re-handling"),
    (ItemStatus.FOLLOW_UP, "Commitment follow-up"),
    (ItemStatus.CLOSED, "Closed out"),
    (ItemStatus.ARCHIVED, "Archived"),
    (ItemStatus.WITHDRAWN, "Withdrawn"),
    (ItemStatus.MERGED, "Merged"),
    (AssignmentStatus.PENDING_RECEIPT, "Awaiting receipt"),
    (AssignmentStatus.HANDLING, "In progress"),
    (AssignmentStatus.RETURN_REQUESTED, "Return requested"),
    (AssignmentStatus.RETURNED, "Returned"),
    (AssignmentStatus.OPINION_SUBMITTED, "Co-handling opinion submitted"),
    (AssignmentStatus.REPLIED, "Replied"),
    (AssignmentStatus.DONE, "Completed"),
    (AssignmentStatus.REHANDLING, "Re-handling"),
    (ReplyStatus.DRAFT, "Draft"),
    (ReplyStatus.AWAITING_SIGN_OFF, "Awaiting leader sign-off"),
    (ReplyStatus.AWAITING_COSIGN, "Awaiting co-signature"),
    (ReplyStatus.AWAITING_OFFICE_REVIEW, "Awaiting office review"),
    (ReplyStatus.SENT, "Sent"),
    (RequestStatus.PENDING, "Pending review"),
    (RequestStatus.APPROVED, "Approved"),
    (RequestStatus.REJECTED, "Rejected"),
    (RequestStatus.LAPSED, "Lapsed"),
    (SubmitterRole.LEAD, "Lead submitter"),
    (SubmitterRole.CO, "Co-signer"),
    (ResultClass.A, "Class A (solved or basically solved)"),
    (ResultClass.B, "Class B (being solved or planned)"),
    (ResultClass.C, "Class C (cannot be solved for now)"),
    (ResultClass.D, "Class D (kept for reference)"),
    (ContactStage.BEFORE, "Before handling"),
    (ContactStage.DURING, "During handling"),
    (ContactStage.AFTER, "After handling"),
    (ContactMethod.MEETING, "Meeting"),
    (ContactMethod.PHONE, "Phone"),
    (ContactMethod.FORUM, "Forum"),
    (ContactMethod.VISIT, "Visit"),
    (ContactMethod.OTHER, "Other"),
    (Rating.SATISFIED, "Satisfied"),
    (Rating.BASICALLY_SATISFIED, "Basically satisfied"),
    (Rating.DISSATISFIED, "Dissatisfied"),
    (Rating.NO_OPINION, "No opinion"),
    (Adoption.ADOPTED, "Adopted"),
    (Adoption.PARTLY_ADOPTED, "Partly adopted"),
    (Adoption.NOT_NOW, "Cannot be implemented soon"),
    (Adoption.NOT_ADOPTED, "Not adopted"),
    (Publish.FULL, "Publish in full"),
    (Publish.SUMMARY, "Publish a summary"),
    (Publish.NONE, "Not published"),
    (CommitmentStatus.OPEN, "Not yet kept"),
    (CommitmentStatus.KEPT, "Kept"),
    (CommitmentStatus.CARRIED_OVER, "Carried over to next year"),
    (FeedbackSource.ONLINE, "Online feedback"),
    (FeedbackSource.PAPER, "Entered from paper form"),
    (FeedbackSource.WINDOW_EXPIRED, "No opinion (window expired)"),
    (SlipColor.BLUE, "Blue slip"),
    (SlipColor.ORANGE, "Orange slip"),
    (SlipColor.RED, "Red slip"),
    (SlipColor.URGE, "Urging notice"),
    (ObjectionStatus.PENDING, "Awaiting the issuing body's decision"),
    (ObjectionStatus.UPHELD, "Objection upheld"),
    (ObjectionStatus.DISMISSED, "Objection dismissed"),
]

_EN_LABELS: dict[tuple[type, str], str] = {(type(k), k.value): v for k, v in _EN_LABEL_PAIRS}


def _label_key(value: StrEnum | str, enum: type[StrEnum] | None) -> tuple[type, str] | None:
    """The (enum class, value) key of a label, as ``label()`` resolves it."""
    if isinstance(value, StrEnum):
        return (type(value), value.value)
    if enum is not None:
        return (enum, value)
    for key in _BY_VALUE:
        if key[1] == value:
            return key
    return None


def _english_page() -> bool:
    """Whether the current request is shown in English (False outside a request: cheap and safe).

    Asked for every label of every table row; the answer is fixed for a request, so it is kept
    on ``g`` (forgotten with the translations when a request chooses its locale)."""
    from flask import current_app, g, has_request_context

    if not has_request_context() or "babel" not in current_app.extensions:
        return False
    found = g.get("_english_page")
    if found is None:
        from flask_babel import get_locale

        locale = get_locale()
        found = g._english_page = locale is not None and locale.language == "en"
    return found


def display_label(value: StrEnum | str | None, enum: type[StrEnum] | None = None) -> str:
    """The label in the page's language: English under the ``en`` locale, else ``label()``.

    For what is shown on a page (the ``label`` template filter, select options). Text that is
    stored or sent (audit details, notifications, domain error messages) uses ``label()``.
    """
    if value is None or value == "":
        return ""
    if _english_page():
        key = _label_key(value, enum)
        if key is not None and key in _EN_LABELS:
            return _EN_LABELS[key]
    return label(value, enum)


def label(value: StrEnum | str | None, enum: type[StrEnum] | None = None) -> str:
    """Chinese label of an enum member (or of its value when the enum class is given)."""
    if value is None or value == "":
        return ""
    if isinstance(value, StrEnum):
        return _BY_VALUE.get((type(value), value.value), value.value)
    if enum is not None:
        return _BY_VALUE.get((enum, value), value)
    for (_cls, v), text in _BY_VALUE.items():
        if v == value:
            return text
    return value


def choices(enum: type[StrEnum]) -> list[tuple[str, str]]:
    """(value, label) pairs for a select field; the labels follow the page's language.

    The labels are lazy strings (Flask-Babel's ``LazyString``): a form class built at import time
    still shows English option labels to an English-speaking user. They behave like ``str`` in
    templates, comparisons and concatenation; call ``str()`` where a real ``str`` is required.
    """
    from flask_babel.speaklater import LazyString

    return [(m.value, LazyString(display_label, m.value, enum)) for m in enum]  # type: ignore[misc]


ANSWERING_ROLES = (HandlingRole.LEAD, HandlingRole.SEPARATE, HandlingRole.SOLE)
OPEN_ITEM_STATUSES = (
    ItemStatus.ASSIGNED,
    ItemStatus.IN_PROGRESS,
    ItemStatus.REPLIED,
    ItemStatus.EVALUATED,
    ItemStatus.REHANDLING,
    ItemStatus.FOLLOW_UP,
)
