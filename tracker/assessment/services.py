"""Scorecards (定考核办法) as data."""

from __future__ import annotations

from tracker.assessment.models import Criterion, Scorecard

DEFAULT_LEAD = (
    "建议提案办理考核（主办）",
    "lead",
    [
        ("timeliness", "办理时效", 20, "auto"),
        ("contact", "沟通联系", 15, "auto"),
        ("reply_quality", "答复质量（格式、逐条答复、分类准确）", 35, "manual"),
        ("satisfaction", "代表委员满意度", 20, "auto"),
        ("commitments", "承诺兑现", 10, "auto"),
    ],
)
DEFAULT_CO = (
    "建议提案办理考核（会办）",
    "co",
    [
        ("opinion_on_time", "会办意见按时提交", 50, "auto"),
        ("opinion_quality", "会办意见质量", 50, "manual"),
    ],
)


def ensure_default_scorecards() -> None:
    for name, applies_to, criteria in (DEFAULT_LEAD, DEFAULT_CO):
        card = Scorecard.get_or_none(Scorecard.name == name)
        if card is not None:
            continue
        card = Scorecard.create(name=name, applies_to=applies_to, is_default=True)
        for pos, (key, label, weight, method) in enumerate(criteria):
            Criterion.create(scorecard=card, key=key, label=label, weight=weight,
                             method=method, position=pos)


def default_scorecard(applies_to: str) -> Scorecard | None:
    return (
        Scorecard.select()
        .where((Scorecard.applies_to == applies_to) & (Scorecard.is_default == True))  # noqa: E712
        .first()
    )


def active_scorecards():
    return Scorecard.select().where(Scorecard.active == True).order_by(Scorecard.id)  # noqa: E712
