"""xAPI 1.0.3 statements from this system's events: completions, attendance, pre/post-test scores and the
four Kirkpatrick evaluation levels, as learning records for a Learning Record Store.

Pure: payload in, statements out. Everything in a statement is derived from the event, so building it
again from a redelivered event gives the same statement, byte for byte:

- the statement ``id`` is uuid5(event id, kind): a redelivery is the same statement, which an LRS stores
  once (xAPI 1.0.3, Communication §2.1.1: a statement id is unique; the same id with the same content is
  not a second statement);
- ``context.registration`` is uuid5 of the enrolment id, so every statement about one seat (attended,
  pre-test, post-test, completed, the four evaluations) shares one registration;
- the ``timestamp`` comes from the payload (or the event's own time), never from the clock: an LRS that
  fills in a missing timestamp with "now" would see a resend as a different statement (Ralph answers 409).

The learner is identified by NIP only (``actor.account``), never by name or e-mail (UU 27/2022: the least
personal data the purpose needs).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any
from urllib.parse import quote, urlsplit

from shared.domain.vocabulary import EnrolmentState
from shared.events.common import CompetencyTarget
from shared.events.contracts import EventPayload
from shared.events.evaluation import EvaluationSubmitted
from shared.events.training import EnrolmentChanged, ProgramCompleted

XAPI_VERSION = "1.0.3"

# Fixed namespaces: the ids they derive must never change, or a resend after an upgrade would be a new
# statement (and a new registration) in every LRS that already holds the old one.
STATEMENT_NAMESPACE = uuid.UUID("02042da0-7ee1-4d91-89a6-9bcaac65ed1e")
REGISTRATION_NAMESPACE = uuid.UUID("fd1a83bd-d693-4a60-86ca-445a58e006ae")

ACTIVITY_COURSE = "http://adlnet.gov/expapi/activities/course"
ACTIVITY_ASSESSMENT = "http://adlnet.gov/expapi/activities/assessment"


class Verb(StrEnum):
    """ADL verbs (http://adlnet.gov/expapi/verbs/), the vocabulary every LRS and LMS report knows."""

    ATTENDED = "http://adlnet.gov/expapi/verbs/attended"
    COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
    FAILED = "http://adlnet.gov/expapi/verbs/failed"
    PASSED = "http://adlnet.gov/expapi/verbs/passed"
    RESPONDED = "http://adlnet.gov/expapi/verbs/responded"
    SCORED = "http://adlnet.gov/expapi/verbs/scored"


_VERB_DISPLAY = {
    Verb.ATTENDED: ("attended", "menghadiri"),
    Verb.COMPLETED: ("completed", "menyelesaikan"),
    Verb.FAILED: ("failed", "tidak lulus"),
    Verb.PASSED: ("passed", "lulus"),
    Verb.RESPONDED: ("responded", "menjawab"),
    Verb.SCORED: ("scored", "memperoleh nilai"),
}

_LEVEL_NAMES = {
    1: ("Evaluasi reaksi (level 1)", "Reaction evaluation (level 1)"),
    2: ("Evaluasi pembelajaran (level 2)", "Learning evaluation (level 2)"),
    3: ("Evaluasi perilaku (level 3)", "Behaviour evaluation (level 3)"),
    4: ("Evaluasi hasil (level 4)", "Results evaluation (level 4)"),
}


class InvalidProfile(ValueError):
    pass


def _absolute_http(value: str, setting: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise InvalidProfile(f"{setting} must be an absolute http(s) URL without query or fragment, got {value!r}")
    return value


@dataclass(frozen=True)
class XapiProfile:
    """Where this system's identifiers live: the home page of the NIP accounts and the base IRI under which
    activities (programmes, batches, tests, evaluations) and extension keys are minted."""

    home_page: str
    iri_base: str

    def __post_init__(self) -> None:
        _absolute_http(self.home_page, "XAPI_HOME_PAGE")
        object.__setattr__(self, "iri_base", _absolute_http(self.iri_base, "XAPI_IRI_BASE").rstrip("/"))

    def iri(self, *segments: str) -> str:
        # Codes are free text (programme and batch codes): each becomes one escaped path segment.
        return "/".join([self.iri_base, *(quote(s, safe="") for s in segments)])

    def extension(self, name: str) -> str:
        return self.iri("extensions", name)


@dataclass(frozen=True)
class Statement:
    """One statement, ready to be sent as JSON. ``kind`` says which of an event's statements it is."""

    kind: str
    body: dict[str, Any]

    @property
    def id(self) -> str:
        return str(self.body["id"])


def statement_id(event_id: str, kind: str) -> str:
    return str(uuid.uuid5(STATEMENT_NAMESPACE, f"{event_id}/{kind}"))


def registration(enrolment_id: str) -> str:
    return str(uuid.uuid5(REGISTRATION_NAMESPACE, enrolment_id))


def timestamp(moment: datetime) -> str:
    """UTC to the millisecond: the precision an LRS must keep (xAPI 1.0.3, Data §4.5), so what it stores
    compares equal to what a resend carries."""
    if moment.tzinfo is None:
        raise ValueError("an xAPI timestamp needs a timezone-aware datetime")
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def jp_duration(jp: int) -> str:
    """1 JP (jam pelajaran) = 45 minutes (PerLAN 10/2018), as an ISO 8601 duration."""
    hours, minutes = divmod(jp * 45, 60)
    return "PT" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes or not hours else "")


def score(value: float) -> dict[str, float]:
    """Scores here are 0-100; xAPI's ``scaled`` is the same on -1..1 (xAPI 1.0.3, Data §2.4.5.1)."""
    return {"scaled": round(value / 100, 4), "raw": value, "min": 0, "max": 100}


def _verb(verb: Verb) -> dict[str, Any]:
    en, id_ = _VERB_DISPLAY[verb]
    return {"id": verb.value, "display": {"en-US": en, "id-ID": id_}}


def _activity(iri: str, activity_type: str, name_id: str, name_en: str | None = None) -> dict[str, Any]:
    name = {"id-ID": name_id} | ({"en-US": name_en} if name_en else {})
    return {"objectType": "Activity", "id": iri, "definition": {"type": activity_type, "name": name}}


def _ref(iri: str) -> dict[str, str]:
    return {"objectType": "Activity", "id": iri}


def _competencies(targets: list[CompetencyTarget]) -> list[dict[str, Any]]:
    return [{"code": t.code, "targetLevel": t.target_level} for t in targets]


class _Builder:
    """The parts every statement of one event shares."""

    def __init__(self, profile: XapiProfile, event_id: str, nip: str, enrolment_id: str, moment: datetime) -> None:
        self.profile = profile
        self.event_id = event_id
        self.actor = {"objectType": "Agent", "account": {"homePage": profile.home_page, "name": nip}}
        self.registration = registration(enrolment_id)
        self.timestamp = timestamp(moment)

    def ext(self, values: dict[str, Any]) -> dict[str, Any]:
        return {self.profile.extension(name): value for name, value in values.items() if value is not None}

    def statement(
        self,
        kind: str,
        verb: Verb,
        obj: dict[str, Any],
        *,
        result: dict[str, Any] | None,
        context_activities: dict[str, list[dict[str, str]]],
        extensions: dict[str, Any],
    ) -> Statement:
        context: dict[str, Any] = {"registration": self.registration, "language": "id-ID"}
        if context_activities:
            context["contextActivities"] = context_activities
        if ext := self.ext(extensions):
            context["extensions"] = ext
        body: dict[str, Any] = {
            "id": statement_id(self.event_id, kind),
            "actor": self.actor,
            "verb": _verb(verb),
            "object": obj,
        }
        if result:
            body["result"] = result
        body["context"] = context
        body["timestamp"] = self.timestamp
        body["version"] = XAPI_VERSION
        return Statement(kind, body)


def from_program_completed(
    p: ProgramCompleted, *, event_id: str, event_time: datetime, profile: XapiProfile
) -> list[Statement]:
    """The pre-test (``scored``), the post-test (``passed``: completion requires the passing score) and the
    completion itself (``completed``), each present only when the payload carries it. ProgramCompleted
    names dates, not moments, so the statements take the event's own time."""
    b = _Builder(profile, event_id, p.nip, p.enrolment_id, event_time)
    program = profile.iri("programs", p.program_code)
    course_iri = profile.iri("batches", p.batch_code) if p.batch_code else program
    course = _activity(course_iri, ACTIVITY_COURSE, p.program_title)
    shared_ext = {
        "jp": p.jp,
        "competencies": _competencies(p.competencies),
        "form": p.form.value,
        "unit": p.unit_code,
        "started-on": p.started_on.isoformat(),
        "completed-on": p.completed_on.isoformat(),
    }
    around_course = {"parent": [_ref(course_iri)], "grouping": [_ref(program)]}
    statements = []
    if p.pre_score is not None:
        statements.append(
            b.statement(
                "pre-test",
                Verb.SCORED,
                _activity(f"{course_iri}/pre-test", ACTIVITY_ASSESSMENT, f"Pre-test {p.program_title}"),
                result={"score": score(p.pre_score)},
                context_activities=around_course,
                extensions=shared_ext,
            )
        )
    if p.post_score is not None:
        statements.append(
            b.statement(
                "post-test",
                Verb.PASSED,
                _activity(f"{course_iri}/post-test", ACTIVITY_ASSESSMENT, f"Post-test {p.program_title}"),
                result={"success": True, "score": score(p.post_score)},
                context_activities=around_course,
                extensions=shared_ext,
            )
        )
    completed_result: dict[str, Any] = {"completion": True, "success": True, "duration": jp_duration(p.jp)}
    if p.post_score is not None:
        completed_result["score"] = score(p.post_score)
    completed_result["extensions"] = b.ext(
        {"certificate-number": p.certificate_number, "attendance-pct": p.attendance_pct}
    )
    statements.append(
        b.statement(
            "completed",
            Verb.COMPLETED,
            course,
            result=completed_result,
            context_activities={"parent": [_ref(program)]} if p.batch_code else {},
            extensions=shared_ext,
        )
    )
    return statements


def from_enrolment_changed(p: EnrolmentChanged, *, event_id: str, profile: XapiProfile) -> list[Statement]:
    """``attended`` at the first session attended, ``failed`` when the seat fails. Proposals,
    confirmations and withdrawals are plans, not learning; a completion comes as ProgramCompleted."""
    if p.status not in (EnrolmentState.ATTENDING, EnrolmentState.FAILED):
        return []
    b = _Builder(profile, event_id, p.nip, p.enrolment_id, p.changed_at)
    program = profile.iri("programs", p.program_code)
    course = _activity(profile.iri("batches", p.batch_code), ACTIVITY_COURSE, p.program_title)
    extensions = {"form": p.form.value, "unit": p.unit_code, "phase": p.phase_code}
    activities = {"parent": [_ref(program)]}
    if p.status is EnrolmentState.ATTENDING:
        return [
            b.statement(
                "attended", Verb.ATTENDED, course, result=None, context_activities=activities, extensions=extensions
            )
        ]
    result: dict[str, Any] = {"completion": False, "success": False}
    if p.reason:
        result["extensions"] = b.ext({"reason": {"id-ID": p.reason} | ({"en-US": p.reason_en} if p.reason_en else {})})
    return [
        b.statement("failed", Verb.FAILED, course, result=result, context_activities=activities, extensions=extensions)
    ]


def from_evaluation_submitted(p: EvaluationSubmitted, *, event_id: str, profile: XapiProfile) -> list[Statement]:
    """One statement per submitted level, about the participant (the learning record is theirs, whoever
    answered): level 1 ``responded``, levels 2-4 ``scored``. ``success`` only where the level has a bar:
    level 1 satisfied, level 3 applying what was learned. Who evaluated is not sent."""
    b = _Builder(profile, event_id, p.nip, p.enrolment_id, p.submitted_at)
    program = profile.iri("programs", p.program_code)
    name_id, name_en = _LEVEL_NAMES[p.level]
    evaluation = profile.iri("programs", p.program_code, "evaluations", f"level-{p.level}")
    obj = _activity(evaluation, ACTIVITY_ASSESSMENT, name_id, name_en)
    result: dict[str, Any] = {"score": score(p.score)}
    if p.level == 1:
        result["success"] = p.outcome == "satisfied"
    elif p.level == 3:
        result["success"] = not p.struggling_to_apply
    result["extensions"] = b.ext(
        {
            "outcome": p.outcome,
            "barriers": [barrier.value for barrier in p.barriers] or None,
            "measures": dict(p.measures) or None,
        }
    )
    extensions = {"level": p.level, "unit": p.unit_code, "competency-codes": list(p.competency_codes) or None}
    kind = f"evaluation-level-{p.level}"
    verb = Verb.RESPONDED if p.level == 1 else Verb.SCORED
    activities = {"grouping": [_ref(program)]}
    return [b.statement(kind, verb, obj, result=result, context_activities=activities, extensions=extensions)]


def statements_for(
    payload: EventPayload, *, event_id: str, event_time: datetime, profile: XapiProfile
) -> list[Statement]:
    """The statements an event yields; none for events that are not learning records. ``event_time`` (the
    CloudEvents ``time``) is used only by ProgramCompleted, whose payload has no moment of its own."""
    if isinstance(payload, ProgramCompleted):
        return from_program_completed(payload, event_id=event_id, event_time=event_time, profile=profile)
    if isinstance(payload, EnrolmentChanged):
        return from_enrolment_changed(payload, event_id=event_id, profile=profile)
    if isinstance(payload, EvaluationSubmitted):
        return from_evaluation_submitted(payload, event_id=event_id, profile=profile)
    return []
