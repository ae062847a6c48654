"""Forms of the handling record. Each is prefixed per assignment (``a<id>``) so that several can
live on one item page; the view that receives a POST builds the form with the same prefix."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from tracker.core.enums import ContactMethod, ContactStage, choices
from tracker.core.forms import SelectField, options


class ProgressForm(FlaskForm):
    text = TextAreaField(_l("办理进展"), validators=[DataRequired(_l("请填写办理进展")), Length(max=5000)],
                         render_kw={"rows": 3})
    submit = SubmitField(_l("记录进展"))


class ContactForm(FlaskForm):
    stage = SelectField(_l("沟通阶段"), choices=options(choices(ContactStage)), validators=[DataRequired(_l("请选择沟通阶段"))])
    method = SelectField(_l("沟通方式"), choices=options(choices(ContactMethod)), validators=[DataRequired(_l("请选择沟通方式"))])
    contact_on = DateField(_l("沟通日期"), validators=[DataRequired(_l("请填写沟通日期（格式 YYYY-MM-DD）"))])
    participants = StringField(_l("参加人员"), validators=[Optional(), Length(max=300)],
                               render_kw={"placeholder": _l("如：张代表、承办科室王科长")})
    summary = TextAreaField(_l("沟通情况"), validators=[DataRequired(_l("请填写沟通情况摘要")), Length(max=5000)],
                            render_kw={"rows": 3})
    submit = SubmitField(_l("登记沟通"))


class CoOpinionForm(FlaskForm):
    text = TextAreaField(_l("会办意见"), validators=[DataRequired(_l("请填写会办意见")), Length(max=5000)],
                         render_kw={"rows": 4})
    submit = SubmitField(_l("提交会办意见"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The progress form on the same card posts "<prefix>-text" too: same name, but the
        # element id must differ, or the label "会办意见" points at the progress textarea.
        self.text.id = f"{self.text.id}-opinion"


class ExtensionRequestForm(FlaskForm):
    requested_due = DateField(_l("申请延期至"), validators=[DataRequired(_l("请填写申请延期至的日期（格式 YYYY-MM-DD）"))])
    reason = TextAreaField(_l("延期理由"), validators=[DataRequired(_l("请填写延期理由")), Length(max=5000)],
                           render_kw={"rows": 3})
    submit = SubmitField(_l("提交延期申请"))


class ExtensionDecisionForm(FlaskForm):
    decision = SelectField(_l("审核意见"), choices=options([("approve", _l("同意延期")), ("reject", _l("驳回"))]), default="approve",
                          validators=[DataRequired(_l("请选择审核意见"))])
    reason = TextAreaField(_l("理由"), validators=[Optional(), Length(max=2000)], render_kw={"rows": 2},
                           description=_l("驳回时必填"))
    next = HiddenField()
    submit = SubmitField(_l("提交审核意见"))


def prefix_for(assignment_id: int) -> str:
    return f"a{assignment_id}"


def decision_prefix(request_id: int) -> str:
    return f"x{request_id}"


class InstructionForm(FlaskForm):
    text = TextAreaField(_l("批示内容"), validators=[DataRequired(_l("请填写批示内容")), Length(max=5000)],
                         render_kw={"rows": 3})
    submit = SubmitField(_l("记录批示"))
