"""Pure rules of the sources of needs beside competency gaps and the JP minimum: evaluations that find
the training did not transfer, public-satisfaction surveys (SKM) and requests from unit heads. Each turns
what it is told into NeedSpecs (``domain``), which the application opens, updates or resolves alike."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from services.needs.domain import NeedSpec, PriorityPolicy
from shared.domain.lifecycle import Lifecycle
from shared.domain.vocabulary import NeedSource

# --- When training does not transfer: follow-ups from evaluations ------------------------------------

# The remedy a barrier calls for, in order of precedence. Lack of resources is not solved by training:
# it is recorded on the need so BKPSDM and the unit head see it, with no form recommended.
FOLLOW_UP_FORMS = (
    ("own_ability", "coaching"),
    ("content_mismatch", "refresher"),
    ("lack_of_support", "mentoring"),
    ("no_opportunity_to_apply", "internship"),
    ("transfer_or_promotion", "refresher"),
)
BARRIER_NAMES = {
    "lack_of_resources": "sarana/sumber daya kurang",
    "no_opportunity_to_apply": "tidak ada kesempatan menerapkan",
    "lack_of_support": "kurang dukungan tim/atasan",
    "transfer_or_promotion": "mutasi/promosi",
    "content_mismatch": "materi tidak sesuai pekerjaan",
    "own_ability": "kemampuan diri",
}


def follow_up_form(barriers: list[str]) -> str | None:
    for barrier, form in FOLLOW_UP_FORMS:
        if barrier in barriers:
            return form
    return None


def follow_up_need(
    *,
    evaluation_id: str,
    nip: str,
    unit_code: str,
    competency_code: str,
    competency_name: str,
    fiscal_year: int,
    barriers: list[str],
    front_line: bool,
    policy: PriorityPolicy,
) -> NeedSpec:
    priority, parts = policy.follow_up_score(front_line)
    named = ", ".join(BARRIER_NAMES.get(b, b) for b in barriers) or "tidak disebutkan"
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
        recommended_form=follow_up_form(barriers),
        reason=f"Kesulitan menerapkan hasil pelatihan; hambatan: {named}.",
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
