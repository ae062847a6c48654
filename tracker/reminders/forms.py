from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    IntegerField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from tracker.core.enums import SlipColor, choices
from tracker.core.forms import MultiCheckboxField, SelectField, options
from tracker.reminders.rules import OFFSET_UNITS, RECIPIENTS, SLIP_COLORS

_SLIP_LABELS = dict(choices(SlipColor))  # lazy labels: the page's language
URGE_COLORS = [(c.value, _SLIP_LABELS[c.value]) for c in (SlipColor.URGE, SlipColor.BLUE, SlipColor.ORANGE, SlipColor.RED)]


class UrgeForm(FlaskForm):
    """催办 / 督办 by the office on one assignment."""

    color = SelectField(_l("催办方式"), choices=options(URGE_COLORS), default=SlipColor.URGE.value)
    reason = TextAreaField(
        _l("催办说明"), validators=[Optional(), Length(max=500, message=_l("催办说明不能超过 500 个字符"))]
    )
    submit = SubmitField(_l("催办"))


class ReminderRuleForm(FlaskForm):
    label = StringField(_l("提醒名称"), validators=[InputRequired(_l("请填写提醒名称")), Length(max=100)])
    offset = IntegerField(
        _l("提前（负数）或延后（正数）"),
        validators=[
            InputRequired(_l("请填写提前或延后的天数")),
            NumberRange(-366, 366, _l("天数应在 -366 到 366 之间")),
        ],
    )
    offset_unit = SelectField(
        _l("单位"), choices=options((k, _l(v.replace("个", ""))) for k, v in OFFSET_UNITS.items())
    )
    recipients = MultiCheckboxField(_l("接收人"), choices=options((k, _l(v)) for k, v in RECIPIENTS.items()))
    slip = SelectField(_l("督办单"), choices=options((k, _l(v)) for k, v in SLIP_COLORS.items()))
    active = BooleanField(_lp("status", "启用"))
    submit = SubmitField(_l("保存"))


class FilterForm(FlaskForm):
    """GET filters of the overdue list (no CSRF: it changes nothing)."""

    class Meta:
        csrf = False

    session_id = SelectField(_l("会次"), coerce=str, validators=[Optional()])
    kind = SelectField(_l("类别"), validators=[Optional()])
    unit_id = SelectField(_l("承办单位"), coerce=str, validators=[Optional()])
    tier = SelectField(_l("办理层级"), validators=[Optional()])
    act = SelectField(_l("事项"), validators=[Optional()])
    within = IntegerField(_l("天数"), validators=[Optional(), NumberRange(0, 366)], default=7)
