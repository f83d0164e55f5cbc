"""Events for tests, with the numbers of the puskesmas scenario, and publishing them as a producer would."""

from datetime import UTC, datetime

from shared.events import NEED_IDENTIFIED, NEED_RESOLVED, NeedIdentified, NeedResolved, NeedSource, build_record
from tests.support.demo import HEAD, NURSE, UNIT
from tests.support.kafka import publish_raw


def need_payload(**overrides):
    fields = {
        "need_id": "2027-199002202015032001-M.05",
        "nip": "199002202015032001",
        "unit_code": "PKM-PADANGBULAN",
        "competency_code": "M.05",
        "competency_name": "Pelayanan Publik",
        "required_level": 3,
        "assessed_level": 1,
        "gap": 2,
        "priority": 3.0,
        "priority_parts": {"gap": 2.0, "competency_weight": 1.0, "front_line_factor": 1.5},
        "source": NeedSource.COMPETENCY_GAP,
        "fiscal_year": 2027,
        "identified_at": datetime(2027, 2, 10, tzinfo=UTC),
    }
    return NeedIdentified(**(fields | overrides))


def need_fields(**overrides):
    """The stored fields of the nurse's open need, as the needs service keeps them."""
    now = datetime.now(UTC)
    base = {
        "id": "2027-199002202015032001-M.05",
        "nip": "199002202015032001",
        "unit_code": "PKM-PADANGBULAN",
        "competency_code": "M.05",
        "competency_name": "Pelayanan Publik",
        "gap": 2,
        "priority": 3.0,
        "source": "competency_gap",
        "fiscal_year": 2027,
        "status": "open",
        "identified_at": now,
        "updated_at": now,
    }
    return base | overrides


def need_event(nip=NURSE, competency="M.05", required=3, need_id=None, priority=3.0):
    payload = NeedIdentified(
        need_id=need_id or f"2027-{nip}-{competency}",
        nip=nip,
        unit_code=UNIT,
        supervisor_nip=HEAD,
        competency_code=competency,
        competency_name="Pelayanan Publik",
        required_level=required,
        assessed_level=1,
        gap=required - 1,
        priority=priority,
        priority_parts={},
        source=NeedSource.COMPETENCY_GAP,
        fiscal_year=2027,
        identified_at=datetime(2027, 2, 10, tzinfo=UTC),
    )
    return build_record(NEED_IDENTIFIED, payload, subject=nip)


def need_resolved(nip=NURSE, competency="M.05"):
    payload = NeedResolved(
        need_id=f"2027-{nip}-{competency}",
        nip=nip,
        unit_code=UNIT,
        competency_code=competency,
        fiscal_year=2027,
        resolved_at=datetime(2027, 3, 1, tzinfo=UTC),
    )
    return build_record(NEED_RESOLVED, payload, subject=nip)


def send(infra, namespace, record, **header_overrides):
    publish_raw(
        infra.kafka_bootstrap_servers,
        f"{namespace}.{record.topic}",
        key=record.key,
        headers=record.headers | header_overrides,
        value=record.value,
    )


def enrolments(training, admin, **params):
    return training.get("/enrolments", params=params, headers=admin).json()


def planned_needs(training, admin, **params):
    """The needs as the training planner sees them, with its decisions."""
    return training.get("/needs", params={"fiscal_year": 2027, **params}, headers=admin).json()
