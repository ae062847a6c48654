"""Pausing Python's cyclic garbage collector around bulk work (statistics, Excel import).

Reference counting still frees everything at once when the objects hold no reference cycles;
what the pause saves is the collector walking tens of thousands of fresh objects (and the whole
process) again and again while they are built.
"""

from __future__ import annotations

import gc


def pause_collector() -> bool:
    """Pause Python's cyclic garbage collector while tens of thousands of facts are built or
    walked; returns whether it was on (give that to :func:`resume_collector`, in a ``finally``).

    Reference counting still frees everything at once (facts hold no reference cycles). With
    the collector on, loading a session's statistics ran ~170 collections, each walking every
    young object (a third of the load's time), and the first collection after the load walked all the fresh
    facts once more while the statistics were computed from them. Pausing allocates nothing
    (a ``with`` block would, as would a function whose locals are closed over by an inner
    one): any allocation after the load with the collector on starts that walk."""
    enabled = gc.isenabled()
    gc.disable()
    return enabled


def resume_collector(was_enabled: bool) -> None:
    if was_enabled:
        gc.enable()
