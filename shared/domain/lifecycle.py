"""A record's lifecycle as a table of moves: (action, status) -> next status. A move the table lacks is
refused in words staff read: "Pendaftaran berstatus completed tidak dapat dikonfirmasi." The guard is what
makes a redelivered or repeated command harmless (eShop's guarded state transitions)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

from shared.domain.errors import InvalidTransition

S = TypeVar("S", bound=StrEnum)


@dataclass(frozen=True)
class Lifecycle(Generic[S]):
    # What moves, as a refusal names it: "Pendaftaran" / "An enrolment".
    subject_id: str
    subject_en: str
    moves: Mapping[tuple[str, S], S]
    # Each action in the past tense, to say what cannot be done: "dikonfirmasi" / "confirmed".
    done: Mapping[str, tuple[str, str]]

    def __post_init__(self) -> None:
        unnamed = {action for action, _ in self.moves} - set(self.done)
        if unnamed:
            raise ValueError(f"actions without words for their refusal: {sorted(unnamed)}")

    def next(self, action: str, status: S) -> S:
        try:
            return self.moves[(action, status)]
        except KeyError:
            done_id, done_en = self.done[action]
            raise InvalidTransition(
                f"{self.subject_id} berstatus {status.value} tidak dapat {done_id}.",
                f"{self.subject_en} that is {status.value} cannot be {done_en}.",
            ) from None
