"""Flags for the authority: each rule is one query over the whole platform, run by a refresh
that keeps its flags (authority/figures.py); the console reads the kept flags through the
reader's scope. Before any refresh, or for another day than today, the rules run per
request over the reader's scope.

A flag names its zone and/or lot, so the console links it to its evidence. "Unknown serial"
scans are the exception: a serial that never existed names no lot, cooperative or province,
so every console user sees the same list of them (it reveals no cooperative's data).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

import sqlalchemy as sa

from traceapp.authority import figures
from traceapp.authority.entry_flags import implausible_entries
from traceapp.authority.label_flags import cloned, recalled, shopper_reports, unknown_serials
from traceapp.authority.models import FLAG_KINDS, ZONE_KINDS, Flag
from traceapp.authority.scope import Scope
from traceapp.authority.zone_flags import (
    area_mismatches,
    borrowed,
    certifications_expired,
    overclaimed,
    overlaps,
)
from traceapp.database import local_today
from traceapp.extensions import db
from traceapp.zones.models import Zone

__all__ = ["FLAG_KINDS", "ZONE_KINDS", "Flag", "compute_flags", "counts_by_kind"]


# --- together -----------------------------------------------------------------------------------


def compute_flags(
    scope: Scope, *, zone: Zone | None = None, kinds: Any = None, today: dt.date | None = None
) -> list[Flag]:
    """Every flag in scope (or about one zone), in FLAG_KINDS order: the kept ones when a
    refresh made them (see :func:`refresh_flags`), else computed now."""
    if not scope.is_console_user:
        return []
    wanted = [k for k in FLAG_KINDS if k in set(kinds or FLAG_KINDS)]
    if (today is None or today == local_today()) and figures.refreshed_at(figures.FLAGS):
        kept = [k for k in wanted if k in figures.KEPT_KINDS]
        found = figures.kept_flags(scope, zone, kept)
        if "unknown_serials" in wanted and zone is None:
            found.extend(unknown_serials(scope))
        order = {k: i for i, k in enumerate(FLAG_KINDS)}
        return sorted(found, key=lambda f: order[f.kind])  # stable: each rule's own order
    return compute_live(scope, zone=zone, kinds=wanted, today=today)


def refresh_flags(today: dt.date | None = None) -> int:
    """Recompute every flag of the platform and keep them (flushes only; the caller
    commits): the console then reads them instead of running the rules per request."""
    from traceapp.auth.models import SystemActor

    everyone = Scope(SystemActor(), "all")
    found = compute_live(everyone, kinds=figures.KEPT_KINDS, today=today, both_ways=True)
    return figures.store_flags(found)


def compute_live(
    scope: Scope,
    *,
    zone: Zone | None = None,
    kinds: Any = None,
    today: dt.date | None = None,
    both_ways: bool = False,
) -> list[Flag]:
    """Every flag in scope (or about one zone), rule by rule from the raw tables."""
    today = today or local_today()
    wanted = set(kinds or FLAG_KINDS)
    zone_ids: Any = [zone.id] if zone is not None else scope.zone_ids()
    lot_zone_ids = [zone.id] if zone is not None else None
    rules = {
        "overclaimed": lambda: overclaimed(scope, zone_ids),
        "implausible_entry": lambda: implausible_entries(scope, zone_ids),
        "borrowed_code": lambda: borrowed(scope, zone_ids),
        "overlap": lambda: overlaps(scope, zone_ids, both_ways),
        "area_mismatch": lambda: area_mismatches(scope, zone_ids),
        "certification_expired": lambda: certifications_expired(scope, zone_ids, today),
        "cloned_labels": lambda: cloned(scope, lot_zone_ids),
        "unknown_serials": lambda: [] if zone is not None else unknown_serials(scope),
        "recalled_lot": lambda: recalled(scope, lot_zone_ids),
        "shopper_reports": lambda: shopper_reports(scope, lot_zone_ids),
    }
    out: list[Flag] = []
    for kind in FLAG_KINDS:
        if kind in wanted:
            out.extend(rules[kind]())
    return out


def kept_page_parts(scope: Scope, kinds: Any) -> tuple[Any, list[Flag], int | None] | None:
    """What a page of the kept flags is made of, or None when none are kept yet: the query
    of the kept rows the reader sees (paged by :data:`figures.KEPT_ORDER`), the flags
    computed live (unknown serials), and the position of the kept row they follow in the
    rules' order (None: they come first)."""
    if not scope.is_console_user or not figures.refreshed_at(figures.FLAGS):
        return None
    wanted = [k for k in FLAG_KINDS if k in set(kinds or FLAG_KINDS)]
    stmt = figures.kept_rows(scope, [k for k in wanted if k in figures.KEPT_KINDS])
    live = unknown_serials(scope) if "unknown_serials" in wanted else []
    before = FLAG_KINDS[: FLAG_KINDS.index("unknown_serials")]
    rows = stmt.order_by(None).subquery()
    follows = db.session.scalar(
        sa.select(sa.func.max(rows.c.position)).where(rows.c.kind.in_(before))
    )
    return stmt, live, follows


def flagged_zone_ids(scope: Scope, today: dt.date | None = None) -> list[int]:
    """Ids of zones in scope with at least one zone flag (the register's "flagged" filter)."""
    return sorted(
        {
            f.zone_id
            for f in compute_flags(scope, kinds=ZONE_KINDS, today=today)
            if f.zone_id is not None
        }
    )


def counts_by_kind(flags: list[Flag]) -> dict[str, int]:
    """How many flags of each kind, in FLAG_KINDS order (kinds without any left out)."""
    counts: dict[str, int] = defaultdict(int)
    for f in flags:
        counts[f.kind] += 1
    return {k: counts[k] for k in FLAG_KINDS if counts.get(k)}
