"""Requests from unit heads: drafted and submitted by the unit head, decided by BKPSDM; an approved request
becomes needs (``sources.request_needs``)."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime

from services.needs import sources
from services.needs.application.needs import NeedsService
from services.needs.documents import CompetencyDocument, EmployeeDocument, UnitDocument, UnitRequestDocument
from shared.domain.errors import ConcurrentUpdate, Invalid
from shared.persistence import get_or_not_found


class UnitRequests:
    """Requests from unit heads: draft -> submitted -> approved (becomes needs) or rejected."""

    def __init__(self, needs: NeedsService) -> None:
        self.needs = needs

    def create(
        self,
        *,
        unit_code: str,
        competency_code: str,
        nips: list[str],
        fiscal_year: int,
        justification: str,
        created_by: str,
    ) -> UnitRequestDocument:
        get_or_not_found(UnitDocument, unit_code, "Unit kerja", "Work unit")
        get_or_not_found(CompetencyDocument, competency_code, "Kompetensi", "Competency")
        for nip in nips:
            employee = get_or_not_found(EmployeeDocument, nip, "Pegawai dengan NIP", "Employee with NIP")
            if employee.unit_code != unit_code:
                raise Invalid(
                    "employee_outside_unit",
                    f"Pegawai {nip} bukan pegawai unit {unit_code}.",
                    f"Employee {nip} does not work in unit {unit_code}.",
                )
        now = datetime.now(UTC)
        request = UnitRequestDocument(
            id=uuid.uuid4().hex[:12],
            unit_code=unit_code,
            competency_code=competency_code,
            nips=sorted(set(nips)),
            fiscal_year=fiscal_year,
            justification=justification,
            status=sources.RequestStatus.DRAFT.value,
            created_by=created_by,
            history=[{"status": "draft", "by": created_by, "at": now}],
            created_at=now,
            updated_at=now,
        )
        request.save(force_insert=True)
        return request

    def act(self, request_id: str, action: str, by: str, note: str | None = None) -> UnitRequestDocument:
        request = get_or_not_found(UnitRequestDocument, request_id, "Permintaan", "Request")
        current = sources.RequestStatus(request.status)
        if action == "approve" and current == sources.RequestStatus.APPROVED:
            # Approving again completes an approval interrupted before its needs were all opened.
            self._open_needs(request)
            return request
        target = sources.REQUEST_LIFECYCLE.next(action, current)
        now = datetime.now(UTC)
        decision = {"set__decided_by": by, "set__decision_note": note} if action != "submit" else {}
        # The status moves first, guarded by the status read: a concurrent reject and approve cannot
        # both win, so a rejected request never gets needs.
        moved = UnitRequestDocument.objects(id=request_id, status=current.value).update_one(
            set__status=target.value,
            set__updated_at=now,
            push__history={"status": target.value, "by": by, "at": now, "note": note},
            **decision,
        )
        if not moved:
            raise ConcurrentUpdate(f"Request {request_id}")
        request.reload()
        if target == sources.RequestStatus.APPROVED:
            self._open_needs(request)
        return request

    def _open_needs(self, request: UnitRequestDocument) -> None:
        """Idempotent: the needs' ids derive from the request."""
        competency = get_or_not_found(CompetencyDocument, request.competency_code, "Kompetensi", "Competency")
        for spec in sources.request_needs(
            request_id=request.id,
            unit_code=request.unit_code,
            competency_code=competency.code,
            competency_name=competency.name,
            nips=list(request.nips),
            fiscal_year=request.fiscal_year,
            justification=request.justification,
            front_line=self.needs.front_line(request.unit_code),
            policy=self.needs.rules.priority,
        ):
            employee = EmployeeDocument.objects(nip=spec.nip).first() if spec.nip else None
            # The level asked for is the person's position standard: the planner never guesses one.
            level = self.needs.standard_of(employee).get(competency.code)
            self.needs.open_need(replace(spec, required_level=level), employee)
