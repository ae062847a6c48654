"""Forms of replies: the draft (with repeated commitment rows and attachments) and the decisions
of sign-off, co-sign and review (prefixed ``r<id>`` so several fit on one page)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import (
    DateField,
    FieldList,
    FormField,
    HiddenField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from tracker.core.enums import Publish, choices
from tracker.core.forms import SelectField, SubForm, options


class CommitmentRow(SubForm):
    """One 承诺事项 row (no CSRF of its own: it lives inside the reply form)."""

    text = StringField(_l("承诺事项"), validators=[Optional(), Length(max=2000)])
    due_date = DateField(_l("完成时限"), validators=[Optional()])


class ReplyForm(FlaskForm):
    result_class = SelectField(_l("分类标识"), validators=[DataRequired(_l("请选择分类标识"))])
    text = TextAreaField(_l("答复正文"), validators=[DataRequired(_l("请填写答复正文")), Length(max=50000)],
                         render_kw={"rows": 14})
    doc_number = StringField(_l("文号"), validators=[Optional(), Length(max=100)],
                             render_kw={"placeholder": _l("如：市住建函〔2026〕12号")})
    contact_name = StringField(_l("联系人"), validators=[Optional(), Length(max=100)])
    contact_phone = StringField(_l("联系电话"), validators=[Optional(), Length(max=50)])
    publish = SelectField(_l("公开属性"), choices=options(choices(Publish)), default=Publish.FULL.value)
    commitments = FieldList(FormField(CommitmentRow), min_entries=1, max_entries=50)
    files = MultipleFileField(_l("附件"))
    version = HiddenField()
    save = SubmitField(_l("保存草稿"))
    save_submit = SubmitField(_l("保存并提交领导签发"))

    def commitment_rows(self) -> list[dict]:
        """The commitment rows as the service wants them (empty rows are dropped there)."""
        rows = []
        for entry in self.commitments.entries:
            due = entry.form.due_date.data
            raw_due = entry.form.due_date.raw_data[0] if entry.form.due_date.raw_data else ""
            rows.append({"text": entry.form.text.data or "",
                         "due_date": due.isoformat() if due else (raw_due or "")})
        return rows


class DecisionForm(FlaskForm):
    """Approve or return (with a reason); the office's review may also change the class."""

    decision = SelectField(_l("处理意见"), choices=options([("approve", _l("同意")), ("return", _l("退回修改"))]), default="approve")
    reason = TextAreaField(_l("理由"), validators=[Optional(), Length(max=2000)], render_kw={"rows": 2})
    result_class = SelectField(_l("分类标识"), validators=[Optional()])
    version = HiddenField()
    submit = SubmitField(_l("提交"))


class PublicationForm(FlaskForm):
    """公开: the day the sent reply was published (the service checks the date)."""

    version = HiddenField()
    published_on = DateField(_l("公开日期"), validators=[Optional()], format="%Y-%m-%d")


def publication_form_for(reply, formdata=None) -> PublicationForm:
    form = PublicationForm(prefix=f"pub{reply.id}", formdata=formdata)
    if formdata is None:
        form.version.data = str(reply.version)
        form.published_on.data = reply.published_on
    return form


class SubmitForm(FlaskForm):
    version = HiddenField()
    submit = SubmitField(_l("提交领导签发"))


class AttachmentForm(FlaskForm):
    files = MultipleFileField(_l("上传附件"))
    submit = SubmitField(_l("上传"))


def decision_prefix(reply_id: int) -> str:
    return f"r{reply_id}"


def decision_form_for(reply, *, formdata=None) -> DecisionForm:
    """The decision form of one reply; with ``formdata`` None it is a fresh form for a page."""
    from tracker.replies.services import class_choices

    form = DecisionForm(prefix=decision_prefix(reply.id), formdata=formdata)
    form.result_class.choices = options([("", _l("不改变")), *class_choices()])
    if formdata is None:
        form.version.data = str(reply.version)
    return form


def submit_form_for(reply) -> SubmitForm:
    form = SubmitForm(prefix=decision_prefix(reply.id), formdata=None)
    form.version.data = str(reply.version)
    return form
