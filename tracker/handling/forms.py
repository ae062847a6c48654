"""Forms of the handling record. Each is prefixed per assignment (``a<id>``) so that several can
live on one item page; the view that receives a POST builds the form with the same prefix."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from tracker.core.enums import ContactMethod, ContactStage, choices


def options(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, text) for value, text in pairs]


class ProgressForm(FlaskForm):
    text = TextAreaField("办理进展", validators=[DataRequired("请填写办理进展"), Length(max=5000)],
                         render_kw={"rows": 3})
    submit = SubmitField("记录进展")


class ContactForm(FlaskForm):
    stage = SelectField("沟通阶段", choices=options(choices(ContactStage)), validators=[DataRequired("请选择沟通阶段")])
    method = SelectField("沟通方式", choices=options(choices(ContactMethod)), validators=[DataRequired("请选择沟通方式")])
    contact_on = DateField("沟通日期", validators=[DataRequired("请填写沟通日期（格式 YYYY-MM-DD）")])
    participants = StringField("参加人员", validators=[Optional(), Length(max=300)],
                               render_kw={"placeholder": "如：张代表、承办科室王科长"})
    summary = TextAreaField("沟通情况", validators=[DataRequired("请填写沟通情况摘要"), Length(max=5000)],
                            render_kw={"rows": 3})
    submit = SubmitField("登记沟通")


class CoOpinionForm(FlaskForm):
    text = TextAreaField("会办意见", validators=[DataRequired("请填写会办意见"), Length(max=5000)],
                         render_kw={"rows": 4})
    submit = SubmitField("提交会办意见")


class ExtensionRequestForm(FlaskForm):
    requested_due = DateField("申请延期至", validators=[DataRequired("请填写申请延期至的日期（格式 YYYY-MM-DD）")])
    reason = TextAreaField("延期理由", validators=[DataRequired("请填写延期理由"), Length(max=5000)],
                           render_kw={"rows": 3})
    submit = SubmitField("提交延期申请")


class ExtensionDecisionForm(FlaskForm):
    decision = SelectField("审核意见", choices=options([("approve", "同意延期"), ("reject", "驳回")]), default="approve",
                          validators=[DataRequired("请选择审核意见")])
    reason = TextAreaField("理由", validators=[Optional(), Length(max=2000)], render_kw={"rows": 2},
                           description="驳回时必填")
    next = HiddenField()
    submit = SubmitField("提交审核意见")


def prefix_for(assignment_id: int) -> str:
    return f"a{assignment_id}"


def decision_prefix(request_id: int) -> str:
    return f"x{request_id}"


class InstructionForm(FlaskForm):
    text = TextAreaField("批示内容", validators=[DataRequired("请填写批示内容"), Length(max=5000)],
                         render_kw={"rows": 3})
    submit = SubmitField("记录批示")
