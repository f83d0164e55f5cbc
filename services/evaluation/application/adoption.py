"""Adoption items: a benchmarking visit's report turns each practice seen into an item for the home unit's
head; a leadership programme's change project (aksi perubahan) into milestones and the post-training
evaluation (EPP) for the supervisor to confirm. Each item is written with its AdoptionItemOpened
(the embedded outbox)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from services.evaluation import actions
from services.evaluation.application.actions import close_task
from services.evaluation.documents import AdoptionItemDocument, EvaluationDocument
from shared.domain.errors import Conflict, Forbidden, NotFound
from shared.domain.identity import Principal
from shared.events import (
    ADOPTION_ITEM_CLOSED,
    ADOPTION_ITEM_OPENED,
    ActionStatus,
    AdoptionItemClosed,
    AdoptionItemOpened,
    AdoptionKind,
    EvaluatorRole,
)
from shared.messaging.outbox import Notify, insert_all, new_event


@dataclass(frozen=True)
class Step:
    title: str
    due_on: date
    plan: str | None = None


class Adoption:
    def __init__(self, *, change_project_programmes: Sequence[str], notify: Notify) -> None:
        self.change_project_programmes = tuple(change_project_programmes)
        self.notify = notify

    def file_visit_report(
        self, enrolment_id: str, practices: Sequence[Step], who: Principal
    ) -> list[AdoptionItemDocument]:
        """The participant reports the practices seen; each is to be adopted by the head of their unit."""
        e = self._own_completion(enrolment_id, who)
        if e.form != "benchmarking_visit":
            raise Conflict(
                "not_a_visit",
                "Laporan kunjungan hanya untuk program patok banding.",
                "A visit report belongs to a benchmarking visit only.",
            )
        actions.check_practices(e.completed_on, [p.due_on for p in practices])
        return self._open(e, [(AdoptionKind.PRACTICE, p, EvaluatorRole.UNIT) for p in practices])

    def file_change_project(
        self, enrolment_id: str, title: str, milestones: Sequence[Step], epp_on: date, who: Principal
    ) -> list[AdoptionItemDocument]:
        """The participant's change project: each milestone, then the EPP, confirmed by the supervisor."""
        e = self._own_completion(enrolment_id, who)
        if not actions.leads_to_change_project(e.program_code, self.change_project_programmes):
            listed = ", ".join(self.change_project_programmes)
            raise Conflict(
                "not_leadership_training",
                f"Aksi perubahan hanya untuk pelatihan kepemimpinan ({listed}).",
                f"A change project belongs to leadership training only ({listed}).",
            )
        actions.check_change_project(e.completed_on, [m.due_on for m in milestones], epp_on)
        epp = Step(f"EPP: {title}", epp_on)
        steps = [(AdoptionKind.MILESTONE, m, EvaluatorRole.SUPERVISOR) for m in milestones]
        return self._open(e, [*steps, (AdoptionKind.EPP, epp, EvaluatorRole.SUPERVISOR)])

    def close(self, item_id: str, to: ActionStatus, text: str, who: Principal) -> AdoptionItemDocument:
        item = close_task(
            AdoptionItemDocument,
            item_id,
            to,
            text,
            who,
            lambda i: new_event(ADOPTION_ITEM_CLOSED, _closed(i), subject=i.nip),
        )
        self.notify()
        return item

    @staticmethod
    def _own_completion(enrolment_id: str, who: Principal) -> EvaluationDocument:
        # Any evaluation of the enrolment tells whose completion it is: they all copy ProgramCompleted.
        e = EvaluationDocument.objects(enrolment_id=enrolment_id).first()
        if e is None:
            raise NotFound("Penyelesaian program", "Programme completion", enrolment_id)
        if e.nip != who.nip:
            raise Forbidden(
                "not_participant",
                "Hanya peserta sendiri yang dapat mengisinya.",
                "Only the participant may file it.",
            )
        return e

    def _open(
        self, e: EvaluationDocument, steps: Sequence[tuple[AdoptionKind, Step, EvaluatorRole]]
    ) -> list[AdoptionItemDocument]:
        # Filed once per enrolment: items are keyed on it, so a second filing (or a retried one) is refused.
        if AdoptionItemDocument.objects(enrolment_id=e.enrolment_id).count():
            raise Conflict("already_filed", "Laporan ini sudah diisi.", "This was already filed.")
        now = datetime.now(UTC)
        items = [
            AdoptionItemDocument(
                id=f"{e.enrolment_id}-{kind.value}-{n}",
                enrolment_id=e.enrolment_id,
                program_code=e.program_code,
                host_code=e.host_code,
                nip=e.nip,
                unit_code=e.unit_code,
                kind=kind.value,
                title=step.title,
                plan=step.plan,
                owner_role=role.value,
                owner_nip=e.supervisor_nip if role is EvaluatorRole.SUPERVISOR else None,
                status=ActionStatus.OPEN.value,
                due_on=step.due_on,
                opened_at=now,
            )
            for n, (kind, step, role) in enumerate(steps, start=1)
        ]
        # Each item with its event in one write; the batch in one bulk insert.
        insert_all([(i, [new_event(ADOPTION_ITEM_OPENED, _opened(i), subject=i.nip)]) for i in items])
        self.notify()
        return items


def adoption_measures(enrolment_id: str) -> dict[str, float]:
    items = AdoptionItemDocument.objects(enrolment_id=enrolment_id).only("kind", "status")
    return actions.adoption_measures((i.kind, i.status) for i in items)


def _opened(i: AdoptionItemDocument) -> AdoptionItemOpened:
    return AdoptionItemOpened(
        item_id=i.id,
        kind=AdoptionKind(i.kind),
        enrolment_id=i.enrolment_id,
        program_code=i.program_code,
        host_code=i.host_code,
        nip=i.nip,
        unit_code=i.unit_code,
        title=i.title,
        plan=i.plan,
        owner_role=EvaluatorRole(i.owner_role),
        owner_nip=i.owner_nip,
        due_on=i.due_on,
        opened_at=i.opened_at,
    )


def _closed(i: AdoptionItemDocument) -> AdoptionItemClosed:
    return AdoptionItemClosed(
        item_id=i.id,
        kind=AdoptionKind(i.kind),
        enrolment_id=i.enrolment_id,
        nip=i.nip,
        unit_code=i.unit_code,
        status=ActionStatus(i.status),
        note=i.note,
        closed_by=i.closed_by,
        closed_at=i.closed_at,
    )
