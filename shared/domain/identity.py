"""Who acts: the roles of the city's staff and partners, and a caller as the token names them. Plain
values, so a use case can decide who may do what without knowing where the identity came from."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

# A NIP (Nomor Induk Pegawai) is 18 digits; this finds one inside ids and texts.
NIP_PATTERN = re.compile(r"(?<![0-9])[0-9]{18}(?![0-9])")


class Role(StrEnum):
    EMPLOYEE = "employee"
    SUPERVISOR = "supervisor"
    UNIT_HEAD = "unit_head"
    BKPSDM_ADMIN = "bkpsdm_admin"
    PARTNER = "partner"


@dataclass(frozen=True)
class Principal:
    nip: str
    roles: frozenset[Role]
    unit_code: str | None
    # A partner's institution (e.g. a university), from the token; it owns that institution's curricula.
    institution: str | None = None

    def has_any(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))
