"""Object-level scope in the needs service, which holds the unit tree (parent_code links)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from services.needs.documents import UnitDocument
from shared.http.access import Head, Scope, Staff, scope_of


def units_under(code: str) -> set[str]:
    """The unit and every unit below it: a unit head's reach."""
    found = {code}
    frontier = [code]
    while frontier:
        children = UnitDocument.objects(parent_code__in=frontier).scalar("code")
        frontier = [c for c in children if c not in found]
        found.update(frontier)
    return found


def caller_scope(who: Staff) -> Scope:
    return scope_of(who, units_under)


CallerScope = Annotated[Scope, Depends(caller_scope)]


def head_scope(who: Head) -> Scope:
    return scope_of(who, units_under)


HeadScope = Annotated[Scope, Depends(head_scope)]
