"""The audit log names every action the services write, and every kind of object, in words (an
unlabelled one appeared as its code, e.g. "reply_edited", in the log and in its filters)."""

from __future__ import annotations

import pathlib
import re

import tracker
from tracker.audit.labels import ACTION_LABELS, OBJECT_LABELS
from tracker.models import MODELS

SOURCE = pathlib.Path(tracker.__file__).parent
WRITTEN = re.compile(r'\b(?:audit\.record|audit\.entry|_audit)\(\s*"([a-z_]+)"')


def test_every_action_the_code_writes_has_a_label():
    written = set()
    for path in SOURCE.rglob("*.py"):
        written |= set(WRITTEN.findall(path.read_text(encoding="utf-8")))
    assert len(written) > 40, "the scan no longer finds the services' audit calls"
    assert sorted(written - set(ACTION_LABELS)) == []


def test_every_kind_of_object_has_a_label():
    # audit.record names an object by its model's class name, lower case
    assert sorted(m.__name__.lower() for m in MODELS if m.__name__.lower() not in OBJECT_LABELS) == []
