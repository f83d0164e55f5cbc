"""SKM: the survey result BKPSDM enters, and the questionnaire citizens answer themselves (no sign-in)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from pydantic import BaseModel, Field

from services.needs import public_survey
from services.needs.application.skm import PublicSatisfaction
from services.needs.documents import UnitDocument
from services.needs.http.schemas import Code, NeedOut, SkmIn, SkmOut
from services.needs.http.scopes import HeadScope
from services.needs.sources import SKM_ELEMENTS
from shared.domain.errors import DomainError
from shared.http.browser import PAGE_POLICY
from shared.http.ratelimit import RateLimit
from shared.http.schemas import RequestModel
from shared.persistence import get_or_not_found

_pages = Environment(
    loader=FileSystemLoader(Path(__file__).resolve().parents[1] / "templates"), autoescape=select_autoescape()
)
# The questionnaire posts to itself: the report pages' policy, with forms allowed back to this origin.
FORM_POLICY = PAGE_POLICY.replace("form-action 'none'", "form-action 'self'")
# Never more than this many bytes of form from an anonymous client (nine answers and an id take ~100).
MAX_FORM_BYTES = 4096
RATE_LIMITED: dict[int | str, dict[str, Any]] = {
    429: {"description": "Too many submissions from this address; the Retry-After header says when to try again"}
}
Lang = Annotated[str, Query(pattern="^(id|en)$")]
WORDS = {
    "id": {
        "title": "Survei Kepuasan Masyarakat",
        "intro": "Bagaimana pelayanan yang Anda terima? Pilih satu jawaban untuk setiap unsur (1 tidak baik, "
        "4 sangat baik). Survei ini tanpa nama.",
        "send": "Kirim jawaban",
        "thanks": "Terima kasih. Jawaban Anda sudah kami terima dan ikut dihitung dalam indeks kepuasan unit ini.",
        "privacy": "Kami tidak menyimpan nama, alamat, atau nomor identitas Anda.",
        "switch": "English",
    },
    "en": {
        "title": "Public Satisfaction Survey",
        "intro": "How was the service you received? Choose one answer for each element (1 poor, 4 very good). "
        "This survey is anonymous.",
        "send": "Send answers",
        "thanks": "Thank you. Your answers were received and count towards this unit's satisfaction index.",
        "privacy": "We do not store your name, address or any identity number.",
        "switch": "Bahasa Indonesia",
    },
}


class CitizenAnswerIn(RequestModel):
    submission_id: str = Field(min_length=8, max_length=64, pattern=public_survey.SUBMISSION_ID.pattern)
    answers: dict[str, Annotated[int, Field(ge=public_survey.LOWEST, le=public_survey.HIGHEST)]] = Field(
        description="U1..U9, each 1 (tidak baik) to 4 (sangat baik)", max_length=len(SKM_ELEMENTS)
    )


class CitizenAnswerOut(BaseModel):
    unit_code: str
    fiscal_year: int
    counted: bool = Field(description="False when this submission id was counted before")
    respondents: int = Field(description="Citizens who answered for the unit this fiscal year")


def build_router(skm: PublicSatisfaction, *, per_minute: int) -> APIRouter:
    router = APIRouter()
    limit = Depends(RateLimit(per_minute))

    @router.post(
        "/units/{code}/skm",
        tags=["needs"],
        status_code=201,
        summary="Record a unit's public-satisfaction survey (SKM); weak results raise unit needs",
    )
    def post_skm(code: Code, body: SkmIn, scope: HeadScope) -> SkmOut:
        # The unit that serves the public runs its own survey (PermenPANRB 14/2017): its head enters the
        # result for the unit and the units under it; BKPSDM for any unit.
        scope.check_unit(code)
        outcome = skm.record_survey(code, body.fiscal_year, body.nrr, body.respondents)
        result = outcome.result
        assert result is not None  # an entered survey has respondents
        return SkmOut(
            unit_code=result.unit_code,
            fiscal_year=result.fiscal_year,
            ikm=result.ikm,
            band=result.band,
            respondents=result.respondents,
            citizen_respondents=result.citizen_respondents,
            element_scores={e: round(v * 25, 2) for e, v in sorted(result.nrr.items())},
            needs=[NeedOut.of(n) for n in outcome.raised],
        )

    @router.post(
        "/public/skm/{code}/responses",
        tags=["public"],
        status_code=201,
        dependencies=[limit],
        summary="A citizen's anonymous answers to the unit's SKM questionnaire (no sign-in, rate-limited)",
        responses={200: {"description": "This submission id was counted before; nothing changed"}, **RATE_LIMITED},
    )
    def answer(code: Code, body: CitizenAnswerIn, response: Response) -> CitizenAnswerOut:
        outcome = skm.answer(code, body.submission_id, dict(body.answers))
        if not outcome.counted:
            response.status_code = 200
        return CitizenAnswerOut(**outcome.__dict__)

    @router.get(
        "/public/skm/{code}",
        tags=["public"],
        response_class=HTMLResponse,
        summary="The unit's SKM questionnaire as a page citizens fill in (no sign-in)",
    )
    def form(code: Code, lang: Lang = "id") -> HTMLResponse:
        return _page(code, lang)

    @router.post(
        "/public/skm/{code}",
        tags=["public"],
        response_class=HTMLResponse,
        dependencies=[limit],
        summary="The questionnaire page's submission (form-encoded); answers the page again",
        responses=RATE_LIMITED,
    )
    async def submit_form(code: Code, request: Request, lang: Lang = "id") -> HTMLResponse:
        body = await request.body()
        fields = {k: v[0] for k, v in parse_qs(body[:MAX_FORM_BYTES].decode("utf-8", "replace")).items()}
        submission_id = fields.pop("submission_id", "")
        try:
            skm.answer(code, submission_id, dict(fields))
        except DomainError as error:
            message = error.message_en if lang == "en" else error.message_id
            # The page again, saying what is missing: a page for people, not an API refusal.
            return _page(code, lang, error=message, chosen=fields, submission_id=submission_id)
        return _page(code, lang, done=True)

    return router


def _page(code: str, lang: str, **context: Any) -> HTMLResponse:
    unit = get_or_not_found(UnitDocument, code, "Unit kerja", "Work unit")
    names = public_survey.ELEMENTS_EN if lang == "en" else SKM_ELEMENTS
    chosen = {k: int(v) for k, v in context.pop("chosen", {}).items() if v.isascii() and v.isdigit()}
    html = _pages.get_template("skm_form.html").render(
        lang=lang,
        other_lang="en" if lang == "id" else "id",
        t=WORDS[lang],
        unit_name=unit.name,
        elements=list(names.items()),
        answers=[(v, words[1] if lang == "en" else words[0]) for v, words in public_survey.ANSWER_WORDS.items()],
        chosen=chosen,
        submission_id=context.pop("submission_id", None) or uuid.uuid4().hex,
        error=context.pop("error", None),
        done=context.pop("done", False),
    )
    return HTMLResponse(html, headers={"Content-Security-Policy": FORM_POLICY})
