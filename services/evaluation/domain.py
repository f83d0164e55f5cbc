"""Pure rules of evaluation: questionnaires, scoring and outcomes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import IntEnum


class Level(IntEnum):
    REACTION = 1
    LEARNING = 2
    BEHAVIOUR = 3
    RESULTS = 4


LIKERT_MIN, LIKERT_MAX = 1, 5


@dataclass(frozen=True)
class Item:
    code: str
    text_id: str
    text_en: str
    required: bool = True


@dataclass(frozen=True)
class Questionnaire:
    code: str
    version: int
    level: Level
    items: tuple[Item, ...]


REACTION_V1 = Questionnaire(
    code="L1-REACTION",
    version=1,
    level=Level.REACTION,
    items=(
        Item("relevance", "Materi relevan dengan pekerjaan saya.", "The content is relevant to my job."),
        Item("content", "Materi mudah dipahami.", "The content was easy to understand."),
        Item("facilitator", "Fasilitator menguasai materi.", "The facilitator knew the subject."),
        Item("organisation", "Penyelenggaraan berjalan baik.", "The programme was well organised."),
        Item("overall", "Secara keseluruhan saya puas.", "Overall I am satisfied."),
    ),
)


class InvalidAnswers(ValueError):
    def __init__(self, message_id: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message_id = message_id
        self.message_en = message_en


def score_answers(questionnaire: Questionnaire, answers: dict[str, int]) -> float:
    """Mean Likert answer mapped onto 0-100 (1 -> 0, 5 -> 100)."""
    known = {i.code for i in questionnaire.items}
    unknown = sorted(set(answers) - known)
    if unknown:
        raise InvalidAnswers(f"Butir tidak dikenal: {', '.join(unknown)}.", f"Unknown items: {', '.join(unknown)}.")
    missing = [i.code for i in questionnaire.items if i.required and i.code not in answers]
    if missing:
        raise InvalidAnswers(
            f"Butir wajib belum diisi: {', '.join(missing)}.", f"Required items not answered: {', '.join(missing)}."
        )
    out_of_range = sorted(k for k, v in answers.items() if not LIKERT_MIN <= v <= LIKERT_MAX)
    if out_of_range:
        raise InvalidAnswers(
            f"Jawaban harus {LIKERT_MIN}-{LIKERT_MAX}: {', '.join(out_of_range)}.",
            f"Answers must be {LIKERT_MIN}-{LIKERT_MAX}: {', '.join(out_of_range)}.",
        )
    mean = sum(answers.values()) / len(answers)
    return round((mean - LIKERT_MIN) / (LIKERT_MAX - LIKERT_MIN) * 100, 2)


def reaction_outcome(score: float, threshold: float) -> str:
    return "satisfied" if score >= threshold else "not_satisfied"


def reaction_due(completed_on: date) -> date:
    """Level 1 is asked for at once, while the programme is fresh; a week to answer."""
    return completed_on + timedelta(days=7)


def evaluation_id(enrolment_id: str, level: Level) -> str:
    """One evaluation per participant, programme enrolment and level."""
    return f"{enrolment_id}-L{int(level)}"
