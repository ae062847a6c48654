"""tracker.core.text: a user's reason put into a sentence of a notice."""

from __future__ import annotations

import pytest

from tracker.core.text import sentence


@pytest.mark.parametrize("given, expected", [
    ("不属于我单位职责", "不属于我单位职责。"),
    ("建议改由市城市管理局办理。", "建议改由市城市管理局办理。"),
    ("请尽快！  ", "请尽快！"),
    ("是否可行？", "是否可行？"),
    ("", ""),
])
def test_a_reason_is_closed_with_one_full_stop(given, expected):
    assert sentence(given) == expected
