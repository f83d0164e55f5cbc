"""Public satisfaction (SKM, PermenPANRB 14/2017): the survey result BKPSDM enters, and citizens'
own answers to a unit's questionnaire, one population whose element means raise the unit's needs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from mongoengine import NotUniqueError

from services.needs import domain, public_survey, sources
from services.needs.application.needs import NeedsService
from services.needs.documents import (
    CompetencyDocument,
    NeedDocument,
    SkmResponseDocument,
    SkmResultDocument,
    UnitDocument,
)
from services.needs.public_survey import Tally
from shared.domain import clock
from shared.events import NeedSource
from shared.persistence import get_or_not_found


@dataclass(frozen=True)
class SkmOutcome:
    result: SkmResultDocument | None
    raised: list[NeedDocument]


@dataclass(frozen=True)
class CitizenAnswer:
    unit_code: str
    fiscal_year: int
    counted: bool  # False: this submission id was counted before (a retry)
    respondents: int


class PublicSatisfaction:
    def __init__(self, needs: NeedsService) -> None:
        self.needs = needs

    def record_survey(self, unit_code: str, fiscal_year: int, nrr: dict[str, float], respondents: int) -> SkmOutcome:
        """The result of a survey BKPSDM ran (or had run): it replaces an earlier entry for the year and
        joins the citizens' answers of that year."""
        get_or_not_found(UnitDocument, unit_code, "Unit kerja", "Work unit")
        result = SkmResultDocument.objects(id=_result_id(unit_code, fiscal_year)).first()
        result = result or SkmResultDocument(id=_result_id(unit_code, fiscal_year), unit_code=unit_code)
        result.fiscal_year = fiscal_year
        result.entered_nrr, result.entered_respondents = nrr, respondents
        return self._apply(result)

    def answer(self, unit_code: str, submission_id: str, answers: dict[str, object]) -> CitizenAnswer:
        """A citizen's answers, counted for the unit's current fiscal year (Medan time). Validated whole
        before anything is stored. The answer is the one fact stored; the unit's result is derived from
        all answers again each time, so a retried submission (same id, counted once) also repairs a
        result that a crash right after storing the answer left behind."""
        public_survey.check_submission_id(submission_id)
        checked = public_survey.check_answers(answers)
        get_or_not_found(UnitDocument, unit_code, "Unit kerja", "Work unit")
        fiscal_year = clock.today().year
        response = SkmResponseDocument(
            id=submission_id,
            unit_code=unit_code,
            fiscal_year=fiscal_year,
            answers=checked,
            submitted_at=datetime.now(UTC),
        )
        try:
            response.save(force_insert=True)
            counted = True
        except NotUniqueError:
            counted = False
            earlier = SkmResponseDocument.objects.get(id=submission_id)
            unit_code, fiscal_year = earlier.unit_code, earlier.fiscal_year
        result = SkmResultDocument.objects(id=_result_id(unit_code, fiscal_year)).first()
        result = result or SkmResultDocument(id=_result_id(unit_code, fiscal_year), unit_code=unit_code)
        result.fiscal_year = fiscal_year
        outcome = self._apply(result)
        assert outcome.result is not None  # at least this answer counts
        return CitizenAnswer(unit_code, fiscal_year, counted, outcome.result.citizen_respondents)

    def _apply(self, result: SkmResultDocument) -> SkmOutcome:
        """Recompute the unit's year from the entered survey and every citizen answer, save it, and raise
        (or resolve) the unit needs it implies."""
        citizens = public_survey.tally(
            r.answers
            for r in SkmResponseDocument.objects(unit_code=result.unit_code, fiscal_year=result.fiscal_year).only(
                "answers"
            )
        )
        entered = Tally(result.entered_nrr, result.entered_respondents) if result.entered_respondents else None
        everyone = public_survey.combined(entered, citizens)
        if everyone is None:
            return SkmOutcome(None, [])
        score = sources.ikm(everyone.nrr)
        result.nrr = {e: round(v, 4) for e, v in everyone.nrr.items()}
        result.respondents = everyone.respondents
        result.citizen_respondents = citizens.respondents if citizens else 0
        result.ikm, result.band = score, sources.skm_band(score)
        result.recorded_at = datetime.now(UTC)
        result.save()
        unit = UnitDocument.objects.get(code=result.unit_code)
        specs = sources.skm_needs(
            everyone.nrr,
            unit_code=result.unit_code,
            fiscal_year=result.fiscal_year,
            competency_names={c.code: c.name for c in CompetencyDocument.objects},
            front_line=unit.front_line,
            policy=self.needs.rules.priority,
            skm=self.needs.rules.skm,
        )
        raised = [self.needs.open_need(spec) for spec in specs]
        # A corrected survey, or more answers, that no longer show a weakness resolve what was raised.
        kept = {s.need_id for s in specs}
        for need in NeedDocument.objects(
            unit_code=result.unit_code,
            fiscal_year=result.fiscal_year,
            source=NeedSource.PUBLIC_SATISFACTION,
            status=domain.NeedStatus.OPEN,
        ):
            if need.id not in kept:
                self.needs.resolve_need(need.id)
        return SkmOutcome(result, raised)


def _result_id(unit_code: str, fiscal_year: int) -> str:
    return f"{fiscal_year}-{unit_code}"
