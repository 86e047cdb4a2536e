"""Pagination of list pages: one helper for the views, one macro (``_macros/pagination.html``) for the pages.

Every list a page shows is cut into pages in SQL (``LIMIT``/``OFFSET`` and a
``count(*)``), so a page costs the same with 50 rows or 50,000 behind it.
``?page=`` and ``?per_page=`` come from the query string; the page size is
clamped to ``[1, MAX_PER_PAGE]`` so a link cannot ask for everything at once.
Every API list uses flask-smorest's ``@blp.paginate()`` (:data:`API_PAGINATION`)
and :func:`api_page`.
"""

from __future__ import annotations

from collections.abc import Sequence

from flask import request
from flask_sqlalchemy.pagination import Pagination, SelectPagination

from lms.extensions import db

#: Rows per page unless the view or ``?per_page=`` says otherwise.
DEFAULT_PER_PAGE = 50
#: The most rows one page may hold.
MAX_PER_PAGE = 500
#: Page numbers past this read as this (an empty page): a larger OFFSET overflows the database's integers.
MAX_PAGE = 1_000_000
#: The API's paging, flask-smorest's defaults spelled out (``@blp.paginate()`` uses the same): ``?page=``,
#: ``?page_size=`` (10 unless asked, 100 at most), totals in the ``X-Pagination`` header.
API_PAGINATION = {"page": 1, "page_size": 10, "max_page_size": 100}
#: How the API documents ``X-Pagination``: a header is text, and this one is a JSON object written as text.
API_PAGINATION_HEADER = {
    "description": "Pagination metadata as JSON text: an object with the integers `total`, `total_pages`, "
    "`first_page`, `last_page`, `page` and, where they exist, `previous_page` and `next_page`.",
    "schema": {
        "type": "string",
        "pattern": r"^\{.*\}$",
        "example": '{"total": 25, "total_pages": 3, "first_page": 1, "last_page": 3, "page": 1}',
    },
}


def page_args(per_page: int = DEFAULT_PER_PAGE) -> tuple[int, int]:
    """``(page, per_page)`` from the query string: bad or missing values fall back, sizes are clamped."""
    page = request.args.get("page", 1, type=int) or 1
    size = request.args.get("per_page", per_page, type=int) or per_page
    return min(max(page, 1), MAX_PAGE), min(max(size, 1), MAX_PER_PAGE)


def paginate(stmt, per_page: int = DEFAULT_PER_PAGE, **kwargs) -> Pagination:
    """One page of a ``select`` (ORM entities or plain rows with ``scalars=False``), numbered from the
    request.

    A page past the end is empty rather than a 404, so a list that shrank
    while someone read it still answers.
    """
    page, size = page_args(per_page)
    return db.paginate(stmt, page=page, per_page=size, error_out=False, max_per_page=MAX_PER_PAGE, **kwargs)


class RowsPage(SelectPagination):
    """A page of plain rows (``Row`` tuples, not ORM entities): for lists read as columns, like the
    gradebook."""

    def _query_items(self) -> list:
        stmt = self._query_args["select"].limit(self.per_page).offset(self._query_offset)
        return list(self._query_args["session"].execute(stmt).all())


def paginate_rows(stmt, per_page: int = DEFAULT_PER_PAGE) -> Pagination:
    """One page of a multi-column ``select`` as plain rows, numbered from the request."""
    page, size = page_args(per_page)
    return RowsPage(
        select=stmt,
        session=db.session(),
        page=page,
        per_page=size,
        max_per_page=MAX_PER_PAGE,
        error_out=False,
    )


class ListPage(Pagination):
    """A page of a short list already in memory (built in Python, e.g. a user's rubric library)."""

    def _query_items(self) -> list:
        start = (self.page - 1) * self.per_page
        return list(self._query_args["items"][start : start + self.per_page])

    def _query_count(self) -> int:
        return len(self._query_args["items"])


def paginate_list(items: Sequence, per_page: int = DEFAULT_PER_PAGE) -> Pagination:
    """One page of an in-memory sequence, numbered from the request like :func:`paginate`."""
    page, size = page_args(per_page)
    return ListPage(items=items, page=page, per_page=size, max_per_page=MAX_PER_PAGE, error_out=False)


def api_page(source, pagination_parameters) -> list:
    """One page for flask-smorest's ``@blp.paginate()`` from a ``select`` (cut and counted in SQL) or a list;
    records the total for the ``X-Pagination`` header."""
    page, size = min(pagination_parameters.page, MAX_PAGE), pagination_parameters.page_size
    if isinstance(source, (list, tuple)):
        pagination_parameters.item_count = len(source)
        return list(source[(page - 1) * size : page * size])
    result = db.paginate(source, page=page, per_page=size, error_out=False, max_per_page=None)
    pagination_parameters.item_count = result.total
    return result.items
