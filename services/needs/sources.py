"""Pure rules of the sources of needs beside competency gaps and the JP minimum: evaluations that find
the training did not transfer, public-satisfaction surveys (SKM) and requests from unit heads. Each turns
what it is told into NeedSpecs (``domain``), which the application opens, updates or resolves alike."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from services.needs.domain import NeedSpec, PriorityPolicy
from shared.domain.lifecycle import Lifecycle
from shared.domain.vocabulary import NeedSource, training_remedy

# --- When training does not transfer: follow-ups from evaluations ------------------------------------

BARRIER_NAMES = {
    "lack_of_resources": "sarana/sumber daya kurang",
    "no_opportunity_to_apply": "tidak ada kesempatan menerapkan",
    "lack_of_support": "kurang dukungan tim/atasan",
    "transfer_or_promotion": "mutasi/promosi",
    "content_mismatch": "materi tidak sesuai pekerjaan",
    "own_ability": "kemampuan diri",
}


def follow_up_need(
    *,
    evaluation_id: str,
    nip: str,
    unit_code: str,
    competency_code: str,
    competency_name: str,
    fiscal_year: int,
    barriers: list[str],
    program_code: str,
    required_level: int | None,
    front_line: bool,
    policy: PriorityPolicy,
) -> NeedSpec:
    """The follow-up of one competency: the position's standard as its level, the barriers and the
    programme that did not transfer, so the planner can give the remedy (``TRAINING_REMEDIES``); a need
    whose barriers only actions can remedy recommends no form and goes to no training."""
    priority, parts = policy.follow_up_score(front_line)
    named = ", ".join(BARRIER_NAMES.get(b, b) for b in barriers) or "tidak disebutkan"
    remedy = training_remedy(barriers)
    remedy_text = "" if remedy else " Bukan diatasi dengan pelatihan: tindakan atasan atau kepala unit."
    return NeedSpec(
        need_id=f"{fiscal_year}-{nip}-{competency_code}-FU-{evaluation_id}",
        nip=nip,
        unit_code=unit_code,
        competency_code=competency_code,
        competency_name=competency_name,
        source=NeedSource.EVALUATION_FOLLOW_UP,
        fiscal_year=fiscal_year,
        priority=priority,
        priority_parts=parts,
        required_level=required_level,
        recommended_form=remedy.form if remedy and remedy.form else None,
        reason=f"Kesulitan menerapkan hasil pelatihan {program_code}; hambatan: {named}.{remedy_text}",
        barriers=tuple(barriers),
        program_code=program_code,
    )


# --- Public satisfaction (SKM, PermenPANRB 14/2017) ---------------------------------------------------

SKM_ELEMENTS = {
    "U1": "Persyaratan",
    "U2": "Sistem, Mekanisme, dan Prosedur",
    "U3": "Waktu Penyelesaian",
    "U4": "Biaya/Tarif",
    "U5": "Produk Spesifikasi Jenis Pelayanan",
    "U6": "Kompetensi Pelaksana",
    "U7": "Perilaku Pelaksana",
    "U8": "Sarana dan Prasarana",
    "U9": "Penanganan Pengaduan, Saran dan Masukan",
}
# Band floors on the IKM scale (25-100); a mean answer (NRR, 1-4) converts by x 25.
SKM_BANDS = (("A", 88.31), ("B", 76.61), ("C", 65.00), ("D", 25.00))


def ikm(nrr: dict[str, float]) -> float:
    """IKM = sum(NRR_i x 1/9) x 25 over the nine elements (each weighs 0.111)."""
    missing = sorted(set(SKM_ELEMENTS) - set(nrr))
    if missing:
        raise ValueError(f"SKM elements missing: {', '.join(missing)}")
    return round(sum(nrr[e] for e in SKM_ELEMENTS) / len(SKM_ELEMENTS) * 25, 2)


def skm_band(score: float) -> str:
    for band, floor in SKM_BANDS:
        if score >= floor:
            return band
    return "D"


@dataclass(frozen=True)
class SkmPolicy:
    """Which survey results raise unit needs, and for which competencies. A local policy, not law."""

    # Elements (and the index) in these bands raise needs.
    weak_bands: frozenset[str] = frozenset({"C", "D"})
    # Staff-related elements -> the competencies that serve them; the index as a whole -> M.05.
    element_competencies: tuple[tuple[str, tuple[str, ...]], ...] = (
        ("U6", ("M.05",)),
        ("U7", ("M.03", "M.01")),
        ("U9", ("M.05",)),
        ("IKM", ("M.05",)),
    )


def skm_needs(
    nrr: dict[str, float],
    *,
    unit_code: str,
    fiscal_year: int,
    competency_names: dict[str, str],
    front_line: bool,
    policy: PriorityPolicy,
    skm: SkmPolicy,
) -> list[NeedSpec]:
    """Unit-level needs raised by weak survey results, one per competency (its weakest signal wins)."""
    scores = {e: round(nrr[e] * 25, 2) for e in SKM_ELEMENTS} | {"IKM": ikm(nrr)}
    worst: dict[str, tuple[float, str]] = {}
    for element, competencies in skm.element_competencies:
        score = scores[element]
        if skm_band(score) not in skm.weak_bands:
            continue
        for code in competencies:
            if code not in worst or score < worst[code][0]:
                worst[code] = (score, element)
    specs = []
    for code, (score, element) in sorted(worst.items()):
        band = skm_band(score)
        priority, parts = policy.skm_score(score, front_line)
        label = "IKM" if element == "IKM" else f"{element} {SKM_ELEMENTS[element]}"
        specs.append(
            NeedSpec(
                need_id=f"{fiscal_year}-{unit_code}-{code}-SKM",
                nip=None,
                unit_code=unit_code,
                competency_code=code,
                competency_name=competency_names.get(code, code),
                source=NeedSource.PUBLIC_SATISFACTION,
                fiscal_year=fiscal_year,
                priority=priority,
                priority_parts=parts,
                reason=f"SKM {fiscal_year}: {label} bernilai {score:g} (mutu {band}).",
            )
        )
    return specs


# --- Requests from unit heads -------------------------------------------------------------------------


class RequestStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"


# Who moves a request where: the unit head drafts and submits, BKPSDM decides.
REQUEST_LIFECYCLE = Lifecycle(
    "Permintaan",
    "A request",
    {
        ("submit", RequestStatus.DRAFT): RequestStatus.SUBMITTED,
        ("approve", RequestStatus.SUBMITTED): RequestStatus.APPROVED,
        ("reject", RequestStatus.SUBMITTED): RequestStatus.REJECTED,
    },
    {"submit": ("diajukan", "submitted"), "approve": ("disetujui", "approved"), "reject": ("ditolak", "rejected")},
)


def request_needs(
    *,
    request_id: str,
    unit_code: str,
    competency_code: str,
    competency_name: str,
    nips: list[str | None],
    fiscal_year: int,
    justification: str,
    front_line: bool,
    policy: PriorityPolicy,
) -> list[NeedSpec]:
    """An approved request becomes one need per named employee, or one need of the whole unit."""
    priority, parts = policy.request_score(front_line)
    return [
        NeedSpec(
            need_id=f"{fiscal_year}-{nip or unit_code}-{competency_code}-REQ-{request_id}",
            nip=nip,
            unit_code=unit_code,
            competency_code=competency_code,
            competency_name=competency_name,
            source=NeedSource.UNIT_REQUEST,
            fiscal_year=fiscal_year,
            priority=priority,
            priority_parts=parts,
            reason=f"Permintaan unit: {justification}",
        )
        for nip in ([*nips] if nips else [None])
    ]
