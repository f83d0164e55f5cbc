"""Issuing the credential of a completion: what it says, and which status list position it gets.

The credential is written in the same single-document write as the completion and its
ProgramCompleted (``seats.enrolments.Enrolments.complete``): a completed seat always has its
credential, and the event announcing it names its URL. A status list position is taken first, by
inserting its slot: the primary key makes it impossible to hand out twice (across replicas too), and a
crash before the completion's write wastes one position, never reuses one.
"""

from __future__ import annotations

import contextlib
import json
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pymongo.errors import DuplicateKeyError

from services.training import domain
from services.training.documents import (
    BatchDocument,
    EnrolmentDocument,
    ProgramDocument,
    StatusListDocument,
    StatusSlotDocument,
)
from shared.credentials import Award, Competency, CredentialService, InvalidCredentialInput, Programme, Recipient
from shared.credentials.badge import new_credential_id, new_salt
from shared.credentials.status import LIST_LENGTH, new_list_key, permuted_index
from shared.domain.errors import Invalid

LIST_PREFIX = "revocation-"


@dataclass(frozen=True)
class Slot:
    list_id: str
    index: int


def criteria(offer: domain.ProgramOffer) -> str:
    """What a participant had to do, as the completion rules judged it (domain.judge_completion)."""
    text = f"Kehadiran minimal {offer.min_attendance_pct:g}% dari seluruh sesi"
    if offer.passing_score is not None:
        text += f" dan nilai post-test minimal {offer.passing_score:g}"
    if domain.is_placement(offer.form):
        text += ", dengan kesepakatan belajar dan laporan akhir yang diterima"
    return text + "."


def award_of(
    e: EnrolmentDocument,
    batch: BatchDocument,
    program: ProgramDocument,
    offer: domain.ProgramOffer,
    *,
    credential_id: str,
    salt: str,
    now: datetime,
) -> Award:
    """The facts a completed seat's certificate states; the name only where the participant chose it."""
    assert e.completed_on is not None and e.certificate_number is not None
    return Award(
        credential_id=credential_id,
        certificate_number=e.certificate_number,
        programme=Programme(
            code=offer.code,
            title=offer.title,
            form=offer.form,
            jp=offer.jp,
            provider=program.provider,
            competencies=tuple(Competency(code, level) for code, level in sorted(offer.competencies.items())),
            criteria=criteria(offer),
            passing_score=offer.passing_score,
        ),
        recipient=Recipient(e.nip, salt, e.name_on_certificate or None),
        started_on=batch.starts_on,
        completed_on=e.completed_on,
        valid_from=now,
        post_score=e.post_score,
    )


class Issuer:
    def __init__(self, credentials: CredentialService) -> None:
        self.credentials = credentials
        self._lists = threading.Lock()  # one process creates a missing list once

    def url_of(self, e: EnrolmentDocument) -> str | None:
        return self.credentials.urls.credential(e.credential_id) if e.credential_id else None

    def take_slot(self, enrolment_id: str) -> Slot:
        """A position no other credential has, in the first list with room (a new list when all are full)."""
        number = 1
        while True:
            listed = self._list(f"{LIST_PREFIX}{number}")
            sequence = listed.next_sequence
            while sequence < LIST_LENGTH:
                index = permuted_index(sequence, listed.key)
                slot = {"_id": f"{listed.id}:{sequence}", "enrolment_id": enrolment_id, "index": index}
                try:
                    StatusSlotDocument._get_collection().insert_one(slot | {"taken_at": datetime.now(UTC)})
                except DuplicateKeyError:
                    sequence += 1  # taken by another writer since the hint was read
                    continue
                # Only a hint for the next writer ($max: never moves back); the slots are the truth.
                lists = StatusListDocument._get_collection()
                lists.update_one({"_id": listed.id}, {"$max": {"next_sequence": sequence + 1}})
                return Slot(listed.id, index)
            number += 1

    def _list(self, list_id: str) -> StatusListDocument:
        found = StatusListDocument.objects(pk=list_id).first()
        if found is not None:
            return found
        with self._lists:
            signed = self.credentials.status_list(list_id, [])
            fresh = {"_id": list_id, "key": new_list_key(), "next_sequence": 0, "revoked_count": 0}
            # Another replica may have created it first: its key stands.
            with contextlib.suppress(DuplicateKeyError):
                StatusListDocument._get_collection().insert_one(
                    fresh | {"signed": json.dumps(signed), "updated_at": datetime.now(UTC)}
                )
        found = StatusListDocument.objects(pk=list_id).first()
        assert found is not None
        return found

    def issue(
        self,
        e: EnrolmentDocument,
        batch: BatchDocument,
        program: ProgramDocument,
        offer: domain.ProgramOffer,
        slot: Slot,
    ) -> None:
        """Sign the certificate of a seat judged completed and put it on the seat (the caller commits)."""
        now = datetime.now(UTC)
        credential_id = new_credential_id()
        award = award_of(e, batch, program, offer, credential_id=credential_id, salt=new_salt(), now=now)
        try:
            signed: dict[str, Any] = self.credentials.issue(
                award, status_list_id=slot.list_id, status_index=slot.index, now=now
            )
        except InvalidCredentialInput as exc:
            raise Invalid("invalid_certificate", exc.message_id, exc.message_en) from None
        e.credential_id = credential_id
        e.credential = json.dumps(signed, ensure_ascii=False)
        e.credential_status_list, e.credential_status_index = slot.list_id, slot.index
