"""Pure rules of evaluation: the plan opened for a completion, versioned questionnaires, scoring and
outcomes per Kirkpatrick level, and reminders."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import IntEnum, StrEnum

from shared.domain.errors import Invalid
from shared.domain.vocabulary import TransferBarrier


class EvaluationStatus(StrEnum):
    OPEN = "open"
    SUBMITTED = "submitted"


class Level(IntEnum):
    REACTION = 1
    LEARNING = 2
    BEHAVIOUR = 3
    RESULTS = 4


class Kind(StrEnum):
    LIKERT = "likert"
    NUMBER = "number"
    TEXT = "text"
    BARRIERS = "barriers"


LIKERT_MIN, LIKERT_MAX = 1, 5
MAX_TEXT = 2000

Answer = int | float | str | list[str]


@dataclass(frozen=True)
class Item:
    code: str
    text_id: str
    text_en: str
    required: bool = True
    kind: Kind = Kind.LIKERT
    minimum: float = LIKERT_MIN
    maximum: float = LIKERT_MAX


@dataclass(frozen=True)
class Questionnaire:
    code: str
    version: int
    level: Level
    items: tuple[Item, ...]

    @property
    def key(self) -> str:
        return f"{self.code}.v{self.version}"


def _score_item(code: str, text_id: str, text_en: str) -> Item:
    return Item(code, text_id, text_en, kind=Kind.NUMBER, minimum=0, maximum=100)


def _nrr_item(code: str, text_id: str, text_en: str) -> Item:
    """A unit indicator on the SKM answer scale (NRR 1-4); optional, the unit gives what it measured."""
    return Item(code, text_id, text_en, required=False, kind=Kind.NUMBER, minimum=1, maximum=4)


def _minutes_item(code: str, text_id: str, text_en: str) -> Item:
    return Item(code, text_id, text_en, required=False, kind=Kind.NUMBER, minimum=0, maximum=100_000)


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
        Item("comments", "Saran dan komentar.", "Suggestions and comments.", required=False, kind=Kind.TEXT),
    ),
)

LEARNING_V1 = Questionnaire(
    code="L2-LEARNING",
    version=1,
    level=Level.LEARNING,
    items=(
        _score_item("pre_score", "Nilai pre-test (0-100).", "Pre-test score (0-100)."),
        _score_item("post_score", "Nilai post-test (0-100).", "Post-test score (0-100)."),
    ),
)

BEHAVIOUR_V1 = Questionnaire(
    code="L3-BEHAVIOUR",
    version=1,
    level=Level.BEHAVIOUR,
    items=(
        Item(
            "applies",
            "Pegawai menerapkan hasil pelatihan dalam pekerjaannya.",
            "The employee applies what was learned in the job.",
        ),
        Item("frequency", "Penerapan itu terjadi secara rutin.", "The application happens routinely."),
        Item("quality", "Kualitas pekerjaannya meningkat sejak pelatihan.", "The quality of the work has improved."),
        Item("independence", "Ia menerapkannya tanpa perlu dibimbing.", "The employee applies it without guidance."),
        Item("sharing", "Ia berbagi hasil pelatihan dengan rekan kerja.", "The employee shares the learning."),
        Item(
            "barriers",
            "Hambatan penerapan (wajib bila penerapan kurang).",
            "Barriers to applying it (required when application falls short).",
            required=False,
            kind=Kind.BARRIERS,
        ),
        Item("notes", "Catatan atasan.", "Supervisor's notes.", required=False, kind=Kind.TEXT),
    ),
)

# Level 4 compares the unit before and after: SKM elements U6 (staff competence) and U7 (staff conduct)
# on their 1-4 answer scale, and the service time; the unit may add indicators of its own.
RESULTS_V1 = Questionnaire(
    code="L4-RESULTS",
    version=1,
    level=Level.RESULTS,
    items=(
        _nrr_item("skm_u6_before", "SKM U6 Kompetensi Pelaksana, sebelum (1-4).", "SKM U6 staff competence, before."),
        _nrr_item("skm_u6_after", "SKM U6 Kompetensi Pelaksana, sesudah (1-4).", "SKM U6 staff competence, after."),
        _nrr_item("skm_u7_before", "SKM U7 Perilaku Pelaksana, sebelum (1-4).", "SKM U7 staff conduct, before."),
        _nrr_item("skm_u7_after", "SKM U7 Perilaku Pelaksana, sesudah (1-4).", "SKM U7 staff conduct, after."),
        _minutes_item("service_time_before", "Waktu layanan rata-rata (menit), sebelum.", "Mean service time, before."),
        _minutes_item("service_time_after", "Waktu layanan rata-rata (menit), sesudah.", "Mean service time, after."),
        Item("notes", "Catatan unit.", "Unit's notes.", required=False, kind=Kind.TEXT),
    ),
)

QUESTIONNAIRES = {q.key: q for q in (REACTION_V1, LEARNING_V1, BEHAVIOUR_V1, RESULTS_V1)}
# What a newly opened evaluation is asked with; an open one keeps the version it was opened with.
CURRENT = {q.level: q for q in (REACTION_V1, LEARNING_V1, BEHAVIOUR_V1, RESULTS_V1)}


def questionnaire(code: str, version: int) -> Questionnaire:
    """The questionnaire an evaluation was opened with (its stored code and version)."""
    return QUESTIONNAIRES[f"{code}.v{version}"]


# Built-in level-4 indicators: (code, before item, after item, higher is better).
BUILT_IN_INDICATORS = (
    ("skm_u6", "skm_u6_before", "skm_u6_after", True),
    ("skm_u7", "skm_u7_before", "skm_u7_after", True),
    ("service_time", "service_time_before", "service_time_after", False),
)


class InvalidAnswers(Invalid):
    def __init__(self, message_id: str, message_en: str) -> None:
        super().__init__("invalid_answers", message_id, message_en)


def _refuse(problem_id: str, problem_en: str, codes: Sequence[str]) -> InvalidAnswers:
    listed = ", ".join(codes)
    return InvalidAnswers(f"{problem_id}: {listed}.", f"{problem_en}: {listed}.")


def validate_answers(questionnaire: Questionnaire, answers: Mapping[str, Answer]) -> None:
    """Every answer belongs to an item, fits its kind and range; every required item is answered."""
    items = {i.code: i for i in questionnaire.items}
    unknown = sorted(set(answers) - set(items))
    if unknown:
        raise _refuse("Butir tidak dikenal", "Unknown items", unknown)
    missing = [i.code for i in questionnaire.items if i.required and i.code not in answers]
    if missing:
        raise _refuse("Butir wajib belum diisi", "Required items not answered", missing)
    likert = sorted(
        k
        for k, v in answers.items()
        if items[k].kind is Kind.LIKERT and not (isinstance(v, int) and LIKERT_MIN <= v <= LIKERT_MAX)
    )
    if likert:
        scale = f"{LIKERT_MIN}-{LIKERT_MAX}"
        raise _refuse(f"Jawaban harus bilangan bulat {scale}", f"Answers must be whole numbers {scale}", likert)
    numbers = sorted(
        k
        for k, v in answers.items()
        if items[k].kind is Kind.NUMBER
        and not (isinstance(v, int | float) and math.isfinite(v) and items[k].minimum <= v <= items[k].maximum)
    )
    if numbers:
        ranges = [f"{k} ({items[k].minimum:g}-{items[k].maximum:g})" for k in numbers]
        raise _refuse("Angka di luar rentang", "Numbers out of range", ranges)
    texts = sorted(
        k for k, v in answers.items() if items[k].kind is Kind.TEXT and not (isinstance(v, str) and len(v) <= MAX_TEXT)
    )
    if texts:
        raise _refuse(f"Teks paling banyak {MAX_TEXT} karakter", f"Text of at most {MAX_TEXT} characters", texts)
    known_barriers = {b.value for b in TransferBarrier}
    for k, v in answers.items():
        if items[k].kind is Kind.BARRIERS and (not isinstance(v, list) or not set(v) <= known_barriers):
            raise _refuse(f"{k} harus daftar dari", f"{k} must be a list from", sorted(known_barriers))


def likert_score(questionnaire: Questionnaire, answers: Mapping[str, Answer]) -> float:
    """Mean Likert answer mapped onto 0-100 (1 -> 0, 5 -> 100); other kinds of item do not count."""
    values = [float(v) for k, v in answers.items() if _kind(questionnaire, k) is Kind.LIKERT]  # type: ignore[arg-type]
    mean = sum(values) / len(values)
    return round((mean - LIKERT_MIN) / (LIKERT_MAX - LIKERT_MIN) * 100, 2)


def _kind(questionnaire: Questionnaire, code: str) -> Kind:
    return next(i.kind for i in questionnaire.items if i.code == code)


def score_answers(questionnaire: Questionnaire, answers: Mapping[str, Answer]) -> float:
    validate_answers(questionnaire, answers)
    return likert_score(questionnaire, answers)


# --- Outcomes per level -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Thresholds:
    """Where an outcome turns; all on the 0-100 score of the level unless said otherwise."""

    satisfied: float = 60.0  # level 1: mean Likert 3.4, leaning to agree
    applied: float = 60.0  # level 3: below it the participant struggles to apply
    # level 2 bands on the normalised gain (Hake 1998): >= 0.7 high, >= 0.3 medium, else low
    high_gain: float = 0.7
    medium_gain: float = 0.3


@dataclass(frozen=True)
class Indicator:
    """A unit's level-4 indicator measured before and after the training."""

    code: str
    before: float
    after: float
    higher_is_better: bool = True

    @property
    def change_pct(self) -> float:
        """Relative change in the good direction, in % of the value before (0 when before is 0)."""
        if self.before == 0:
            return 0.0
        change = (self.after - self.before) / abs(self.before) * 100
        return round(change if self.higher_is_better else -change, 2)


@dataclass(frozen=True)
class Assessment:
    score: float
    outcome: str
    measures: dict[str, float] = field(default_factory=dict)
    struggling: bool = False
    barriers: tuple[TransferBarrier, ...] = ()


def reaction_outcome(score: float, threshold: float) -> str:
    return "satisfied" if score >= threshold else "not_satisfied"


def assess_reaction(
    answers: Mapping[str, Answer], thresholds: Thresholds, questionnaire: Questionnaire = REACTION_V1
) -> Assessment:
    score = score_answers(questionnaire, answers)
    return Assessment(score, reaction_outcome(score, thresholds.satisfied))


def assess_learning(
    answers: Mapping[str, Answer], thresholds: Thresholds, questionnaire: Questionnaire = LEARNING_V1
) -> Assessment:
    """Raw gain = post - pre; normalised gain = (post - pre) / (100 - pre), the share of the possible
    gain achieved (undefined when the pre-test was already 100). The score is the normalised gain on
    0-100, floored at 0."""
    validate_answers(questionnaire, answers)
    pre, post = float(answers["pre_score"]), float(answers["post_score"])  # type: ignore[arg-type]
    measures = {"pre_score": pre, "post_score": post, "raw_gain": round(post - pre, 2)}
    if pre >= 100:
        return Assessment(100.0 if post >= 100 else 0.0, "ceiling", measures)
    gain = (post - pre) / (100 - pre)
    measures["normalised_gain"] = round(gain, 4)
    if gain >= thresholds.high_gain:
        outcome = "high_gain"
    elif gain >= thresholds.medium_gain:
        outcome = "medium_gain"
    else:
        outcome = "low_gain"
    return Assessment(round(max(gain, 0.0) * 100, 2), outcome, measures)


def assess_behaviour(
    answers: Mapping[str, Answer], thresholds: Thresholds, questionnaire: Questionnaire = BEHAVIOUR_V1
) -> Assessment:
    score = score_answers(questionnaire, answers)
    raw = answers.get("barriers", [])
    barriers = tuple(TransferBarrier(b) for b in dict.fromkeys(raw if isinstance(raw, list) else []))
    struggling = score < thresholds.applied
    if struggling and not barriers:
        raise InvalidAnswers(
            "Skor penerapan di bawah ambang: pilih minimal satu hambatan (barriers).",
            "The application score is below the threshold: choose at least one barrier (barriers).",
        )
    return Assessment(score, "struggling" if struggling else "applied", {}, struggling, barriers)


def results_indicators(
    answers: Mapping[str, Answer], extra: Sequence[Indicator], questionnaire: Questionnaire = RESULTS_V1
) -> list[Indicator]:
    """The built-in indicators given as complete before/after pairs, then the unit's own."""
    validate_answers(questionnaire, answers)
    pairs = []
    for code, before, after, higher in BUILT_IN_INDICATORS:
        given = [k for k in (before, after) if k in answers]
        if len(given) == 1:
            raise _refuse("Isi nilai sebelum dan sesudah", "Give both before and after", [code])
        if given:
            pairs.append(Indicator(code, float(answers[before]), float(answers[after]), higher))  # type: ignore[arg-type]
    clashes = sorted({i.code for i in extra} & {c for c, *_ in BUILT_IN_INDICATORS})
    if clashes or len({i.code for i in extra}) < len(extra):
        raise _refuse("Kode indikator ganda", "Duplicate indicator codes", clashes or [i.code for i in extra])
    indicators = pairs + list(extra)
    if not indicators:
        raise InvalidAnswers(
            "Isi minimal satu indikator unit (sebelum dan sesudah).",
            "Give at least one unit indicator (before and after).",
        )
    return indicators


def assess_results(
    answers: Mapping[str, Answer], extra: Sequence[Indicator], questionnaire: Questionnaire = RESULTS_V1
) -> Assessment:
    """Score = share of indicators that improved (0-100); outcome from the mean change in the good
    direction."""
    indicators = results_indicators(answers, extra, questionnaire)
    changes = [i.change_pct for i in indicators]
    mean_change = round(sum(changes) / len(changes), 2)
    improved = sum(1 for c in changes if c > 0)
    outcome = "improved" if mean_change > 0 else "declined" if mean_change < 0 else "unchanged"
    measures = {f"change_pct_{i.code}": i.change_pct for i in indicators} | {"mean_change_pct": mean_change}
    return Assessment(round(improved / len(indicators) * 100, 2), outcome, measures)


def assess(
    questionnaire: Questionnaire,
    answers: Mapping[str, Answer],
    thresholds: Thresholds,
    extra: Sequence[Indicator] = (),
) -> Assessment:
    """Score answers against the questionnaire the evaluation was opened with, whatever is current now."""
    if questionnaire.level is Level.REACTION:
        return assess_reaction(answers, thresholds, questionnaire)
    if questionnaire.level is Level.LEARNING:
        return assess_learning(answers, thresholds, questionnaire)
    if questionnaire.level is Level.BEHAVIOUR:
        return assess_behaviour(answers, thresholds, questionnaire)
    return assess_results(answers, extra, questionnaire)


def repeated_struggle(
    completed_on: date, competencies: Sequence[str], earlier: Sequence[tuple[str, date, Sequence[str]]]
) -> list[str]:
    """Earlier struggling level-3 evaluations (id, submitted on, competencies) that share a competency
    with this programme and were reported before it was completed: this programme was the follow-up,
    and the struggle persists."""
    return sorted(
        eid for eid, submitted_on, codes in earlier if submitted_on <= completed_on and set(codes) & set(competencies)
    )
