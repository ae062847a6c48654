"""Page forms of the assessment: manual scores, adjustments, scorecards. They keep what the
user typed; the services decide what is valid (their messages land on the fields)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    FormField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from tracker.assessment.scoring import AUTO_RULES
from tracker.assessment.services import ADJUSTMENT_KINDS
from tracker.core.forms import SelectField, SubForm


def manual_score_form(criteria: list[Any], existing: dict[int, Any], formdata: Any = None) -> FlaskForm:
    """One points field and one note per manual criterion (names ``points_<id>``, ``note_<id>``)."""

    class ManualScoreForm(FlaskForm):
        pass

    for crit in criteria:
        setattr(ManualScoreForm, f"points_{crit.id}", StringField(
            gettext("%(label)s（满分 %(weight)s 分）", label=crit.label, weight=crit.weight), validators=[Optional()],
            render_kw={"inputmode": "decimal", "autocomplete": "off"}))
        setattr(ManualScoreForm, f"note_{crit.id}", TextAreaField(
            _l("评分说明"), validators=[Length(max=2000, message=_l("评分说明不能超过 2000 个字"))], render_kw={"rows": 2}))
    form = ManualScoreForm(formdata=formdata)
    if formdata is None:
        for crit in criteria:
            row = existing.get(crit.id)
            if row is not None:
                getattr(form, f"points_{crit.id}").data = f"{float(row.points):g}"
                getattr(form, f"note_{crit.id}").data = row.note
    return form


def scores_from(form: FlaskForm, criteria: list[Any]) -> dict[int, tuple[str, str]]:
    return {c.id: ((getattr(form, f"points_{c.id}").data or "").strip(), getattr(form, f"note_{c.id}").data or "")
            for c in criteria}


class AdjustmentForm(FlaskForm):
    kind = SelectField(_l("类型"), choices=[SelectChoice(k, _l(v)) for k, v in ADJUSTMENT_KINDS.items()])
    points = StringField(_l("分值"), render_kw={"inputmode": "decimal", "autocomplete": "off"})
    reason = TextAreaField(_l("事由"), render_kw={"rows": 2, "placeholder": _l("如：台账规范、按时报送总结；或：通报批评（文号）")})


METHOD_CHOICES = {"auto": _l("自动（按办理记录计算）"), "manual": _l("人工（督查室评分）")}


class CriterionRow(SubForm):
    key = StringField(_l("指标代码"), render_kw={"list": "auto-keys", "autocomplete": "off"})
    label = StringField(_l("指标名称"))
    weight = StringField(_l("权重"), render_kw={"inputmode": "numeric"})
    method = SelectField(_l("评分方式"), choices=[SelectChoice(k, v) for k, v in METHOD_CHOICES.items()],
                         default="manual")


class ScorecardForm(FlaskForm):
    name = StringField(_l("名称"))
    applies_to = SelectField(_l("适用于"), choices=[SelectChoice("lead", _l("主办、独办、分办（答复）")),
                                                      SelectChoice("co", _l("会办"))])
    description = TextAreaField(_l("说明"), render_kw={"rows": 2})
    active = BooleanField(_lp("status", "启用"), default=True)
    is_default = BooleanField(_l("设为默认（交办时未指定考核办法的件使用）"))
    criteria = FieldList(FormField(CriterionRow), min_entries=1)


class RedSlipForm(FlaskForm):
    red_slip_points = StringField(_l("每张红单扣分"), render_kw={"inputmode": "decimal"})


def auto_keys() -> list[tuple[str, str, str]]:
    """(key, label, applies to) of the automatic criteria, for the scorecard editor."""
    return [(key, label, gettext("、").join(gettext("主办") if a == "lead" else gettext("会办") for a in fits))
            for key, (label, _rule, fits) in AUTO_RULES.items()]
