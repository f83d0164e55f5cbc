"""MongoDB documents of the needs service (database alias ``needs``)."""

from __future__ import annotations

from mongoengine import (
    BooleanField,
    DateField,
    DateTimeField,
    DictField,
    Document,
    EmbeddedDocumentListField,
    FloatField,
    IntField,
    ListField,
    StringField,
)

from services.needs.domain import NeedStatus
from shared.events import DataSubjectRequestKind
from shared.messaging.outbox import OutboxDocument
from shared.persistence import CompetencyLevel, document_meta

ALIAS = "needs"


def _meta(collection: str, *indexes: object) -> dict[str, object]:
    return document_meta(ALIAS, collection, *indexes)


class UnitDocument(Document):
    meta = _meta("units", "parent_code")

    code = StringField(primary_key=True)
    name = StringField(required=True)
    kind = StringField(required=True)
    parent_code = StringField()
    front_line = BooleanField(default=False)


class CompetencyDocument(Document):
    meta = _meta("competencies")

    code = StringField(primary_key=True)
    name = StringField(required=True)
    kind = StringField(required=True)
    weight = FloatField(default=1.0)
    unit_code = StringField()  # technical competencies belong to the unit that authored them


class PositionDocument(Document):
    meta = _meta("positions", "unit_code")

    code = StringField(primary_key=True)
    title = StringField(required=True)
    type = StringField(required=True)
    unit_code = StringField()
    standard = EmbeddedDocumentListField(CompetencyLevel)  # required levels over the type's defaults


class EmployeeDocument(Document):
    meta = _meta("employees", "unit_code", "supervisor_nip")

    nip = StringField(primary_key=True)
    name = StringField(required=True)
    unit_code = StringField(required=True)
    position_code = StringField(required=True)
    supervisor_nip = StringField()
    employment_type = StringField(required=True, choices=("PNS", "PPPK"))


class AssessmentDocument(Document):
    # One row per (employee, competency, source, date), keyed by imports.assessment_id: re-recording or
    # re-importing the same assessment overwrites it.
    meta = _meta("assessments", ("nip", "competency_code"))

    id = StringField(primary_key=True)
    nip = StringField(required=True)
    competency_code = StringField(required=True)
    source = StringField(required=True)
    assessed_on = DateField(required=True)
    level = IntField(required=True, min_value=1, max_value=5)
    recorded_by = StringField()
    recorded_at = DateTimeField(required=True)


class NeedDocument(OutboxDocument):
    meta = _meta("needs", "nip", "unit_code", ("fiscal_year", "unit_code"), "outbox_pending")

    id = StringField(primary_key=True)
    nip = StringField()
    unit_code = StringField(required=True)
    supervisor_nip = StringField()
    position_code = StringField()
    competency_code = StringField(required=True)
    competency_name = StringField(required=True)
    required_level = IntField()
    assessed_level = IntField()
    gap = IntField(required=True)
    priority = FloatField(required=True)
    priority_parts = DictField()
    source = StringField(required=True)
    fiscal_year = IntField(required=True)
    recommended_form = StringField()
    reason = StringField()
    barriers = ListField(StringField())  # evaluation follow-ups: why the training did not transfer
    program_code = StringField()  # evaluation follow-ups: the programme that did not transfer
    employment_type = StringField()  # of the employee when the need was announced (PNS, PPPK)
    status = StringField(required=True, choices=[s.value for s in NeedStatus])
    identified_at = DateTimeField(required=True)
    updated_at = DateTimeField(required=True)


class NeedCountDocument(Document):
    """The read model of the city-wide pages: one unit's needs of one fiscal year counted per competency,
    source and status (``reports.count_groups``), so a recap or a list's total reads a few small documents
    instead of every need (FerretDB v1 decodes each need it counts). Kept by ``application.need_counts``,
    which says how fresh it is."""

    meta = _meta("need_counts", "fiscal_year", "unit_code")

    id = StringField(primary_key=True)  # <fiscal year>-<unit code>
    fiscal_year = IntField(required=True)
    unit_code = StringField(required=True)
    groups = ListField(DictField())
    counted_at = DateTimeField(required=True)


class PerformanceDocument(Document):
    """SKP target and realisation of an employee for a year (the performance gap of the analysis)."""

    meta = _meta("performance", "nip")

    id = StringField(primary_key=True)  # <fiscal year>-<nip>
    nip = StringField(required=True)
    fiscal_year = IntField(required=True)
    target = FloatField(required=True)
    realisation = FloatField(required=True)
    recorded_at = DateTimeField(required=True)


class JpLedgerDocument(OutboxDocument):
    """JP earned by an employee in a year, one entry per completed enrolment (from ProgramCompleted).
    An OutboxDocument for its version guard; it announces nothing itself."""

    meta = _meta("jp_ledgers", "fiscal_year", "unit_code")

    id = StringField(primary_key=True)  # <fiscal year>-<nip>
    nip = StringField(required=True)
    unit_code = StringField(required=True)
    fiscal_year = IntField(required=True)
    entries = ListField(DictField())
    total_jp = IntField(required=True, default=0)


class SkmResultDocument(Document):
    """A unit's public-satisfaction survey result for a year: mean answer (NRR, 1-4) per element."""

    meta = _meta("skm_results", "fiscal_year")

    id = StringField(primary_key=True)  # <fiscal year>-<unit code>
    unit_code = StringField(required=True)
    fiscal_year = IntField(required=True)
    # What drives needs: the means over every respondent (an entered survey and citizens' answers).
    nrr = DictField(required=True)
    respondents = IntField(required=True)
    ikm = FloatField(required=True)
    band = StringField(required=True)
    recorded_at = DateTimeField(required=True)
    # The survey BKPSDM entered (absent when only citizens answered), and how many citizens answered.
    entered_nrr = DictField()
    entered_respondents = IntField(default=0)
    citizen_respondents = IntField(default=0)


class SkmResponseDocument(Document):
    """One citizen's anonymous answers to a unit's SKM questionnaire: no name, no address, no NIP.
    Keyed on the submission id the form carries, so a retried submission is counted once."""

    meta = _meta("skm_responses", ("unit_code", "fiscal_year"))

    id = StringField(primary_key=True)
    unit_code = StringField(required=True)
    fiscal_year = IntField(required=True)
    answers = DictField(required=True)  # U1..U9 -> 1..4
    submitted_at = DateTimeField(required=True)


class UnitRequestDocument(Document):
    """A unit head's request for development, decided by BKPSDM; only an approved one becomes needs."""

    meta = _meta("unit_requests", "unit_code", "status")

    id = StringField(primary_key=True)
    unit_code = StringField(required=True)
    competency_code = StringField(required=True)
    nips = ListField(StringField())
    fiscal_year = IntField(required=True)
    justification = StringField(required=True)
    status = StringField(required=True)
    created_by = StringField(required=True)
    decided_by = StringField()
    decision_note = StringField()
    history = ListField(DictField())
    created_at = DateTimeField(required=True)
    updated_at = DateTimeField(required=True)


class JobDocument(Document):
    """A long-running import or analysis: its progress while it runs, its report when it ends."""

    meta = _meta("jobs", ("status", "created_at"))

    id = StringField(primary_key=True)
    kind = StringField(required=True)
    status = StringField(required=True, choices=("running", "done", "rejected", "failed"))
    phase = StringField()
    processed = IntField(default=0)
    total = IntField(default=0)
    report = DictField()
    error = StringField()
    created_by = StringField(required=True)
    created_at = DateTimeField(required=True)
    updated_at = DateTimeField(required=True)


class PrivacyRequestDocument(OutboxDocument):
    """A data subject's request (UU 27/2022 Art. 14: requests are recorded). Written once; the services'
    answers are documents of their own, so four answers arriving together never contend for one record."""

    meta = _meta("privacy_requests", "nip", "outbox_pending")

    id = StringField(primary_key=True)
    nip = StringField(required=True)
    kind = StringField(required=True, choices=[k.value for k in DataSubjectRequestKind])
    rectification = DictField()
    note = StringField()
    requested_by = StringField(required=True)
    requested_at = DateTimeField(required=True)


class PrivacyAnswerDocument(Document):
    """What one service did for a request (``_id`` = ``<request>:<service>``)."""

    meta = _meta("privacy_answers", "request_id", "nip")

    id = StringField(primary_key=True)
    request_id = StringField(required=True)
    nip = StringField(required=True)
    service = StringField(required=True)
    outcomes = ListField(DictField())
    export = DictField()  # access: where the service keeps its part (the ExportReference it sent)
    handled_at = DateTimeField(required=True)


class LegacyExportDocument(Document):
    """Access exports as the needs service gathered them from the answers before version 2 of
    DataSubjectRequestHandled (``_id`` = ``<request>:<service>``): no longer written, kept only until
    retention or an erasure removes them."""

    meta = _meta("privacy_exports", "request_id", "nip")

    id = StringField(primary_key=True)
    request_id = StringField(required=True)
    nip = StringField(required=True)
    service = StringField(required=True)
    records = DictField()
    received_at = DateTimeField(required=True)


ALL_DOCUMENTS = (
    JobDocument,
    UnitRequestDocument,
    UnitDocument,
    CompetencyDocument,
    PositionDocument,
    EmployeeDocument,
    AssessmentDocument,
    NeedDocument,
    NeedCountDocument,
    PerformanceDocument,
    JpLedgerDocument,
    SkmResultDocument,
    SkmResponseDocument,
    PrivacyRequestDocument,
    PrivacyAnswerDocument,
    LegacyExportDocument,
)
