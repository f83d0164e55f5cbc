"""Personal data in the training service: what erasure does to seats and planned needs, and retention."""

from __future__ import annotations

from services.training.documents import EnrolmentDocument, PlannedNeedDocument
from services.training.domain import EnrolmentStatus
from shared.audit.subjects import DataKind, OnErasure

YEAR = 365
CODES = {"unit_code": "unit_code", "supervisor_nip": "supervisor_nip"}


def data_kinds() -> list[DataKind]:
    return [
        DataKind(
            "enrolments_completed",
            EnrolmentDocument,
            ("nip",),
            OnErasure.PSEUDONYMISE,
            "A completion is an official record (certificate number, JP delivered, realisation and JP-per-unit "
            "reports): kept without anything that points to the person; the final report and learning "
            "agreement (free text about them) go, and so do the name chosen for the certificate and our copy "
            "of the signed certificate, which may carry it (the holder's own copy still verifies).",
            only={"status": EnrolmentStatus.COMPLETED.value},
            rectifies=CODES,
            drop_on_pseudonymise=(
                "final_report",
                "learning_agreement",
                "explanation",
                "explanation_en",
                "name_on_certificate",
                "name_consent_at",
                "credential",
            ),
            retention_field="updated_at",
            retention_days=10 * YEAR,
            on_retention=OnErasure.PSEUDONYMISE,
        ),
        DataKind(
            "enrolments_other",
            EnrolmentDocument,
            ("nip",),
            OnErasure.DELETE,
            "A seat that led to no certificate (proposed, confirmed, attending, withdrawn, failed) has no lasting "
            "purpose; deleting it also frees its place.",
            only={"status": {"$ne": EnrolmentStatus.COMPLETED.value}},
            rectifies=CODES,
            retention_field="updated_at",
            retention_days=2 * YEAR,
        ),
        DataKind(
            "enrolments_as_supervisor",
            EnrolmentDocument,
            ("supervisor_nip",),
            OnErasure.PSEUDONYMISE,
            "Subordinates' seats name the person as their supervisor; only that NIP is replaced.",
            exported=False,
            pseudonymise_all=False,
        ),
        DataKind(
            "planned_needs",
            PlannedNeedDocument,
            ("nip",),
            OnErasure.DELETE,
            "The planner's working copy of the person's needs; the needs service keeps the needs themselves.",
            rectifies=CODES,
            retention_field="identified_at",
            retention_days=2 * YEAR,
        ),
    ]
