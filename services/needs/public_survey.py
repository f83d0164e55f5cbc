"""Citizens answering a unit's SKM questionnaire themselves (PermenPANRB 14/2017), pure.

Each answer gives the nine elements U1..U9 on the regulation's 1-4 scale. A unit's element means (NRR)
for a year are the mean answer per element over all its respondents; when BKPSDM has also entered the
result of a survey run by other means, both are one population of respondents, so the means combine
weighted by respondent count (the NRR over everyone who answered). The IKM and its band then come from
``sources.ikm`` and ``sources.skm_band`` as for an entered survey, and raise the same unit needs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from services.needs.sources import SKM_ELEMENTS
from shared.domain.errors import Invalid

# PermenPANRB 14/2017, Lampiran (pengolahan data survei): each element is answered on four levels,
# 1 (tidak baik) to 4 (sangat baik).
LOWEST, HIGHEST = 1, 4
# The client's own id for one filled questionnaire: a retried submission carries the same one and is
# counted once.
SUBMISSION_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
ELEMENTS_EN = {
    "U1": "Requirements",
    "U2": "Systems, mechanisms and procedures",
    "U3": "Time to complete",
    "U4": "Cost or tariff",
    "U5": "Product specification of the service",
    "U6": "Competence of the staff",
    "U7": "Conduct of the staff",
    "U8": "Facilities and infrastructure",
    "U9": "Handling of complaints, suggestions and feedback",
}
ANSWER_WORDS = {
    1: ("Tidak baik", "Poor"),
    2: ("Kurang baik", "Fair"),
    3: ("Baik", "Good"),
    4: ("Sangat baik", "Very good"),
}


@dataclass(frozen=True)
class Tally:
    """Element means over a number of respondents."""

    nrr: dict[str, float]
    respondents: int


def check_answers(answers: Mapping[str, object]) -> dict[str, int]:
    """The nine answers as integers 1..4, or ``Invalid`` naming what is wrong (nothing is stored)."""
    missing = [e for e in SKM_ELEMENTS if e not in answers]
    unknown = sorted(set(answers) - set(SKM_ELEMENTS))
    if missing or unknown:
        raise Invalid(
            "skm_elements",
            f"Jawab kesembilan unsur {', '.join(SKM_ELEMENTS)}"
            + (f"; belum dijawab: {', '.join(missing)}" if missing else "")
            + (f"; tidak dikenal: {', '.join(unknown)}" if unknown else ""),
            f"Answer all nine elements {', '.join(SKM_ELEMENTS)}"
            + (f"; not answered: {', '.join(missing)}" if missing else "")
            + (f"; unknown: {', '.join(unknown)}" if unknown else ""),
        )
    checked = {}
    for element in SKM_ELEMENTS:
        value = answers[element]
        number = int(value) if isinstance(value, str) and value.isascii() and value.isdigit() else value
        if isinstance(number, bool) or not isinstance(number, int) or not LOWEST <= number <= HIGHEST:
            raise Invalid(
                "skm_answer",
                f"Jawaban unsur {element} harus 1 sampai 4.",
                f"The answer to element {element} must be 1 to 4.",
            )
        checked[element] = number
    return checked


def check_submission_id(submission_id: str) -> str:
    if not SUBMISSION_ID.fullmatch(submission_id):
        raise Invalid(
            "skm_submission_id",
            "Kode pengisian tidak sah (8-64 huruf, angka, - atau _).",
            "Invalid submission id (8-64 letters, digits, - or _).",
        )
    return submission_id


def tally(answers: Iterable[Mapping[str, int]]) -> Tally | None:
    """The citizens' element means, or None when nobody answered."""
    sums = dict.fromkeys(SKM_ELEMENTS, 0)
    count = 0
    for answer in answers:
        count += 1
        for element in SKM_ELEMENTS:
            sums[element] += answer[element]
    if not count:
        return None
    return Tally({e: sums[e] / count for e in SKM_ELEMENTS}, count)


def combined(*tallies: Tally | None) -> Tally | None:
    """One population: the means weighted by respondents (an entered survey and the citizens' answers)."""
    present = [t for t in tallies if t is not None]
    total = sum(t.respondents for t in present)
    if not total:
        return None
    return Tally({e: sum(t.nrr[e] * t.respondents for t in present) / total for e in SKM_ELEMENTS}, total)
