"""Small helpers for the Chinese text the services write (notifications, audit details)."""

from __future__ import annotations

ENDINGS = ("。", "！", "？", "；", "…", ".", "!", "?", ";")


def sentence(text: str) -> str:
    """``text`` closed with a full stop unless it already ends a sentence: a user's reason put
    into a notice ("理由：{reason}。请于…") must not read "…办理。。请于…"."""
    text = (text or "").rstrip()
    return text if not text or text.endswith(ENDINGS) else text + "。"
