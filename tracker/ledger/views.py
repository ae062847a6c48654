"""The ledger (台账) page and its .xlsx download (office only)."""

from __future__ import annotations

import math
import tempfile

from flask import Blueprint, Response, abort, render_template, request
from flask_login import current_user, login_required

from tracker.accounts import policy
from tracker.core import clock
from tracker.core.enums import ItemKind, ItemStatus, Tier, choices, display_label
from tracker.core.excel import XLSX_MIMETYPE
from tracker.core.web import attachment
from tracker.ledger import export
from tracker.ledger import rows as ledger_rows
from tracker.ledger.rows import LedgerFilters

bp = Blueprint("ledger", __name__, url_prefix="/ledger")

PER_PAGE = 50
MAX_PER_PAGE = 200
LEDGER_KINDS = (ItemKind.SUGGESTION, ItemKind.PROPOSAL)


def _require_ledger() -> None:
    if not policy.has(current_user, policy.Perm.VIEW_LEDGER):
        abort(403)


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() else None


def _choice_arg(name: str, allowed: set[str]) -> str | None:
    value = request.args.get(name) or None
    return value if value in allowed else None


def filters_from_request() -> LedgerFilters:
    return LedgerFilters(
        session_id=_int_arg("session_id"),
        kind=_choice_arg("kind", {k.value for k in ItemKind}),
        status=_choice_arg("status", {s.value for s in ItemStatus}),
        unit_id=_int_arg("unit_id"),
        tier=_choice_arg("tier", {t.value for t in Tier}),
        sort=_choice_arg("sort", set(ledger_rows.SORTS)) or "number",
    )


def _options() -> dict:
    from tracker.items.services import sessions_ordered
    from tracker.units.models import Unit

    return {
        "sessions": [(s.id, s.name) for s in sessions_ordered()],
        "kinds": [(k.value, display_label(k)) for k in LEDGER_KINDS],
        "statuses": choices(ItemStatus),
        "tiers": choices(Tier),
        "units": [(u.id, u.name) for u in Unit.select().order_by(Unit.sort_order, Unit.id)],
        "sorts": list(ledger_rows.SORTS.items()),
    }


@bp.get("/")
@login_required
def index():
    _require_ledger()
    filters = filters_from_request()
    today = clock.today()
    per_page = min(MAX_PER_PAGE, max(1, _int_arg("per_page") or PER_PAGE))
    total = ledger_rows.count(filters, today)
    pages = max(1, math.ceil(total / per_page))
    page = min(max(1, _int_arg("page") or 1), pages)
    rows = list(ledger_rows.iter_rows(filters, today=today, start=(page - 1) * per_page, limit=per_page))
    args = filters.as_args()
    if per_page != PER_PAGE:
        args["per_page"] = per_page
    return render_template(
        "ledger/index.html", rows=rows, columns=ledger_rows.COLUMNS, filters=filters, total=total,
        page=page, pages=pages, args=args, options=_options(), due_soon_days=ledger_rows.DUE_SOON_DAYS,
    )


@bp.get("/export.xlsx")
@login_required
def download():
    _require_ledger()
    from tracker.items.models import Session

    filters = filters_from_request()
    session = Session.get_or_none(Session.id == filters.session_id) if filters.session_id else None
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - closed by _stream
    try:
        export.write_ledger(handle, filters)
        size = handle.tell()
    except BaseException:
        handle.close()
        raise
    name = export.filename(session.name if session else None)
    return Response(_stream(handle), mimetype=XLSX_MIMETYPE,
                    headers={"Content-Disposition": attachment(name, "ledger.xlsx"), "Content-Length": str(size)})


def _stream(handle, chunk_size: int = 64 * 1024):
    """The file in chunks (the workbook is never held in memory whole); closed at the end,
    or when the response is dropped."""
    try:
        handle.seek(0)
        while chunk := handle.read(chunk_size):
            yield chunk
    finally:
        handle.close()
