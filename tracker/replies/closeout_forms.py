"""Page forms for feedback, re-handling, commitments, close-out, merging and reconciliation.

They parse and keep what the user typed; the services decide what is valid and their Chinese
messages land on the fields through ``flash_error``. Forms that can appear several times on one
page take a ``prefix`` so their field ids stay unique.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, HiddenField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from tracker.core.enums import Adoption, ContactMethod, Rating, choices
from tracker.core.forms import SelectField, options

DATE_MESSAGE = _l("日期格式应为 年-月-日，例如 2026-06-30")



def int_or_none(value: Any) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class FeedbackForm(FlaskForm):
    """征询意见: online by the submitter, or the office entering a paper form."""

    submitter_id = SelectField(_l("提出人"), coerce=int_or_none, validate_choice=False)
    work = SelectField(_l("对办理工作的评价"), choices=options(choices(Rating), blank=_l("请选择")), validate_choice=False)
    result = SelectField(_l("对办理结果的评价"), choices=options(choices(Rating), blank=_l("请选择")), validate_choice=False)
    adoption = SelectField(_l("采纳情况"), choices=options(choices(Adoption), blank=_l("请选择")), validate_choice=False)
    contacted = SelectField(_l("承办单位是否与您沟通"), choices=options([("yes", _l("是")), ("no", _l("否"))], blank=_l("请选择")),
                            validate_choice=False)
    contact_method = SelectField(_l("沟通方式"), choices=options(choices(ContactMethod), blank=_l("（未沟通或不详）")),
                                 validate_choice=False)
    comment = TextAreaField(_l("意见和建议"), validators=[Length(max=2000, message=_l("不能超过 2000 字"))],
                            render_kw={"rows": 3})

    def contacted_value(self) -> bool | None:
        return {"yes": True, "no": False}.get(self.contacted.data or "")


class RehandleForm(FlaskForm):
    reason = TextAreaField(_l("重新办理的理由"), validators=[Length(max=2000, message=_l("不能超过 2000 字"))],
                           render_kw={"rows": 2})
    reply_due = DateField(_l("重新办理期限"), validators=[Optional()], format="%Y-%m-%d",
                          render_kw={"placeholder": _l("留空则按规则计算")})


class ResolveForm(FlaskForm):
    feedback_id = HiddenField()
    reason = TextAreaField(_l("不重新办理的决定及理由"), validators=[Length(max=2000, message=_l("不能超过 2000 字"))],
                           render_kw={"rows": 2})


class FulfilForm(FlaskForm):
    evidence = TextAreaField(_l("兑现情况及佐证"), validators=[Length(max=2000, message=_l("不能超过 2000 字"))],
                             render_kw={"rows": 2})
    fulfilled_on = DateField(_l("兑现日期"), validators=[Optional()], format="%Y-%m-%d",
                             render_kw={"placeholder": _l("留空为今天")})


class CarryOverForm(FlaskForm):
    reason = TextAreaField(_l("结转理由"), validators=[Length(max=2000, message=_l("不能超过 2000 字"))],
                           render_kw={"rows": 2})


class CarryOverYearForm(FlaskForm):
    year = SelectField(_l("年度"), coerce=int_or_none, validate_choice=False)
    reason = TextAreaField(_l("结转理由"), validators=[Length(max=2000, message=_l("不能超过 2000 字"))],
                           render_kw={"rows": 2})


class CloseForm(FlaskForm):
    note = TextAreaField(_l("销号说明"), validators=[Length(max=2000, message=_l("不能超过 2000 字"))],
                         render_kw={"rows": 2})


class MergeForm(FlaskForm):
    parent_id = HiddenField()
    parent_number = StringField(_l("主件案号（同会次）"), validators=[Length(max=30)])
    note = StringField(_l("并案说明"), validators=[Length(max=300)])


class UnmergeForm(FlaskForm):
    reason = StringField(_l("撤销理由"), validators=[Length(max=300)])


class WithdrawForm(FlaskForm):
    """撤回: the office records the submitter's written request (the service checks every field)."""

    version = HiddenField()
    requested_on = DateField(_l("书面申请日期"), validators=[Optional()], format="%Y-%m-%d")
    reason = TextAreaField(_l("撤回理由"), validators=[Length(max=2000, message=_l("不能超过 2000 字"))],
                           render_kw={"rows": 2, "placeholder": _l("书面申请的内容摘要")})
    consent = BooleanField(_l("全体联名人均已书面同意撤回"))


class CommitmentFilterForm(FlaskForm):
    class Meta:
        csrf = False

    unit_id = SelectField(_l("承办单位"), coerce=int_or_none, validate_choice=False)
    status = SelectField(_l("状态"), validate_choice=False)
    overdue = SelectField(_l("是否逾期"), choices=options([("1", _l("仅逾期"))], blank=_l("全部")), validate_choice=False)


class ReconcileForm(FlaskForm):
    file = FileField(_l("上传人大/政协提供的清单（.xlsx）"))
    numbers = TextAreaField(_l("或粘贴案号（每行一个，可写范围如 1-120）"), render_kw={"rows": 6})
