"""Keyset paging for the API lists: ``?after=<id>`` (the ``next_after`` of the page before)
reads the rows after that one, at the same cost on the last page as on the first, while
``page``/``page_size`` keep working for existing clients."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import quote, urlencode

import flask_smorest
import marshmallow as ma
from flask import request
from flask_babel import gettext as _

from traceapp.core.inputs import MAX_ID
from traceapp.core.paging import Page, keyset_paginate
from traceapp.errors import ValidationFailed

#: The name of the cursor parameter (documented with page and page_size).
AFTER = "after"


def _after() -> int | None:
    raw = request.args.get(AFTER)
    if raw is None:
        return None
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_ID:
        raise ValidationFailed.field(
            AFTER, _("Give the next_after value of the previous page (a whole number).")
        )
    return int(raw)


def keyset_api_page(
    stmt: Any, order: Sequence[tuple[Any, bool]], pagination_parameters: Any
) -> list[Any]:
    """One page of ``stmt`` in ``order`` for an API list: the rows after ``?after=`` when it
    is given, else the ``page``-th; sets what the pagination header says about it."""
    after = _after()
    page = keyset_paginate(
        stmt,
        order,
        after=after,
        page=1 if after is not None else pagination_parameters.page,
        per_page=pagination_parameters.page_size,
    )
    pagination_parameters.item_count = page.total
    pagination_parameters.keyset = page
    return page.items


def list_api_page(items: Sequence[Any], pagination_parameters: Any) -> list[Any]:
    """One page of a list made in Python for an API list: the items after the ``?after=``-th
    (the cursor is the position of the last item of the previous page, from 1), else the
    ``page``-th; sets what the pagination header says about it."""
    after = _after()
    size = pagination_parameters.page_size
    number = 1 if after is not None else pagination_parameters.page
    start = min(after, len(items)) if after is not None else (number - 1) * size
    shown = list(items[start : start + size])
    pagination_parameters.item_count = len(items)
    pagination_parameters.keyset = Page(
        items=shown,
        page=number,
        per_page=size,
        total=len(items),
        keyset=True,
        first_key=start + 1 if shown else None,
        last_key=start + len(shown) if shown else None,
        more_before=start > 0,
        more_after=start + len(shown) < len(items),
    )
    return shown


class Blueprint(flask_smorest.Blueprint):
    """A smorest blueprint whose paginated lists also take ``after`` and say ``next_after``
    (in X-Pagination and as a ``Link: rel="next"`` header)."""

    def paginate(self, *args: Any, **kwargs: Any) -> Callable[[Any], Any]:
        """As flask-smorest's, with ``after`` documented among the paging parameters."""
        decorator = super().paginate(*args, **kwargs)

        def document(func: Any) -> Any:
            wrapped = decorator(func)
            parameters = wrapped._apidoc["pagination"]["parameters"]
            parameters["schema"] = _with_after(parameters["schema"])
            return wrapped

        return document

    def _set_pagination_metadata(self, page_params: Any, result: Any, headers: Any) -> Any:
        page: Page | None = getattr(page_params, "keyset", None)
        if page is None:
            return super()._set_pagination_metadata(page_params, result, headers)
        headers = {} if headers is None else headers
        by_key = request.args.get(AFTER) is not None
        if page.total_exact and not by_key:
            meta = self._make_pagination_metadata(page_params.page, page.per_page, page.total)
        else:
            # After a key the page's number is not known; past the counting limit neither
            # is the number of pages ("more": there are more rows than were counted).
            meta = {"first_page": 1}
            if page.total_exact:
                meta |= {"total": page.total, "total_pages": page.pages, "last_page": page.pages}
            else:
                meta["more"] = True
            if not by_key:
                meta["page"] = page.page
                if page.page > 1:
                    meta["previous_page"] = page.page - 1
                if page.more_after:
                    meta["next_page"] = page.page + 1
        if page.more_after and page.last_key is not None:
            meta["next_after"] = page.last_key
            # Keys and values percent-encoded: a header carries no control or non-ASCII
            # character, whatever the request's query string held.
            args = [(k, v) for k, v in request.args.items(multi=True) if k not in ("page", AFTER)]
            query = urlencode([*args, (AFTER, str(page.last_key))], quote_via=quote)
            headers["Link"] = f'<{request.base_url}?{query}>; rel="next"'
        headers[self.PAGINATION_HEADER_NAME] = json.dumps(meta)
        return result, headers


def _with_after(schema: type[ma.Schema]) -> type[ma.Schema]:
    return type(
        "KeysetPaginationParametersSchema",
        (schema,),
        {
            AFTER: ma.fields.Integer(
                validate=ma.validate.Range(min=1, max=MAX_ID),
                metadata={
                    "description": "Keyset cursor: the next_after of the previous page "
                    "(X-Pagination). The rows after that one, whatever their page; "
                    "page is then ignored."
                },
            )
        },
    )
