"""Whose evaluations and figures a caller may see (object-level authorisation; docs/authorization.md)."""

from __future__ import annotations

from typing import Any

from services.evaluation.documents import EvaluationDocument
from shared.domain.identity import Principal, Role
from shared.http.errors import ApiError


def visible_to(e: EvaluationDocument, who: Principal) -> bool:
    own_unit = who.has_any(Role.UNIT_HEAD) and who.unit_code == e.unit_code
    return who.nip in (e.nip, e.evaluator_nip, e.supervisor_nip) or own_unit or who.has_any(Role.BKPSDM_ADMIN)


def unit_scope(who: Principal, unit_code: str | None) -> dict[str, Any]:
    """Figures over many people: BKPSDM sees every unit, a unit head their own, nobody else any."""
    if who.has_any(Role.BKPSDM_ADMIN):
        return {"unit_code": unit_code} if unit_code else {}
    if who.has_any(Role.UNIT_HEAD) and who.unit_code:
        return {"unit_code": who.unit_code}
    raise ApiError(
        403,
        "forbidden",
        "Rekap ini hanya untuk kepala unit kerja dan BKPSDM.",
        "This summary is for unit heads and BKPSDM only.",
    )
