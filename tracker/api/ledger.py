"""GET /api/v1/stats: the statistics of DOMAIN.md §8 (the same formulas as the pages)."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request

from tracker.accounts import policy
from tracker.api import bp
from tracker.api.common import api_login_required, current_api_user
from tracker.api.spec import DATE, INT, STR, arr, documented, obj
from tracker.core import clock
from tracker.core.collector import collector_paused
from tracker.core.enums import ItemKind, Tier
from tracker.core.errors import ensure
from tracker.ledger import stats
from tracker.ledger.stats_queries import StatsFilter, load_facts

RATE = {"type": ["number", "null"], "minimum": 0, "maximum": 1}
CLASS_COUNTS = obj({k: INT for k in stats.CLASSES}, list(stats.CLASSES))
CLASS_SHARES = obj({k: RATE for k in stats.CLASSES})
METRICS_PROPS: dict[str, Any] = {c.key: INT for c in stats.COUNTS}
METRICS_PROPS.update({r.key: RATE for r in stats.RATES})
METRICS_PROPS.update({"class_counts": CLASS_COUNTS, "class_shares": CLASS_SHARES})
METRICS = obj(METRICS_PROPS, list(stats.API_KEYS))
UNIT_METRICS = obj({"unit_id": INT, "unit_name": STR, **METRICS_PROPS}, ["unit_id", "unit_name", *stats.API_KEYS])


def _round(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, dict):
        return {k: _round(v) for k, v in value.items()}
    return value


def _public(metrics: dict[str, Any]) -> dict[str, Any]:
    return {k: _round(v) for k, v in metrics.items()}


@bp.get("/stats")
@api_login_required
@documented(
    "办理情况统计", tags=("stats",), response=obj({
        "as_of": DATE, "filters": obj({}), "overall": METRICS, "by_unit": arr(UNIT_METRICS),
    }, ["overall", "by_unit"]),
    query={
        "session_id": INT,
        "kind": {"type": "string", "enum": [k.value for k in ItemKind]},
        "tier": {"type": "string", "enum": [t.value for t in Tier]},
        "unit_id": INT,
        "is_key": {"type": "integer", "enum": [0, 1]},
        "year": {**INT, "description": "会次所属年度"},
    },
    description="DOMAIN.md §8 的统计口径：N 为主办、独办、分办的承办任务（不含已退回、已撤回、已并案），"
                "会办另计（co_*）。比率为 0 到 1 的数，分母为 0 时为 null。仅交办单位和市领导可用。"
                f"各计数键：{', '.join(c.key for c in stats.COUNTS)}。",
)
@collector_paused
def stats_summary():
    user = current_api_user()
    ensure(policy.has(user, policy.Perm.VIEW_STATS), "只有交办单位和市领导可以查看统计")
    flt = StatsFilter.from_args(request.args)
    today = clock.today()
    result = stats.summary(load_facts(flt), today)
    return jsonify({
        "as_of": today.isoformat(),
        "filters": flt.args(),
        "overall": _public(result["overall"]),
        "by_unit": [_public(row) for row in result["by_unit"]],
    })
