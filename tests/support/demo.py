"""A small, hand-checkable slice of Medan for tests: one puskesmas, its head and a nurse."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

NURSE = "199002202015032001"
HEAD = "197911232006041003"
UNIT = "PKM-PADANGBULAN"


def load_puskesmas(needs: TestClient, admin: dict[str, str]) -> None:
    """PUT the master data the needs scenarios use; fails loudly if any call is refused."""
    calls = [
        ("/units/DINKES", {"name": "Dinas Kesehatan", "kind": "opd"}),
        (
            f"/units/{UNIT}",
            {"name": "Puskesmas Padang Bulan", "kind": "puskesmas", "parent_code": "DINKES", "front_line": True},
        ),
        ("/positions/KAPUS", {"title": "Kepala Puskesmas", "type": "pengawas", "standard": {"M.05": 3}}),
        (
            "/positions/PERAWAT",
            {"title": "Perawat Ahli Pertama", "type": "fungsional", "standard": {"M.05": 3, "M.03": 2}},
        ),
        (f"/employees/{HEAD}", {"name": "dr. Ahmad Nasution", "unit_code": UNIT, "position_code": "KAPUS"}),
        (
            f"/employees/{NURSE}",
            {"name": "Siti Rahmawati", "unit_code": UNIT, "position_code": "PERAWAT", "supervisor_nip": HEAD},
        ),
    ]
    for path, body in calls:
        response = needs.put(path, json=body, headers=admin)
        assert response.status_code == 200, (path, response.text)


def program_body(competencies: dict[str, int], **extra: object) -> dict[str, object]:
    return {
        "title": "Pelatihan Pelayanan Prima",
        "form": "training",
        "competencies": competencies,
        "jp": 24,
        "provider": "BPSDM Provinsi Sumatera Utara",
        "cost_per_participant": 2_500_000,
        "min_attendance_pct": 90,
        "passing_score": 70,
        **extra,
    }


def assess(
    needs: TestClient,
    admin: dict[str, str],
    level: int,
    *,
    source: str = "assessment_centre",
    on: str = "2027-02-10",
    competency: str = "M.05",
    nip: str = NURSE,
) -> dict[str, object]:
    """Record an assessment of the nurse (by default) and return the service's answer."""
    body = {"nip": nip, "competency_code": competency, "level": level, "source": source, "assessed_on": on}
    response = needs.post("/assessments", json=body, headers=admin)
    assert response.status_code == 201, response.text
    result: dict[str, object] = response.json()
    return result


def schedule(
    training: TestClient,
    admin: dict[str, str],
    batch: str,
    program: str,
    *,
    phase: str = "T1-2027",
    budget: float = 100_000_000,
    starts_on: str = "2027-03-08",
    ends_on: str = "2027-03-11",
    **batch_fields: object,
) -> dict[str, object]:
    """A phase of 2027 (created or updated) and a batch of ``program`` in it; fails loudly if refused."""
    phase_body = {
        "fiscal_year": 2027,
        "title": f"Tahap {phase}",
        "starts_on": "2027-03-01",
        "ends_on": "2027-06-30",
        "budget": budget,
    }
    response = training.put(f"/phases/{phase}", json=phase_body, headers=admin)
    assert response.status_code == 200, response.text
    body = {"phase_code": phase, "program_code": program, "starts_on": starts_on, "ends_on": ends_on, **batch_fields}
    response = training.put(f"/batches/{batch}", json=body, headers=admin)
    assert response.status_code == 200, response.text
    result: dict[str, object] = response.json()
    return result
