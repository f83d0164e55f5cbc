"""The NIP (Nomor Induk Pegawai) and its one structural rule, used wherever a NIP enters the system: the
needs service's API and imports, the notifications directory and the event contracts.

Perka BKN 22/2007 lays a NIP out as YYYYMMDD YYYYMM G NNN: birth date, month of the CPNS appointment
(TMT), gender digit, serial number. Only ASCII digits count: ``str.isdigit`` and ``\\d`` also accept
full-width and superscript digits, which would store one person under two strings."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from shared.domain.errors import Invalid

# For JSON Schema and pydantic patterns: [0-9], never \d (which matches any Unicode digit).
NIP_REGEX = r"^[0-9]{18}$"
_ASCII_NIP = re.compile(NIP_REGEX)


class InvalidNip(Invalid):
    """A NIP that breaks the layout; ``part`` names what is wrong (length, birth_date, appointment,
    gender, serial), and the messages say it in both languages."""

    def __init__(self, part: str, message_id: str, message_en: str) -> None:
        super().__init__(f"invalid_nip.{part}", message_id, message_en)
        self.part = part


@dataclass(frozen=True)
class Nip:
    value: str
    birth_date: date
    appointment_year: int
    appointment_month: int
    gender: str

    @classmethod
    def parse(cls, raw: str) -> Nip:
        """The NIP without spaces, or ``InvalidNip`` naming the wrong part (never another exception)."""
        value = raw.replace(" ", "")
        if not _ASCII_NIP.match(value):
            raise InvalidNip(
                "length",
                f"NIP harus 18 digit angka 0-9; diterima {len(value)} karakter.",
                f"A NIP has 18 digits 0-9; got {len(value)} characters.",
            )
        try:
            birth = date(int(value[0:4]), int(value[4:6]), int(value[6:8]))
        except ValueError:
            raise InvalidNip(
                "birth_date",
                f"Digit 1-8 ({value[0:8]}) bukan tanggal lahir yang sah.",
                f"Digits 1-8 ({value[0:8]}) are not a valid birth date.",
            ) from None
        year, month = int(value[8:12]), int(value[12:14])
        if not 1 <= month <= 12:
            raise InvalidNip(
                "appointment",
                f"Digit 9-14 ({value[8:14]}) bukan bulan TMT CPNS yang sah.",
                f"Digits 9-14 ({value[8:14]}) are not a valid appointment (TMT) month.",
            )
        if (year, month) <= (birth.year, birth.month):
            raise InvalidNip(
                "appointment",
                f"TMT CPNS {value[8:14]} tidak boleh sebelum tanggal lahir.",
                f"The appointment month {value[8:14]} must come after the birth date.",
            )
        if value[14] not in "12":
            raise InvalidNip(
                "gender",
                f"Digit 15 ({value[14]}) harus 1 (laki-laki) atau 2 (perempuan).",
                f"Digit 15 ({value[14]}) must be 1 (male) or 2 (female).",
            )
        if value[15:18] == "000":
            # Serial numbers are counted from 001 within a TMT month and gender.
            raise InvalidNip(
                "serial",
                "Digit 16-18 (nomor urut) tidak boleh 000.",
                "Digits 16-18 (the serial number) cannot be 000.",
            )
        return cls(value, birth, year, month, "male" if value[14] == "1" else "female")


def nip_problem(raw: str) -> InvalidNip | None:
    """What is wrong with a NIP, or None: for checks that collect problems instead of raising."""
    try:
        Nip.parse(raw)
    except InvalidNip as exc:
        return exc
    return None
