"""Why a use case refused, for the people who asked: a stable code and the reason in Bahasa Indonesia and
English, and no transport status. The HTTP edge turns each kind into a status in one place
(``shared.http.errors``); a consumer or a periodic job sees the same exception as a route does."""

from __future__ import annotations


class DomainError(Exception):
    def __init__(self, code: str, message_id: str, message_en: str) -> None:
        super().__init__(message_en)
        self.code = code
        self.message_id = message_id
        self.message_en = message_en


class NotFound(DomainError):
    """What the use case was asked about does not exist: ``NotFound("Angkatan", "Batch", "B-1")``."""

    def __init__(self, what_id: str, what_en: str, key: str) -> None:
        super().__init__("not_found", f"{what_id} {key} tidak ditemukan.", f"{what_en} {key} was not found.")


class Forbidden(DomainError):
    """The caller may not do this to this record (a rule of the use case, not of the route)."""


class Invalid(DomainError):
    """What was given breaks a rule, whatever the current state: asking again unchanged fails again."""


class InvalidItems(Invalid):
    """Items of a list break rules; ``items`` names the first of them by index, with the reason."""

    def __init__(self, message_id: str, message_en: str, items: list[dict[str, object]]) -> None:
        super().__init__("invalid_items", message_id, message_en)
        self.items = items


class Conflict(DomainError):
    """The current state does not allow it; it may once the state changes."""


class InvalidTransition(Conflict):
    """A lifecycle refused a move from the status a record is in (see ``shared.domain.lifecycle``)."""

    def __init__(self, message_id: str, message_en: str) -> None:
        super().__init__("invalid_transition", message_id, message_en)


class ConcurrentUpdate(Conflict):
    """The record changed since it was read; reload and apply the change again."""

    def __init__(self, what: str) -> None:
        super().__init__(
            "concurrent_update",
            "Data sedang diubah oleh permintaan lain; coba lagi.",
            f"{what} was changed by another request at the same time; try again.",
        )
