"""Pages of a listing: by offset (a page number typed in a link), or by keyset (the rows after
or before a row), which costs the same on the last page of a hundred thousand rows as on the
first."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from traceapp.core.inputs import MAX_PAGE
from traceapp.extensions import db

#: The query-string keys a pager writes (kept out of the links it copies the filters from).
PAGE_KEYS = frozenset({"page", "after", "before", "last"})

#: A keyset page counts its rows up to this many and then says "more than" (counting ten
#: million scans on every page would cost more than the page).
COUNT_LIMIT = 10_000


@dataclass
class Page:
    """One page of a listing.

    A keyset page also knows the rows at its ends (``first_key``, ``last_key``) and whether
    rows lie beyond them (``more_before``, ``more_after``); its links then carry the key
    (``after=`` / ``before=``) with the page number, which is only shown."""

    items: list[Any]
    page: int
    per_page: int
    total: int
    keyset: bool = False
    first_key: Any = None
    last_key: Any = None
    more_before: bool = False
    more_after: bool = False
    total_exact: bool = True
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        """How many pages there are (at least one); when the total was not counted to the
        end, the pages up to the one shown and one more."""
        if not self.total_exact:
            return max(self.page + 1, math.ceil(self.total / self.per_page))
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        """Whether a previous page exists."""
        return self.more_before if self.keyset else self.page > 1

    @property
    def has_next(self) -> bool:
        """Whether a next page exists."""
        return self.more_after if self.keyset else self.page < self.pages

    def link_args(self, args: dict[str, Any], where: str) -> dict[str, Any]:
        """The query string of the link to the ``prev``, ``next``, ``first`` or ``last`` page:
        ``args`` (the request's filters) with this pager's own keys replaced."""
        kept = {k: v for k, v in args.items() if k not in PAGE_KEYS}
        if where == "first":
            return kept
        if where == "last":
            return {**kept, "page": self.pages, "last": 1}
        if where == "prev":
            kept["page"] = max(1, min(self.page, self.pages) - 1)
            if self.keyset and self.first_key is not None and kept["page"] > 1:
                kept["before"] = self.first_key
            return kept
        kept["page"] = min(self.page + 1, MAX_PAGE)
        if self.keyset and self.last_key is not None:
            kept["after"] = self.last_key
        return kept


def count(stmt: sa.Select[*tuple[Any, ...]], limit: int | None = None) -> int:
    """How many rows ``stmt`` gives, or ``limit + 1`` when it gives more than ``limit``
    (the database then stops reading there)."""
    inner = stmt.order_by(None)
    if not inner._distinct:
        # A row is counted, not read: the database can answer from an index alone.
        inner = inner.with_only_columns(sa.literal_column("1"), maintain_column_froms=True)
    if limit is not None:
        inner = inner.limit(limit + 1)
    return db.session.execute(sa.select(sa.func.count()).select_from(inner.subquery())).scalar_one()


def paginate(
    stmt: sa.Select[*tuple[Any, ...]], page: int = 1, per_page: int = 25, *, scalars: bool = True
) -> Page:
    """Run ``stmt`` for one page by offset and count the whole result."""
    # Past MAX_PAGE every listing is empty anyway; the cap keeps the offset a 64-bit integer.
    page = max(1, min(page, MAX_PAGE))
    per_page = max(1, min(per_page, 200))
    total = count(stmt)
    result = db.session.execute(stmt.limit(per_page).offset((page - 1) * per_page))
    items = list(result.scalars() if scalars else result)
    return Page(items=items, page=page, per_page=per_page, total=total)


def keyset_paginate(
    stmt: sa.Select[*tuple[Any, ...]],
    order: Sequence[tuple[Any, bool]],
    *,
    after: Any = None,
    before: Any = None,
    last: bool = False,
    page: int = 1,
    per_page: int = 25,
    scalars: bool = True,
    total: int | None = None,
    group_key: tuple[Callable[[Any], Sequence[Any] | None], Callable[[Any], Any]] | None = None,
    row_key: Callable[[Any], Any] | None = None,
) -> Page:
    """One page of ``stmt`` in ``order`` ((column, descending) pairs, all NOT NULL columns of
    the statement's tables, ending with the listed rows' unique id): the rows after the row
    whose id is ``after``, the rows before ``before``, the last page (``last``), or else the
    ``page``-th by offset (a page number typed or kept in an old link).

    The row named by a key is looked up by its id for its sort values; a key naming no row
    (deleted since, or made up) gives the first page. ``total`` saves the count when the
    caller knows it; else the rows are counted up to :data:`COUNT_LIMIT` only, and past it
    the page's total is not exact (no last page is offered then).

    A grouped ``stmt`` (one row per group, ``order`` its aggregates and group columns) gives
    ``group_key``: how to find a key's sort values (None when it names no group) and a row's
    key; the rows beyond a key are then chosen by HAVING. ``row_key`` gives a row's key
    when it is not the id of the row's first object (rows of columns)."""
    page = max(1, min(page, MAX_PAGE))
    per_page = max(1, min(per_page, 200))
    exact = True
    if total is None:
        total = count(stmt, COUNT_LIMIT)
        exact = total <= COUNT_LIMIT
    if not exact:
        last = False
    id_column = order[-1][0]
    key = after if after is not None else before
    values = None
    if key is not None and group_key is not None:
        values = group_key[0](key)
    elif key is not None:
        # From the statement's tables and joins (not its filters), so that a column of a
        # joined table is read from the key's own row.
        values = db.session.execute(
            sa.select(*[c for c, _ in order])
            .select_from(*stmt.get_final_froms())
            .where(id_column == key)
            .limit(1)
        ).first()
    backwards = last or (values is not None and after is None)
    key_of = group_key[1] if group_key is not None else (lambda r: _id_of(r, scalars))
    key_of = row_key or key_of
    q = stmt
    if values is not None:
        beyond = _beyond(order, tuple(values), backwards)
        q = q.having(beyond) if group_key is not None else q.where(beyond)
    q = q.order_by(None).order_by(
        *[(c.asc() if desc == backwards else c.desc()) for c, desc in order]
    )
    # The last page holds what is left after the full pages, so that going back from it
    # lands on the same pages as going forward.
    size = total - (max(1, math.ceil(total / per_page)) - 1) * per_page if last else per_page
    size = max(size, 1)
    result = db.session.execute(q.limit(size + 1))
    rows = list(result.scalars() if scalars else result)
    more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()
        shown = max(1, math.ceil(total / per_page)) if last else page
        # Before a row there is that row, after it; on the last page nothing is after.
        more_before, more_after = more, not last
    elif values is not None:
        shown, more_before, more_after = page, True, more
    else:
        if page > 1 and key is None:
            found = _by_offset(stmt, order, page, per_page, scalars, total, key_of)
            found.total_exact = exact
            if not exact:
                found.more_after = len(found.items) == per_page
            return found
        shown, more_before, more_after = 1, False, more
    ids = [key_of(r) for r in rows]
    return Page(
        items=rows,
        page=shown,
        per_page=per_page,
        total=total,
        keyset=True,
        first_key=ids[0] if ids else None,
        last_key=ids[-1] if ids else None,
        more_before=more_before,
        more_after=more_after,
        total_exact=exact,
    )


def _by_offset(
    stmt: sa.Select[*tuple[Any, ...]],
    order: Sequence[tuple[Any, bool]],
    page: int,
    per_page: int,
    scalars: bool,
    total: int,
    key_of: Callable[[Any], Any],
) -> Page:
    q = stmt.order_by(None).order_by(*[(c.desc() if desc else c.asc()) for c, desc in order])
    result = db.session.execute(q.limit(per_page).offset((page - 1) * per_page))
    rows = list(result.scalars() if scalars else result)
    ids = [key_of(r) for r in rows]
    return Page(
        items=rows,
        page=page,
        per_page=per_page,
        total=total,
        keyset=True,
        first_key=ids[0] if ids else None,
        last_key=ids[-1] if ids else None,
        more_before=page > 1,
        more_after=page * per_page < total,
    )


def _id_of(row: Any, scalars: bool) -> Any:
    return row.id if scalars else row[0].id


def _beyond(
    order: Sequence[tuple[Any, bool]], values: tuple[Any, ...], backwards: bool
) -> sa.ColumnElement[bool]:
    """The rows that come after ``values`` in ``order`` (before them when ``backwards``):
    (a > x) or (a = x and b > y) or ..., each column in its own direction."""
    clauses = []
    for i, (column, desc) in enumerate(order):
        later = column < values[i] if desc != backwards else column > values[i]
        equal = [order[j][0] == values[j] for j in range(i)]
        clauses.append(sa.and_(*equal, later))
    return sa.or_(*clauses)
