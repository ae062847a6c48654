"""Page numbers of a paginated list, the same for every list."""

from __future__ import annotations


def page_bounds(total: int, page: int, per_page: int) -> tuple[int, int]:
    """``(page, pages)``: the page asked for, clamped to the pages ``total`` rows fill (at least
    one page, so an empty list has page 1 of 1)."""
    pages = max(1, -(-total // per_page))
    return min(max(1, page), pages), pages
