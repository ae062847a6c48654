"""The ledger rows do not depend on how the items are cut into batches (the export reads
them batch by batch, each batch's queries rendered once and refilled with its ids)."""

from __future__ import annotations

import datetime as dt

from tests.ledger_data import TODAY, handled_item, owing_item
from tracker.ledger import rows as ledger_rows
from tracker.ledger.rows import LedgerFilters


def test_rows_are_the_same_whatever_the_batch_size(f):
    h = handled_item()
    unit = f.unit()
    for n in range(20, 27):
        owing_item(h.session, unit, number=str(n), reply_due=TODAY + dt.timedelta(days=n - 24))
    filters = LedgerFilters(session_id=h.session.id)
    whole = list(ledger_rows.iter_rows(filters, today=TODAY))
    assert [r["seq"] for r in whole] == list(range(1, 9))
    for size in (1, 3, 5):
        assert list(ledger_rows.iter_rows(filters, today=TODAY, batch_size=size)) == whole
        assert list(ledger_rows.iter_rows(filters, today=TODAY, start=2, limit=5, batch_size=size)) == whole[2:7]
    co = list(ledger_rows.iter_co_rows(filters, today=TODAY))
    assert list(ledger_rows.iter_co_rows(filters, today=TODAY, batch_size=1)) == co
    assert whole[0]["lead_units"] == "市民政局" and whole[0]["co_units"] == "市商务局"
