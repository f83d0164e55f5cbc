"""Paginated list responses: bounded pages so no request can ask for a whole collection."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from mongoengine import Document, Q
from pydantic import BaseModel

from shared.persistence import Stored, async_collection

T = TypeVar("T")

MAX_PAGE_SIZE = 500
MAX_OFFSET = 10_000_000  # far beyond any collection here; keeps skip() within MongoDB's integers


class PageParams(BaseModel):
    limit: int
    offset: int


async def _page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Items per page")] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Items to skip")] = 0,
) -> PageParams:
    return PageParams(limit=limit, offset=offset)


Pagination = Annotated[PageParams, Depends(_page_params)]


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


def _total_if_last(found: int, params: PageParams) -> int | None:
    """A page shorter than its limit is the last one and gives the total itself; only a full page (or one
    past the end) costs a count, which on FerretDB v1 decodes every document it matches."""
    return params.offset + found if found < params.limit and (found or params.offset == 0) else None


def _page(docs: list[Any], total: int, params: PageParams, to_item: Callable[[Any], T]) -> Page[T]:
    return Page[T](items=[to_item(d) for d in docs], total=total, limit=params.limit, offset=params.offset)


def page_of(queryset: Any, params: PageParams, to_item: Callable[[Any], T]) -> Page[T]:
    """One page of a mongoengine queryset (already filtered and ordered)."""
    docs = list(queryset.skip(params.offset).limit(params.limit))
    total = _total_if_last(len(docs), params)
    return _page(docs, queryset.count() if total is None else total, params, to_item)


async def read_page(
    doc_type: type[Document],
    query: Q | None,
    order: Sequence[str],
    params: PageParams,
    to_item: Callable[[Stored], T],
) -> Page[T]:
    """``page_of`` for an async endpoint: the documents of ``doc_type`` matching ``query`` (None: the caller
    may see none of them) in ``order`` (``order_by``'s keys), read through the async client
    (shared.persistence.async_collection), each given to ``to_item`` as a ``Stored`` view. No queryset and
    no ``Document`` is built: on the hot reads the two took longer than the page's own read."""
    if query is None:
        return _page([], 0, params, to_item)
    raw_query = query.to_query(doc_type)
    sort = [(doc_type._fields[key.lstrip("-")].db_field, -1 if key.startswith("-") else 1) for key in order]
    collection = async_collection(doc_type)
    cursor = collection.find(raw_query, sort=sort, skip=params.offset, limit=params.limit)
    docs = [Stored(doc_type, raw) async for raw in cursor]
    total = _total_if_last(len(docs), params)
    return _page(docs, await collection.count_documents(raw_query) if total is None else total, params, to_item)
