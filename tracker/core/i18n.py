"""The marker for translatable constants (the UI's second language, English).

``N_("中文")`` returns its argument unchanged; it only marks the string for ``pybabel extract``
(babel.cfg), so that constants defined at import time — including in pure modules without
Flask — land in the catalog. Translate them where they are shown: ``gettext(CONSTANT)`` in a
view, ``{{ _(value) }}`` in a template, or ``lazy_gettext(CONSTANT)``.
"""

from __future__ import annotations


def N_(text: str) -> str:
    return text
