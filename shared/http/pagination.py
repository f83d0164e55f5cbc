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


def _page_params(
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
    """One page of a mongoengine queryset (already filtered and ordered)."""
    total = queryset.count()
    docs = queryset.skip(params.offset).limit(params.limit)
    return Page[T](items=[to_item(d) for d in docs], total=total, limit=params.limit, offset=params.offset)
