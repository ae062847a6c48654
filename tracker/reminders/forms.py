from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from tracker.core.enums import SlipColor, label
from tracker.reminders.rules import OFFSET_UNITS, RECIPIENTS, SLIP_COLORS


def options(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, text) for value, text in pairs]


URGE_COLORS = [(c.value, label(c)) for c in (SlipColor.URGE, SlipColor.BLUE, SlipColor.ORANGE, SlipColor.RED)]


class UrgeForm(FlaskForm):
    """催办 / 督办 by the office on one assignment."""

    color = SelectField("催办方式", choices=options(URGE_COLORS), default=SlipColor.URGE.value)
    reason = TextAreaField(
        "催办说明", validators=[Optional(), Length(max=500, message="催办说明不能超过 500 个字符")]
    )
    submit = SubmitField("催办")


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ReminderRuleForm(FlaskForm):
    label = StringField("提醒名称", validators=[InputRequired("请填写提醒名称"), Length(max=100)])
    offset = IntegerField(
        "提前（负数）或延后（正数）",
        validators=[
            InputRequired("请填写提前或延后的天数"),
            NumberRange(-366, 366, "天数应在 -366 到 366 之间"),
        ],
    )
    offset_unit = SelectField(
        "单位", choices=options((k, v.replace("个", "")) for k, v in OFFSET_UNITS.items())
    )
    recipients = MultiCheckboxField("接收人", choices=options(RECIPIENTS.items()))
    slip = SelectField("督办单", choices=options(SLIP_COLORS.items()))
    active = BooleanField("启用")
    submit = SubmitField("保存")


class FilterForm(FlaskForm):
    """GET filters of the overdue list (no CSRF: it changes nothing)."""

    class Meta:
        csrf = False

    session_id = SelectField("会次", coerce=str, validators=[Optional()])
    kind = SelectField("类别", validators=[Optional()])
    unit_id = SelectField("承办单位", coerce=str, validators=[Optional()])
    tier = SelectField("办理层级", validators=[Optional()])
    act = SelectField("事项", validators=[Optional()])
    within = IntegerField("天数", validators=[Optional(), NumberRange(0, 366)], default=7)
