"""Page forms of the assignment desk (交办), the unit's return request and the office's decision.

The assignment form has two steps so it works without JavaScript: first the tier, the mode and
the units; then the five fixes (五定) for each chosen unit, with that unit's users as handlers.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    FormField,
    HiddenField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from tracker.accounts.models import User
from tracker.core.enums import HandlingMode, HandlingRole, Role, Tier, choices
from tracker.core.forms import MultiCheckboxField, SelectField, SubForm
from tracker.items.forms import int_or_none, options
from tracker.units.models import Unit

HANDLER_ROLES = (Role.UNIT_HANDLER.value, Role.UNIT_LEADER.value)
UNKNOWN_UNIT = _l("承办单位不存在或已停用")


def default_task(role: str, item: Any) -> str:
    if role == HandlingRole.CO.value:
        return f"就《{item.title}》涉及本单位职责的内容研究提出会办意见，按期送主办单位。"
    return f"研究办理《{item.title}》，与代表委员沟通，按期书面答复。"


def handler_label(user: User) -> str:
    extra = _l("，").join(p for p in (user.title, user.phone) if p)
    return f"{user.display}（{extra}）" if extra else user.display


def handlers_of(unit_id: int | None) -> list[User]:
    """Users who may be named handler (定人员) of a unit's assignment: its active staff."""
    if not unit_id:
        return []
    return list(User.select().where((User.unit == unit_id) & User.role.in_(HANDLER_ROLES)
                                    & (User.active == True))  # noqa: E712
                .order_by(User.role, User.id))


def handler_choices_by_unit(units: Iterable[Unit]) -> list[SelectChoice]:
    """Every active unit's handlers in <optgroup>s (one query) — the no-JavaScript fallback."""
    units = list(units)
    by_unit: dict[int, list[User]] = {u.id: [] for u in units}
    for user in (User.select().where(User.unit.in_(list(by_unit)) & User.role.in_(HANDLER_ROLES)
                                     & (User.active == True))  # noqa: E712
                 .order_by(User.role, User.id)):
        by_unit[user.unit_id].append(user)
    return [SelectChoice(str(user.id), handler_label(user), optgroup=u.name)
            for u in units for user in by_unit[u.id]]


def responsible_default(unit_id: int) -> str:
    leader = (User.select().where((User.unit == unit_id) & (User.role == Role.UNIT_LEADER.value)
                                  & (User.active == True))  # noqa: E712
              .order_by(User.id).first())
    if leader is None:
        return ""
    return f"{leader.display}（{leader.title}）" if leader.title else leader.display


def scorecard_choices(cards) -> list[SelectChoice]:
    return options(((c.id, c.name) for c in cards), blank=_l("（按默认考核办法）"))


class FiveFixes(SubForm):
    """定任务、定责任、定人员、定时限、定考核办法 for one unit."""

    unit_id = HiddenField()
    role = HiddenField()
    task = TextAreaField(_l("办理任务（定任务）"), validators=[InputRequired(_l("请填写办理任务（定任务）"))],
                         render_kw={"rows": 2})
    responsible_leader = StringField(_l("责任领导（定责任）"),
                                     validators=[InputRequired(_l("请填写责任领导（定责任）")),
                                                 Length(max=100, message=_l("不能超过 100 个字符"))],
                                     render_kw={"placeholder": _l("单位分管领导姓名及职务")})
    handler_id = SelectField(_l("经办人（定人员）"), coerce=int_or_none,
                             validators=[InputRequired(_l("请指定经办人（定人员）"))],
                             invalid_choice_message=_l("经办人须为该承办单位的用户"),
                             invalid_value_message=_l("经办人须为该承办单位的用户"))
    handler_phone = StringField(_l("经办人电话"), validators=[Length(max=50, message=_l("不能超过 50 个字符"))],
                                render_kw={"placeholder": _l("留空则使用经办人账号登记的电话")})
    reply_due = DateField(_l("答复期限（定时限）"), validators=[Optional()], format="%Y-%m-%d")
    scorecard_id = SelectField(_l("考核办法（定考核办法）"), coerce=int_or_none,
                               invalid_choice_message=_l("考核办法不存在"), invalid_value_message=_l("考核办法不存在"))

    def spec(self) -> dict:
        """The keyword arguments of ``assignments.services.assign`` for this unit."""
        return {
            "unit_id": int_or_none(self.unit_id.data), "role": self.role.data,
            "task": self.task.data or "", "responsible_leader": self.responsible_leader.data or "",
            "handler_id": self.handler_id.data, "handler_phone": self.handler_phone.data or "",
            "reply_due": self.reply_due.data, "scorecard_id": self.scorecard_id.data,
        }


class AssignForm(FlaskForm):
    """The assignment desk. Step ``choose``: tier, mode, units; step ``fixes``: five fixes per unit."""

    step = HiddenField(default="choose")
    tier = SelectField(_l("办理层级（分级办理）"), choices=options(choices(Tier)), invalid_choice_message=_l("办理层级不正确"))
    leader_id = SelectField(_l("领办市领导"), coerce=int_or_none, validate_choice=False)
    mode = SelectField(_l("办理方式"), choices=options(choices(HandlingMode)), default=HandlingMode.SOLE.value,
                       validate_choice=False)
    lead_unit_id = SelectField(_l("主办（独办）单位"), coerce=int_or_none, validate_choice=False)
    separate_unit_ids = SelectMultipleField(_l("分办单位"), coerce=int, validate_choice=False)
    co_unit_ids = SelectMultipleField(_l("会办单位"), coerce=int, validate_choice=False)
    units = FieldList(FormField(FiveFixes), min_entries=0)

    def set_choices(self, *, leaders, units, scorecards) -> None:
        self.leader_id.choices = options(
            ((u.id, f"{u.display}（{u.title}）" if u.title else u.display) for u in leaders), blank=_l("（无）"))
        unit_pairs = [(u.id, u.name) for u in units]
        self.lead_unit_id.choices = options(unit_pairs, blank=_l("请选择单位"))
        self.separate_unit_ids.choices = options(unit_pairs)
        self.co_unit_ids.choices = options(unit_pairs)
        self._active_units = {u.id: u for u in units}
        self._scorecards = list(scorecards)
        for entry in self.units.entries:
            self.prepare_entry(entry.form)

    def prepare_entry(self, fixes: FiveFixes) -> None:
        unit_id = int_or_none(fixes.unit_id.data)
        fixes.handler_id.choices = options(((u.id, handler_label(u)) for u in handlers_of(unit_id)),
                                           blank=_l("请选择经办人"))
        # a co unit's card scores its opinion, an answering unit's its reply: only the cards of its side
        kind = "co" if fixes.role.data == HandlingRole.CO.value else "lead"
        fixes.scorecard_id.choices = scorecard_choices(c for c in self._scorecards if c.applies_to == kind)

    def leader_name(self) -> str:
        chosen = str(self.leader_id.data or "")
        return next((c.label for c in self.leader_id.choices if c.value == chosen and chosen), "")

    def unit_name(self, unit_id: Any) -> str:
        try:
            unit = self._active_units.get(int(unit_id))
        except (TypeError, ValueError):
            unit = None
        return unit.name if unit else UNKNOWN_UNIT

    def chosen(self, *, has_lead: bool) -> list[tuple[int, str]]:
        """Validate step one; return the (unit_id, role) pairs chosen, or [] with field errors."""
        mode = self.mode.data
        lead = self.lead_unit_id.data
        separate = list(dict.fromkeys(self.separate_unit_ids.data or []))
        co = list(dict.fromkeys(self.co_unit_ids.data or []))
        ok = True

        def error(field, message: str) -> None:
            nonlocal ok
            field.errors = [*field.errors, message] if isinstance(field.errors, list) else [message]
            ok = False

        if self.tier.data == Tier.LEADER_LED.value and not self.leader_id.data:
            error(self.leader_id, _l("市领导领办件须指定领办领导"))
        for field, ids in ((self.lead_unit_id, [lead] if lead else []), (self.separate_unit_ids, separate),
                           (self.co_unit_ids, co)):
            if any(i not in self._active_units for i in ids):
                error(field, UNKNOWN_UNIT)
        pairs: list[tuple[int, str]] = []
        if mode == HandlingMode.SOLE.value:
            if not lead:
                error(self.lead_unit_id, _l("请选择独办单位"))
            pairs = [(lead, HandlingRole.SOLE.value)] if lead else []
        elif mode == HandlingMode.LEAD_CO.value:
            if not lead and not has_lead:
                error(self.lead_unit_id, _l("请选择主办单位"))
            if lead and lead in co:
                error(self.co_unit_ids, _l("主办单位不能同时作为会办单位"))
            pairs = ([(lead, HandlingRole.LEAD.value)] if lead else []) + [
                (u, HandlingRole.CO.value) for u in co if u != lead]
            if not pairs and ok:
                error(self.co_unit_ids, _l("请至少选择一个承办单位"))
        elif mode == HandlingMode.SEPARATE.value:
            if not separate:
                error(self.separate_unit_ids, _l("分办须至少选择一个单位"))
            pairs = [(u, HandlingRole.SEPARATE.value) for u in separate]
        else:
            error(self.mode, _l("请选择办理方式"))
        return pairs if ok else []

    def fill_units(self, pairs: list[tuple[int, str]], *, item: Any, reply_due_for) -> None:
        """Start step two: one five-fixes block per chosen unit, with sensible defaults."""
        from tracker.assessment.services import default_scorecard

        while self.units.entries:
            self.units.pop_entry()
        for unit_id, role in pairs:
            card = default_scorecard("co" if role == HandlingRole.CO.value else "lead")
            handlers = handlers_of(unit_id)
            first_handler = next((u for u in handlers if u.role == Role.UNIT_HANDLER.value),
                                 handlers[0] if handlers else None)
            entry = self.units.append_entry()
            fixes = entry.form
            fixes.unit_id.data = str(unit_id)
            fixes.role.data = role
            fixes.task.data = default_task(role, item)
            fixes.responsible_leader.data = responsible_default(unit_id)
            fixes.handler_id.data = first_handler.id if first_handler else None
            fixes.reply_due.data = reply_due_for(role)
            fixes.scorecard_id.data = card.id if card else None
            self.prepare_entry(fixes)

    def specs(self) -> list[dict]:
        return [entry.form.spec() for entry in self.units.entries]


class AdjustForm(FlaskForm):
    """The office adjusts an open assignment's five fixes (the scorecard stays as assigned)."""

    version = HiddenField()
    task = TextAreaField(_l("办理任务（定任务）"), validators=[Length(max=2000, message=_l("不能超过 2000 字"))],
                         render_kw={"rows": 3})
    responsible_leader = StringField(_l("责任领导（定责任）"),
                                     validators=[Length(max=100, message=_l("不能超过 100 个字符"))])
    handler_id = SelectField(_l("经办人（定人员）"), coerce=int_or_none, validate_choice=False)
    handler_phone = StringField(_l("经办人电话"), validators=[Length(max=50, message=_l("不能超过 50 个字符"))],
                                render_kw={"placeholder": _l("留空则使用经办人账号登记的电话")})
    reply_due = DateField(_l("答复期限（定时限）"), validators=[Optional()], format="%Y-%m-%d")
    note = StringField(_l("调整说明"), validators=[Length(max=500, message=_l("不能超过 500 字"))],
                       render_kw={"placeholder": _l("如：原经办人调离；情况复杂，延长办理时间")})

    def prepare(self, a: Any, *, fill: bool) -> AdjustForm:
        self.handler_id.choices = options(((u.id, handler_label(u)) for u in handlers_of(a.unit_id)),
                                          blank=_l("请选择经办人"))
        if fill:  # the fields are named as the assignment's columns
            self.process(obj=a)
        return self


class TransferForm(FlaskForm):
    """移交经办任务: the office names a colleague of the same unit the handler of a user's open
    assignments (those ticked; the page ticks them all)."""

    to_user_id = SelectField(_l("新的经办人"), coerce=int_or_none, validate_choice=False)
    assignment_ids = MultiCheckboxField(_l("移交的承办任务"), coerce=int, validate_choice=False)
    note = StringField(_l("移交说明"), validators=[Length(max=500, message=_l("不能超过 500 字"))],
                       render_kw={"placeholder": _l("如：原经办人调离；岗位调整")})

    def prepare(self, duties: list[Any], candidates: list[User], *, fill: bool) -> TransferForm:
        self.to_user_id.choices = options(((u.id, handler_label(u)) for u in candidates),
                                          blank=_l("请选择经办人"))
        self.assignment_ids.choices = [(a.id, str(a.id)) for a in duties]
        if fill:
            self.assignment_ids.data = [a.id for a in duties]
        return self

    def chosen(self) -> set[int]:
        """The ids ticked (what the page shows ticked again after a refusal)."""
        return set(self.assignment_ids.data or [])


class ReturnRequestForm(FlaskForm):
    """申退: the unit says the item is not its remit."""

    reason = TextAreaField(_l("申请退回理由"), validators=[InputRequired(_l("请填写申请退回的理由")),
                                                   Length(max=2000, message=_l("理由不能超过 2000 字"))],
                           render_kw={"rows": 5, "placeholder": _l("说明该件不属于本单位职责的依据，并建议承办单位")})


class ReceiveForm(FlaskForm):
    """签收 (a button; the form only carries the CSRF token)."""


class DecisionForm(FlaskForm):
    """The office decides a return request; approving may reassign at once (same five fixes)."""

    note = TextAreaField(_l("审核意见（驳回时必填）"), validators=[Length(max=2000, message=_l("不能超过 2000 字"))],
                         render_kw={"rows": 2})
    reassign = BooleanField(_l("同意后立即改交其他单位"))
    unit_id = SelectField(_l("改交单位"), coerce=int_or_none, validate_choice=False)
    task = TextAreaField(_l("办理任务（定任务）"), render_kw={"rows": 2})
    responsible_leader = StringField(_l("责任领导（定责任）"), validators=[Length(max=100)])
    handler_id = SelectField(_l("经办人（定人员）"), coerce=int_or_none, validate_choice=False)
    handler_phone = StringField(_l("经办人电话"), validators=[Length(max=50)],
                                render_kw={"placeholder": _l("留空则使用经办人账号登记的电话")})
    reply_due = DateField(_l("答复期限（定时限）"), validators=[Optional()], format="%Y-%m-%d")
    scorecard_id = SelectField(_l("考核办法（定考核办法）"), coerce=int_or_none, validate_choice=False)
    approve = SubmitField(_l("同意退回"))
    reject = SubmitField(_l("驳回申退"))

    def set_choices(self, *, units, scorecards, exclude_unit_id: int | None,
                    handlers: list[SelectChoice] | None = None) -> None:
        """``handlers``: every unit's handler_choices_by_unit(units), when a page with several
        forms has read them once (the excluded unit's group is left out here)."""
        excluded = next((u.name for u in units if u.id == exclude_unit_id), None)
        units = [u for u in units if u.id != exclude_unit_id]
        self.unit_id.choices = options(((u.id, u.name) for u in units), blank=_l("请选择单位"))
        if handlers is None:
            handlers = handler_choices_by_unit(units)
        else:
            handlers = [c for c in handlers if c.optgroup != excluded]
        self.handler_id.choices = [SelectChoice("", _l("请选择经办人")), *handlers]
        self.scorecard_id.choices = scorecard_choices(scorecards)
        self._exclude = exclude_unit_id

    def reassign_spec(self) -> dict | None:
        """The reassignment's five fixes, or None when the office only approves."""
        if not self.reassign.data:
            return None
        return {
            "unit_id": self.unit_id.data, "task": self.task.data or "",
            "responsible_leader": self.responsible_leader.data or "",
            "handler_id": self.handler_id.data, "handler_phone": self.handler_phone.data or "",
            "reply_due": self.reply_due.data, "scorecard_id": self.scorecard_id.data,
        }

    def check_reassign(self) -> bool:
        if self.reassign.data and self.unit_id.data and self.unit_id.data == self._exclude:
            self.unit_id.errors = [*self.unit_id.errors, _l("不能改交给申请退回的单位")]
            return False
        return True
