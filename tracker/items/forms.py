"""Page forms for sessions and items. They parse and keep what the user typed; the services
decide what is valid (their Chinese messages land on the fields through ``flash_error``)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from tracker.core.enums import Body, ItemKind, ItemStatus, SubmitterRole, Tier, choices, is_supervision_kind
from tracker.core.forms import SelectField, SubForm, options

DATE_MESSAGE = _l("日期格式应为 年-月-日，例如 2026-03-15")
PER_PAGE = 50
SORT_LABELS = {"number": _l("按案号"), "-number": _l("按案号（倒序）"), "status": _l("按状态"),
               "due": _l("按答复期限（最近在前）"), "-due": _l("按答复期限（最远在前）"),
               "-registered": _l("按登记时间（最新在前）")}


def int_or_none(value: Any) -> int | None:
    """Coerce a select's value: '' (请选择) becomes None."""
    if value is None or value == "":
        return None
    return int(value)



class CosignerRow(SubForm):
    """One 附议人 (co-signer) row; blank rows are ignored."""

    name = StringField(_l("附议人姓名"), validators=[Optional(), Length(max=100, message=_l("姓名不能超过 100 个字符"))])


class ItemFields(FlaskForm):
    """The fields registration and editing share."""

    title = StringField(_l("标题"), validators=[InputRequired(_l("请填写标题")),
                                           Length(max=300, message=_l("标题不能超过 300 个字符"))])
    content = TextAreaField(_l("内容"), render_kw={"rows": 8})
    category = StringField(_l("内容分类"), validators=[Length(max=50, message=_l("内容分类不能超过 50 个字符"))],
                           render_kw={"list": "category-options", "placeholder": _l("如：城乡建设、教育、医疗卫生")})
    tier = SelectField(_l("办理层级"), choices=options(choices(Tier)), default=Tier.DEPARTMENT.value,
                       invalid_choice_message=_l("办理层级不正确"))
    leader_id = SelectField(_l("领办市领导"), coerce=int_or_none, invalid_choice_message=_l("领办领导须为市领导账号"),
                            invalid_value_message=_l("领办领导须为市领导账号"))
    is_key = BooleanField(_l("重点建议（提案）"))
    received_on = DateField(_l("收到日期"), validators=[Optional()], format="%Y-%m-%d",
                            render_kw={"placeholder": "2026-03-15"})
    lead_name = StringField(_l("领衔人"), validators=[InputRequired(_l("请至少填写一名领衔人")),
                                                Length(max=100, message=_l("姓名不能超过 100 个字符"))])
    cosigners = FieldList(FormField(CosignerRow), min_entries=0)
    note = TextAreaField(_l("备注"), render_kw={"rows": 2})

    def set_leaders(self, leaders) -> None:
        self.leader_id.choices = options(((u.id, _leader_label(u)) for u in leaders), blank=_l("（无）"))

    def submitters(self) -> list[dict]:
        """The lead and the co-signers as the services take them (blank rows dropped)."""
        rows = [{"name": (self.lead_name.data or "").strip(), "role": SubmitterRole.LEAD.value}]
        for entry in self.cosigners.entries:
            name = (entry.form.name.data or "").strip()
            if name:
                rows.append({"name": name, "role": SubmitterRole.CO.value})
        return rows

    def fill_submitters(self, submitters) -> None:
        """Put an item's submitters into the lead field and the co-signer rows (GET only)."""
        subs = list(submitters)
        lead = next((s for s in subs if s.role == SubmitterRole.LEAD.value), None)
        self.lead_name.data = lead.name if lead else ""
        while self.cosigners.entries:
            self.cosigners.pop_entry()
        for sub in subs:
            if sub is not lead:
                self.cosigners.append_entry({"name": sub.name})


def _leader_label(user) -> str:
    return f"{user.display}（{user.title}）" if user.title else user.display


class ItemForm(ItemFields):
    """登记: a new suggestion or proposal."""

    kind = SelectField(_l("类别"), choices=options(choices(ItemKind), blank=_l("请选择类别")),
                       validators=[InputRequired(_l("请选择类别"))], invalid_choice_message=_l("类别不正确"))
    session_id = SelectField(_l("会次"), coerce=int_or_none, validators=[InputRequired(_l("请选择会次"))],
                             invalid_choice_message=_l("会次不存在"), invalid_value_message=_l("会次不存在"))
    number = StringField(_l("案号"), validators=[InputRequired(_l("请填写案号"))],
                         render_kw={"placeholder": _l("如：101")})
    from_motion = BooleanField(_l("议案转建议"))

    def validate_number(self, field) -> None:
        """The length cap of the chosen kind, counted as the number is stored (a 案号 of a
        suggestion or proposal 20 characters, a 三书一函's 文书编号 30): the same figures the
        service's ``number_problem`` checks, so the message names the limit that applies."""
        from tracker.items.importing import NUMBER_MAX_LENGTH
        from tracker.items.services import DOCUMENT_NUMBER_MAX_LENGTH, clean_number

        kind = self.kind.data
        cap = DOCUMENT_NUMBER_MAX_LENGTH if is_supervision_kind(kind) else NUMBER_MAX_LENGTH
        if len(clean_number(kind, field.data or "")) > cap:
            raise ValidationError(_("案号不能超过 %(n)s 个字符", n=cap))

    def set_sessions(self, sessions) -> None:
        self.session_id.choices = options(((s.id, f"{s.name}（{s.year}）") for s in sessions),
                                          blank=_l("请选择会次"))

    def service_kwargs(self) -> dict:
        return {
            "kind": self.kind.data, "session_id": self.session_id.data, "number": self.number.data,
            "title": self.title.data, "content": self.content.data or "",
            "category": self.category.data or "", "tier": self.tier.data,
            "is_key": bool(self.is_key.data), "from_motion": bool(self.from_motion.data),
            "received_on": self.received_on.data, "leader_id": self.leader_id.data,
            "note": self.note.data or "", "submitters": self.submitters(),
        }


class ItemEditForm(ItemFields):
    """编辑: the office corrects an item; ``version`` guards against overwriting a newer edit."""

    version = HiddenField()

    def service_kwargs(self) -> dict:
        return {
            "version": self.version.data, "title": self.title.data, "content": self.content.data or "",
            "category": self.category.data or "", "tier": self.tier.data,
            "is_key": bool(self.is_key.data), "received_on": self.received_on.data,
            "leader_id": self.leader_id.data, "note": self.note.data or "",
            "submitters": self.submitters(),
        }


class SessionForm(FlaskForm):
    """新建会次 / 批次."""

    body = SelectField(_l("届别"), choices=options(choices(Body), blank=_l("请选择")),
                       invalid_choice_message=_l("请选择人大或政协"),
                       validators=[InputRequired(_l("请选择人大或政协"))])
    name = StringField(_l("会次名称"), validators=[InputRequired(_l("请填写会次名称")),
                                             Length(max=200, message=_l("名称不能超过 200 个字符"))],
                       render_kw={"placeholder": _l("如：市十七届人大四次会议")})
    year = IntegerField(_l("年度"), validators=[InputRequired(_l("请填写年度")),
                                          NumberRange(1990, 2100, message=_l("年份不正确"))])
    opened_on = DateField(_l("开幕日期"), validators=[Optional()], format="%Y-%m-%d")
    closed_on = DateField(_l("闭会日期"), validators=[Optional()], format="%Y-%m-%d")
    reply_due_absolute = DateField(_l("统一答复日期"), validators=[Optional()], format="%Y-%m-%d")


class ItemFilterForm(FlaskForm):
    """The list's filters (GET, no CSRF token)."""

    class Meta:
        csrf = False

    q = StringField(_l("搜索"), render_kw={"placeholder": _l("案号、标题或内容"), "type": "search"})
    session_id = SelectField(_l("会次"), coerce=int_or_none, validate_choice=False)
    kind = SelectField(_l("类别"), choices=options(choices(ItemKind), blank=_l("全部类别")), validate_choice=False)
    status = SelectField(_l("状态"), choices=options(choices(ItemStatus), blank=_l("全部状态")), validate_choice=False)
    tier = SelectField(_l("办理层级"), choices=options(choices(Tier), blank=_l("全部层级")), validate_choice=False)
    unit_id = SelectField(_l("承办单位"), coerce=int_or_none, validate_choice=False)
    is_key = SelectField(_l("重点"), choices=options([("1", _l("仅重点")), ("0", _l("非重点"))], blank=_l("全部")),
                         validate_choice=False)
    overdue = BooleanField(_l("仅超期"))
    sort = SelectField(_l("排序"), choices=options(SORT_LABELS.items()),
                       default="number", validate_choice=False)

    def set_choices(self, sessions, units) -> None:
        self.session_id.choices = options(((s.id, s.name) for s in sessions), blank=_l("全部会次"))
        self.unit_id.choices = options(((u.id, u.name) for u in units), blank=_l("全部单位"))

    def search_kwargs(self) -> dict:
        def safe_int(field) -> int | None:
            try:
                return int_or_none(field.raw_data[0]) if field.raw_data else None
            except (TypeError, ValueError):
                return None

        is_key = {"1": True, "0": False}.get(self.is_key.data or "")
        return {
            "session_id": safe_int(self.session_id), "kind": self.kind.data or None,
            "status": self.status.data or None, "tier": self.tier.data or None,
            "unit_id": safe_int(self.unit_id), "q": (self.q.data or "").strip() or None,
            "is_key": is_key, "overdue": bool(self.overdue.data),
        }

    def active_args(self) -> dict[str, str]:
        """The filters in use, for the pager's and the sort links' URLs."""
        args = {}
        for name in ("q", "session_id", "kind", "status", "tier", "unit_id", "is_key", "sort"):
            raw = getattr(self, name).raw_data
            if raw and raw[0] not in ("", None):
                args[name] = raw[0]
        if self.overdue.data:
            args["overdue"] = "1"
        return args

