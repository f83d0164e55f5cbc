"""Event payloads for tests, with the numbers of the puskesmas scenario."""

from datetime import UTC, datetime

from shared.events import NeedIdentified, NeedSource


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
