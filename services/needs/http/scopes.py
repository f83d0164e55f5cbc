"""Object-level scope in the needs service, which holds the unit tree (parent_code links)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from starlette.concurrency import run_in_threadpool

from services.needs.documents import UnitDocument
from shared.domain.identity import Role
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


async def caller_scope(who: Staff) -> Scope:
    # Only a unit head's scope reads the database (the units under theirs): in the thread pool; the
    # others on the event loop, without a thread hop.
    if who.has_any(Role.UNIT_HEAD):
        return await run_in_threadpool(scope_of, who, units_under)
    return scope_of(who, units_under)


CallerScope = Annotated[Scope, Depends(caller_scope)]


def head_scope(who: Head) -> Scope:
    return scope_of(who, units_under)


HeadScope = Annotated[Scope, Depends(head_scope)]
