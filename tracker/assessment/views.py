"""Pages of the assessment (考核): ranking, a unit's scores, manual scoring, scorecards."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from tracker.accounts import policy
from tracker.assessment import forms, scoring
from tracker.assessment import services as assessment
from tracker.assessment.exports import assessment_xlsx
from tracker.assignments.services import get_assignment_for
from tracker.core.collector import collector_paused
from tracker.core.errors import DomainError, PermissionDenied, ensure
from tracker.core.web import flash_error
from tracker.items.models import Session
from tracker.units.models import Unit

bp = Blueprint("assessment", __name__, url_prefix="/assessment")


def _session_arg() -> Session | None:
    """The session of ``?session=ID`` (else the latest one)."""
    raw = request.args.get("session", "")
    if raw:
        try:
            session = Session.get_or_none(Session.id == int(raw))
        except ValueError:
            session = None
        if session is None:
            abort(404)
        return session
    return Session.select().order_by(Session.year.desc(), Session.id.desc()).first()


def _year_arg() -> int | None:
    raw = request.args.get("year", "")
    if not raw:
        return None
    if not raw.isdigit() or not Session.select().where(Session.year == int(raw)).exists():
        abort(404)
    return int(raw)


def _assess(unit_id: int | None = None) -> assessment.SessionAssessment | None:
    """The scope of the request: ``?year=YYYY`` (every session of the year) or ``?session=ID``."""
    year = _year_arg()
    if year is not None:
        return assessment.assess_year(year, unit_id=unit_id)
    session = _session_arg()
    return assessment.assess_session(session.id, unit_id=unit_id) if session else None


def _picker() -> dict[str, Any]:
    sessions = _sessions()
    return {"sessions": sessions, "years": sorted({s.year for s in sessions}, reverse=True)}


def _sessions() -> list[Session]:
    return list(Session.select().order_by(Session.year.desc(), Session.id.desc()))


@bp.get("")
@login_required
@collector_paused
def index():
    if not policy.has(current_user, policy.Perm.VIEW_ASSESSMENT):
        if policy.role_of(current_user) in policy.UNIT and current_user.unit_id:
            return redirect(url_for("assessment.unit", unit_id=current_user.unit_id, **request.args))
        raise PermissionDenied("您没有权限查看考核")
    result = _assess()
    return render_template("assessment/index.html", result=result, fmt=scoring.fmt, **_picker())


@bp.get("/export.xlsx")
@login_required
@collector_paused
def export():
    ensure(policy.has(current_user, policy.Perm.VIEW_ASSESSMENT), "您没有权限导出考核结果")
    result = _assess()
    if result is None:
        abort(404)
    from tracker.core.excel import XLSX_MIMETYPE
    from tracker.core.web import attachment

    name = f"考核结果_{result.label}.xlsx"
    ascii_name = f"assessment_{'_'.join(f'{k}{v}' for k, v in result.scope_args.items())}.xlsx"
    return Response(assessment_xlsx(result), mimetype=XLSX_MIMETYPE,
                    headers={"Content-Disposition": attachment(name, ascii_name)})


@bp.get("/unit/<int:unit_id>")
@login_required
@collector_paused
def unit(unit_id: int):
    unit_row = Unit.get_or_none(Unit.id == unit_id)
    if unit_row is None:
        abort(404)
    assessment.ensure_may_view(current_user, unit_id)
    form = forms.AdjustmentForm() if policy.has(current_user, policy.Perm.SCORE_ITEMS) else None
    return _unit_page(unit_row, form)


def _unit_page(unit_row: Unit, form: Any, status: int = 200):
    # who may see the ranking gets the unit's score out of the whole scope's (its rank needs every
    # unit's total: one assessment, not the unit's and then everyone's); a unit sees its own only
    ranked = policy.has(current_user, policy.Perm.VIEW_ASSESSMENT)
    result = _assess(unit_id=None if ranked else unit_row.id)
    score = result.unit(unit_row.id) if result else None
    if score is not None and not ranked:
        score.rank = None
    session = result.session if result else None
    if result is not None and session is None:
        form = None  # adjustments belong to one session
    if score is None or not score.items:
        form = None  # a unit without items in the scope is not assessed: nothing to add to or deduct from
    return render_template("assessment/unit.html", unit=unit_row, result=result, session=session,
                           score=score, form=form, fmt=scoring.fmt,
                           kinds=assessment.ADJUSTMENT_KINDS, **_picker()), status


@bp.post("/unit/<int:unit_id>/adjustments")
@login_required
def add_adjustment(unit_id: int):
    ensure(policy.has(current_user, policy.Perm.SCORE_ITEMS), "只有交办单位（督查室）可以加减分")
    unit_row = Unit.get_or_none(Unit.id == unit_id)
    session = _session_arg() if request.args.get("session") else None
    if unit_row is None or session is None:
        abort(404)
    form = forms.AdjustmentForm()
    if form.validate_on_submit():
        try:
            assessment.add_adjustment(unit_id=unit_id, session_id=session.id, kind=form.kind.data,
                                      points=form.points.data, reason=form.reason.data, actor=current_user)
        except DomainError as exc:
            flash_error(exc, form)
        else:
            flash(gettext("已记录加减分"), "success")
            return redirect(url_for("assessment.unit", unit_id=unit_id, session=session.id))
    return _unit_page(unit_row, form, 422)


@bp.post("/adjustments/<int:adjustment_id>/delete")
@login_required
def delete_adjustment(adjustment_id: int):
    from tracker.assessment.records import Adjustment

    adj = Adjustment.get_or_none(Adjustment.id == adjustment_id)
    if adj is None:
        abort(404)
    target = url_for("assessment.unit", unit_id=adj.unit_id, session=adj.session_id)
    assessment.remove_adjustment(adjustment_id, actor=current_user)
    flash(gettext("已撤销该项加减分"), "success")
    return redirect(target)


@bp.route("/assignment/<int:assignment_id>", methods=["GET", "POST"])
@login_required
def assignment(assignment_id: int):
    a = get_assignment_for(current_user, assignment_id)
    assessment.ensure_may_view(current_user, a.unit_id)
    criteria = assessment.manual_criteria(a)
    existing = assessment.manual_scores_of(a)
    may_score = policy.has(current_user, policy.Perm.SCORE_ITEMS)
    form = forms.manual_score_form(criteria, existing, request.form if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        ensure(may_score, "只有交办单位（督查室）可以评分")
        if form.validate_on_submit():
            try:
                changed = assessment.score_assignment(a, forms.scores_from(form, criteria), actor=current_user)
            except DomainError as exc:
                flash_error(exc, form)
                status = 422
            else:
                flash(gettext("已保存评分（%(n)s 项有变化）", n=changed) if changed else gettext("评分未变化"), "success")
                return redirect(url_for("assessment.assignment", assignment_id=a.id))
        else:
            status = 422
    score = assessment.item_score(a)
    return render_template("assessment/assignment.html", a=a, item=a.item, score=score, form=form,
                           criteria=criteria, may_score=may_score, fmt=scoring.fmt), status


# --- scorecards (administrators) -----------------------------------------------------------------


def _require_admin() -> None:
    ensure(policy.has(current_user, policy.Perm.MANAGE_SCORECARDS), "只有系统管理员可以修改考核办法")


@bp.get("/scorecards")
@login_required
def scorecards():
    _require_admin()
    red = forms.RedSlipForm()
    red.red_slip_points.data = scoring.fmt(assessment.red_slip_points())
    cards = [(card, assessment.criteria_of(card)) for card in assessment.all_scorecards()]
    return render_template("assessment/scorecards.html", cards=cards, red_form=red)


@bp.post("/scorecards/red-slip")
@login_required
def red_slip():
    _require_admin()
    form = forms.RedSlipForm()
    if form.validate_on_submit():
        try:
            assessment.set_red_slip_points(form.red_slip_points.data, actor=current_user)
        except DomainError as exc:
            flash_error(exc, form)
            cards = [(card, assessment.criteria_of(card)) for card in assessment.all_scorecards()]
            return render_template("assessment/scorecards.html", cards=cards, red_form=form), 422
        flash(gettext("已保存红单扣分标准"), "success")
    return redirect(url_for("assessment.scorecards"))


def _card_form(card: Any = None) -> forms.ScorecardForm:
    if request.method == "POST":
        return forms.ScorecardForm()
    form = forms.ScorecardForm(obj=card) if card else forms.ScorecardForm()
    rows = [{"key": c.key, "label": c.label, "weight": str(c.weight), "method": c.method}
            for c in (assessment.criteria_of(card) if card else [])]
    while form.criteria.entries:
        form.criteria.pop_entry()
    for row in rows + [{"key": "", "label": "", "weight": "", "method": "manual"}] * 3:
        form.criteria.append_entry(row)
    return form


@bp.route("/scorecards/new", methods=["GET", "POST"])
@login_required
def new_scorecard():
    _require_admin()
    return _edit(None)


@bp.route("/scorecards/<int:card_id>", methods=["GET", "POST"])
@login_required
def edit_scorecard(card_id: int):
    _require_admin()
    return _edit(assessment.get_scorecard(card_id))


def _edit(card: Any):
    form = _card_form(card)
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                saved = assessment.save_scorecard(
                    card, name=form.name.data, applies_to=form.applies_to.data,
                    description=form.description.data, active=form.active.data,
                    is_default=form.is_default.data, criteria=[dict(e.data) for e in form.criteria.entries],
                    actor=current_user)
            except DomainError as exc:
                flash_error(exc, form)
                _criteria_errors(form, exc.fields)
                status = 422
            else:
                flash(gettext("已保存考核办法“%(name)s”", name=saved.name), "success")
                return redirect(url_for("assessment.scorecards"))
        else:
            status = 422
    total = sum(int(w) for w in (str(e.form.weight.data or "").strip() for e in form.criteria.entries)
                if w.isdigit())
    return render_template("assessment/scorecard_form.html", form=form, card=card, total=total,
                           auto_keys=forms.auto_keys()), status


def _criteria_errors(form: forms.ScorecardForm, fields: dict[str, str]) -> None:
    """Put ``criteria-<i>-<name>`` messages on the rows' fields."""
    for name, message in fields.items():
        parts = name.split("-")
        if len(parts) == 3 and parts[0] == "criteria" and parts[1].isdigit():
            index = int(parts[1])
            if index < len(form.criteria.entries):
                field = getattr(form.criteria.entries[index].form, parts[2], None)
                if field is not None:
                    field.errors = [*list(field.errors or []), message]
