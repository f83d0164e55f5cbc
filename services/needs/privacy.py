"""Personal data in the needs service: what erasure does to each kind of record, and retention."""

from __future__ import annotations

from services.needs.documents import (
    AssessmentDocument,
    EmployeeDocument,
    JpLedgerDocument,
    LegacyExportDocument,
    NeedDocument,
    PerformanceDocument,
    PrivacyAnswerDocument,
    PrivacyRequestDocument,
    UnitRequestDocument,
)
from shared.audit.subjects import DataKind, OnErasure

YEAR = 365
CODES = {"unit_code": "unit_code", "supervisor_nip": "supervisor_nip"}


def data_kinds() -> list[DataKind]:
    return [
        DataKind(
            "employees",
            EmployeeDocument,
            ("_id",),
            OnErasure.DELETE,
            "A copy of SIASN master data (name, unit, position, supervisor), kept only to compute needs; "
            "SIASN stays the personnel record.",
            rectifies={**CODES, "position_code": "position_code", "employment_type": "employment_type"},
        ),
        DataKind(
            "employees_as_supervisor",
            EmployeeDocument,
            ("supervisor_nip",),
            OnErasure.PSEUDONYMISE,
            "Subordinates' records name the person as their supervisor; only that NIP is replaced.",
            exported=False,
            pseudonymise_all=False,
        ),
        DataKind(
            "assessments",
            AssessmentDocument,
            ("nip",),
            OnErasure.DELETE,
            "Assessed levels serve the needs analysis only; no duty to keep them.",
            retention_field="recorded_at",
            retention_days=5 * YEAR,
        ),
        DataKind(
            "performance",
            PerformanceDocument,
            ("nip",),
            OnErasure.DELETE,
            "A copy of SKP figures for the priority score; the SKP itself is kept by e-Kinerja.",
            retention_field="recorded_at",
            retention_days=3 * YEAR,
        ),
        DataKind(
            "needs",
            NeedDocument,
            ("nip",),
            OnErasure.PSEUDONYMISE,
            "Needs recaps per unit and competency (already reported) must stay reproducible; the need is kept "
            "without anything that points to the person.",
            rectifies={**CODES, "position_code": "position_code"},
            retention_field="updated_at",
            retention_days=5 * YEAR,
            on_retention=OnErasure.PSEUDONYMISE,
        ),
        DataKind(
            "needs_as_supervisor",
            NeedDocument,
            ("supervisor_nip",),
            OnErasure.PSEUDONYMISE,
            "Subordinates' needs name the person as their supervisor; only that NIP is replaced.",
            exported=False,
            pseudonymise_all=False,
        ),
        DataKind(
            "jp_ledgers",
            JpLedgerDocument,
            ("nip",),
            OnErasure.PSEUDONYMISE,
            "The official record of JP earned towards the yearly minimum, reported per unit: kept, no longer "
            "linked to the person.",
            rectifies={"unit_code": "unit_code"},
        ),
        DataKind(
            "unit_requests",
            UnitRequestDocument,
            ("nips", "created_by", "decided_by"),
            OnErasure.PSEUDONYMISE,
            "A unit's request and BKPSDM's decision are the unit's record; only the person's NIP is replaced.",
            pseudonymise_all=False,
            retention_field="updated_at",
            retention_days=5 * YEAR,
        ),
        DataKind(
            "privacy_requests",
            PrivacyRequestDocument,
            ("nip",),
            OnErasure.KEEP,
            "UU 27/2022 Art. 14: requests are recorded, the erasure request itself included.",
            retention_field="requested_at",
            retention_days=5 * YEAR,
        ),
        DataKind(
            "privacy_answers",
            PrivacyAnswerDocument,
            ("nip",),
            OnErasure.KEEP,
            "What each service did for a request: the proof that it was carried out (Art. 14).",
            retention_field="handled_at",
            retention_days=5 * YEAR,
        ),
        DataKind(
            "privacy_exports_v1",
            LegacyExportDocument,
            ("nip",),
            OnErasure.DELETE,
            "Exports gathered here before each service kept its own (issue 12): not written any more, "
            "never exported again, deleted by their retention.",
            exported=False,
            retention_field="received_at",
            retention_days=30,
        ),
    ]
