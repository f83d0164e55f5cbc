"""Events of data-subject requests (UU 27/2022 on personal data protection, Art. 6-8 and 14).

BKPSDM records a request at the needs service, which announces it with ``DataSubjectRequested``; every
service (needs included) handles it on its own data and answers with its own
``DataSubjectRequestHandled``, which the needs service gathers into the request's status per service and,
for access, into the export.

The request carries the NIP and, for a rectification, only codes and NIPs: names and contact details
never travel in events (they are corrected where they are kept: names in the needs service, contact
details in the notifications directory). An access answer does not carry the person's records either
(version 2): each service keeps its part of the export and the answer refers to it (``ExportReference``),
so an answer stays small however much is held. Its topics are still meant for the needs service alone
(broker ACLs) and are created with a short retention (``PRIVACY_TOPIC_RETENTION_MS``).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.events.common import NIP, UnitCode
from shared.events.contracts import EventContract, EventPayload

# The services that hold personal data and answer every request.
PRIVACY_SERVICES = ("needs", "training", "evaluation", "notifications")


class DataSubjectRequestKind(StrEnum):
    ACCESS = "access"  # Art. 7: a copy of everything held
    RECTIFICATION = "rectification"  # Art. 6: inaccurate codes corrected everywhere
    ERASURE = "erasure"  # Art. 8: deleted, or pseudonymised where the record must be kept


class Rectification(BaseModel):
    """The corrected values; only what is given changes. Codes and NIPs only."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    unit_code: UnitCode | None = None
    supervisor_nip: NIP | None = None
    position_code: str | None = Field(default=None, min_length=1, max_length=40)
    employment_type: Literal["PNS", "PPPK"] | None = None

    def changes(self) -> dict[str, str]:
        return {k: v for k, v in self.model_dump().items() if v is not None}


class DataSubjectRequested(EventPayload):
    request_id: str
    nip: NIP = Field(description="The data subject")
    kind: DataSubjectRequestKind
    rectification: Rectification | None = Field(default=None, description="For kind=rectification")
    requested_at: datetime


DATA_SUBJECT_REQUESTED = EventContract(
    name="DataSubjectRequested",
    version=1,
    producer="needs",
    model=DataSubjectRequested,
    summary="BKPSDM recorded a data subject's request (access, rectification or erasure); every service "
    "handles it on its own data and answers with DataSubjectRequestHandled.",
)


class ErasureAction(StrEnum):
    EXPORTED = "exported"
    RECTIFIED = "rectified"
    DELETED = "deleted"
    PSEUDONYMISED = "pseudonymised"
    KEPT = "kept"


class DataKindOutcome(BaseModel):
    model_config = ConfigDict(frozen=True)

    data_kind: str = Field(description="What kind of records, e.g. assessments, enrolments_completed")
    action: ErasureAction
    records: int = Field(ge=0)


class ExportReference(BaseModel):
    """Where a service keeps its part of an access export, and how to check the download."""

    model_config = ConfigDict(frozen=True)

    export_id: str = Field(min_length=1, max_length=64)
    path: str = Field(description="GET this path on the answering service (BKPSDM or the person themself)")
    records: int = Field(ge=0, description="Records in the export, over all kinds")
    size_bytes: int = Field(ge=0, description="Length of the download's `data` as canonical JSON")
    digest: str = Field(
        pattern=r"^sha256:[0-9a-f]{64}$",
        description="SHA-256 of the download's `data` as JSON with sorted keys, no spaces, UTF-8",
    )


class DataSubjectRequestHandled(EventPayload):
    request_id: str
    nip: NIP
    kind: DataSubjectRequestKind
    service: str
    outcomes: list[DataKindOutcome] = Field(description="What the service did, per kind of record")
    export: ExportReference | None = Field(
        default=None, description="For kind=access only: where the service keeps the export (never inline)"
    )
    handled_at: datetime


def _handled(service: str) -> EventContract[DataSubjectRequestHandled]:
    return EventContract(
        name="DataSubjectRequestHandled",
        # 2: the export is a reference, no longer the records themselves (issue 12).
        version=2,
        producer=service,
        model=DataSubjectRequestHandled,
        summary=f"The {service} service handled a data subject's request on its own data: what it did per "
        "kind of record and, for access, where to download the export. Meant for the needs service only.",
    )


DATA_SUBJECT_REQUEST_HANDLED: dict[str, EventContract[DataSubjectRequestHandled]] = {
    service: _handled(service) for service in PRIVACY_SERVICES
}
