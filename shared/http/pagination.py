"""Paginated list responses: bounded pages so no request can ask for a whole collection."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel

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


def page_of(queryset: Any, params: PageParams, to_item: Callable[[Any], T]) -> Page[T]:
    """One page of a mongoengine queryset (already filtered and ordered). A page shorter than the limit
    is the last one and gives the total itself; only a full page (or one past the end) costs a count,
    which on FerretDB v1 decodes every document it matches."""
    docs = list(queryset.skip(params.offset).limit(params.limit))
    last_page = len(docs) < params.limit and (docs or params.offset == 0)
    total = params.offset + len(docs) if last_page else queryset.count()
    return Page[T](items=[to_item(d) for d in docs], total=total, limit=params.limit, offset=params.offset)
