"""Whose personal records a caller may see (object-level authorisation; docs/authorization.md).

Function-level checks (which roles may call a route at all) are route dependencies, so a denied role
gets 403 before anything is looked up or validated. What remains per record is the scope below:
BKPSDM sees everyone; otherwise the union of the caller's own records, a supervisor's direct reports
(records carry ``supervisor_nip``), and a unit head's unit with its sub-units where the service
knows the unit tree.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends
from mongoengine import Q

from shared.http.auth import Principal, Role, require_roles
from shared.http.errors import ApiError

Units = Callable[[str], Iterable[str]]

# Everyone who works for the city; a partner (e.g. a university) sees no one's personal records.
STAFF = (Role.EMPLOYEE, Role.SUPERVISOR, Role.UNIT_HEAD, Role.BKPSDM_ADMIN)
HEADS = (Role.UNIT_HEAD, Role.BKPSDM_ADMIN)

Staff = Annotated[Principal, Depends(require_roles(*STAFF))]
Head = Annotated[Principal, Depends(require_roles(*HEADS))]
Admin = Annotated[Principal, Depends(require_roles(Role.BKPSDM_ADMIN))]


def own_unit_only(code: str) -> Iterable[str]:
    """For services that do not hold the unit tree: a unit head sees their own unit."""
    return (code,)


@dataclass(frozen=True)
class Scope:
    nip: str
    everyone: bool = False
    reports: bool = False
    units: frozenset[str] = frozenset()

    def covers(self, *, nip: str | None, supervisor_nip: str | None = None, unit_code: str | None = None) -> bool:
        return (
            self.everyone
            or (nip is not None and nip == self.nip)
            or (self.reports and supervisor_nip == self.nip)
            or (unit_code is not None and unit_code in self.units)
        )

    def query(self, nip_field: str = "nip") -> Q:
        """The same rule as a query; ANDed with the caller's own filters, it can only narrow them."""
        if self.everyone:
            return Q()
        q = Q(**{nip_field: self.nip})
        if self.reports:
            q |= Q(supervisor_nip=self.nip)
        if self.units:
            q |= Q(unit_code__in=sorted(self.units))
        return q

    def within(self, given: Mapping[str, Any], nip_field: str = "nip") -> Q | None:
        """The caller's equality filters narrowed to this scope, as flat an equality query as the rule allows;
        None when the scope excludes every record they ask for.

        FerretDB v1 pushes down a flat document of equalities (served by the lookup indexes) but scans the
        whole collection for ``$and``/``$or`` (shared/ferretdb.py): ``given & query()`` took 98 s over
        37,655 needs for an employee's own list. So the scope's alternatives that the filters already
        satisfy end the matter, those they contradict are dropped, and one left over joins the filters.
        """
        if (
            self.everyone
            or given.get(nip_field) == self.nip
            or (self.reports and given.get("supervisor_nip") == self.nip)
            or given.get("unit_code") in self.units
        ):
            return Q(**given)
        # The scope as a union of equalities, less those the filters contradict (another NIP, another unit).
        terms: list[dict[str, Any]] = []
        if nip_field not in given:
            terms.append({nip_field: self.nip})
        if self.reports and given.get("supervisor_nip", self.nip) == self.nip:
            terms.append({"supervisor_nip": self.nip})
        if self.units and "unit_code" not in given:
            (only, *more) = sorted(self.units)
            terms.append({"unit_code__in": sorted(self.units)} if more else {"unit_code": only})
        if not terms:
            return None
        if len(terms) == 1:
            return Q(**given, **terms[0])
        either = Q(**terms[0])
        for term in terms[1:]:
            either |= Q(**term)
        return Q(**given) & either

    def records(self, doc: Any, given: Mapping[str, Any], nip_field: str = "nip") -> Any:
        """``doc``'s records matching ``given`` within this scope (``within``); none, unasked, if it excludes them."""
        query = self.within(given, nip_field)
        return doc.objects.none() if query is None else doc.objects(query)

    def check_unit(self, unit_code: str | None) -> None:
        """Figures over a whole unit: BKPSDM any, a unit head theirs (and sub-units), nobody else."""
        if self.everyone or (unit_code is not None and unit_code in self.units):
            return
        raise ApiError(
            403,
            "forbidden",
            "Hanya kepala unit kerja yang bersangkutan atau BKPSDM yang dapat melakukan ini.",
            "Only the head of the unit concerned or BKPSDM may do this.",
        )


def scope_of(who: Principal, units: Units = own_unit_only) -> Scope:
    if who.has_any(Role.BKPSDM_ADMIN):
        return Scope(nip=who.nip, everyone=True)
    heads = frozenset(units(who.unit_code)) if who.has_any(Role.UNIT_HEAD) and who.unit_code else frozenset()
    return Scope(nip=who.nip, reports=who.has_any(Role.SUPERVISOR), units=heads)


def forbidden_record() -> ApiError:
    return ApiError(
        403, "forbidden", "Anda tidak berhak melihat data pegawai ini.", "You may not see this employee's records."
    )


def visible(scope: Scope, doc: Any) -> Any:
    """The record if the scope covers it (its nip, supervisor_nip and unit_code), else 403."""
    if not scope.covers(
        nip=getattr(doc, "nip", None),
        supervisor_nip=getattr(doc, "supervisor_nip", None),
        unit_code=getattr(doc, "unit_code", None),
    ):
        raise forbidden_record()
    return doc
