"""Page forms of the assessment: manual scores, adjustments, scorecards. They keep what the
user typed; the services decide what is valid (their messages land on the fields)."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, Optional

from tracker.assessment.scoring import AUTO_RULES
from tracker.assessment.services import ADJUSTMENT_KINDS


def manual_score_form(criteria: list[Any], existing: dict[int, Any], formdata: Any = None) -> FlaskForm:
    """One points field and one note per manual criterion (names ``points_<id>``, ``note_<id>``)."""

    class ManualScoreForm(FlaskForm):
        pass

    for crit in criteria:
        setattr(ManualScoreForm, f"points_{crit.id}", StringField(
            f"{crit.label}（满分 {crit.weight} 分）", validators=[Optional()],
            render_kw={"inputmode": "decimal", "autocomplete": "off"}))
        setattr(ManualScoreForm, f"note_{crit.id}", TextAreaField(
            "评分说明", validators=[Length(max=2000, message="评分说明不能超过 2000 个字")], render_kw={"rows": 2}))
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
    kind = SelectField("类型", choices=dict(ADJUSTMENT_KINDS))
    points = StringField("分值", render_kw={"inputmode": "decimal", "autocomplete": "off"})
    reason = TextAreaField("事由", render_kw={"rows": 2, "placeholder": "如：台账规范、按时报送总结；或：通报批评（文号）"})


METHOD_CHOICES = {"auto": "自动（按办理记录计算）", "manual": "人工（督查室评分）"}


class CriterionRow(Form):
    key = StringField("指标代码", render_kw={"list": "auto-keys", "autocomplete": "off"})
    label = StringField("指标名称")
    weight = StringField("权重", render_kw={"inputmode": "numeric"})
    method = SelectField("评分方式", choices=METHOD_CHOICES, default="manual")


class ScorecardForm(FlaskForm):
    name = StringField("名称")
    applies_to = SelectField("适用于", choices={"lead": "主办、独办、分办（答复）", "co": "会办"})
    description = TextAreaField("说明", render_kw={"rows": 2})
    active = BooleanField("启用", default=True)
    is_default = BooleanField("设为默认（交办时未指定考核办法的件使用）")
    criteria = FieldList(FormField(CriterionRow), min_entries=1)


class RedSlipForm(FlaskForm):
    red_slip_points = StringField("每张红单扣分", render_kw={"inputmode": "decimal"})


def auto_keys() -> list[tuple[str, str, str]]:
    """(key, label, applies to) of the automatic criteria, for the scorecard editor."""
    return [(key, label, "、".join("主办" if a == "lead" else "会办" for a in fits))
            for key, (label, _rule, fits) in AUTO_RULES.items()]
