"""Page forms for feedback, re-handling, commitments, close-out, merging and reconciliation.

They parse and keep what the user typed; the services decide what is valid and their Chinese
messages land on the fields through ``flash_error``. Forms that can appear several times on one
page take a ``prefix`` so their field ids stay unique.
"""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from tracker.core.enums import Adoption, ContactMethod, Rating, choices

DATE_MESSAGE = "日期格式应为 年-月-日，例如 2026-06-30"


def options(pairs, *, blank: str | None = None) -> list[SelectChoice]:
    """Select choices from (value, label) pairs, with an optional empty first choice."""
    head = [SelectChoice("", blank)] if blank is not None else []
    return head + [SelectChoice(value, text) for value, text in pairs]


def int_or_none(value: Any) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class FeedbackForm(FlaskForm):
    """征询意见: online by the submitter, or the office entering a paper form."""

    submitter_id = SelectField("提出人", coerce=int_or_none, validate_choice=False)
    work = SelectField("对办理工作的评价", choices=options(choices(Rating), blank="请选择"), validate_choice=False)
    result = SelectField("对办理结果的评价", choices=options(choices(Rating), blank="请选择"), validate_choice=False)
    adoption = SelectField("采纳情况", choices=options(choices(Adoption), blank="请选择"), validate_choice=False)
    contacted = SelectField("承办单位是否与您沟通", choices=options([("yes", "是"), ("no", "否")], blank="请选择"),
                            validate_choice=False)
    contact_method = SelectField("沟通方式", choices=options(choices(ContactMethod), blank="（未沟通或不详）"),
                                 validate_choice=False)
    comment = TextAreaField("意见和建议", validators=[Length(max=2000, message="不能超过 2000 字")],
                            render_kw={"rows": 3})

    def contacted_value(self) -> bool | None:
        return {"yes": True, "no": False}.get(self.contacted.data or "")


class RehandleForm(FlaskForm):
    reason = TextAreaField("重新办理的理由", validators=[Length(max=2000, message="不能超过 2000 字")],
                           render_kw={"rows": 2})
    reply_due = DateField("重新办理期限", validators=[Optional()], format="%Y-%m-%d",
                          render_kw={"placeholder": "留空则按规则计算"})


class ResolveForm(FlaskForm):
    feedback_id = HiddenField()
    reason = TextAreaField("不重新办理的决定及理由", validators=[Length(max=2000, message="不能超过 2000 字")],
                           render_kw={"rows": 2})


class FulfilForm(FlaskForm):
    evidence = TextAreaField("兑现情况及佐证", validators=[Length(max=2000, message="不能超过 2000 字")],
                             render_kw={"rows": 2})
    fulfilled_on = DateField("兑现日期", validators=[Optional()], format="%Y-%m-%d",
                             render_kw={"placeholder": "留空为今天"})


class CarryOverForm(FlaskForm):
    reason = TextAreaField("结转理由", validators=[Length(max=2000, message="不能超过 2000 字")],
                           render_kw={"rows": 2})


class CarryOverYearForm(FlaskForm):
    year = SelectField("年度", coerce=int_or_none, validate_choice=False)
    reason = TextAreaField("结转理由", validators=[Length(max=2000, message="不能超过 2000 字")],
                           render_kw={"rows": 2})


class CloseForm(FlaskForm):
    note = TextAreaField("销号说明", validators=[Length(max=2000, message="不能超过 2000 字")],
                         render_kw={"rows": 2})


class MergeForm(FlaskForm):
    parent_id = HiddenField()
    parent_number = StringField("主件案号（同会次）", validators=[Length(max=30)])
    note = StringField("并案说明", validators=[Length(max=300)])


class UnmergeForm(FlaskForm):
    reason = StringField("撤销理由", validators=[Length(max=300)])


class CommitmentFilterForm(FlaskForm):
    class Meta:
        csrf = False

    unit_id = SelectField("承办单位", coerce=int_or_none, validate_choice=False)
    status = SelectField("状态", validate_choice=False)
    overdue = SelectField("是否逾期", choices=options([("1", "仅逾期")], blank="全部"), validate_choice=False)


class ReconcileForm(FlaskForm):
    file = FileField("上传人大/政协提供的清单（.xlsx）")
    numbers = TextAreaField("或粘贴案号（每行一个，可写范围如 1-120）", render_kw={"rows": 6})
